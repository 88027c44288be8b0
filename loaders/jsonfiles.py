"""JSON coordinate tables: ``{name: [lat, lon]}`` (numbers or strings), read into text cells.

Some re-published datasets are a plain object mapping each name to its point (e.g.
heritage coordinates extracted from the Cultural Heritage Administration's API).
``loaders.json_records.read_json`` hands such a document here when it holds no list of
records. Columns: ``명칭``, ``위도``, ``경도`` and ``같은좌표수`` (how many entries share the
exact point, so that objects placed at their holder's point, e.g. a museum's, can be told
apart from places).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from geo.messages import Msg
from loaders.readers import SourceTable, cell_text


def _is_pair(value: object) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


def is_coordinate_table(doc: object) -> bool:
    """True for a non-empty object whose every value is a two-item list."""
    return isinstance(doc, dict) and bool(doc) and all(_is_pair(v) for v in doc.values())


def read_coordinate_table(path: Path, doc: dict) -> SourceTable:
    """The table of a ``{name: [lat, lon]}`` document (see the module doc)."""
    names = [str(n) for n in doc]
    pairs = list(doc.values())
    lat = [cell_text(p[0]) for p in pairs]
    lon = [cell_text(p[1]) for p in pairs]
    shared = Counter(zip(lat, lon, strict=True))
    frame = pd.DataFrame(
        {
            "명칭": names,
            "위도": lat,
            "경도": lon,
            "같은좌표수": [str(shared[k]) for k in zip(lat, lon, strict=True)],
        },
        dtype=object,
    )
    table = SourceTable(
        path, "json coordinates", list(frame.columns), frame, np.arange(1, len(frame) + 1)
    )
    table.encoding = "UTF-8"
    crowded = sum(n for n in shared.values() if n > 1)
    table.notes.append(Msg("jsonfiles.name_lat_lon_table", crowded=crowded))
    return table
