"""Read JSON files of records (as Seoul's open-data plaza publishes them) into text cells.

A ``.json`` file is one of:

- GeoJSON (``"type": "FeatureCollection"`` or ``"Feature"``): read as GeoJSON;
- the open-data plaza's download ``{"DESCRIPTION": {KEY: 한글 label}, "DATA": [{key: value},
  ...]}``, whose DATA keys are lower case where DESCRIPTION's are upper case: keys are
  matched case-insensitively and each column is named ``label (key)`` (``쉼터명칭
  (r_area_nm)``), so the user sees the publisher's Korean label and recognition reads both;
- a plain list of records ``[{...}, ...]``;
- an object holding exactly one list of records ``{"anything": [{...}, ...]}``;
- a coordinate table ``{name: [lat, lon]}`` (``loaders.jsonfiles``).

Values become text cells as a CSV's would (numbers without float noise; nested values as
JSON text); geometry comes from coordinate columns, as for a CSV.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from geo.messages import Msg
from loaders.readers import SourceTable, UnreadableFile, _unique, cell_text, read_geojson
from loaders.targets import Target

_GEOJSON_TYPES = frozenset({"FeatureCollection", "Feature"})


def _records(data: object) -> tuple[list, dict[str, str], str] | None:
    """The list of records, the labels of its keys (upper-case key -> label), and its shape."""
    if isinstance(data, list):
        return data, {}, "list"
    if not isinstance(data, dict):
        return None
    upper = {str(k).upper(): v for k, v in data.items()}
    if isinstance(upper.get("DATA"), list):
        desc = upper.get("DESCRIPTION")
        labels = (
            {str(k).upper(): str(v) for k, v in desc.items() if v is not None}
            if isinstance(desc, dict)
            else {}
        )
        return upper["DATA"], labels, "DESCRIPTION/DATA"
    lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    if len(lists) == 1:
        return lists[0], {}, "object with one list"
    return None


def _cell(value: object) -> str | None:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return cell_text(value)


def read_json(path: Path, target: Target, **options: object) -> SourceTable:
    """A ``.json`` file: GeoJSON, or records in one of the shapes of the module docstring."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(detail=f"not JSON: {exc}") from exc
    if isinstance(data, dict) and data.get("type") in _GEOJSON_TYPES:
        return read_geojson(path, target, **options)
    found = _records(data)
    if found is None:
        from loaders.jsonfiles import is_coordinate_table, read_coordinate_table

        if is_coordinate_table(data):
            return read_coordinate_table(path, data)
        raise UnreadableFile(Msg("json_records.no_list_records_json"))
    records, labels, shape = found
    records = [r for r in records if isinstance(r, dict)]
    if not records:
        raise UnreadableFile(Msg("json_records.json_file_holds_no"))
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(map(str, record)))
    names = []
    for key in keys:
        label = labels.get(key.upper())
        names.append(f"{label} ({key})" if label and label != key else key)
    columns = _unique(names)
    frame = pd.DataFrame(
        [[_cell(r.get(k)) for k in keys] for r in records], columns=columns, dtype=object
    )
    table = SourceTable(path, "json", columns, frame, np.arange(1, len(records) + 1))
    table.encoding = "UTF-8"
    key = "json_records.records_labelled" if labels else "json_records.records"
    table.notes.append(Msg(key, shape=shape, n=len(records)))
    return table
