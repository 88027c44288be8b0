"""Validation rules of an import, as set-based SQL over the staged rows: every problem at once.

The staged table holds the file's cells as text (``c0``, ``c1``... in file order) and, for
files with geometry, the WKB of each feature in WGS84. :func:`parse_sql` builds the one
``SELECT`` that turns each row into typed values, a WGS84 geometry, the record key and
the list of reasons it cannot be imported (every reason of the row, not only the first);
the spatial checks that need the district join (outside Seoul) and the duplicates come
after it (:data:`OUTSIDE_SQL`, :data:`DUPLICATE_SQL`). Column names in the SQL are only
ever the generated ``cN`` names; every value from the file or the user is a bind parameter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from geo import vocab
from loaders.columns import NAME_PART, code_lookup, kind_of_category
from loaders.locate import AreaNames, locate
from loaders.plan import ImportPlan
from loaders.targets import NOT_WRITTEN, Field

#: Reason code -> its message. Order = priority of the reason a row is counted under.
REASONS: dict[str, str] = {
    "malformed_row": "reason.malformed_row",
    "no_name": "reason.no_name",
    "no_coordinates": "reason.no_coordinates",
    "no_location": "reason.no_location",
    "bad_number": "reason.bad_number",
    "invalid_geometry": "reason.invalid_geometry",
    "bad_value": "reason.bad_value",
    "outside_seoul": "reason.outside_seoul",
    "other_district": "reason.other_district",
    "duplicate": "reason.duplicate",
}

#: Characters dropped when comparing values (same as ``loaders.columns.norm_key``).
_SEPARATORS_RE = r"[\s·ㆍ_\-./:()\[\]{}]+"
_NUMBER_RE = r"^[+-]?([0-9]{1,15}([.][0-9]*)?|[.][0-9]+)$"
_THOUSANDS_RE = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?$"
_INTEGER_RE = r"^[+-]?[0-9]{1,9}([.]0*)?$"
_DATE_RE = r"^([0-9]{4})[^0-9]{0,3}([0-9]{1,2})[^0-9]{0,3}([0-9]{1,2})"


@dataclass
class StageLayout:
    """How the file's columns are named in the staging table."""

    columns: dict[str, str]  # file column -> "c0", "c1", ...
    has_wkb: bool

    def col(self, file_column: str) -> str:
        """The staging column of ``file_column``."""
        return self.columns[file_column]


def _clean(expr: str) -> str:
    """Trimmed, NFKC-normalised text (full-width digits and spaces become ASCII).

    ``IS NFKC NORMALIZED`` is a quick check; most cells are, and skip ``normalize``.
    """
    nfkc = f"(CASE WHEN {expr} IS NFKC NORMALIZED THEN {expr} ELSE normalize({expr}, NFKC) END)"
    return f"NULLIF(btrim({nfkc}, E' \\t\\r\\n'), '')"


def _number(v: str) -> str:
    """A number, or NULL; the plain form ``123.45`` is recognised without a regex.

    The shortcut accepts exactly what ``_NUMBER_RE`` accepts among texts made only of
    digits and at most one dot (1-15 digits before it, at least one digit in all); every
    other text goes through the regexes.
    """
    plain = (
        f"(translate({v}, '0123456789.', '') = '' AND {v} NOT LIKE '%.%.%' "
        f"AND {v} <> '.' AND strpos({v} || '.', '.') <= 16)"
    )
    return (
        f"(CASE WHEN {plain} THEN {v}::float8 "
        f"WHEN {v} ~ '{_NUMBER_RE}' THEN {v}::float8 "
        f"WHEN {v} ~ '{_THOUSANDS_RE}' THEN replace({v}, ',', '')::float8 END)"
    )


def _integer(v: str) -> str:
    return f"(CASE WHEN {v} ~ '{_INTEGER_RE}' THEN split_part({v}, '.', 1)::int END)"


def _date(v: str) -> str:
    m = f"regexp_match({v}, '{_DATE_RE}')"
    y, mo, d = (f"({m})[{i}]::int" for i in (1, 2, 3))
    return (
        f"(CASE WHEN {m} IS NULL THEN NULL "
        f"WHEN {y} NOT BETWEEN 1900 AND 2100 OR {mo} NOT BETWEEN 1 AND 12 "
        f"OR {d} NOT BETWEEN 1 AND 31 THEN NULL "
        f"WHEN {d} > extract(day FROM make_date({y}, {mo}, 1) + interval '1 month - 1 day') "
        f"THEN NULL ELSE make_date({y}, {mo}, {d}) END)"
    )


def _code(v: str, param: str) -> str:
    key = f"lower(regexp_replace({v}, '{_SEPARATORS_RE}', '', 'g'))"
    return f"(CAST(:{param} AS jsonb) ->> {key})"


def _list(v: str) -> str:
    return f"COALESCE(array_remove(regexp_split_to_array({v}, '\\s*[,;/·ㆍ]\\s*'), ''), '{{}}')"


_PARSERS = {"number": _number, "integer": _integer, "date": _date, "list": _list}


def plan_codes(
    plan: ImportPlan, *, spellings: dict[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """The code lookups of the plan's code fields (spelling -> code)."""
    return code_lookup(plan.target, plan.mapping, spellings=spellings)


def written_fields(plan: ImportPlan) -> list[Field]:
    """Target fields the import writes: those mapped or given, plus a resource's kind and
    category.

    A resource's kind may be derived from its category, and its category from its name
    (else ``unclassified``), so both are always written.
    """
    have = set(plan.mapping.columns) | set(plan.mapping.values)
    if plan.target.table == "resources":
        have |= {"kind", "category"}
    return [f for f in plan.target.fields if f.name in have and f.name not in NOT_WRITTEN]


@dataclass
class _Query:
    """Pieces of the parse query: cleaned texts, typed values, reasons, details, output."""

    cleaned: list[str] = field(default_factory=list)  # "expr AS t_name" over s.*
    values: list[str] = field(default_factory=list)  # "expr AS name" over s.*, t.*, n.*, v.*
    reasons: list[str] = field(default_factory=list)  # "CASE WHEN ... THEN 'code' END" over p.*
    details: list[str] = field(default_factory=list)  # text over p.*
    output: list[str] = field(default_factory=list)  # over p.*
    laterals: list[str] = field(default_factory=list)  # further "CROSS JOIN LATERAL ..."


def _locate(
    q: _Query, plan: ImportPlan, layout: StageLayout, params: dict, areas: AreaNames
) -> str:
    """Coordinate pairs and address -> one WGS84 point per row (``loaders.locate``).

    Returns the extra text of a derived key.
    """
    located = locate(plan, lambda c: "s." + layout.col(c), _clean, _number, params, areas)
    q.cleaned += located.cleaned
    q.laterals += located.laterals
    q.values += located.values
    q.reasons += located.reasons
    q.details += located.details
    return located.key_extra


def _geometry(q: _Query, plan: ImportPlan) -> None:
    """The file's own geometry (WKB, WGS84): repaired when invalid, a point for point tables."""
    q.laterals += [
        "CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(s.wkb, 4326) AS g0 OFFSET 0) g",
        "CROSS JOIN LATERAL (SELECT CASE WHEN g.g0 IS NULL OR ST_IsEmpty(g.g0) THEN NULL "
        "WHEN ST_IsValid(g.g0) THEN g.g0 "
        "ELSE ST_CollectionExtract(ST_MakeValid(g.g0), ST_Dimension(g.g0) + 1) END AS g1"
        " OFFSET 0) v",
        "CROSS JOIN LATERAL (SELECT CASE WHEN GeometryType(v.g1) = 'MULTIPOINT' "
        "AND ST_NumGeometries(v.g1) = 1 THEN ST_GeometryN(v.g1, 1) ELSE v.g1 END AS g2"
        " OFFSET 0) w",
    ]
    points_only = plan.target.geometry == "point"
    area = "GeometryType(w.g2) <> 'POINT'"
    geom = (
        f"(CASE WHEN {area} THEN ST_PointOnSurface(w.g2) ELSE w.g2 END)" if points_only else "w.g2"
    )
    q.values += [
        "(g.g0 IS NULL OR ST_IsEmpty(g.g0)) AS no_geometry",
        "(g.g0 IS NOT NULL AND NOT ST_IsEmpty(g.g0) AND (v.g1 IS NULL OR ST_IsEmpty(v.g1)))"
        " AS bad_geometry",
        "false AS swapped",
        "'exact'::text AS location_precision",
        "NULL::int AS pair",
        "NULL::float8 AS spread_m",
        "NULL::geometry[] AS positions",
        f"(w.g2 IS NOT NULL AND NOT ST_IsEmpty(w.g2) AND {area} AND {points_only}) AS on_surface",
        f"(CASE WHEN w.g2 IS NOT NULL AND NOT ST_IsEmpty(w.g2) THEN {geom} END) AS geom",
    ]
    q.reasons += [
        "CASE WHEN p.no_geometry THEN 'no_coordinates' END",
        "CASE WHEN p.bad_geometry THEN 'invalid_geometry' END",
    ]


def _with_part(name: str, part_col: str) -> str:
    """The name completed by its part (``building room``), unless the part is blank or
    already in the name."""
    part = f"NULLIF(btrim({part_col}), '')"
    return (
        f"(CASE WHEN {part} IS NULL OR {name} IS NULL OR strpos({name}, {part}) > 0 "
        f"THEN {name} ELSE {name} || ' ' || {part} END)"
    )


def _field(
    q: _Query, f: Field, plan: ImportPlan, layout: StageLayout, params: dict, codes: dict
) -> str:
    """Add field ``f``'s typed value and checks; return its bad-value condition ('' if none)."""
    mapping = plan.mapping
    raw = None
    if f.name in mapping.values:
        params[f"v_{f.name}"] = str(mapping.values[f.name])
        value = f"CAST(:v_{f.name} AS text)"
        if f.type in _PARSERS:
            value = _PARSERS[f.type](value)
    else:
        col = "s." + layout.col(mapping.columns[f.name])
        if f.type == "text":
            value = f"NULLIF(btrim({col}), '')"
            if f.name == plan.target.name_field and NAME_PART in mapping.columns:
                value = _with_part(value, "s." + layout.col(mapping.columns[NAME_PART]))
        else:
            raw = f"t_{f.name}"
            q.cleaned.append(f"{_clean(col)} AS {raw}")
            if f.type == "code":
                params[f"codes_{f.name}"] = json.dumps(codes[f.name], ensure_ascii=False)
                value = _code(f"t.{raw}", f"codes_{f.name}")
            else:
                value = _PARSERS[f.type](f"t.{raw}")
            q.values.append(f"t.{raw}")
    if f.default is not None:
        params[f"d_{f.name}"] = f.default
        value = f"COALESCE({value}, CAST(:d_{f.name} AS text))"
    q.values.append(f"{value} AS {f.name}")
    conds = []
    if f.required and f.name != plan.target.name_field:  # a missing name is "no_name"
        conds.append(f"p.{raw or f.name} IS NULL")
    if raw is not None:
        conds.append(f"(p.{raw} IS NOT NULL AND p.{f.name} IS NULL)")
    if f.type in ("number", "integer"):
        if f.minimum is not None:
            conds.append(f"p.{f.name} < {float(f.minimum)}")
        if f.maximum is not None:
            conds.append(f"p.{f.name} > {float(f.maximum)}")
    if f.name == "program_no":
        conds.append(f"NOT (p.{f.name} = ANY(CAST(:programs AS int[])))")
    if not conds:
        return ""
    cond = " OR ".join(conds)
    shown = f"quote_literal(p.{raw})" if raw else f"quote_literal(p.{f.name}::text)"
    q.details.append(
        f"CASE WHEN {cond} THEN '{f.name}=' || COALESCE({shown}, '(없음/missing)') END"
    )
    return cond


#: Parenthesised notes in a value (``(노인) 노인복지관(소규모)``), dropped for a second lookup.
_NOTES_RE = r"[(\[{][^)\]}]*[)\]}]"
#: What ``norm_key`` drops, as an SQL literal for ``translate`` (much cheaper than a regex
#: on every row).
_SEPARATOR_CHARS = r"E' \t\n\r\f\x0b·ㆍ_-./:()[]{}'"


def _key(v: str, *, notes: bool = True) -> str:
    """SQL compare-form of NFKC text ``v`` (``norm_key``), optionally without its notes.

    Notes are cut (a regex) only from texts that have a bracket.
    """
    if not notes:
        v = (
            f"(CASE WHEN strpos({v}, '(') > 0 OR strpos({v}, '[') > 0 OR strpos({v}, '{{') > 0 "
            f"THEN regexp_replace({v}, '{_NOTES_RE}', '', 'g') ELSE {v} END)"
        )
    return f"translate(lower({v}), {_SEPARATOR_CHARS}, '')"


_HANGUL = re.compile(r"[가-힣]")


def _suffixes(codes: dict[str, str], kinds: dict[str, str | None]) -> dict[str, str]:
    """Korean spellings a name may end with (``○○경로당``) -> category (2+ characters, of a
    category with a kind)."""
    return {
        k: c
        for k, c in codes.items()
        if len(k) >= 2 and _HANGUL.search(k) and kinds.get(c) is not None
    }


def _category(
    q: _Query, plan: ImportPlan, layout: StageLayout, params: dict, codes: dict, kind_expr
) -> None:
    """A resource's category: the type column's value (through the spellings), else the
    ending of the name, else ``unclassified``; ``category_how`` says which.

    ``kind_expr`` is the SQL of the row's kind when the file or the user gives one: a name
    ending then only counts when its category is of that kind. The name is only looked at
    for rows whose type did not tell.
    """
    mapping = plan.mapping
    kinds = kind_of_category()
    table = codes["category"]
    params["codes_category"] = json.dumps(table, ensure_ascii=False)
    params["category_kind"] = json.dumps(kinds)
    col = mapping.columns.get("category")
    by_value = "NULL::text"
    if col:
        q.cleaned.append(f"{_clean('s.' + layout.col(col))} AS t_category")
        lookup = "CAST(:codes_category AS jsonb) ->> "
        by_value = (
            f"COALESCE({lookup}{_key('t.t_category')}, {lookup}{_key('t.t_category', notes=False)})"
        )
    else:
        q.cleaned.append("NULL::text AS t_category")
    q.laterals.append(f"CROSS JOIN LATERAL (SELECT {by_value} AS by_value OFFSET 0) cv")
    by_name = "NULL::text"
    name_col = mapping.columns.get(plan.target.name_field)
    suffixes = _suffixes(table, kinds)
    if name_col and suffixes:
        params["category_suffixes"] = json.dumps(suffixes, ensure_ascii=False)
        nk = _key(f"btrim(s.{layout.col(name_col)})", notes=False)
        lengths = sorted({len(k) for k in suffixes}, reverse=True)
        picks = ", ".join(
            f"CAST(:category_suffixes AS jsonb) ->> right(nk.k, {n})" for n in lengths
        )
        q.laterals.append(
            f"CROSS JOIN LATERAL (SELECT CASE WHEN cv.by_value IS NULL THEN {nk} END AS k"
            " OFFSET 0) nk"
        )
        by_name = f"COALESCE({picks})"
    q.laterals.append(f"CROSS JOIN LATERAL (SELECT {by_name} AS by_name OFFSET 0) cn")
    name_kind = "(CAST(:category_kind AS jsonb) ->> cn.by_name)"
    fits = "cn.by_name IS NOT NULL"
    if kind_expr is not None:
        fits += f" AND ({kind_expr} IS NULL OR {name_kind} = {kind_expr})"
    q.values += [
        "t.t_category",
        f"COALESCE(cv.by_value, CASE WHEN {fits} THEN cn.by_name END, "
        f"CAST(:d_category AS text)) AS category",
        f"CASE WHEN cv.by_value IS NOT NULL THEN 'value' WHEN {fits} THEN 'name' "
        "WHEN t.t_category IS NULL THEN 'blank' ELSE 'unknown' END AS category_how",
    ]
    params["d_category"] = plan.fallback_category or vocab.UNCLASSIFIED


def _kind_expr(plan: ImportPlan, layout: StageLayout, params: dict, codes: dict) -> str | None:
    """SQL of the kind the file or the user gives (over ``s``/``t``), or None (derived)."""
    if "kind" in plan.mapping.values:
        params["v_kind"] = str(plan.mapping.values["kind"])
        return "CAST(:v_kind AS text)"
    col = plan.mapping.columns.get("kind")
    if not col:
        return None
    params["codes_kind"] = json.dumps(codes["kind"], ensure_ascii=False)
    return _code(_clean("s." + layout.col(col)), "codes_kind")


def parse_sql(
    plan: ImportPlan,
    layout: StageLayout,
    params: dict,
    *,
    programs: list[int],
    spellings: dict[str, str] | None = None,
    areas: AreaNames | None = None,
) -> str:
    """``SELECT`` over ``import_stage s`` giving one typed, checked row per staged row.

    Output columns: ``id`` (source row), every written field, ``geom`` (WGS84),
    ``swapped``, ``on_surface``, ``location_precision``, ``pair``, ``spread_m``,
    ``positions`` (see ``loaders.locate``), ``district_named``, ``key`` (the file's id or
    a key derived from name and position), ``reasons`` (text[]) and ``detail``; for
    resources also ``category_how`` ('value', 'name', 'blank', 'unknown') and
    ``t_category`` (the type cell); :func:`geo.areas.with_areas_sql` adds ``dong_code`` and
    ``district_code``. ``spellings`` are the category spellings read in the caller's
    transaction.
    """
    target = plan.target
    q = _Query()
    key_extra = "''"
    if plan.mode == "geometry":
        _geometry(q, plan)
    else:
        key_extra = _locate(q, plan, layout, params, areas or AreaNames())
    params["programs"] = programs
    derived_kind = target.table == "resources" and "kind" not in (
        set(plan.mapping.columns) | set(plan.mapping.values)
    )
    codes = plan_codes(plan, spellings=spellings)
    bad = []
    for f in written_fields(plan):
        if f.name == "kind" and derived_kind:
            params["category_kind"] = json.dumps(kind_of_category())
            # Unclassified rows (a category of any kind) are of kind "other".
            q.output.append(
                "COALESCE(CAST(:category_kind AS jsonb) ->> p.category, 'other') AS kind"
            )
            continue
        if f.name == "category" and "category" not in plan.mapping.values:
            _category(q, plan, layout, params, codes, _kind_expr(plan, layout, params, codes))
            q.output += ["p.category", "p.category_how", "p.t_category"]
            continue
        cond = _field(q, f, plan, layout, params, codes)
        if cond:
            bad.append(cond)
        q.output.append(f"p.{f.name}")
    if target.table == "resources" and "category" in plan.mapping.values:
        q.output += ["'value'::text AS category_how", "NULL::text AS t_category"]
    if target.table == "resources" and not derived_kind:
        params["category_kind"] = json.dumps(kind_of_category())
        cond = (
            "p.category IS NOT NULL AND p.kind IS NOT NULL AND "
            "(CAST(:category_kind AS jsonb) ->> p.category) <> p.kind"
        )
        bad.append(cond)
        q.details.append(
            f"CASE WHEN {cond} THEN 'category ' || p.category || ' / kind ' || p.kind END"
        )
    if target.table == "conflict_cases" and "closed_on" in plan.mapping.columns:
        bad.append("p.closed_on < p.opened_on")
        q.details.append("CASE WHEN p.closed_on < p.opened_on THEN 'closed_on < opened_on' END")
    name = target.name_field
    q.reasons.insert(0, f"CASE WHEN p.{name} IS NULL THEN 'no_name' END")
    if bad:
        q.reasons.append(
            "CASE WHEN " + " OR ".join(f"({b})" for b in bad) + " THEN 'bad_value' END"
        )
    for col, alias in (("source_id", "source_key"), ("district", "district_named")):
        src = plan.mapping.columns.get(col)
        q.values.append(
            f"NULLIF(btrim(s.{layout.col(src)}), '') AS {alias}"
            if src
            else f"NULL::text AS {alias}"
        )
    key = (
        f"COALESCE(p.source_key, 'h' || substr(md5(lower(p.{name}) || '|' || "
        f"COALESCE(ST_AsText(ST_SnapToGrid(p.geom, 0.000001)), '') || {key_extra}), 1, 16))"
    )
    # OFFSET 0 keeps each step a step: without it the planner inlines the subqueries and
    # evaluates every cleaned text and number again wherever it is used.
    cleaned = f"CROSS JOIN LATERAL (SELECT {', '.join(q.cleaned)} OFFSET 0) t" if q.cleaned else ""
    return f"""
        SELECT p.id, {", ".join(q.output)}, p.geom, p.swapped, p.on_surface, p.district_named,
               p.location_precision, p.pair, p.spread_m, p.positions,
               {key} AS key,
               array_remove(ARRAY[{", ".join(q.reasons)}]::text[], NULL) AS reasons,
               concat_ws('; ', {", ".join(q.details) or "NULL"}) AS detail
        FROM (SELECT s.id, {", ".join(q.values)}
              FROM import_stage s {cleaned} {" ".join(q.laterals)} OFFSET 0) p
    """


#: Rows with a geometry that the district join left without district: outside Seoul, more
#: than ``geo.areas.SNAP_M`` metres from its outline.
OUTSIDE_SQL = """
    UPDATE import_rows SET reasons = reasons || ARRAY['outside_seoul']
        , detail = concat_ws('; ', NULLIF(detail, ''), CASE WHEN geom IS NOT NULL THEN
              round(ST_X(geom)::numeric, 6) || ', ' || round(ST_Y(geom)::numeric, 6) END)
    WHERE district_code IS NULL AND cardinality(reasons) = 0
"""

#: Valid rows just outside Seoul's outline, placed in the nearest dong: row, metres, dong.
SNAPPED_SQL = """
    SELECT r.id AS row, round(r.snapped_m::numeric, 1)::float8 AS distance_m,
           r.dong_code, d.name_ko AS dong
    FROM import_rows r JOIN dongs d ON d.code = r.dong_code
    WHERE r.snapped_m IS NOT NULL AND cardinality(r.reasons) = 0
    ORDER BY r.id
"""

#: For a district officer: rows that fall in another district, or that would change a
#: record of another district (matched on source and key), are not theirs to import.
OTHER_DISTRICT_SQL = """
    UPDATE import_rows r SET reasons = reasons || ARRAY['other_district']
        , detail = concat_ws('; ', NULLIF(r.detail, ''), d.name_ko)
    FROM districts d
    WHERE d.code = r.district_code AND cardinality(r.reasons) = 0
      AND (r.district_code <> :own OR EXISTS (
          SELECT 1 FROM {table} t WHERE t.source = :source AND t.source_id = r.key
            AND t.district_code IS DISTINCT FROM :own))
"""

#: Later rows with the key of an earlier valid row: duplicates, with the row they repeat.
#: (Keys that repeat are found first; only their rows are joined back.)
DUPLICATE_SQL = """
    UPDATE import_rows r SET reasons = ARRAY['duplicate'],
           detail = 'row ' || d.first_id
    FROM (SELECT key, min(id) AS first_id FROM import_rows
          WHERE cardinality(reasons) = 0 GROUP BY key HAVING count(*) > 1) d
    WHERE r.key = d.key AND r.id <> d.first_id AND cardinality(r.reasons) = 0
"""

#: Valid rows whose named district differs from the one they fall in.
MISMATCH_SQL = """
    SELECT r.id AS row, r.district_named AS named, d.name_ko AS found, r.key
    FROM import_rows r JOIN districts d ON d.code = r.district_code
    WHERE cardinality(r.reasons) = 0 AND r.district_named IS NOT NULL
      AND regexp_replace(regexp_replace(r.district_named,
              '^\\s*(서울특별시|서울시|서울)\\s*', ''), '\\s', '', 'g')
          NOT IN (d.name_ko, d.code, d.name_en)
    ORDER BY r.id
"""
