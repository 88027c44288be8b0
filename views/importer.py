"""Page "Import": upload a file, confirm what was detected, check it, then import it.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
The work is done by ``loaders.plan.prepare`` (read, map, CRS) and
``loaders.ingest.run_import`` (check and write in one transaction), both in a child process
held to the import memory ceiling (``loaders.bounded``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import vocab
from geo.access import allowed, scope
from geo.errors import AtlasError
from geo.reference import attribution
from geo.settings import load_settings
from layers import maps
from layers.import_preview import add_import_preview
from loaders.bounded import import_file, prepare_plan
from loaders.columns import COORDINATES, Mapping
from loaders.plan import ImportOptions, ImportPlan, MissingFields
from loaders.readers import READERS
from loaders.report import ImportReport, reason_label
from loaders.targets import TARGETS
from loaders.uploads import save_upload
from views.common import (
    csv_download,
    district_label,
    keep,
    outlines,
    page_progress,
    show_error,
    viewer,
)
from views.i18n import lang, pick, say, translator

t = translator("importer")

_SESSION = "importer"


def _pair(label: tuple[str, str]) -> str:
    return pick(label)


def _saved(upload) -> tuple[Path, str] | None:
    """The upload saved on disk (under a fixed name) and the name the user gave it."""
    state = st.session_state.setdefault(_SESSION, {})
    if upload is None:
        return (state["path"], state["name"]) if state.get("path") else None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    if state.get("digest") != digest:
        path = save_upload(data, upload.name, allowed=READERS)
        state.update(digest=digest, path=path, name=upload.name, plans={}, report=None)
    return state["path"], state["name"]


def _plan(path: Path, options: ImportOptions) -> ImportPlan:
    """``prepare`` once per file and set of choices (widgets rerun the page often)."""
    plans = st.session_state[_SESSION].setdefault("plans", {})
    key = repr((str(path), options))
    if key not in plans:
        plans[key] = prepare_plan(path, options)
    return plans[key]


def _needed(path: Path, options: ImportOptions) -> ImportPlan | None:
    """The plan; or, when required fields have no column, the column table asking for
    them (in page terms) and None until the user has chosen."""
    key = f"mapping_override-{st.session_state[_SESSION].get('digest')}"
    override = st.session_state[_SESSION].get(key)
    if override is not None:
        options = ImportOptions(
            **{**options.__dict__, "mapping": override, "replace_mapping": True}
        )
    try:
        return _plan(path, options)
    except MissingFields as need:
        st.subheader(t("needs"))
        st.warning(say(need))
        st.subheader(t("mapping"))
        edited = _mapping_editor(
            need.mapping,
            need.target,
            need.columns,
            geometry=False,
            missing=need.missing,
            step="needs",
        )
        if edited is not None:
            st.session_state[_SESSION][key] = edited
            st.rerun()
        return None


def _choices(target: str, name: str) -> ImportOptions:
    stem = Path(name).stem
    cols = st.columns(3)
    source = cols[0].text_input(
        t("source"), value=stem, help=t("source_help"), key=keep(f"imp_source_{stem}")
    )
    crs = cols[1].text_input(t("crs"), value="", key=keep("imp_crs")).strip() or None
    kind = category = fallback = None
    if target == "resources":
        kinds = [None, *vocab.KINDS]
        kind = cols[2].selectbox(
            t("kind"),
            kinds,
            format_func=lambda k: t("from_column") if k is None else _pair(vocab.KINDS[k]),
            key=keep("imp_kind"),
        )
        cats = [None, *(vocab.categories_of(kind) if kind else vocab.all_categories())]
        chosen = cols[2].selectbox(
            t("category"),
            cats,
            format_func=lambda c: t("from_rows") if c is None else _pair(vocab.all_categories()[c]),
            key=keep(f"imp_category_{kind}"),
        )
        if chosen is not None:
            every = cols[2].radio(
                t("category_scope"),
                ["rest", "all"],
                format_func=lambda v: t(f"scope_{v}"),
                key=keep("imp_category_scope"),
            )
            category, fallback = (chosen, None) if every == "all" else (None, chosen)
    return ImportOptions(
        target=target,
        source=source or stem,
        kind=kind,
        category=category,
        fallback_category=fallback,
        crs=crs,
        viewer=viewer(),
        file_name=name,
    )


def _ask_kind(plan: ImportPlan) -> None:
    """Ask, in the page's terms, for the kind and category of a resource file that tells
    neither (the rows are then classified by their names, the rest unclassified)."""
    if plan.target.table != "resources" or plan.fallback_category:
        return
    told = set(plan.mapping.columns) | set(plan.mapping.values)
    if "category" in told:
        return
    st.info(t("ask_category" if "kind" in told else "ask_kind"), icon=":material/help:")


def _detected(plan: ImportPlan) -> list[tuple[str, str]]:
    """What was detected, as the page says it: fields by their label, a value given for
    the whole file by its label (not ``name ←`` or ``space``)."""
    labels = {f.name: _pair(f.label) for f in plan.target.fields}
    codes = {"kind": vocab.KINDS, "category": vocab.all_categories()}
    rows = []
    for item, value in plan.describe(lang()).items():
        field = item.removesuffix(" ←").removesuffix(" +")
        if item.endswith(" ←") and field in labels:
            given = plan.mapping.values.get(field)
            if given is not None and field in codes and plan.mapping.columns.get(field) is None:
                value = f"{_pair(codes[field].get(given, (given, given)))} ({t('one_value')})"
            item = f"{labels[field]}{' +' if item.endswith(' + ←') else ''} ←"
        rows.append((item, value))
    return rows


def _layer_and_sheet(plan: ImportPlan, options: ImportOptions) -> ImportOptions:
    table = plan.table
    if len(table.layers) > 1:
        layer = st.selectbox(
            t("layer"), table.layers, index=table.layers.index(table.layer), key=keep("imp_layer")
        )
        options = ImportOptions(**{**options.__dict__, "layer": layer})
    if len(table.sheets) > 1:
        sheet = st.selectbox(
            t("sheet"), table.sheets, index=table.sheets.index(table.sheet), key=keep("imp_sheet")
        )
        options = ImportOptions(**{**options.__dict__, "sheet": sheet})
    return options


def _mapping_editor(
    mapping: Mapping, target, columns: list[str], *, geometry: bool, missing=(), step="plan"
) -> Mapping | None:
    """The detected mapping as an editable table; the edited mapping when it differs.

    Fields in ``missing`` (required, no column found) come first, marked as needed.
    """
    fields = [] if geometry else list(COORDINATES)
    fields += [f.name for f in target.fields if f.name not in mapping.values]
    fields = sorted(fields, key=lambda f: f not in missing)
    labels = {"x": t("x"), "y": t("y")} | {f.name: _pair(f.label) for f in target.fields}
    none = t("none")
    df = pd.DataFrame(
        {
            "field": fields,
            t("field"): [labels[f] + (" *" if f in missing else "") for f in fields],
            t("column"): [mapping.columns.get(f, none) for f in fields],
        }
    )
    edited = st.data_editor(
        df,
        hide_index=True,
        width="stretch",
        disabled=["field", t("field")],
        column_config={
            "field": None,
            t("column"): st.column_config.SelectboxColumn(options=[none, *columns], required=True),
        },
        key=f"mapping-{step}-{target.table}-{st.session_state[_SESSION].get('digest')}",
    )
    chosen = {f: c for f, c in zip(edited["field"], edited[t("column")], strict=True) if c != none}
    if chosen == {f: mapping.columns[f] for f in fields if f in mapping.columns}:
        return None
    return Mapping(columns=chosen, values=dict(mapping.values))


def _show_report(report: ImportReport) -> None:
    if report.dry_run:
        st.info(t("dry_note"))
    else:
        st.success(t("done", run=report.run_id))
    cols = st.columns(5)
    for col, key in zip(
        cols, ("read", "inserted", "updated", "unchanged", "rejected"), strict=True
    ):
        col.metric(t(key), f"{getattr(report, key):,}")
    for warning in report.warnings:
        st.warning(say(warning))
    counts = pd.DataFrame(
        [(t(k), getattr(report, k)) for k in ("read", "inserted", "updated", "unchanged")]
        + [(reason_label(r, lang()), n) for r, n in report.rejected_by_reason.items()]
        + [(t("by_pair", pair=pair), n) for pair, n in report.by_pair.items()]
        + ([(t("at_dong"), report.at_dong)] if report.at_dong else []),
        columns=[t("reason"), t("count")],
    )
    st.dataframe(counts, hide_index=True, width="content")
    csv_download(counts, label=t("download_csv"), file_name="import_counts.csv", key="imp_counts")
    st.subheader(t("preview"))
    preview = report.preview
    m = maps.base_map(
        outlines("district"),
        outlines("dong"),
        attribution=attribution(lang()),
        lang=lang(),
        bounds=_preview_bounds(preview),
    )
    add_import_preview(m, preview, lang=lang())
    st_folium(maps.finish(m), height=480, use_container_width=True, returned_objects=[])
    if len(report.rejected_rows):
        st.subheader(t("rejected_rows"))
        shown = _rejected_table(report.rejected_rows)
        st.dataframe(shown, hide_index=True, width="stretch")
        csv_download(
            report.rejected_rows,
            label=t("download_csv"),
            file_name=f"{Path(report.file).stem}_rejected.csv",
            key="imp_rejected",
        )
    if report.unknown_categories:
        st.subheader(t("unknown_categories"))
        unknown = pd.DataFrame(report.unknown_categories, columns=[t("value_in_file"), t("count")])
        st.dataframe(unknown, hide_index=True, width="content")
    stem = Path(report.file).stem
    for title, frame, suffix in (
        ("disagreements", report.disagreements, "pair_disagreements"),
        ("snapped", report.snapped, "snapped"),
        ("mismatches", report.mismatches, "district_mismatches"),
    ):
        if len(frame):
            st.subheader(t(title))
            st.dataframe(frame, hide_index=True, width="stretch")
            csv_download(
                frame,
                label=t("download_csv"),
                file_name=f"{stem}_{suffix}.csv",
                key=f"imp_{title}",
            )


#: The preview shows at least this many degrees (about 1.3 km) around its rows: a few rows
#: close together would otherwise fill the map at the highest zoom with nothing around them
#: to tell where they are (there are no tiles; the dong outlines are the context).
_PREVIEW_MIN_SPAN = 0.012


def _preview_bounds(preview) -> tuple[float, float, float, float] | None:
    """The box the preview map fits: its rows with a margin of a tenth on each side (a
    row on the edge is drawn whole), widened to :data:`_PREVIEW_MIN_SPAN`."""
    if preview is None or not len(preview):
        return None
    x0, y0, x1, y1 = (float(v) for v in preview.total_bounds)
    px = max((x1 - x0) / 10, (_PREVIEW_MIN_SPAN - (x1 - x0)) / 2)
    py = max((y1 - y0) / 10, (_PREVIEW_MIN_SPAN - (y1 - y0)) / 2)
    return (x0 - px, y0 - py, x1 + px, y1 + py)


def _rejected_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows with headers and reasons in the interface language (file columns as
    they are)."""
    shown = rows.copy()
    shown["reason"] = [reason_label(r, lang()) for r in shown["reason"]]
    if "reasons" in shown:
        shown["reasons"] = [
            "; ".join(reason_label(r.strip(), lang()) for r in str(rs).split(";") if r.strip())
            for rs in shown["reasons"]
        ]
    return shown.rename(
        columns={
            "row": t("rejected_row"),
            "reason": t("reason"),
            "reasons": t("rejected_reasons"),
            "detail": t("rejected_detail"),
        }
    )


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.caption(t("intro"))
    who = viewer()
    if not allowed(who, "import"):
        st.info(t("staff_only"))
        return
    if scope(who, "import") == "own":
        st.caption(t("own_district", district=district_label(who.district_code)))
    limit = load_settings().max_upload_mb
    target = st.selectbox(
        t("target"),
        list(TARGETS),
        format_func=lambda k: _pair(TARGETS[k].label),
        key=keep("imp_target"),
    )
    upload = st.file_uploader(
        t("file"),
        type=sorted({ext.lstrip(".") for ext in READERS}),
        max_upload_size=limit,
        help=t("file_help", mb=limit),
    )
    try:
        saved = _saved(upload)
    except AtlasError as exc:
        show_error(exc)
    if saved is None:
        return
    path, name = saved
    options = _choices(target, name)
    state = st.session_state[_SESSION]
    try:
        plan = _needed(path, options)
        if plan is None:
            return
        options = plan.options
        options = _layer_and_sheet(plan, options)
        plan = _plan(path, options)
        _ask_kind(plan)
        st.subheader(t("detected"))
        detected = pd.DataFrame(_detected(plan), columns=[t("item"), t("value")])
        st.dataframe(detected, hide_index=True, width="content")
        for note in plan.notes:
            st.caption(say(note))
        st.subheader(t("mapping"))
        edited = _mapping_editor(
            plan.mapping, plan.target, plan.table.columns, geometry=plan.mode == "geometry"
        )
        if edited is not None:
            options = ImportOptions(
                **{**options.__dict__, "mapping": edited, "replace_mapping": True}
            )
            plan = _plan(path, options)
        left, right = st.columns(2)
        if left.button(t("check"), key="imp_check"):
            progress = page_progress(t("checking"))
            state["report"] = import_file(path, options, dry_run=True, progress=progress)
        if right.button(t("commit"), type="primary", key="imp_commit"):
            progress = page_progress(t("importing"))
            state["report"] = import_file(path, options, progress=progress)
    except AtlasError as exc:
        show_error(exc)
    if state.get("report") is not None:
        _show_report(state["report"])


render()
