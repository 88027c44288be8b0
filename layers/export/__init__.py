"""Layer files for a district's GIS: read, write, name the fields, explain, bundle.

- :mod:`layers.export.read`: which layers exist, their SQL through the viewer's relation,
  read with ``COPY`` into Arrow in one snapshot.
- :mod:`layers.export.writers`: GeoPackage, Shapefile (CP949 or UTF-8), GeoJSON, KML, CSV.
- :mod:`layers.export.fieldmap`: the fixed 10-character Shapefile field names.
- :mod:`layers.export.readme`: the README of every zip (sources, licences, demo warning).
- :mod:`layers.export.bundle`: one district's layers as one zip.

The command line is ``maeul export`` / ``maeul bundle`` (``layers/export/cli.py``).
"""
