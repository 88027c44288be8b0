"""Korean coordinate reference systems: a registry, detection from values, and .prj repair.

Korean public data comes in WGS84 degrees or in projected Korean systems in metres
(Bessel-based Korean 1985 belts such as EPSG:5174 and 2097, GRS80-based Korea 2000 belts
such as EPSG:5181 and 5186, and UTM-K, EPSG:5179), often with no CRS at all or with a
wrong label. This module

- keeps the systems that occur in one table (:data:`KOREAN_CRS`), the dispatch table for
  detection, labels and repair;
- repairs a declared CRS that is a Bessel 1841 transverse Mercator without a datum shift
  (:func:`repair`): transformed as written it lands 300-400 m off, so it becomes the
  matching Korean 1985 system, whose EPSG definition carries the proper shift;
- infers the system from the values (:func:`detect`): the candidate that puts the points
  inside Seoul, and, when the file names districts, in the named ones; labels (column
  names, ``.prj``) only break ties, and a label the values contradict is reported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo import messages
from geo.errors import InvalidInput
from geo.messages import Joined, Msg, Pair
from geo.reference import normalize_district_name, read_boundaries

WGS84 = 4326
BESSEL_A = 6377397.155
GRS80_A = 6378137.0


@dataclass(frozen=True)
class KoreanCrs:
    """One Korean system: EPSG code, names, ellipsoid and transverse Mercator parameters."""

    epsg: int
    name_ko: str
    name_en: str
    ellipsoid: str  # "bessel" (Korean 1985: needs a datum shift) or "grs80" (Korea 2000)
    lon_0: float | None = None  # None for geographic systems
    lat_0: float = 38.0
    k: float = 1.0
    x_0: float = 200_000.0
    y_0: float = 500_000.0

    @property
    def projected(self) -> bool:
        """True for systems in metres."""
        return self.lon_0 is not None

    def label(self, lang: str = "ko") -> str:
        """``EPSG:5174 (Korean 1985 / 수정 중부원점)``."""
        return f"EPSG:{self.epsg} ({self.name_ko if lang == 'ko' else self.name_en})"


_MOD = 10.405 / 3600  # the "modified" belts sit 10.405" east of the round meridians

#: The Korean systems found in public data, by EPSG code. Parameters checked against PROJ
#: in tests/test_crs.py.
KOREAN_CRS: dict[int, KoreanCrs] = {
    c.epsg: c
    for c in (
        KoreanCrs(4326, "WGS84 경위도", "WGS 84 degrees", "grs80"),
        KoreanCrs(4737, "Korea 2000 경위도", "Korea 2000 degrees", "grs80"),
        KoreanCrs(4162, "Korean 1985 경위도 (Bessel)", "Korean 1985 degrees (Bessel)", "bessel"),
        KoreanCrs(
            5174,
            "Korean 1985 / 수정 중부원점 (Bessel)",
            "Korean 1985 / Modified Central Belt",
            "bessel",
            127 + _MOD,
        ),
        KoreanCrs(
            5173,
            "Korean 1985 / 수정 서부원점 (Bessel)",
            "Korean 1985 / Modified West Belt",
            "bessel",
            125 + _MOD,
        ),
        KoreanCrs(
            5175,
            "Korean 1985 / 수정 제주 중부원점 (Bessel)",
            "Korean 1985 / Modified Central Belt Jeju",
            "bessel",
            127 + _MOD,
            y_0=550_000.0,
        ),
        KoreanCrs(
            5176,
            "Korean 1985 / 수정 동부원점 (Bessel)",
            "Korean 1985 / Modified East Belt",
            "bessel",
            129 + _MOD,
        ),
        KoreanCrs(
            5177,
            "Korean 1985 / 수정 동해원점 (Bessel)",
            "Korean 1985 / Modified East Sea Belt",
            "bessel",
            131 + _MOD,
        ),
        KoreanCrs(
            2097, "Korean 1985 / 중부원점 (Bessel)", "Korean 1985 / Central Belt", "bessel", 127
        ),
        KoreanCrs(
            2096, "Korean 1985 / 동부원점 (Bessel)", "Korean 1985 / East Belt", "bessel", 129
        ),
        KoreanCrs(
            2098, "Korean 1985 / 서부원점 (Bessel)", "Korean 1985 / West Belt", "bessel", 125
        ),
        KoreanCrs(
            5178,
            "Korean 1985 / 통합좌표계 (Bessel)",
            "Korean 1985 / Unified CS",
            "bessel",
            127.5,
            k=0.9996,
            x_0=1_000_000.0,
            y_0=2_000_000.0,
        ),
        KoreanCrs(
            5179,
            "Korea 2000 / UTM-K (GRS80)",
            "Korea 2000 / Unified CS (UTM-K)",
            "grs80",
            127.5,
            k=0.9996,
            x_0=1_000_000.0,
            y_0=2_000_000.0,
        ),
        KoreanCrs(5180, "Korea 2000 / 서부원점 (GRS80)", "Korea 2000 / West Belt", "grs80", 125),
        KoreanCrs(5181, "Korea 2000 / 중부원점 (GRS80)", "Korea 2000 / Central Belt", "grs80", 127),
        KoreanCrs(
            5182,
            "Korea 2000 / 제주 중부원점 (GRS80)",
            "Korea 2000 / Central Belt Jeju",
            "grs80",
            127,
            y_0=550_000.0,
        ),
        KoreanCrs(5183, "Korea 2000 / 동부원점 (GRS80)", "Korea 2000 / East Belt", "grs80", 129),
        KoreanCrs(
            5184, "Korea 2000 / 동해원점 (GRS80)", "Korea 2000 / East Sea Belt", "grs80", 131
        ),
        KoreanCrs(
            5185,
            "Korea 2000 / 서부원점 2010 (GRS80)",
            "Korea 2000 / West Belt 2010",
            "grs80",
            125,
            y_0=600_000.0,
        ),
        KoreanCrs(
            5186,
            "Korea 2000 / 중부원점 2010 (GRS80)",
            "Korea 2000 / Central Belt 2010",
            "grs80",
            127,
            y_0=600_000.0,
        ),
        KoreanCrs(
            5187,
            "Korea 2000 / 동부원점 2010 (GRS80)",
            "Korea 2000 / East Belt 2010",
            "grs80",
            129,
            y_0=600_000.0,
        ),
        KoreanCrs(
            5188,
            "Korea 2000 / 동해원점 2010 (GRS80)",
            "Korea 2000 / East Sea Belt 2010",
            "grs80",
            131,
            y_0=600_000.0,
        ),
    )
}

#: When the values fit several systems equally well (they differ by a few hundred metres
#: only: 5174 / 5181 / 2097, or 5179 / 5178), the more common one in Seoul's open data
#: wins: 5174 is what the city's licence data (LOCALDATA) and most district lists use.
PRIOR: tuple[int, ...] = (4326, 5174, 5186, 5181, 5179, 2097, 5178, 4737, 4162)

#: Column-name / label words and the systems they name (Korean portals write these in the
#: header, e.g. ``X좌표(GRS80TM)``). Checked in order; the first match wins.
LABEL_HINTS: tuple[tuple[re.Pattern[str], tuple[int, ...]], ...] = (
    (re.compile(r"utm-?k|utmk|통합좌표"), (5179, 5178)),
    (re.compile(r"grs-?80.*(tm|중부)|(tm|중부).*grs-?80"), (5186, 5181)),
    (re.compile(r"bessel|베셀"), (5174, 2097)),
    (re.compile(r"wgs-?84|경위도"), (4326,)),
    (re.compile(r"중부원점|central"), (5174, 5186, 5181, 2097)),
)
_EPSG_IN_TEXT = re.compile(r"epsg\s*[:_\-]?\s*(\d{4,5})", re.I)

#: Korea's extent in degrees, to tell degrees from metres and swapped axes.
KOREA_LON = (124.0, 132.0)
KOREA_LAT = (33.0, 43.0)


@lru_cache(maxsize=64)
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(f"EPSG:{epsg}", f"EPSG:{WGS84}", always_xy=True)


def to_wgs84(x: np.ndarray, y: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of ``x, y`` given in ``epsg`` (Korean 1985 with its shift)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if epsg == WGS84:
        return x, y
    return _transformer(epsg).transform(x, y)


def crs_label(epsg: int | None, lang: str = "ko") -> str:
    """A readable name of ``epsg`` (the registry's, else PROJ's)."""
    if epsg is None:
        return "?"
    if epsg in KOREAN_CRS:
        return KOREAN_CRS[epsg].label(lang)
    try:
        return f"EPSG:{epsg} ({CRS.from_epsg(epsg).name})"
    except CRSError:
        return f"EPSG:{epsg}"


def crs_pair(epsg: int | None) -> Pair:
    """:func:`crs_label` in both languages, for a message's parameter."""
    return Pair(crs_label(epsg, "ko"), crs_label(epsg, "en"))


def parse_epsg(value: int | str) -> int:
    """``5174``, ``"5174"`` or ``"EPSG:5174"`` -> 5174, checked against PROJ."""
    text = str(value).strip()
    m = re.fullmatch(r"(?i:epsg\s*:?\s*)?(\d{4,5})", text)
    if not m:
        raise InvalidInput(Msg("crs.give_crs_epsg_code", text=text))
    code = int(m.group(1))
    try:
        CRS.from_epsg(code)
    except CRSError as exc:
        raise InvalidInput(Msg("crs.unknown_crs_epsg", code=code)) from exc
    return code


# --- declared CRS repair --------------------------------------------------------------------


@dataclass(frozen=True)
class Repaired:
    """A declared CRS made usable: the EPSG code to use, or the CRS itself, and a note."""

    epsg: int | None
    crs: CRS | None
    note: Msg | None = None


def _tm_params(crs: CRS) -> dict[str, float] | None:
    """Transverse Mercator parameters of a projected CRS (None for anything else)."""
    op = crs.coordinate_operation
    if not crs.is_projected or op is None or "Transverse Mercator" not in op.method_name:
        return None
    out: dict[str, float] = {}
    for p in op.params:
        name = p.name.lower()
        for key, words in (
            ("lat_0", ("latitude of natural origin",)),
            ("lon_0", ("longitude of natural origin",)),
            ("k", ("scale factor",)),
            ("x_0", ("false easting",)),
            ("y_0", ("false northing",)),
        ):
            if any(w in name for w in words):
                out[key] = float(p.value)
    return out if len(out) == 5 else None


def _same_params(params: dict[str, float], c: KoreanCrs) -> bool:
    return (
        c.projected
        and c.lon_0 is not None
        and c.lat_0 is not None
        and math.isclose(params["lon_0"], c.lon_0, abs_tol=1e-6)
        and math.isclose(params["lat_0"], c.lat_0, abs_tol=1e-6)
        and math.isclose(params["k"], c.k, abs_tol=1e-9)
        and math.isclose(params["x_0"], c.x_0, abs_tol=0.01)
        and math.isclose(params["y_0"], c.y_0, abs_tol=0.01)
    )


def _has_datum_shift(crs: CRS) -> bool:
    """True when PROJ knows how to take this CRS's datum to WGS84 (not a ballpark guess)."""
    if crs.is_bound:
        # A TOWGS84 of zeros on a Bessel datum is the same mistake as none at all.
        op = crs.coordinate_operation
        return op is not None and any(float(p.value) != 0 for p in op.params)
    datum = (crs.datum.name if crs.datum else "").lower()
    return bool(datum) and "unknown" not in datum and "not specified" not in datum


def repair(declared: CRS | str | int | None) -> Repaired:
    """Turn a declared CRS (WKT, ``.prj`` text, EPSG) into what the import should use.

    - A system PROJ identifies with an EPSG code is used by that code.
    - A Bessel 1841 transverse Mercator without a datum shift (a common ``.prj``) becomes
      the Korean 1985 system with the same parameters (EPSG:5174, 2097, ...), whose EPSG
      transformation carries the proper shift; the note says so.
    - Anything else is kept as a CRS (``epsg`` None).
    """
    if declared is None:
        return Repaired(None, None)
    try:
        crs = declared if isinstance(declared, CRS) else CRS.from_user_input(declared)
    except CRSError as exc:
        raise InvalidInput(Msg("crs.unreadable_crs", declared=declared)) from exc
    base = (crs.source_crs if crs.is_bound else None) or crs
    ellipsoid = base.ellipsoid.semi_major_metre if base.ellipsoid else None
    params = _tm_params(base)
    bessel = ellipsoid is not None and math.isclose(ellipsoid, BESSEL_A, abs_tol=1)
    if bessel and params and not _has_datum_shift(crs):
        for c in KOREAN_CRS.values():
            if c.ellipsoid == "bessel" and _same_params(params, c):
                return Repaired(
                    c.epsg,
                    CRS.from_epsg(c.epsg),
                    Msg("crs.bessel_repaired", crs=crs_pair(c.epsg)),
                )
    code = crs.to_epsg(min_confidence=70)
    if code is not None:
        return Repaired(code, CRS.from_epsg(code))
    if params:
        for c in KOREAN_CRS.values():
            if not bessel and c.ellipsoid == "grs80" and _same_params(params, c):
                return Repaired(c.epsg, CRS.from_epsg(c.epsg))
    return Repaired(None, crs)


def label_hints(labels: Iterable[str]) -> tuple[tuple[int, ...], str | None]:
    """Systems named by column names or other labels, and the label that named them."""
    for text in labels:
        if not text:
            continue
        low = str(text).lower()
        m = _EPSG_IN_TEXT.search(low)
        if m:
            return (int(m.group(1)),), str(text)
        for pattern, codes in LABEL_HINTS:
            if pattern.search(low):
                return codes, str(text)
    return (), None


# --- detection from values -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """How well one reading of the values fits: points in Seoul, and in the named district."""

    epsg: int
    swapped: bool
    inside: int
    district_match: int | None

    def label(self, lang: str = "ko") -> str:
        """``EPSG:5174 (...)``, with the swap said."""
        label = crs_label(self.epsg, lang)
        return messages.text("crs.swapped", lang, crs=label) if self.swapped else label


@dataclass
class Detection:
    """The system chosen for a file's coordinates, and why."""

    epsg: int
    swapped: bool
    degrees: bool
    sample: int
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[Msg] = field(default_factory=list)
    #: A label (``.prj``, column name, ``--crs``) the values contradict.
    contradicted: str | None = None
    ambiguous: bool = False


@lru_cache(maxsize=1)
def _seoul_index() -> tuple[shapely.STRtree, np.ndarray, dict[str, str]]:
    districts, dongs = read_boundaries()
    tree = shapely.STRtree([d.geom for d in dongs])
    codes = np.array([d.code[:5] for d in dongs])
    names = {d.code: d.name_ko for d in districts}
    return tree, codes, names


def locate_districts(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The district code of each point (``""`` outside Seoul), from the dong it falls in."""
    tree, codes, _ = _seoul_index()
    out = np.full(len(lon), "", dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    pts = shapely.points(np.asarray(lon)[idx], np.asarray(lat)[idx])
    hit_pt, hit_poly = tree.query(pts, predicate="intersects")
    # Lowest code on shared boundaries, as geo.areas does.
    order = np.lexsort((hit_poly, hit_pt))
    hit_pt, hit_poly = hit_pt[order], hit_poly[order]
    first = np.unique(hit_pt, return_index=True)[1]
    out[idx[hit_pt[first]]] = codes[hit_poly[first]]
    return out


def district_codes_by_name() -> dict[str, str]:
    """Normalised Korean district name -> code (``종로구`` -> ``11110``)."""
    _, _, names = _seoul_index()
    return {name: code for code, name in names.items()}


def unswap_degrees(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Swap back rows whose longitude and latitude were exchanged; also return which."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    swapped = (y >= KOREA_LON[0]) & (y <= KOREA_LON[1]) & (x >= KOREA_LAT[0]) & (x <= KOREA_LAT[1])
    return np.where(swapped, y, x), np.where(swapped, x, y), swapped


def looks_like_degrees(x: np.ndarray, y: np.ndarray) -> bool:
    """True when most finite values are in Korea's degree ranges (either axis order)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return False
    lon, lat, _ = unswap_degrees(x[ok], y[ok])
    inside = (lon >= KOREA_LON[0]) & (lon <= KOREA_LON[1])
    inside &= (lat >= KOREA_LAT[0]) & (lat <= KOREA_LAT[1])
    return inside.mean() >= 0.5


def _candidates(degrees: bool, extra: Sequence[int]) -> list[tuple[int, bool]]:
    if degrees:
        codes = [4326, 4162]
        return [(c, False) for c in dict.fromkeys([*codes, *[e for e in extra if e in codes]])]
    codes = [c.epsg for c in KOREAN_CRS.values() if c.projected]
    codes += [e for e in extra if e not in codes and e not in (4326, 4737, 4162)]
    return [(c, s) for c in codes for s in (False, True)]


def _score(
    x: np.ndarray, y: np.ndarray, epsg: int, swapped: bool, named: np.ndarray | None
) -> Candidate:
    if swapped:
        x, y = y, x
    with np.errstate(all="ignore"):
        lon, lat = to_wgs84(x, y, epsg)
    found = locate_districts(np.asarray(lon), np.asarray(lat))
    inside = int((found != "").sum())
    match = None
    if named is not None:
        match = int(((found == named) & (named != "")).sum())
    return Candidate(epsg, swapped, inside, match)


def detect(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    district_names: Sequence[str | None] | None = None,
    declared: int | None = None,
    declared_label: str | None = None,
    hints: Sequence[int] = (),
    hint_label: str | None = None,
    sample: int = 2000,
) -> Detection:
    """Choose the CRS (and axis order) of coordinate values from where they land.

    Every Korean candidate (and the declared one) is tried, each axis order too; the
    winners are those that put (nearly) the most points inside Seoul; among them, those
    that put the most points in the district the row names; then a declared or hinted
    system, then :data:`PRIOR`. A declared system the values do not fit is overruled and
    reported in ``contradicted``.

    Parameters
    ----------
    x, y
        First and second coordinate per row (easting/longitude, northing/latitude as the
        file has them); NaN where unknown.
    district_names
        Per row, the district the file names (any spelling, ``None`` when unknown).
    declared, declared_label
        A system the file or user declared (``.prj``, ``--crs``) and where it came from.
    hints, hint_label
        Systems a column label names (``X좌표(GRS80TM)``), and that label.
    sample
        At most this many rows are tried (evenly spread).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if len(ok) == 0:
        raise InvalidInput(Msg("crs.no_coordinate_values_file"))
    if len(ok) > sample:
        ok = ok[np.linspace(0, len(ok) - 1, sample).astype(int)]
    xs, ys = x[ok], y[ok]
    named = None
    if district_names is not None:
        by_name = district_codes_by_name()
        named_all = np.array(
            [by_name.get(normalize_district_name(str(n or "")), "") for n in district_names],
            dtype=object,
        )
        named = named_all[ok]
        if not (named != "").any():
            named = None
    degrees = looks_like_degrees(xs, ys)
    if degrees:
        xs, ys, _ = unswap_degrees(xs, ys)
    extra = [c for c in (declared, *hints) if c is not None]
    cands = [_score(xs, ys, c, s, named) for c, s in _candidates(degrees, extra)]
    best_inside = max(c.inside for c in cands)
    tol = max(1, math.ceil(0.01 * len(xs)))
    fits = [c for c in cands if c.inside >= best_inside - tol and c.inside > 0]
    if named is not None and fits:
        top = max(c.district_match or 0 for c in fits)
        fits = [c for c in fits if (c.district_match or 0) == top]
    preferred = [c for c in (declared, *hints) if c is not None]

    def rank(c: Candidate) -> tuple:
        return (
            c.epsg not in preferred,
            preferred.index(c.epsg) if c.epsg in preferred else 0,
            PRIOR.index(c.epsg) if c.epsg in PRIOR else len(PRIOR),
            c.swapped,
            -c.inside,
        )

    pool = fits or cands
    chosen = min(pool, key=rank)
    det = Detection(chosen.epsg, chosen.swapped, degrees, len(xs), candidates=cands)
    if not fits or best_inside < 0.5 * len(xs):
        det.notes.append(Msg("crs.no_candidate_crs_puts"))
    others = {c.epsg for c in fits if c.epsg != chosen.epsg}
    if others and chosen.epsg not in preferred and not degrees:
        det.ambiguous = True
        det.notes.append(
            Msg(
                "crs.also_fit",
                others=Joined(tuple(crs_pair(e) for e in sorted(others)), ", "),
                chosen=crs_pair(chosen.epsg),
            )
        )
    fit_codes = {c.epsg for c in fits}
    for codes, label in (((declared,), declared_label), (tuple(hints), hint_label)):
        if not codes or codes[0] is None or fit_codes & set(codes):
            continue
        det.contradicted = label or crs_label(codes[0])
        det.notes.append(
            Msg(
                "crs.label_contradicted",
                label=det.contradicted,
                named=crs_pair(codes[0]),
                chosen=crs_pair(chosen.epsg),
            )
        )
        break
    if chosen.swapped:
        det.notes.append(Msg("crs.x_y_columns_swapped"))
    return det
