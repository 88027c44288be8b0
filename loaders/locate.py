"""Where each imported row is, in the parse query: the best of its coordinate pairs, or the dong.

A file may carry several coordinate pairs (``X좌표(GRS80TM)`` beside ``X좌표(WGS84)``,
``map_coord_x/y`` in EPSG:5186 beside ``lat``/``lon``); ``loaders.plan`` decides each
pair's system and axis order. :func:`locate` adds to the parse query of
``loaders.validate``, per row:

- one WGS84 point per pair (``NULL`` when blank or not a number);
- the point used: when the present pairs agree within :data:`AGREE_M` metres, the first
  one present (a row missing one pair is filled from the other); when they disagree, the
  pair that lands in Seoul and, if the row names a district, in that district (ties: file
  order); the row's pair number, the largest distance between its pairs and, for
  disagreeing rows, every position, for the report;
- for a row with no coordinates at all, when the file has addresses (resources only): the
  label point of the 법정동 the address names, with ``location_precision = 'dong'``.

Dong rule. The address is cut into words (spaces, commas, brackets), so a lot address
(``서울특별시 동대문구 회기동 1-5``), a road address with the dong in brackets
(``… 삼일대로 231(예장동)``, ``(신당동, ○○아파트)``) and separate 자치구/동 columns all
give the dong as one word (a number glued before it, ``다산로6길 11신당동``, or a lot
number written onto it, ``수유동405-5``, ``답십리동80호``, ``창동5~6``, or the district
before it, ``관악구신림동``, is cut off).
The first word that is a 법정동 name (``회기동``, ``종로1가``,
``성수동1가``) wins; a word that is an administrative dong is read as the 법정동 it is
numbered from when that is one name: ``역삼1동`` -> ``역삼동``, ``상계10동`` -> ``상계동``,
``면목본동`` -> ``면목동``, ``성수1가1동`` -> ``성수동1가`` (a 행정동 made of several 법정동,
such as ``종로1·2·3·4가동``, names none). Only dongs of the district the row names (its
district column, else the first district name in the address) count; with no district
named, a dong name found in two districts (신사동, 신정동) locates nothing. The district
named in the address wins over a district column (the address names its own dong); an
address that starts with another province (``경기도 파주시 … (신촌동)``) is outside Seoul
and locates nothing (``outside_seoul``). A row whose address names no dong is rejected
(``no_location``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from geo import crs as kcrs
from geo.messages import Msg
from loaders.plan import ImportPlan, PairPlan

#: Pairs of one row further apart than this (metres) disagree: reported, the better used.
AGREE_M = 50.0

#: Korea in degrees, with a margin: coordinates outside never reach ST_Transform.
KOREA_DEG = (120.0, 28.0, 136.0, 46.0)

_WORDS_RE = r"[[:space:],.()\[\]{}（）]+"
#: A number glued to the word after it (``다산로6길 11신당동``, ``11-20응암3동``) is cut off
#: it, except the ``1가``/``3동`` that belong to a name (``종로1가``, ``역삼1동``).
_GLUED_RE = r"([0-9])(?![가동]([^가-힣]|$))(?=[가-힣])"
#: An address that starts with another province or metropolitan city is outside Seoul.
_ELSEWHERE_RE = (
    "^[[:space:]]*(경기도?|인천(광역)?시?|강원(특별자치)?도?|충청[남북]도|충[남북]|전라[남북]도|"
    "전북(특별자치도)?|전[남북]|경상[남북]도|경[남북]|부산(광역)?시?|대구(광역)?시?|"
    "광주(광역)?시?|대전(광역)?시?|울산(광역)?시?|세종(특별자치)?시?|제주(특별자치)?도?)"
    "[[:space:]]"
)
#: 행정동 -> 법정동 spellings (see the module docstring), applied in this order.
_ADMIN_TO_LEGAL = (
    (r"^[가-힣]+구([가-힣]+[동가])$", r"\1"),
    (r"^(.+[동가])[0-9][0-9~-]*(번지|호|층)?$", r"\1"),
    (r"^(.+동)[0-9]+동$", r"\1"),
    (r"^(.+?)([0-9]+)가[0-9]+동$", r"\1동\2가"),
    (r"^(.+?)(제?[0-9]+|본)동$", r"\1동"),
)


@dataclass
class AreaNames:
    """Names of Seoul's areas as the database has them, for the parse query."""

    #: Any spelling of a district (name, 5- or 10-digit code) -> district code.
    districts: dict[str, str] = field(default_factory=dict)
    #: 법정동 name -> {district code: dong code}.
    dongs: dict[str, dict[str, str]] = field(default_factory=dict)


def area_names(conn: sa.Connection) -> AreaNames:
    """Read district and dong names from the database (the codes the join will give)."""
    out = AreaNames()
    for code, ko, en in conn.execute(sa.text("SELECT code, name_ko, name_en FROM districts")):
        for spelling in (ko, code, code + "00000", (en or "").replace(" ", "")):
            if spelling:
                out.districts[spelling] = code
    rows = conn.execute(sa.text("SELECT name_ko, district_code, code FROM dongs"))
    for name, district, code in rows:
        out.dongs.setdefault(name, {})[district] = code
    return out


def _projected_bbox(epsg: int) -> tuple[float, float, float, float]:
    """Korea's extent in ``epsg`` units: points outside are never transformed."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    lon, lat = np.meshgrid(np.linspace(122, 134, 25), np.linspace(30, 44, 25))
    x, y = t.transform(lon.ravel(), lat.ravel())
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


@dataclass
class Located:
    """SQL pieces :func:`locate` gives the parse query (see ``loaders.validate._Query``)."""

    cleaned: list[str] = field(default_factory=list)
    laterals: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    #: Extra text folded into a derived key (dong-located rows share their point).
    key_extra: str = "''"


def _pair_sql(k: int, pair: PairPlan, clean, number, cols: tuple[str, str], params: dict):
    """Cleaned texts, numbers and the WGS84 point of pair ``k`` (laterals ``n{k}``, ``g{k}``)."""
    cleaned = [f"{clean(cols[0])} AS t_x{k}", f"{clean(cols[1])} AS t_y{k}"]
    xn, yn = number(f"t.t_x{k}"), number(f"t.t_y{k}")
    num = f"CROSS JOIN LATERAL (SELECT {xn} AS xn, {yn} AS yn OFFSET 0) n{k}"
    gx, gy = (f"n{k}.yn", f"n{k}.xn") if pair.swapped else (f"n{k}.xn", f"n{k}.yn")
    if pair.degrees:
        swap = f"({gy} BETWEEN 124 AND 132 AND {gx} BETWEEN 33 AND 43)"
        lon = f"(CASE WHEN {swap} THEN {gy} ELSE {gx} END)"
        lat = f"(CASE WHEN {swap} THEN {gx} ELSE {gy} END)"
        bbox = KOREA_DEG
    else:
        swap, lon, lat = "false", gx, gy
        bbox = _projected_bbox(pair.epsg)
    for name, value in zip(("xmin", "ymin", "xmax", "ymax"), bbox, strict=True):
        params[f"{name}{k}"] = value
    params[f"srid{k}"] = pair.epsg
    point = f"ST_SetSRID(ST_MakePoint({lon}, {lat}), CAST(:srid{k} AS int))"
    if pair.epsg != kcrs.WGS84:
        point = f"ST_Transform({point}, 4326)"
    inside = f"{lon} BETWEEN :xmin{k} AND :xmax{k} AND {lat} BETWEEN :ymin{k} AND :ymax{k}"
    geom = (
        f"CROSS JOIN LATERAL (SELECT (CASE WHEN {inside} THEN {point} END) AS g, "
        f"{swap} AS sw OFFSET 0) g{k}"
    )
    return cleaned, [num, geom]


def _district_in_seoul(g: str) -> str:
    """The district code of WGS84 point ``g`` through ``dong_cells`` (NULL outside Seoul)."""
    cell = "floor(ST_{a}({g}) / dong_cell_size())::int"
    return (
        f"(SELECT w.district_code FROM dong_cells w WHERE w.i = {cell.format(a='X', g=g)} "
        f"AND w.j = {cell.format(a='Y', g=g)} "
        f"AND (w.piece IS NULL OR ST_Intersects(w.piece, {g})) ORDER BY w.dong_code LIMIT 1)"
    )


def locate(
    plan: ImportPlan,
    col,
    clean,
    number,
    params: dict,
    areas: AreaNames,
) -> Located:
    """The parse query's pieces that place each row (see the module docstring).

    ``col(file_column)`` gives the staging expression (``s.cN``); ``clean`` and ``number``
    are ``loaders.validate``'s text and number rules. Values over ``p.*``: ``geom``,
    ``swapped``, ``on_surface``, ``location_precision``, ``pair`` (1-based; NULL at a
    dong), ``spread_m`` and ``positions`` (every pair's point when they disagree).
    """
    out = Located()
    pairs = plan.pairs
    for k, pair in enumerate(pairs):
        cleaned, laterals = _pair_sql(k, pair, clean, number, (col(pair.x), col(pair.y)), params)
        out.cleaned += cleaned
        out.laterals += laterals
        out.values += [f"t.t_x{k}", f"t.t_y{k}", f"n{k}.xn AS xn{k}", f"n{k}.yn AS yn{k}"]
        params[f"x_label{k}"], params[f"y_label{k}"] = pair.x, pair.y
        for axis in ("x", "y"):
            out.details.append(
                f"CASE WHEN p.t_{axis}{k} IS NOT NULL AND p.{axis}n{k} IS NULL THEN "
                f"CAST(:{axis}_label{k} AS text) || '=' || quote_literal(p.t_{axis}{k}) END"
            )
    have = [f"(t.t_x{k} IS NOT NULL AND t.t_y{k} IS NOT NULL)" for k in range(len(pairs))]
    blank_t = f"NOT ({' OR '.join(have)})" if have else "true"
    blank_p = blank_t.replace("t.t_", "p.t_")
    by_address = plan.locates_by_address
    addr = _address_sql(plan, col, clean)
    named = "NULL::text"
    if by_address or len(pairs) > 1:
        params["district_names"] = json.dumps(areas.districts, ensure_ascii=False)
        named = _named_sql(plan, col, clean, _words_sql(addr))
    _choose(out, len(pairs), named)
    if by_address:
        _dong(out, blank_t, addr, lambda words: _named_sql(plan, col, clean, words), params, areas)
        exact = "ch.g"
        out.values += [
            f"COALESCE({exact}, loc.label_point) AS geom",
            f"(CASE WHEN {exact} IS NULL AND loc.label_point IS NOT NULL THEN 'dong' "
            "ELSE 'exact' END) AS location_precision",
            f"(CASE WHEN {blank_t} THEN {addr} END) AS t_addr",
            "loc.n AS loc_n",
            "loc.word AS loc_word",
        ]
        elsewhere = f"p.t_addr ~ '{_ELSEWHERE_RE}'"
        out.reasons.append(
            f"CASE WHEN {blank_p} AND p.geom IS NULL THEN "
            f"CASE WHEN {elsewhere} THEN 'outside_seoul' ELSE 'no_location' END END"
        )
        # The report's detail is one text for every reader: both languages (str(Msg)).
        params["no_address"] = f"({Msg('locate.no_address')})"
        params["ambiguous_dong"] = str(Msg("locate.ambiguous_dong"))
        out.details.append(
            f"CASE WHEN {blank_p} AND p.geom IS NULL THEN 'address=' || "
            "COALESCE(quote_literal(p.t_addr), CAST(:no_address AS text)) || "
            "CASE WHEN p.loc_n > 1 THEN ' (' || p.loc_word || ': ' || "
            "CAST(:ambiguous_dong AS text) || ')' ELSE '' END END"
        )
        out.key_extra = "CASE WHEN p.location_precision = 'dong' THEN '|' || p.t_addr ELSE '' END"
    else:
        out.values += ["ch.g AS geom", "'exact'::text AS location_precision"]
        out.reasons.append(f"CASE WHEN {blank_p} THEN 'no_coordinates' END")
    if pairs:
        bad = " OR ".join(
            f"(p.t_x{k} IS NOT NULL AND p.xn{k} IS NULL) OR "
            f"(p.t_y{k} IS NOT NULL AND p.yn{k} IS NULL)"
            for k in range(len(pairs))
        )
        out.reasons.append(f"CASE WHEN p.geom IS NULL AND ({bad}) THEN 'bad_number' END")
    out.values.append("false AS on_surface")
    return out


def _choose(out: Located, n: int, named: str) -> None:
    """Lateral ``ch`` (the point used, its pair ``k``, swapped ``sw``) and ``sp`` (spread).

    ``named`` is the SQL of the district code the row names: only evaluated for rows whose
    pairs disagree.
    """
    if n == 0:
        out.laterals.append(
            "CROSS JOIN LATERAL (SELECT NULL::geometry AS g, NULL::int AS k, false AS sw) ch"
        )
        out.values += ["NULL::float8 AS spread_m", "NULL::geometry[] AS positions"]
    elif n == 1:
        out.laterals.append(
            "CROSS JOIN LATERAL (SELECT g0.g, CASE WHEN g0.g IS NOT NULL THEN 1 END AS k, "
            "g0.sw OFFSET 0) ch"
        )
        out.values += ["NULL::float8 AS spread_m", "NULL::geometry[] AS positions"]
    else:
        dists = [
            f"ST_Distance(g{i}.g::geography, g{j}.g::geography)"
            for i in range(n)
            for j in range(i + 1, n)
        ]
        spread = dists[0] if len(dists) == 1 else f"GREATEST({', '.join(dists)})"
        points = ", ".join(f"g{k}.g" for k in range(n))
        sws = ", ".join(f"g{k}.sw" for k in range(n))
        score = (
            f"(CASE WHEN sp.spread > {AGREE_M} THEN "
            f"COALESCE((SELECT 2 + COALESCE(dc.code = ({named}), false)::int "
            f"FROM (SELECT {_district_in_seoul('c.g')} AS code) dc WHERE dc.code IS NOT NULL), 0)"
            " ELSE 0 END)"
        )
        out.laterals += [
            f"CROSS JOIN LATERAL (SELECT {spread} AS spread OFFSET 0) sp",
            f"LEFT JOIN LATERAL (SELECT c.g, c.k::int AS k, (ARRAY[{sws}])[c.k] AS sw "
            f"FROM unnest(ARRAY[{points}]) WITH ORDINALITY c(g, k) WHERE c.g IS NOT NULL "
            f"ORDER BY {score} DESC, c.k LIMIT 1) ch ON true",
        ]
        out.values += [
            "sp.spread AS spread_m",
            f"(CASE WHEN sp.spread > {AGREE_M} THEN ARRAY[{points}] END) AS positions",
        ]
    out.values += ["COALESCE(ch.sw, false) AS swapped", "ch.k AS pair"]


def _address_sql(plan: ImportPlan, col, clean) -> str:
    """SQL of a row's address text: its address columns joined (NULL when all blank)."""
    texts = [clean(col(c)) for c in plan.address_columns]
    return f"NULLIF(concat_ws(' ', {', '.join(texts)}), '')" if texts else "NULL::text"


def _words_sql(addr: str) -> str:
    """SQL of the words of address ``addr`` (numbers glued before a word cut off)."""
    return (
        f"regexp_split_to_array(regexp_replace({addr}, '{_GLUED_RE}', '\\1 ', 'g'), '{_WORDS_RE}')"
    )


def _named_sql(plan: ImportPlan, col, clean, words: str) -> str:
    """SQL of the district code a row names: the first district in ``words`` (its address),
    else its district column. Bind ``district_names`` (``AreaNames.districts``)."""
    lookup = "CAST(:district_names AS jsonb)"
    from_address = (
        f"(SELECT {lookup} ->> u.w FROM unnest({words}) WITH ORDINALITY u(w, i) "
        f"WHERE ({lookup} ->> u.w) IS NOT NULL ORDER BY u.i LIMIT 1)"
    )
    district_col = plan.mapping.columns.get("district")
    if not district_col:
        return from_address
    named = (
        f"regexp_replace(regexp_replace({clean(col(district_col))}, "
        "'^(서울특별시|서울시|서울)', ''), '[[:space:]]', '', 'g')"
    )
    return f"COALESCE({from_address}, {lookup} ->> {named})"


def _dong(out: Located, blank: str, addr: str, named, params: dict, areas: AreaNames) -> None:
    """Lateral ``loc``: dong code, matches ``n``, the word and the dong's label point.

    Only rows without coordinates (``blank``) read their address: the others pay nothing.
    """
    params["dong_names"] = json.dumps(areas.dongs, ensure_ascii=False)
    lookup = "CAST(:dong_names AS jsonb)"
    legal = "u.w"
    for pattern, repl in _ADMIN_TO_LEGAL:
        legal = f"regexp_replace({legal}, '{pattern}', '{repl}')"
    # Scalar subqueries inside CASE: a row with coordinates never runs them (a lateral
    # join would be rescanned for every row, which doubled the time of the check).
    found = (
        "(SELECT ARRAY[m.dong, m.n::text, m.word] FROM ("
        "SELECT e.value AS dong, u.i, u.w AS word, count(*) OVER (PARTITION BY u.i) AS n "
        f"FROM (SELECT {_words_sql('a0.addr')} AS words "
        f"FROM (SELECT {addr} AS addr) a0 WHERE a0.addr !~ '{_ELSEWHERE_RE}') a1 "
        f"CROSS JOIN LATERAL (SELECT {named('a1.words')} AS code) a2 "
        "CROSS JOIN LATERAL unnest(a1.words) WITH ORDINALITY u(w, i) "
        f"CROSS JOIN LATERAL jsonb_each_text(COALESCE({lookup} -> u.w, {lookup} -> {legal})) e "
        "WHERE a2.code IS NULL OR e.key = a2.code) m "
        "ORDER BY m.i, m.dong LIMIT 1)"
    )
    out.laterals += [
        f"CROSS JOIN LATERAL (SELECT CASE WHEN {blank} THEN {found} END AS arr OFFSET 0) la",
        "CROSS JOIN LATERAL (SELECT la.arr[1] AS dong, la.arr[2]::int AS n, la.arr[3] AS word,"
        " CASE WHEN la.arr[2] = '1' THEN (SELECT d.label_point FROM dongs d"
        " WHERE d.code = la.arr[1]) END AS label_point OFFSET 0) loc",
    ]
