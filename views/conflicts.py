"""Page "Conflicts": the register (list, filters, case view), staff forms, early warning.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from geo import conflicts, vocab
from geo.access import allowed
from geo.errors import AtlasError
from geo.reference import attribution
from layers import conflicts as conflict_layers
from layers import maps
from views.common import csv_download, district_names, districts, keep, keep_tab, show_error, viewer
from views.i18n import lang, pick, translator

t = translator("conflicts")

_REGISTER_COLUMNS = {
    "id": "col_id",
    "title": "col_title",
    "city_project": "col_project",
    "department": "col_department",
    "type_label": "col_type",
    "stage_label": "col_stage",
    "severity": "col_severity",
    "district_name": "col_district",
    "dong_name": "col_dong",
    "opened_on": "col_opened",
    "closed_on": "col_closed",
    "stakeholders_text": "col_stakeholders",
    "reports": "col_reports",
    "is_demo": "col_demo",
}


def _labels(table: dict, codes) -> list[str]:
    return [vocab.label(table, c, lang()) for c in codes]


def _filters(d: pd.DataFrame) -> conflicts.ConflictFilter:
    names = district_names()
    with st.expander(t("filters"), expanded=True):
        cols = st.columns(3)
        district_codes = cols[0].multiselect(
            t("districts"),
            list(d["code"]),
            format_func=names.get,
            placeholder=t("all"),
            key=keep("conf_districts"),
        )
        types = cols[1].multiselect(
            t("types"),
            list(vocab.CONFLICT_TYPES),
            format_func=lambda c: vocab.label(vocab.CONFLICT_TYPES, c, lang()),
            placeholder=t("all"),
            key=keep("conf_types"),
        )
        stages = cols[2].multiselect(
            t("stages"),
            list(vocab.CONFLICT_STAGES),
            format_func=lambda c: vocab.label(vocab.CONFLICT_STAGES, c, lang()),
            placeholder=t("all"),
            key=keep("conf_stages"),
        )
        cols = st.columns(3)
        severities = cols[0].multiselect(
            t("severities"),
            list(vocab.SEVERITY),
            format_func=lambda s: f"{s} {vocab.label(vocab.SEVERITY, s, lang())}",
            placeholder=t("all"),
            key=keep("conf_severities"),
        )
        departments = cols[1].multiselect(
            t("departments"),
            conflicts.departments(),
            placeholder=t("all"),
            key=keep("conf_departments"),
        )
        period = cols[2].date_input(
            t("period"), value=(), format="YYYY-MM-DD", key=keep("conf_period")
        )
    start, end = (*period, None, None)[:2] if period else (None, None)
    return conflicts.ConflictFilter(
        districts=tuple(district_codes),
        types=tuple(types),
        stages=tuple(stages),
        severities=tuple(severities),
        departments=tuple(departments),
        start=start,
        end=end,
    )


def _register_table(cases: pd.DataFrame) -> pd.DataFrame:
    df = cases.drop(columns="geom").copy()
    df["type_label"] = _labels(vocab.CONFLICT_TYPES, df["conflict_type"])
    df["stage_label"] = _labels(vocab.CONFLICT_STAGES, df["stage"])
    df["stakeholders_text"] = [", ".join(s or []) for s in df["stakeholders"]]
    return df[list(_REGISTER_COLUMNS)].rename(
        columns={k: t(v) for k, v in _REGISTER_COLUMNS.items()}
    )


def _map(d, cases, *, key: str, focus=None) -> None:
    m = maps.base_map(d, None, attribution=attribution(lang()), lang=lang(), focus=focus)
    conflict_layers.add_cases(m, cases, lang=lang())
    st_folium(maps.finish(m), height=460, use_container_width=True, returned_objects=[], key=key)


def _register_tab(d, cases) -> None:
    cols = st.columns(3)
    cols[0].metric(t("n_cases"), f"{len(cases):,}")
    cols[1].metric(t("n_open"), f"{int((cases['stage'] != 'closed').sum()):,}")
    cols[2].metric(t("n_severe"), f"{int((cases['severity'] >= 4).sum()):,}")
    if cases.empty:
        st.info(t("no_cases"))
        return
    _map(d, cases, key="conflicts_register_map")
    table = _register_table(cases)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, label=t("download_csv"), file_name="maeul_conflicts.csv", key="reg_csv")


def _case_tab(d, cases, who) -> None:
    if cases.empty:
        st.info(t("no_cases"))
    else:
        titles = dict(zip(cases["id"], cases["title"], strict=True))
        case_id = st.selectbox(
            t("pick_case"),
            list(titles),
            format_func=lambda i: f"#{i} {titles[i]}",
            key=keep("conf_case"),
        )
        try:
            detail = conflicts.case_detail(case_id)
        except AtlasError as exc:
            show_error(exc)
        _case_view(d, detail)
        if allowed(who, "edit", detail.case["district_code"]):
            _staff_case_forms(who, detail)
    if allowed(who, "edit"):
        _add_case_form(who)
    else:
        st.caption(t("staff_only"))


def _case_view(d, detail: conflicts.CaseDetail) -> None:
    c = detail.case
    st.subheader(f"#{c['id']} {c['title']}")
    if c["is_demo"]:
        st.warning(t("demo_case"))
    district = pick((c["district_name"], c["district_name_en"]))
    facts = {
        t("col_project"): c["city_project"],
        t("col_department"): c["department"],
        t("col_type"): vocab.label(vocab.CONFLICT_TYPES, c["conflict_type"], lang()),
        t("col_stage"): vocab.label(vocab.CONFLICT_STAGES, c["stage"], lang()),
        t("col_severity"): f"{c['severity']} {vocab.label(vocab.SEVERITY, c['severity'], lang())}",
        t("col_district"): f"{district or '-'} {c['dong_name'] or ''}".strip(),
        t("col_stakeholders"): ", ".join(c["stakeholders"] or []),
        t("col_opened"): str(c["opened_on"]),
        t("col_closed"): str(c["closed_on"] or "-"),
    }
    left, right = st.columns([1, 1])
    with left:
        st.table(pd.DataFrame({"": list(facts), " ": list(facts.values())}).set_index(""))
        st.markdown(f"**{t('history')}**")
        history = detail.history.assign(
            stage=_labels(vocab.CONFLICT_STAGES, detail.history["stage"])
        ).rename(
            columns={
                "stage": t("col_stage"),
                "entered_on": t("col_entered"),
                "changed_by": t("col_by"),
                "note": t("col_note"),
            }
        )
        st.dataframe(history, hide_index=True, width="stretch")
        st.markdown(f"**{t('report')}**")
        _reports(detail)
    with right:
        one = pd.DataFrame([c]).assign(geom=[detail.geom])
        gdf = gpd.GeoDataFrame(one, geometry="geom", crs=4326)
        focus = gpd.GeoDataFrame(geometry=[detail.geom.buffer(0.01)], crs=4326)
        _map(d, gdf, key="conflicts_case_map", focus=focus)


def _reports(detail: conflicts.CaseDetail) -> None:
    if detail.reports.empty:
        st.caption(t("no_report"))
        return
    for report in detail.reports.itertuples(index=False):
        stamp = f"{report.added_by}, {pd.Timestamp(report.added_at):%Y-%m-%d}"
        if isinstance(report.url, str):
            st.markdown(f"- [{report.url}]({report.url}) ({stamp})")
            continue
        try:
            name, media_type, data = conflicts.report_file(report.id)
        except AtlasError as exc:
            show_error(exc)
        st.download_button(
            t("download_report", name=name),
            data,
            file_name=name,
            mime=media_type,
            key=f"report_{report.id}",
        )
        st.caption(stamp)


def _staff_case_forms(who, detail: conflicts.CaseDetail) -> None:
    c = detail.case
    order = list(vocab.CONFLICT_STAGES)
    later = order[order.index(c["stage"]) + 1 :]
    cols = st.columns(2)
    with cols[0]:
        if not later:
            st.caption(t("closed_case"))
        else:
            with st.form("move_stage"):
                st.markdown(f"**{t('move')}**")
                stage = st.selectbox(t("f_new_stage"), later, format_func=_stage_label)
                on = st.date_input(t("f_on"), value=dt.date.today(), max_value=dt.date.today())
                note = st.text_input(t("f_note"), max_chars=500)
                if st.form_submit_button(t("f_submit")):
                    try:
                        conflicts.move_stage(who, int(c["id"]), stage, on=on, note=note)
                    except AtlasError as exc:
                        show_error(exc)
                    _done(t("moved"))
    with cols[1], st.form("attach_report", clear_on_submit=True):
        st.markdown(f"**{t('attach')}**")
        url = st.text_input(t("f_url"), max_chars=2000)
        upload = st.file_uploader(
            t("f_file"),
            type=[e.strip(".") for e in conflicts.REPORT_TYPES],
            max_upload_size=conflicts.MAX_REPORT_BYTES // 2**20,
        )
        if st.form_submit_button(t("f_submit")):
            try:
                conflicts.add_report(
                    who,
                    int(c["id"]),
                    url=url or None,
                    file_name=upload.name if upload else None,
                    content=upload.getvalue() if upload else None,
                )
            except AtlasError as exc:
                show_error(exc)
            _done(t("attached"))


def _done(message: str) -> None:
    """Show ``message`` after the page reloads with the new data."""
    st.session_state["conflicts_flash"] = message
    st.rerun()


def _stage_label(code: str) -> str:
    return vocab.label(vocab.CONFLICT_STAGES, code, lang())


def _add_case_form(who) -> None:
    with st.expander(t("add_case")), st.form("add_case", clear_on_submit=False):
        title = st.text_input(t("f_title"), max_chars=200)
        project = st.text_input(t("f_project"), max_chars=200)
        department = st.text_input(t("f_department"), max_chars=100)
        cols = st.columns(3)
        ctype = cols[0].selectbox(
            t("types"),
            list(vocab.CONFLICT_TYPES),
            format_func=lambda c: vocab.label(vocab.CONFLICT_TYPES, c, lang()),
        )
        severity = cols[1].select_slider(t("severities"), options=list(vocab.SEVERITY), value=3)
        stage = cols[2].selectbox(
            t("f_stage"), list(vocab.CONFLICT_STAGES)[:-1], format_func=_stage_label
        )
        stakeholders = st.text_input(t("f_stakeholders"), max_chars=500)
        cols = st.columns(3)
        opened = cols[0].date_input(t("f_opened"), value=dt.date.today(), max_value=dt.date.today())
        lat = cols[1].number_input(t("f_lat"), value=37.5665, format="%.6f", step=0.0001)
        lon = cols[2].number_input(t("f_lon"), value=126.9780, format="%.6f", step=0.0001)
        note = st.text_input(t("f_note"), max_chars=500)
        if st.form_submit_button(t("f_submit")):
            case = conflicts.NewCase(
                title=title,
                city_project=project,
                department=department,
                conflict_type=ctype,
                severity=int(severity),
                geometry=shapely.Point(lon, lat),
                opened_on=opened,
                stakeholders=tuple(s for s in stakeholders.split(",")),
                stage=stage,
                note=note or None,
            )
            try:
                case_id = conflicts.add_case(who, case)
            except AtlasError as exc:
                show_error(exc)
            _done(t("added", id=case_id))


def _warning_tab(d) -> None:
    names = district_names()
    cols = st.columns([2, 1])
    distance = cols[0].slider(t("distance"), 100, 3000, 500, step=50, key=keep("conf_distance"))
    district = cols[1].selectbox(
        t("district"),
        [None, *d["code"]],
        format_func=lambda c: t("all_seoul") if c is None else names[c],
        key=keep("warning_district"),
    )
    try:
        warning = conflicts.early_warning(distance, district_code=district)
    except AtlasError as exc:
        show_error(exc)
    st.caption(t("warning_caption", d=distance))
    near = warning.nearby
    cols = st.columns(3)
    cols[0].metric(t("n_active"), f"{len(warning.zones):,}")
    for col, kind in zip(cols[1:], ("program_site", "planned_project"), strict=True):
        n = near.loc[near["kind"] == kind, "item_id"].nunique()
        col.metric(t(f"n_{'sites' if kind == 'program_site' else 'planned'}_near"), f"{n:,}")
    focus = d[d["code"] == district] if district else None
    m = maps.base_map(d, None, attribution=attribution(lang()), lang=lang(), focus=focus)
    conflict_layers.add_warning(
        m,
        warning.zones,
        near,
        names={k: t(k) for k in ("zones", "program_site", "planned_project")},
    )
    st_folium(
        maps.finish(m),
        height=460,
        use_container_width=True,
        returned_objects=[],
        key="conflicts_warning_map",
    )
    if near.empty:
        st.info(t("nothing_near"))
        return
    table = pd.DataFrame(
        {
            t("col_kind"): [t(k) for k in near["kind"]],
            t("col_name"): near["name"],
            t("col_detail"): near["detail"],
            t("col_conflict"): [
                f"#{i} {s}"
                for i, s in zip(near["conflict_id"], near["conflict_title"], strict=True)
            ],
            t("col_stage"): _labels(vocab.CONFLICT_STAGES, near["conflict_stage"]),
            t("col_distance"): near["distance_m"].round(0).astype(int),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(
        table,
        label=t("download_csv"),
        file_name=f"maeul_early_warning_{distance}m.csv",
        key="warning_csv",
    )


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.caption(t("caption"))
    if "conflicts_flash" in st.session_state:
        # A toast: the forms that save are far down the page (issue 15, bug 5).
        st.toast(st.session_state.pop("conflicts_flash"), icon=":material/check_circle:")
    who = viewer()
    try:
        d = districts()
        flt = _filters(d)
        cases = conflicts.register(flt)
    except AtlasError as exc:
        show_error(exc)
    # Only the open tab is drawn (a tab switch reruns the page): one map before the first
    # paint instead of three (register, case, early-warning zones and their analysis).
    labels = [t("tab_list"), t("tab_case"), t("tab_warning")]
    tabs = st.tabs(labels, key=keep_tab("conf_tabs", labels), on_change="rerun")
    sections = [
        lambda: _register_tab(d, cases),
        lambda: _case_tab(d, cases, who),
        lambda: _warning_tab(d),
    ]
    for tab, draw in zip(tabs, sections, strict=True):
        if tab.open is not False:
            with tab:
                draw()


render()
