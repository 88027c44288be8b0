"""A district bundle: one zip with every layer of a district as GeoPackage, Shapefile and CSV.

The zip holds ``<stem>.gpkg`` (all layers), ``shp/`` (one Shapefile per layer, ``.cpg``,
``fieldmap.csv``), ``csv/`` (one CSV per layer) and ``README.txt`` (source, export time,
filters, record counts, CRS, field mapping, boundary attribution, demo note). All three
formats come from one read of the database, so they hold the same records.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.access import Viewer
from geo.errors import InvalidInput
from geo.messages import Msg, Pair
from geo.progress import Progress, no_progress
from geo.queries import ResourceFilter
from geo.reference import district_names, resolve_districts
from layers.export import readme
from layers.export.read import BUNDLE_LAYERS, Selection, check_crs, read_layers
from layers.export.writers import (
    FORMATS,
    KST,
    SHAPEFILE_ENCODINGS,
    WriteOptions,
    check_folder,
    zip_files,
)

#: Formats in a bundle and the folder each goes to ("" = top of the zip).
BUNDLE_FORMATS: dict[str, str] = {"gpkg": "", "shp": "shp", "csv": "csv"}


@dataclass
class BundleResult:
    """The bundle written: district, counts per layer, files in the zip, notes."""

    path: Path
    district: tuple[str, str, str]  # code, Korean name, romanised name
    counts: dict[str, int]
    demo_counts: dict[str, int]
    generalised: int
    exported_at: dt.datetime
    files: list[str]
    notes: list[Msg]
    readme: str
    mime: str = "application/zip"


def bundle_stem(code: str, name_en: str) -> str:
    """``maeul_11440_mapo-gu``: the file name stem of a district's bundle."""
    return f"maeul_{code}_{re.sub(r'[^a-z0-9]+', '-', name_en.lower()).strip('-')}"


def export_stem(districts: Sequence[tuple[str, str]], layers: Sequence[str], crs: int) -> str:
    """The file name stem of an export, saying what is in it.

    ``maeul_11440_mapo-gu_resources-program_sites_epsg5186``: the districts (code and
    English name; ``seoul`` for all of Seoul, ``5-districts`` beyond three), the layers and
    the CRS.

    Parameters
    ----------
    districts
        ``(code, name_en)`` of each district the file holds; empty for all of Seoul.
    layers
        The layers' names, in the order chosen.
    crs
        EPSG code of the coordinates.
    """
    if not districts:
        where = "seoul"
    elif len(districts) <= 3:
        where = "_".join(bundle_stem(code, name)[len("maeul_") :] for code, name in districts)
    else:
        where = f"{len(districts)}-districts"
    return f"maeul_{where}_{'-'.join(layers) or 'none'}_epsg{int(crs)}"


def export_bundle(
    district: str,
    *,
    viewer: Viewer,
    out: Path | str,
    crs: int = 5186,
    encoding: str = "cp949",
    resources: ResourceFilter | None = None,
    progress: Progress = no_progress,
) -> BundleResult:
    """Write the bundle of ``district`` (Korean name, romanised name or code) to ``out``.

    Parameters
    ----------
    viewer
        Whose rights apply (public: people generalised, no contacts).
    out
        A ``.zip`` path.
    crs
        EPSG code of every file in the bundle.
    encoding
        Shapefile text encoding, ``cp949`` or ``utf-8``.
    resources
        The map pages' resource filter (kinds, categories, text).
    """
    codes = resolve_districts([district])
    if len(codes) != 1:
        raise InvalidInput(Msg("export.choose_one_district"))
    code = codes[0]
    crs = check_crs(crs)
    if encoding not in SHAPEFILE_ENCODINGS:
        raise InvalidInput(Msg("export.unsupported_encoding", encoding=encoding))
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise InvalidInput(Msg("export.bundle_zip_file", name=out.name))
    check_folder(out)
    name_ko, name_en = district_names([code])[code]
    selection = Selection(districts=(code,), resources=resources or ResourceFilter())
    progress(0.0, Msg("export.reading_from_database"))
    tables = read_layers(
        BUNDLE_LAYERS,
        viewer=viewer,
        selection=selection,
        crs=crs,
        geometry=("wkb", "xy"),
        progress=lambda f, m: progress(0.4 * f, m),
    )
    exported_at = dt.datetime.now(KST).replace(microsecond=0)
    stem = bundle_stem(code, name_en)
    files: list[tuple[Path, str]] = []
    notes: list[Msg] = []
    with tempfile.TemporaryDirectory(prefix=".bundle-", dir=out.parent) as tmp:
        for i, (fmt_code, folder) in enumerate(BUNDLE_FORMATS.items()):
            fmt = FORMATS[fmt_code]
            progress(0.4 + 0.15 * i, Msg("export.writing", format=Pair(*fmt.label)))
            target = Path(tmp, folder or ".")
            target.mkdir(exist_ok=True)
            written = fmt.writer(tables, target, WriteOptions(stem, encoding))
            files += [(p, f"{folder}/{p.name}" if folder else p.name) for p in written.files]
            notes += written.notes
        text = readme.render(
            tables,
            viewer=viewer,
            selection=selection,
            exported_at=exported_at,
            files=[name for _, name in files],
            formats=[FORMATS[f].label[1] for f in BUNDLE_FORMATS],
            encoding=encoding,
            notes=notes,
            title=str(Msg("export.bundle_title", district=Pair(name_ko, name_en))),
        )
        progress(0.9, Msg("export.packing"))
        zip_files(out, files, {readme.FILE_NAME: text.encode("utf-8-sig")})
    progress(1.0, Msg("common.done"))
    return BundleResult(
        path=out,
        district=(code, name_ko, name_en),
        counts={t.spec.name: t.n for t in tables},
        demo_counts={t.spec.name: t.demo_rows for t in tables},
        generalised=sum(t.generalised_rows for t in tables),
        exported_at=exported_at,
        files=[name for _, name in files] + [readme.FILE_NAME],
        notes=notes,
        readme=text,
    )
