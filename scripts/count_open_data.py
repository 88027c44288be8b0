"""Count, independently of the importer, what each published file should give the atlas.

A check on ``loaders.opendata``: reads every file of ``data/open/manifest.toml`` with plain
pandas/json (not ``loaders.readers``), takes the coordinates the manifest's files carry,
tests them against Seoul's dongs with shapely (not PostGIS), drops rows repeating an
earlier row's name and point, and prints per file: rows, rows with coordinates, inside
Seoul, outside. The expected ranges in ``tests/test_opendata.py`` come from these figures
(docs/data.md shows the output). Run: ``.venv/bin/python scripts/count_open_data.py``.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.reference import read_boundaries  # noqa: E402  (boundaries only, no database)

#: file -> (reader, name column, lat column, lon column): written out by hand here on
#: purpose, so that this count does not share the importer's column recognition.
FILES = {
    "7_서울시 무더위쉼터.json": ("data", "r_area_nm", "lat", "lon"),
    "8_서울시 한파쉼터.json": ("data", "restarea_nm", "lat", "lot"),
    "seoul_traditional_market.csv": ("csv", "전통시장명", "위도", "경도"),
    "전국전통시장표준데이터.csv": ("csv", "시장명", "위도", "경도"),
    "전국도서관표준데이터.csv": ("csv", "도서관명", "위도", "경도"),
    "전국공공시설개방정보표준데이터.csv": ("csv", "개방시설명", "위도", "경도"),
    "heritage_coords.json": ("pairs", "name", "lat", "lon"),
}


def _frame(path: Path, how: str) -> pd.DataFrame:
    if how == "csv":
        return pd.read_csv(path, encoding="cp949", dtype=str)
    doc = json.loads(path.read_text(encoding="utf-8"))
    if how == "data":
        return pd.DataFrame(doc["DATA"]).astype(object)
    return pd.DataFrame(
        [(k, v[0], v[1]) for k, v in doc.items()], columns=["name", "lat", "lon"], dtype=str
    )


def count(path: Path, how: str, name: str, lat: str, lon: str, seoul) -> dict[str, int]:
    df = _frame(path, how)
    y = pd.to_numeric(df[lat], errors="coerce").to_numpy(float)
    x = pd.to_numeric(df[lon], errors="coerce").to_numpy(float)
    has = np.isfinite(x) & np.isfinite(y)
    inside = np.zeros(len(df), bool)
    inside[has] = shapely.contains_xy(seoul, x[has], y[has])
    key = (
        df[name].astype(str).str.strip().str.lower()
        + "|"
        + pd.Series(np.round(x, 6)).astype(str)
        + "|"
        + pd.Series(np.round(y, 6)).astype(str)
    )
    first = ~key.duplicated()
    return {
        "rows": len(df),
        "with_coordinates": int(has.sum()),
        "inside_seoul": int((inside & first.to_numpy()).sum()),
        "repeated_inside": int((inside & ~first.to_numpy()).sum()),
        "outside_seoul": int((has & ~inside).sum()),
    }


def main() -> None:
    manifest = tomllib.loads((ROOT / "data/open/manifest.toml").read_text("utf-8"))
    _, dongs = read_boundaries()
    seoul = shapely.union_all([d.geom for d in dongs])
    shapely.prepare(seoul)
    print(f"{'source':32} {'rows':>6} {'coords':>6} {'Seoul':>6} {'repeat':>6} {'outside':>7}")
    for ds in manifest["dataset"]:
        spec = FILES.get(ds["file"])
        if spec is None or not ds.get("load", True):
            print(f"{ds['source']:32} (address only or not loaded: no coordinates to count)")
            continue
        c = count(ROOT / "data/open" / ds["file"], *spec, seoul)
        print(
            f"{ds['source']:32} {c['rows']:6,} {c['with_coordinates']:6,} "
            f"{c['inside_seoul']:6,} {c['repeated_inside']:6,} {c['outside_seoul']:7,}"
        )


if __name__ == "__main__":
    main()
