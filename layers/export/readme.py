"""The README.txt put into export zips and district bundles: what, from where, how, how many.

Korean first, then English: source, export time, whose rights applied, filters, CRS, record
counts per layer (with demo records), files, the Shapefile field mapping, the boundary
attribution and notes. A clear warning heads it when demo records are included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from geo import datasets, vocab
from geo.access import Viewer
from geo.messages import Msg
from geo.reference import attribution, district_names
from layers.export.fieldmap import mapping_rows
from layers.export.read import EXPORT_CRS, LayerTable, Selection

FILE_NAME = "README.txt"
#: The README is one text for every reader: each line in both languages (``str(Msg)``).
SOURCE_LINE = str(Msg("readme.source_line"))
_ROLE_TEXT = {
    "public": "readme.role_public",
    "district_officer": "readme.role_district_officer",
    "planner": "readme.role_planner",
    "admin": "readme.role_admin",
}


def _both(key: str, **params: object) -> str:
    return str(Msg(key, **params))


def _filters(selection: Selection) -> list[str]:
    names = district_names(selection.districts) if selection.districts else {}
    where = ", ".join(
        f"{names[c][0]} ({names[c][1]}, {c})" for c in selection.districts if c in names
    ) or _both("readme.all_seoul")
    flt = selection.resources
    every = _both("readme.all")
    kinds = ", ".join(f"{vocab.label(vocab.KINDS, k)} ({k})" for k in flt.kinds) or every
    cats = vocab.all_categories()
    categories = ", ".join(f"{vocab.label(cats, c)} ({c})" for c in flt.categories)
    lines = [
        f"- {_both('readme.districts')}: {where}",
        f"- {_both('readme.kinds')}: {kinds}",
        f"- {_both('readme.categories')}: {categories or every}",
        f"- {_both('readme.text')}: {flt.text.strip() or _both('readme.none')}",
    ]
    if selection.open_conflicts_only:
        lines.append(f"- {_both('readme.open_conflicts_only')}")
    return lines


def _sources(tables: Sequence[LayerTable]) -> list[str]:
    """One line per source of the exported records: dataset, publisher, edition, licence."""
    counts: dict[str, int] = {}
    for t in tables:
        if "source" not in t.table.column_names:
            continue
        for value in t.table["source"].to_pylist():
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return [f"  ({_both('readme.none')})"]
    known = datasets.sources().set_index("source")
    lines = []
    for source, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if source in known.index:
            d = known.loc[source]
            parts = [f"{d['title_ko']} / {d['title_en']}"]
            parts += [str(d[c]) for c in ("publisher", "edition", "file_name") if d[c]]
            line = f"  {source}: {n:,} · " + " · ".join(parts)
            if d["licence"]:
                line += f" · {d['licence']}"
        else:
            line = f"  {source}: {n:,}"
        lines.append(line)
    return lines


def render(
    tables: Sequence[LayerTable],
    *,
    viewer: Viewer,
    selection: Selection,
    exported_at: dt.datetime,
    files: Sequence[str],
    formats: Sequence[str],
    encoding: str | None = None,
    notes: Sequence[Msg] = (),
    title: str | None = None,
) -> str:
    """The README text for an export of ``tables`` (``title``: the export's by default)."""
    demo = sum(t.demo_rows for t in tables)
    crs = tables[0].crs if tables else 4326
    out = [title or _both("readme.title"), "=" * 60, ""]
    if demo:
        warning = Msg("readme.demo_warning", n=demo)
        out += [warning.text("ko"), warning.text("en"), ""]
    csv_note = Msg("readme.csv_note")
    out += [
        f"{_both('readme.source')}: {SOURCE_LINE}",
        f"{_both('readme.exported_at')}: {exported_at.isoformat()}",
        f"{_both('readme.viewer')}: {_both(_ROLE_TEXT[viewer.role])}",
        f"{_both('readme.format')}: {', '.join(formats)}",
        f"{_both('readme.crs')}: EPSG:{crs} {EXPORT_CRS[crs][0]} / {EXPORT_CRS[crs][1]}",
        f"  {csv_note.text('ko')}",
        f"  {csv_note.text('en')}",
    ]
    if encoding:
        out.append(_both("readme.encoding", encoding=encoding.upper()))
    out += ["", f"{_both('readme.filters')}:", *_filters(selection), ""]
    out.append(f"{_both('readme.counts')}:")
    out.append(f"  {'layer':<20}{'records':>10}{'demo':>10}  {_both('readme.name')}")
    for t in tables:
        out.append(f"  {t.spec.name:<20}{t.n:>10,}{t.demo_rows:>10,}  {' / '.join(t.spec.label)}")
    generalised = sum(t.generalised_rows for t in tables)
    if generalised:
        out.append(f"  {_both('readme.generalised', n=generalised)}")
    at_dong = sum(t.dong_precision_rows for t in tables)
    if at_dong:
        out.append(f"  {_both('readme.at_dong', n=at_dong)}")
    out += ["", f"{_both('readme.files')}:", *(f"  {f}" for f in files)]
    renamed = {
        (name, short, meaning)
        for _layer, name, short, meaning in mapping_rows([t.spec for t in tables])
        if name != short
    }
    out += ["", _both("readme.field_names")]
    for name, short, meaning in sorted(renamed):
        out.append(f"  {name:<22} -> {short:<11} {meaning}")
    out += ["", f"{_both('readme.data_sources')}:", *_sources(tables)]
    out += [
        "",
        f"{_both('readme.boundaries')}:",
        f"  {attribution('ko')}",
        f"  {attribution('en')}",
    ]
    if notes:
        out += ["", f"{_both('readme.notes')}:", *(f"  - {n}" for n in notes)]
    return "\r\n".join(out) + "\r\n"
