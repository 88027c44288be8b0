"""Plan an import before touching the database: read, map columns, decide the CRS.

:func:`prepare` reads the file (``loaders.readers``), maps its columns (``loaders.columns``),
applies the user's overrides, and decides how coordinates become WGS84 points
(``geo.crs``). The resulting :class:`ImportPlan` is what the import page shows for
confirmation and what ``loaders.ingest.run_import`` executes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import crs as kcrs
from geo import messages, vocab
from geo.access import Viewer, require
from geo.errors import InvalidInput
from geo.messages import Joined, Msg, Pair
from loaders.columns import (
    COORDINATES,
    NAME_PART,
    Mapping,
    check_mapping,
    code_lookup,
    detect_mapping,
    kind_of_category,
    norm_key,
    resolve_code,
)
from loaders.readers import SourceTable, read_source
from loaders.targets import Target, get_target

#: Targets whose table has ``location_precision`` (migration 0010): only their rows may be
#: placed at a dong from an address, since only they can say the point is not exact.
LOCATED_BY_ADDRESS = ("resources",)

_NUMBER = re.compile(r"^[+-]?(\d{1,15}(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose (CLI flags, page widgets); everything else is detected."""

    target: str = "resources"
    source: str | None = None
    kind: str | None = None
    category: str | None = None
    crs: int | str | None = None
    layer: str | None = None
    sheet: str | None = None
    mapping: Mapping | None = None
    #: True: ``mapping`` is the whole mapping (the page's editor); False: it overrides the
    #: detected one field by field (a mapping file).
    replace_mapping: bool = False
    actor: str | None = None
    #: Whose rights apply (the page's signed-in user, the CLI's ``--user``); ``None`` is the
    #: operator at the server's shell, who has the database anyway (administrator rights).
    viewer: Viewer | None = None
    #: The name the user's file had (uploads are saved under a fixed name on disk).
    file_name: str | None = None
    #: Provenance of the source written to ``datasets`` with the import (title_ko,
    #: title_en, publisher, edition, licence, found_at; ``loaders.opendata`` gives them
    #: from the manifest); without it the row names the source and its file.
    dataset: dict[str, object] | None = None
    #: Retire (never delete) records of this source that the file no longer lists: for
    #: a new edition of a complete dataset.
    retire_missing: bool = False
    #: Category (code or label) of the rows whose own category column or name ending
    #: does not tell theirs; without it they are ``unclassified``. Unlike ``category``,
    #: it does not override what the rows say.
    fallback_category: str | None = None


@dataclass
class PairPlan:
    """One coordinate pair of the file: its columns and how its values become WGS84."""

    x: str
    y: str
    epsg: int
    swapped: bool = False
    degrees: bool = False
    crs_origin: str = "detected"
    detection: kcrs.Detection | None = None

    def label(self, lang: str = "ko") -> str:
        """``X좌표(WGS84) / Y좌표(WGS84): EPSG:4326 (...)``."""
        return f"{self.x} / {self.y}: {kcrs.crs_label(self.epsg, lang)}"


#: How the CRS was decided -> its message.
_CRS_ORIGIN = {
    "detected": "plan.origin_detected",
    "declared": "plan.origin_declared",
    "given": "plan.origin_given",
}


@dataclass
class ImportPlan:
    """Everything needed to run an import, and what was detected, for confirmation."""

    path: Path
    options: ImportOptions
    target: Target
    table: SourceTable
    mapping: Mapping
    source: str
    #: "columns" (x/y columns, rows without coordinates located by address when there is
    #: one), "address" (no coordinates: every row at the 법정동 its address names) or
    #: "geometry" (the file's own geometry).
    mode: str
    epsg: int | None
    crs: CRS | None = None
    crs_origin: str = "detected"  # "detected", "declared" (file), "given" (user)
    swapped: bool = False
    degrees: bool = False
    detection: kcrs.Detection | None = None
    notes: list[Msg] = field(default_factory=list)
    #: Every coordinate pair used, the primary first (``epsg``/``swapped``/``degrees``
    #: above are the primary's); empty in "address" and "geometry" modes.
    pairs: list[PairPlan] = field(default_factory=list)
    #: Columns holding addresses (the mapped one first): a row without coordinates is
    #: located at the 법정동 they name (``location_precision = 'dong'``).
    address_columns: list[str] = field(default_factory=list)
    #: The category code of rows that tell none (``ImportOptions.fallback_category``).
    fallback_category: str | None = None

    @property
    def locates_by_address(self) -> bool:
        """True when rows without coordinates are placed at the dong their address names."""
        return (
            self.mode != "geometry"
            and bool(self.address_columns)
            and self.target.table in LOCATED_BY_ADDRESS
        )

    @property
    def file_name(self) -> str:
        """The file's name as the user knows it."""
        return self.options.file_name or self.path.name

    def describe(self, lang: str = "ko") -> dict[str, str]:
        """What was detected, as label -> value (for the page and the CLI)."""

        def say(key: str, **params: object) -> str:
            return messages.text(key, lang, **params)

        origin = say(_CRS_ORIGIN[self.crs_origin])
        crs_text = (
            kcrs.crs_label(self.epsg, lang) if self.epsg else (self.crs.name if self.crs else "?")
        )
        by_address = say("plan.by_address")
        if self.mode == "columns":
            coords = f"{self.mapping.columns.get('x')} / {self.mapping.columns.get('y')}"
        elif self.mode == "address":
            coords = by_address
        else:
            coords = say("plan.file_geometry")
        out = {
            say("plan.format"): self.table.format,
            say("plan.encoding"): self.table.encoding or "-",
            say("plan.crs"): (f"{crs_text} ({origin})" if self.mode != "address" else "-"),
            say("plan.coordinates"): coords,
            say("plan.source"): self.source,
        }
        for i, pair in enumerate(self.pairs[1:], start=2):
            out[say("plan.coordinates_n", i=i)] = pair.label(lang)
        if self.locates_by_address:
            out[say("plan.address_location")] = ", ".join(self.address_columns) + " → " + by_address
        if self.table.layer:
            out[say("plan.layer")] = self.table.layer
        if self.table.sheet:
            out[say("plan.sheet")] = self.table.sheet
        if self.table.header_row:
            out[say("plan.header_row")] = str(self.table.header_row)
        out.update(self.column_choices(lang))
        return out

    def column_choices(self, lang: str = "ko") -> dict[str, str]:
        """Which column was chosen for each field and why ("name ←": "쉼터명칭: ...")."""
        out = {}
        for name in self.target.names:
            col = self.mapping.columns.get(name)
            if col is not None:
                why = self.mapping.evidence.get(name)
                out[f"{name} ←"] = f"{col}: {why.text(lang)}" if why else col
            elif name in self.mapping.values:
                value = str(self.mapping.values[name])
                out[f"{name} ←"] = messages.text("plan.one_value", lang, value=value)
        part = self.mapping.columns.get(NAME_PART)
        if part is not None:
            why = self.mapping.evidence.get(NAME_PART)
            out[f"{self.target.name_field} + ←"] = f"{part}: {why.text(lang)}" if why else part
        if self.target.table == "resources" and "category ←" not in out:
            out["category ←"] = messages.text(
                "plan.no_category_column", lang, rest=_fallback_label(self.fallback_category)
            )
        return out


def parse_number(text: object) -> float:
    """A number written as text (``' 37.5 '``, ``'1,234.5'``, full-width digits) or NaN.

    The same rule runs in SQL for every row (``loaders.validate``); this one serves the
    sample used to detect the CRS.
    """
    import unicodedata

    if text is None:
        return float("nan")
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    return float(s) if _NUMBER.match(s) else float("nan")


def _numbers(series: pd.Series) -> np.ndarray:
    return np.array([parse_number(v) for v in series], dtype=float)


def _district_names(table: SourceTable, mapping: Mapping) -> list[str | None] | None:
    """Per row, the district the file names: the district column, else from the address."""
    col = mapping.columns.get("district")
    if col:
        return list(table.frame[col])
    col = mapping.columns.get("address")
    if not col:
        return None
    names = "|".join(sorted(kcrs.district_codes_by_name(), key=len, reverse=True))
    pattern = re.compile(rf"(?:^|\s|서울\S*\s*)({names})(?=\s|$|\d|,)")
    out = []
    for text in table.frame[col]:
        m = pattern.search(str(text or ""))
        out.append(m.group(1) if m else None)
    return out if any(out) else None


def _apply_fixed_values(mapping: Mapping, target: Target, options: ImportOptions) -> Mapping:
    values = dict(mapping.values)
    if options.kind:
        values["kind"] = options.kind
    if options.category:
        values["category"] = options.category
    columns = {k: v for k, v in mapping.columns.items() if k not in values}
    resolved = {}
    for name, value in values.items():
        f = target.field(name)
        resolved[name] = resolve_code(f.code_table(), value, name) if f.type == "code" else value
    if target.table == "resources" and "category" in resolved and "kind" not in columns:
        kind = kind_of_category()[resolved["category"]]
        if kind is not None and resolved.setdefault("kind", kind) != kind:
            raise InvalidInput(
                Msg("plan.category_not_kind", category=resolved["category"], kind=resolved["kind"])
            )
    return replace(mapping, columns=columns, values=resolved)


class MissingFields(InvalidInput):
    """Required fields with no column: the user must say which column holds each.

    Carries what was detected so the import page can show its column table and ask.
    """

    cli_hint = "--mapping FILE (columns), or --kind/--category for the whole file"

    def __init__(self, missing: list, mapping: Mapping, target: Target, columns: list[str]):
        names = Joined(tuple(Pair(*f.label) for f in missing), ", ")
        super().__init__(Msg("plan.required_not_found", names=names))
        self.missing = [f.name for f in missing]
        self.mapping = mapping
        self.target = target
        self.columns = columns


def _check_required(mapping: Mapping, target: Target, columns: list[str]) -> None:
    have = set(mapping.columns) | set(mapping.values)
    missing = [f for f in target.fields if f.required and f.name not in have]
    if target.table == "resources":
        # The kind follows from the category, which is read from names or unclassified.
        missing = [f for f in missing if f.name not in ("kind", "category")]
    if missing:
        raise MissingFields(missing, mapping, target, columns)


def _has_geometry(table: SourceTable) -> bool:
    return table.geometry is not None and bool(table.geometry.notna().any())


def prepare(path: str | Path, options: ImportOptions | None = None) -> ImportPlan:
    """Read ``path`` and decide columns and CRS; raises a user-safe error if it cannot.

    Raises
    ------
    geo.errors.Forbidden
        ``options.viewer`` may not import.
    loaders.readers.UnreadableFile
        The file as a whole cannot be read.
    InvalidInput
        The file can be read but not imported as asked (no coordinates, no column for a
        required field, unknown CRS or value).
    """
    options = options or ImportOptions()
    if options.viewer is not None:
        require(options.viewer, "import")
    path = Path(path)
    target = get_target(options.target)
    table = read_source(path, target, layer=options.layer, sheet=options.sheet)
    codes = code_lookup(target, Mapping()) if "category" in target.names else None
    mapping = detect_mapping(
        table.columns, target, has_geometry=_has_geometry(table), frame=table.frame, codes=codes
    )
    if options.mapping is not None:
        mapping = _users_mapping(mapping, options)
    check_mapping(mapping, table.columns, target)
    mapping = _apply_fixed_values(mapping, target, options)
    _check_required(mapping, target, list(table.columns))
    source = options.source or mapping.source or _default_source(path)
    forced = options.crs if options.crs is not None else mapping.crs
    plan = ImportPlan(path, options, target, table, mapping, source, "columns", None)
    if options.fallback_category and "category" in target.names:
        plan.fallback_category = resolve_code(
            target.field("category").code_table(), options.fallback_category, "category"
        )
    plan.notes.extend(table.notes)
    plan.notes.extend(_category_notes(mapping, target, plan.fallback_category))
    if not _has_geometry(table):
        plan.address_columns = address_columns(table.columns, mapping)
        addresses = [c for c in plan.address_columns if norm_key(c) not in _DONG_COLUMNS]
        if addresses and "address" not in mapping.columns and "address" in target.names:
            mapping.columns["address"] = addresses[0]
    if set(COORDINATES) <= set(mapping.columns):
        _plan_columns(plan, forced)
    elif _has_geometry(table):
        plan.mode = "geometry"
        _plan_geometry(plan, forced)
    elif plan.locates_by_address:
        _plan_address(plan)
    else:
        raise InvalidInput(Msg("plan.no_coordinate_columns", columns=", ".join(table.columns)))
    return plan


def _users_mapping(detected: Mapping, options: ImportOptions) -> Mapping:
    """The user's mapping over the detected one; the evidence says who chose each column."""
    given = options.mapping
    assert given is not None  # called only with a user's mapping
    if not options.replace_mapping:
        return detected.merged(given)
    why = {}
    for name, col in given.columns.items():
        if detected.columns.get(name) == col and name in detected.evidence:
            why[name] = detected.evidence[name]
        else:
            why[name] = Msg("plan.chosen_by_you")
    return replace(given, evidence=why)


def _fallback_label(fallback: str | None) -> Pair | Msg:
    """What rows whose name tells no category become: the chosen category, or unclassified."""
    if not fallback:
        return Msg("plan.unclassified")
    cats = vocab.all_categories()
    return Pair(vocab.label(cats, fallback, "ko"), vocab.label(cats, fallback, "en"))


def _category_notes(mapping: Mapping, target: Target, fallback: str | None = None) -> list[Msg]:
    """A warning when a resource file has no category column (not a refusal); it names the
    category chosen for the rows whose name does not tell theirs, if any."""
    if target.table != "resources" or "category" in mapping.columns | mapping.values:
        return []
    if fallback:
        return [Msg("plan.no_category_column_rows_chosen", category=_fallback_label(fallback))]
    return [Msg("plan.no_category_column_rows")]


def _default_source(path: Path) -> str:
    return path.stem if path.is_file() else path.name


#: Axis words of coordinate column names, x spelling -> y spelling, tried in order to find
#: the partner of a column (``X좌표(WGS84)`` -> ``Y좌표(WGS84)``, ``map_coord_x`` ->
#: ``map_coord_y``, ``lot`` -> ``lat``).
_AXIS_WORDS: tuple[tuple[str, str], ...] = (
    ("경도", "위도"),
    ("longitude", "latitude"),
    ("Longitude", "Latitude"),
    ("LONGITUDE", "LATITUDE"),
    ("lon", "lat"),
    ("Lon", "Lat"),
    ("LON", "LAT"),
    ("lng", "lat"),
    ("lot", "lat"),
    ("LOT", "LAT"),
    ("lclo", "lcla"),
    ("LC_LO", "LC_LA"),
    ("x", "y"),
    ("X", "Y"),
)
_ADDRESS_WORDS = ("주소", "소재지", "addr")
#: Words of columns that hold no postal address (``홈페이지주소``, ``이메일주소``).
_NOT_ADDRESS_WORDS = ("홈페이지", "url", "메일", "mail", "web")
#: Column names (compare form) of a dong name held on its own (beside a 자치구 column).
_DONG_COLUMNS = frozenset(
    {
        "동",
        "동명",
        "동이름",
        "법정동",
        "법정동명",
        "행정동",
        "행정동명",
        "읍면동",
        "읍면동명",
        "emd",
        "emdnm",
    }
)


def coordinate_pairs(columns: list[str], primary: tuple[str, str]) -> list[tuple[str, str]]:
    """Every (x, y) column pair of the file, ``primary`` first, the others in file order.

    A pair is two columns whose names differ only in the axis word (``X``/``Y``,
    ``경도``/``위도``, ``lon``/``lat``/``lot``): ``X좌표(GRS80TM)`` with ``Y좌표(GRS80TM)``,
    ``map_coord_x`` with ``map_coord_y``, ``lat`` with ``lot``. Which system each pair is
    in is decided from its values, not from the name.
    """
    pairs = [primary]
    used = set(primary)
    present = set(columns)
    every = re.compile("|".join(re.escape(x) for x, _ in _AXIS_WORDS))
    to_y = dict(_AXIS_WORDS)
    for col in columns:
        if col in used:
            continue
        # Every axis word swapped (``X좌표(EPSG:5186) (map_coord_x)``), else the last one.
        candidates = [every.sub(lambda m: to_y[m.group(0)], col)]
        for xw, yw in _AXIS_WORDS:
            at = col.rfind(xw)
            if at >= 0:
                candidates.append(col[:at] + yw + col[at + len(xw) :])
        for partner in candidates:
            if partner in present and partner not in used and partner != col:
                pairs.append((col, partner))
                used.update((col, partner))
                break
    return pairs


def address_columns(columns: list[str], mapping: Mapping) -> list[str]:
    """Columns that name where a row is: a dong column (``동``, ``법정동``, ``행정동명``),
    the mapped address, then any other named 주소/소재지/addr.

    Their words are searched, in this order, for the 법정동 a row without coordinates is
    placed at (a road address often names it only in brackets, the lot address always).
    """
    mapped = mapping.columns.get("address")
    taken = {c for f, c in mapping.columns.items() if f != "address"}
    out = [c for c in columns if c not in taken and norm_key(c) in _DONG_COLUMNS]
    out += [mapped] if mapped and mapped not in out else []
    for col in columns:
        key = str(col).lower()
        if (
            col not in out
            and col not in taken
            and any(w in key for w in _ADDRESS_WORDS)
            and not any(w in key for w in _NOT_ADDRESS_WORDS)
        ):
            out.append(col)
    return out


def _plan_address(plan: ImportPlan, note: Msg | None = None) -> None:
    plan.mode, plan.epsg = "address", None
    plan.notes.append(note or Msg("plan.no_coordinate_columns_each"))


def _plan_columns(plan: ImportPlan, forced: int | str | None) -> None:
    frame = plan.table.frame
    primary = (plan.mapping.columns["x"], plan.mapping.columns["y"])
    names = _district_names(plan.table, plan.mapping)
    found = plan.mapping.pairs or coordinate_pairs(list(plan.table.columns), primary)
    if found[0] != primary:
        found = [primary, *(p for p in found if p != primary)]
    for i, (xc, yc) in enumerate(found):
        x, y = _numbers(frame[xc]), _numbers(frame[yc])
        if not np.isfinite(x + y).any():
            if i > 0:
                plan.notes.append(Msg("plan.coordinate_columns_hold_no_2", xc=xc, yc=yc))
            continue
        plan.pairs.append(_plan_pair(plan, xc, yc, x, y, names, forced if i == 0 else None))
    if not plan.pairs:
        if plan.locates_by_address:
            _plan_address(
                plan,
                Msg("plan.coordinates_blank", x=primary[0], y=primary[1]),
            )
            return
        raise InvalidInput(
            Msg("plan.coordinate_columns_hold_no", primary=primary[0], primary_2=primary[1])
        )
    if plan.pairs[0].x != primary[0]:
        # The mapped pair was blank: the first pair with numbers is the primary.
        plan.mapping.columns["x"], plan.mapping.columns["y"] = plan.pairs[0].x, plan.pairs[0].y
    plan.mapping.pairs = [(p.x, p.y) for p in plan.pairs]
    first = plan.pairs[0]
    plan.epsg, plan.swapped, plan.degrees = first.epsg, first.swapped, first.degrees
    plan.detection, plan.crs_origin = first.detection, first.crs_origin


def _plan_pair(
    plan: ImportPlan,
    xc: str,
    yc: str,
    x: np.ndarray,
    y: np.ndarray,
    names: list[str | None] | None,
    forced: int | str | None,
) -> PairPlan:
    """Decide one pair's system and axis order from its values (``forced``: the user's)."""
    if forced is not None:
        epsg = kcrs.parse_epsg(forced)
        det = kcrs.detect(x, y, district_names=names, declared=epsg, declared_label="--crs")
        # The user's system is kept; only the axis order is taken from the values.
        same = [c for c in det.candidates if c.epsg == epsg]
        swapped = bool(same) and max(same, key=lambda c: c.inside).swapped
        if det.contradicted:
            plan.notes.append(
                Msg(
                    "plan.given_crs_outside",
                    given=kcrs.crs_pair(epsg),
                    fits=kcrs.crs_pair(det.epsg),
                )
            )
        degrees = CRS.from_epsg(epsg).is_geographic
        return PairPlan(xc, yc, epsg, swapped, degrees, "given", det)
    hints, hint_label = kcrs.label_hints([xc, yc])
    det = kcrs.detect(x, y, district_names=names, hints=hints, hint_label=hint_label)
    if plan.pairs:
        plan.notes.extend(Msg("plan.pair_note", x=xc, y=yc, note=n) for n in det.notes)
    else:
        plan.notes.extend(det.notes)
    return PairPlan(xc, yc, det.epsg, det.swapped, det.degrees, "detected", det)


def _plan_geometry(plan: ImportPlan, forced: int | str | None) -> None:
    table = plan.table
    assert table.geometry is not None  # a file with geometry
    geoms = np.asarray(table.geometry.values)
    valid = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    pts = shapely.point_on_surface(shapely.make_valid(geoms[valid]))
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    names = _district_names(table, plan.mapping)
    if names is not None:
        names = list(np.asarray(names, dtype=object)[valid])
    if forced is not None:
        plan.epsg, plan.crs_origin = kcrs.parse_epsg(forced), "given"
        return
    fix = kcrs.repair(table.crs)
    if fix.note:
        plan.notes.append(fix.note)
    if fix.epsg is None and fix.crs is not None:
        # A system without EPSG code (e.g. a .prj with its own TOWGS84): used as written,
        # unless the values say it is wrong.
        lon, lat = shapely.get_coordinates(shapely.transform(pts, _pyproj_transform(fix.crs))).T
        if (kcrs.locate_districts(lon, lat) != "").mean() >= 0.5:
            plan.crs, plan.crs_origin = fix.crs, "declared"
            return
    det = kcrs.detect(
        x, y, district_names=names, declared=fix.epsg, declared_label=table.crs_source
    )
    plan.detection, plan.epsg, plan.degrees = det, det.epsg, det.degrees
    plan.swapped = det.swapped
    plan.crs_origin = "declared" if fix.epsg is not None and det.epsg == fix.epsg else "detected"
    plan.notes.extend(det.notes)


def _pyproj_transform(crs: CRS):
    from pyproj import Transformer

    t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def run(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return run
