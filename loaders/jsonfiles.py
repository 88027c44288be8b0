"""JSON files that are not GeoJSON, by shape: record lists and name -> coordinate tables.

Portals and the repositories that re-publish their data write JSON in shapes GeoJSON
readers do not know. :func:`read_json` looks at the parsed document and dispatches
through :data:`SHAPES`:

- GeoJSON (``"type": "FeatureCollection"``/``"Feature"``): the vector reader;
- records: a list of objects, or Seoul's ``{"DESCRIPTION": {key: label}, "DATA": [...]}``
  (columns are the labels of ``DESCRIPTION`` when it names the key, e.g. ``LAT`` ->
  ``위도``, so the usual column recognition applies);
- a coordinate table ``{name: [lat, lon]}`` (numbers or strings): columns ``명칭``,
  ``위도``, ``경도`` and ``같은좌표수`` (how many entries share the exact point, so that
  objects placed at their holder's point, e.g. a museum's, can be told apart).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.readers import SourceTable, UnreadableFile, _unique, cell_text, read_geojson
from loaders.targets import Target


def _is_geojson(doc: object) -> bool:
    return isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature")


def _records_of(doc: object) -> list | None:
    if isinstance(doc, list) and doc and all(isinstance(r, dict) for r in doc):
        return doc
    if isinstance(doc, dict):
        data = next((v for k, v in doc.items() if str(k).upper() == "DATA"), None)
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return data
    return None


def _is_pair(value: object) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


def _is_coordinate_table(doc: object) -> bool:
    return isinstance(doc, dict) and bool(doc) and all(_is_pair(v) for v in doc.values())


def _table(path: Path, fmt: str, frame: pd.DataFrame, note: str | None = None) -> SourceTable:
    table = SourceTable(
        path, fmt, list(frame.columns), frame, np.arange(1, len(frame) + 1, dtype=np.int64)
    )
    if note:
        table.notes.append(note)
    return table


def _read_records(path: Path, doc: object, target: Target) -> SourceTable:
    records = _records_of(doc) or []
    keys: list[str] = []
    for rec in records:
        keys.extend(k for k in rec if k not in keys)
    labels = {}
    if isinstance(doc, dict):
        desc = next((v for k, v in doc.items() if str(k).upper() == "DESCRIPTION"), None)
        if isinstance(desc, dict):
            labels = {str(k).lower(): str(v) for k, v in desc.items()}
    columns = _unique([labels.get(str(k).lower(), k) for k in keys])
    frame = pd.DataFrame(
        {
            col: [cell_text(rec.get(k)) for rec in records]
            for col, k in zip(columns, keys, strict=True)
        },
        dtype=object,
    )
    note = None
    if labels:
        note = (
            "JSON 레코드: DESCRIPTION의 한글 이름을 열 이름으로 썼습니다 / JSON records: "
            "columns are named by the file's DESCRIPTION labels"
        )
    return _table(path, "json records", frame, note)


def _read_coordinate_table(path: Path, doc: object, target: Target) -> SourceTable:
    names = list(doc)
    pairs = [doc[n] for n in names]
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
    crowded = sum(n for n in shared.values() if n > 1)
    note = (
        f"이름 -> [위도, 경도] 표; {crowded}개 항목이 다른 항목과 같은 좌표를 씁니다 / a "
        f"name -> [lat, lon] table; {crowded} entries share their exact point with others"
    )
    return _table(path, "json coordinates", frame, note)


#: (test of the parsed document, reader), tried in order.
SHAPES: list[tuple[Callable[[object], bool], Callable[..., SourceTable]]] = [
    (lambda doc: _records_of(doc) is not None, _read_records),
    (_is_coordinate_table, _read_coordinate_table),
]


def read_json(path: Path, target: Target, **options: object) -> SourceTable:
    """A ``.json`` file: GeoJSON, records or a coordinate table (see the module doc)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFile(detail=str(exc)) from exc
    if _is_geojson(doc):
        return read_geojson(path, target, **options)
    for test, reader in SHAPES:
        if test(doc):
            return reader(path, doc, target)
    raise UnreadableFile(
        "JSON 구조를 알 수 없습니다 (GeoJSON, 레코드 목록, 이름->좌표 표가 아님) / unknown JSON "
        "shape: not GeoJSON, a list of records, nor a name -> coordinates table"
    )
