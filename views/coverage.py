"""Page "Coverage" (사업 현황): where the 35 programs reach, where they don't, how they do.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
Filter-independent results (outlines, options, resource counts, population) are cached.
"""

from __future__ import annotations

import json

import pandas as pd
import shapely
import streamlit as st

from geo import coverage, vocab
from geo.access import allowed
from geo.classify import SCHEMES, classify
from geo.errors import AtlasError
from geo.reference import attribution
from geo.settings import load_settings
from layers import choropleth, mapview
from loaders import population
from views.common import (
    csv_download,
    district_names,
    keep,
    keep_tab,
    map_outlines_file,
    show_error,
    tidy_numbers,
    viewer,
)
from views.i18n import lang, name_column, pick, say, translator

t = translator("coverage")

_METRICS = {
    "sites": "m_sites",
    "grant_mkrw": "m_grant",
    "grant_per_km2": "m_grant_km2",
    "grant_per_resident_krw": "m_grant_res",
    "share_seed": "m_share_seed",
    "share_sprout": "m_share_sprout",
    "share_hope": "m_share_hope",
}

# --- cached, filter-independent ---------------------------------------------------------


@st.cache_data(ttl=3600, show_spinner=False)
def _options() -> coverage.FilterOptions:
    return coverage.filter_options()


@st.cache_data(ttl=3600, show_spinner=False)
def _shapes(level: str):
    return coverage.area_shapes(level)


@st.cache_data(ttl=600, show_spinner=False)
def _counts(_who, who_key: tuple, sources: tuple[str, ...]) -> pd.DataFrame:
    return coverage.dong_resource_counts(_who, coverage.CoverageFilter(sources=sources))


@st.cache_data(ttl=600, show_spinner=False)
def _populations() -> pd.DataFrame:
    return coverage.populations()


@st.cache_data(ttl=600, show_spinner=False, max_entries=32)
def _reach(_who, who_key: tuple, flt, _counts, distance: float, kinds: tuple[str, ...]):
    """Walking-distance coverage, kept per filter setting (the page's slowest query)."""
    return coverage.distance_coverage(_who, flt, _counts, distance_m=distance, kinds=kinds)


@st.cache_data(ttl=600, show_spinner=False, max_entries=32)
def _metrics(level: str, flt: coverage.CoverageFilter) -> pd.DataFrame:
    """Per-area figures for a filter: the same for every visitor (no resources in them),
    so kept like the walking-distance coverage rather than recomputed on every rerun."""
    return coverage.area_metrics(level, flt)


@st.cache_data(ttl=600, show_spinner=False, max_entries=32)
def _matrix(flt: coverage.CoverageFilter, value: str) -> coverage.ProgramMatrix:
    return coverage.program_district_matrix(flt, value=value)


@st.cache_data(ttl=600, show_spinner=False, max_entries=32)
def _trends(flt: coverage.CoverageFilter, by: str) -> pd.DataFrame:
    return coverage.evaluation_trends(flt, by=by)


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _classify(values: tuple[float, ...], scheme: str, k: int):
    """Classes of a map's values (natural breaks take ~0.4 s for the dongs: kept)."""
    return classify(list(values), scheme=scheme, k=k)


def _name_col() -> str:
    return name_column()


def _label(table: dict, code) -> str:
    return vocab.label(table, code, lang())


# --- widgets ----------------------------------------------------------------------------


def _filters(opts: coverage.FilterOptions) -> coverage.CoverageFilter:
    progs = opts.programs
    cols = st.columns([1.2, 1.2, 2, 0.8, 1, 1])
    offices = cols[0].multiselect(
        t("office"), sorted(progs["office"].unique()), placeholder=t("all"), key=keep("cov_office")
    )
    pool = progs[progs["office"].isin(offices)] if offices else progs
    divisions = cols[1].multiselect(
        t("division"),
        sorted(pool["division"].unique()),
        placeholder=t("all"),
        key=keep("cov_division"),
    )
    pool = pool[pool["division"].isin(divisions)] if divisions else pool
    names = dict(zip(progs["no"], progs["name"], strict=True))
    programs = cols[2].multiselect(
        t("program"),
        list(pool["no"]),
        format_func=lambda n: f"{n}. {names[n]}",
        placeholder=t("all"),
        key=keep("cov_program"),
    )
    years = cols[3].multiselect(
        t("year"), list(opts.years), placeholder=t("all"), key=keep("cov_year")
    )
    stages = cols[4].multiselect(
        t("stage"),
        list(vocab.SITE_STAGES),
        format_func=lambda s: _label(vocab.SITE_STAGES, s),
        placeholder=t("all"),
        key=keep("cov_stage"),
    )
    sources = cols[5].multiselect(
        t("source"), list(opts.sources), placeholder=t("all"), key=keep("cov_source")
    )
    return coverage.CoverageFilter(
        tuple(offices),
        tuple(divisions),
        tuple(int(p) for p in programs),
        tuple(int(y) for y in years),
        tuple(stages),
        tuple(sources),
    )


def _table_with_csv(df: pd.DataFrame, *, key: str, file_name: str, height: int | None = None):
    df = tidy_numbers(df)
    kwargs = {"height": height} if height else {}
    st.dataframe(df, hide_index=True, width="stretch", **kwargs)
    csv_download(df, label=t("download_csv"), file_name=file_name, key=key)


# --- sections ---------------------------------------------------------------------------


def _maps_tab(metrics: dict[str, pd.DataFrame], has_population: bool) -> None:
    c = st.columns(4)
    level = c[0].radio(
        t("level"),
        ["district", "dong"],
        format_func=lambda v: t(f"level_{v}"),
        horizontal=True,
        key=keep("cov_level"),
    )
    choices = [m for m in _METRICS if m != "grant_per_resident_krw" or level == "district"]
    metric = c[1].selectbox(
        t("metric"), choices, format_func=lambda m: t(_METRICS[m]), key=keep(f"cov_metric_{level}")
    )
    scheme = c[2].selectbox(
        t("scheme"),
        list(SCHEMES),
        format_func=lambda s: pick(SCHEMES[s]),
        key=keep("cov_scheme"),
    )
    k = c[3].slider(t("classes"), 3, 7, 5, key=keep("cov_classes"))
    if level == "dong":
        st.caption(t("per_resident_dong"))
    elif not has_population:
        st.caption(t("no_population"))
    df = metrics[level]
    values = df[metric].astype(float)
    if metric == "grant_per_resident_krw" and values.isna().all():
        st.info(t("no_population"))
    klass = _classify(tuple(values.to_numpy().tolist()), scheme, k)
    scheme_label = pick(SCHEMES[scheme])
    map_col, side = st.columns([3, 1.3])
    with map_col:
        _area_map(df, values, klass, level=level, metric=metric)
    with side:
        st.markdown(
            choropleth.classification_legend(
                t(_METRICS[metric]),
                klass,
                no_data_label=t("no_data"),
                note=t("legend_note", scheme=scheme_label),
            ),
            unsafe_allow_html=True,
        )
    shown = df[
        [
            "code",
            _name_col(),
            "district_name",
            "area_km2",
            *_METRICS,
            "seed",
            "sprout",
            "hope",
            "population",
            "population_period",
        ]
    ].copy()
    if level == "dong":
        shown = shown.drop(columns=["grant_per_resident_krw", "population", "population_period"])
    shown["class"] = [klass.labels[i] if i >= 0 else t("no_data") for i in klass.classes]
    shown = shown.rename(columns=_columns())
    _table_with_csv(
        shown, key=f"cov_metrics_{level}", file_name=f"maeul_coverage_{level}.csv", height=300
    )
    st.subheader(t("stage_mix"))
    stage_df = metrics["district"][[_name_col(), *vocab.SITE_STAGES]].rename(
        columns={s: _label(vocab.SITE_STAGES, s) for s in vocab.SITE_STAGES}
        | {_name_col(): t("c_district")}
    )
    chart_col, table_col = st.columns([1.4, 1])
    with chart_col:
        st.bar_chart(stage_df.set_index(t("c_district")), stack=True, height=320)
    with table_col:
        _table_with_csv(stage_df, key="cov_stage_csv", file_name="maeul_stage_mix.csv", height=320)


def _area_map(
    df: pd.DataFrame,
    values: pd.Series,
    klass,
    *,
    level: str,
    metric: str,
) -> None:
    """The choropleth on our own map component: the outlines the browser holds, filled
    per area code; a tooltip per area (name, district in the interface language, value)."""
    shown = [t("no_data") if pd.isna(v) else f"{v:,.2f}".rstrip("0").rstrip(".") for v in values]
    names = district_names()
    district = [
        names.get(c, n) for c, n in zip(df["district_code"], df["district_name"], strict=True)
    ]
    tips = zip(df[_name_col()], district, shown, strict=True)
    mapview.area_map(
        key="cov_map",
        outlines=map_outlines_file(),
        level=level,
        areas=mapview.area_payload(list(df["code"]), klass, [list(row) for row in tips]),
        tip_labels=[t("c_name"), t("c_district"), t(_METRICS[metric])],
        texts={
            "districts": t("layer_districts"),
            "dongs": t("layer_dongs"),
            "areas": t(_METRICS[metric]),
        },
        attribution=attribution(lang()),
        lang=lang(),
    )


def _gap_map(gaps: pd.DataFrame, reach_area, distance: float) -> None:
    """The dongs filled by gap class on our own map component, the area within walking
    distance of a site drawn lightly over them (a small GeoJSON layer)."""
    tips = zip(
        gaps["name_ko"],
        [pick(coverage.GAP_CLASSES[g]) for g in gaps["gap"]],
        [f"{int(n):,}" for n in gaps["resources"]],
        [f"{int(n):,}" for n in gaps["sites"]],
        strict=True,
    )
    colors = [coverage.GAP_CLASSES[g][2] for g in gaps["gap"]]
    mapview.area_map(
        key="cov_gap_map",
        outlines=map_outlines_file(),
        level="dong",
        areas=mapview.area_payload(list(gaps["code"]), colors, [list(row) for row in tips]),
        tip_labels=[t("c_name"), t("c_gap"), t("c_resources"), t("m_sites")],
        texts={
            "districts": t("layer_districts"),
            "dongs": t("layer_dongs"),
            "areas": t("gap_map"),
            "outline": t("reach_layer", d=distance),
        },
        attribution=attribution(lang()),
        lang=lang(),
        outline=_shape_json(reach_area),
    )


def _shape_json(geom) -> dict | None:
    """A shape as GeoJSON for the map, coordinates to 5 decimals (about 1 m)."""
    if geom is None or geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-5)))


def _columns() -> dict[str, str]:
    out = {
        "code": t("c_code"),
        "name_ko": t("c_name"),
        "name_en": t("c_name"),
        "district_name": t("c_district"),
        "area_km2": t("c_area"),
        "population": t("c_population"),
        "population_period": t("c_period"),
        "class": t("c_class"),
    }
    out |= {m: t(label) for m, label in _METRICS.items()}
    out |= {s: _label(vocab.SITE_STAGES, s) for s in vocab.SITE_STAGES}
    return out


def _matrix_tab(flt: coverage.CoverageFilter) -> None:
    value = st.radio(
        t("matrix_value"),
        ["grant", "sites"],
        horizontal=True,
        format_func=lambda v: t(f"v_{v}"),
        key=keep("cov_matrix_value"),
    )
    mx = _matrix(flt, value)
    names = district_names()
    cols = {code: names.get(code, t("c_unassigned")) for code in mx.district_columns}
    rename = {
        "no": t("c_no"),
        "name": t("c_program"),
        "total": t("c_total"),
        "sites": t("m_sites"),
        "granted_mkrw": t("c_granted"),
        "budget_mkrw": t("c_budget"),
        "remaining_mkrw": t("c_remaining"),
        "used_pct": t("c_used"),
    } | cols
    body = mx.cells.drop(columns=["office", "division"])
    total = pd.DataFrame([{"no": None, "name": t("total_row"), **mx.totals.to_dict()}])
    shown = pd.concat([body, total], ignore_index=True).rename(columns=rename)
    shown[t("c_no")] = shown[t("c_no")].astype("Int64")
    c = st.columns(3)
    c[0].metric(t("budget_m"), f"{int(mx.totals['budget_mkrw']):,}")
    c[1].metric(t("granted_m"), f"{mx.totals['granted_mkrw']:,.1f}")
    c[2].metric(t("sites_m"), f"{int(mx.totals['sites']):,}")
    district_cols = list(cols.values())
    cells = shown[district_cols].iloc[:-1]
    top = float(cells.to_numpy().max()) if cells.size else 0.0

    def heat(col: pd.Series) -> list[str]:
        share = (col.astype(float) / top).fillna(0) if top else col * 0
        share.iloc[-1] = 0  # the totals row is not part of the heat scale
        return [
            f"background-color: rgba(8, 104, 172, {0.85 * s:.2f}); color: "
            f"{'white' if s > 0.55 else 'inherit'}"
            for s in share
        ]

    fmt = "{:,.1f}" if value == "grant" else "{:,.0f}"
    styled = shown.style.apply(heat, subset=district_cols).format(
        {c: fmt for c in [*district_cols, t("c_total")]}
        | {t("c_granted"): "{:,.1f}", t("c_remaining"): "{:,.1f}", t("c_used"): "{:.1f}"},
        na_rep="",
    )
    st.dataframe(styled, hide_index=True, width="stretch", height=560)
    csv_download(
        tidy_numbers(shown, decimals=1),
        label=t("download_csv"),
        file_name=f"maeul_program_district_{value}.csv",
        key="cov_matrix_csv",
    )
    cell_grants = float(mx.cells["granted_mkrw"].sum())
    st.caption(
        t(
            "matrix_check",
            cells=float(mx.totals["total"]) if value == "grant" else cell_grants,
            granted=float(mx.totals["granted_mkrw"]),
            budget=int(mx.totals["budget_mkrw"]),
            used=float(mx.totals["used_pct"]) if pd.notna(mx.totals["used_pct"]) else 0.0,
        )
    )


def _gap_tab(flt, counts: pd.DataFrame, dong_metrics: pd.DataFrame) -> None:
    who = viewer()
    c = st.columns([2, 1.2, 1, 1])
    kinds = c[0].multiselect(
        t("kinds"),
        list(vocab.KINDS),
        default=list(vocab.KINDS),
        format_func=lambda k: _label(vocab.KINDS, k),
        placeholder=t("choose"),
        key=keep("cov_gap_kinds"),
    ) or list(vocab.KINDS)
    distance = c[1].slider(t("distance"), 100, 2000, 500, step=50, key=keep("cov_distance"))
    rich, thin = coverage.gap_thresholds(counts, kinds=kinds)
    # The thresholds' defaults follow the kinds: a key per set of kinds.
    chosen = "-".join(kinds)
    rich_min = c[2].number_input(
        t("rich_min"), 1, 10_000, rich, help=t("thresholds_help"), key=keep(f"cov_rich_{chosen}")
    )
    thin_max = c[3].number_input(
        t("thin_max"), 0, 10_000, thin, help=t("thresholds_help"), key=keep(f"cov_thin_{chosen}")
    )
    gaps = coverage.gap_table(
        counts, dong_metrics, kinds=kinds, rich_min=int(rich_min), thin_max=int(thin_max)
    )
    reach = _reach(who, (who.role, who.district_code), flt, counts, float(distance), tuple(kinds))
    st.caption(t("privacy_gap"))
    s = reach.seoul
    st.info(
        t(
            "seoul_reach",
            near=int(s["near"]),
            total=int(s["resources"]),
            rs=float(s["resource_share"]) if pd.notna(s["resource_share"]) else 0.0,
            ca=float(s["covered_km2"]),
            ta=float(s["area_km2"]),
            cs=float(s["area_share"]),
            d=distance,
        )
    )
    map_col, side = st.columns([3, 1.3])
    with map_col:
        _gap_map(gaps, reach.area, distance)
    with side:
        present = gaps["gap"].value_counts()
        codes = list(coverage.GAP_CLASSES)
        st.markdown(
            choropleth.legend_html(
                t("gap_map"),
                [pick(coverage.GAP_CLASSES[g]) for g in codes],
                [coverage.GAP_CLASSES[g][2] for g in codes],
                counts=[int(present.get(g, 0)) for g in codes],
                note=t("reach_layer", d=distance),
            ),
            unsafe_allow_html=True,
        )
    st.subheader(t("gap_ranked"))
    gap_shown = gaps[
        [
            "rank",
            "gap",
            "code",
            "name_ko",
            "district_name",
            *vocab.KINDS,
            "resources",
            "sites",
            "grant_mkrw",
        ]
    ].copy()
    gap_shown["gap"] = [pick(coverage.GAP_CLASSES[g]) for g in gap_shown["gap"]]
    gap_shown = gap_shown.rename(
        columns={
            "rank": t("c_rank"),
            "gap": t("c_gap"),
            "resources": t("c_resources"),
            "sites": t("m_sites"),
            "grant_mkrw": t("m_grant"),
        }
        | {k: _label(vocab.KINDS, k) for k in vocab.KINDS}
        | _columns()
    )
    _table_with_csv(gap_shown, key="cov_gap_csv", file_name="maeul_gaps.csv", height=320)
    st.subheader(t("reach_title", d=distance))
    reach_shown = reach.districts[
        [
            "code",
            _name_col(),
            "resources",
            "near",
            "resource_share",
            "area_km2",
            "covered_km2",
            "area_share",
        ]
    ].copy()
    reach_shown.insert(0, "rank", range(1, len(reach_shown) + 1))
    reach_shown = reach_shown.rename(
        columns={
            "rank": t("c_rank"),
            "resources": t("c_resources"),
            "near": t("c_near"),
            "resource_share": t("c_res_share"),
            "covered_km2": t("c_cov_km2"),
            "area_share": t("c_area_share"),
        }
        | _columns()
    )
    _table_with_csv(reach_shown, key="cov_reach_csv", file_name=f"maeul_reach_{distance}m.csv")


def _eval_tab(flt: coverage.CoverageFilter) -> None:
    c = st.columns(2)
    by = c[0].radio(
        t("eval_by"),
        ["program", "district"],
        horizontal=True,
        format_func=lambda b: t(f"by_{b}"),
        key=keep("cov_eval_by"),
    )
    criteria = [*vocab.EVALUATION_CRITERIA, "overall"]
    crit = c[1].selectbox(
        t("criterion"),
        criteria,
        format_func=lambda k: (
            t("overall") if k == "overall" else _label(vocab.EVALUATION_CRITERIA, k)
        ),
        key=keep("cov_criterion"),
    )
    trends = _trends(flt, by)
    if trends.empty:
        st.info(t("no_eval"))
        return
    name = name_column()
    wide = trends.pivot_table(index="period", columns=name, values=crit).round(1)
    crit_label = t("overall") if crit == "overall" else _label(vocab.EVALUATION_CRITERIA, crit)
    chart_col, table_col = st.columns([1.4, 1])
    with chart_col:
        st.line_chart(wide, height=360, y_label=crit_label)
    with table_col:
        shown = wide.reset_index().rename(columns={"period": t("c_period_q")})
        _table_with_csv(
            shown, key="cov_eval_csv", file_name=f"maeul_evaluation_{by}_{crit}.csv", height=360
        )
    ranked = coverage.latest_ranking(trends)
    st.subheader(t("latest", period=ranked["period"].iloc[0]))
    labels = {k: _label(vocab.EVALUATION_CRITERIA, k) for k in vocab.EVALUATION_CRITERIA}
    rank_shown = ranked[["rank", "code", name, "sites", *vocab.EVALUATION_CRITERIA, "overall"]]
    rank_shown = rank_shown.round(1).rename(
        columns={
            "rank": t("c_rank"),
            "code": t("c_code"),
            name: t("c_name"),
            "sites": t("c_sites_eval"),
            "overall": t("overall"),
        }
        | labels
    )
    _table_with_csv(rank_shown, key="cov_rank_csv", file_name=f"maeul_latest_ranking_{by}.csv")


def _population_tab(pop: pd.DataFrame) -> None:
    st.subheader(t("pop_current"))
    if pop.empty:
        st.caption(t("pop_none"))
    else:
        shown = pop[["code", _name_col(), "period", "population", "households", "source"]].rename(
            columns={
                "period": t("c_period"),
                "households": t("c_households"),
                "source": t("c_source"),
            }
            | _columns()
        )
        _table_with_csv(shown, key="cov_pop_csv", file_name="maeul_population.csv")
    if not allowed(viewer(), "import_population"):
        st.caption(t("pop_staff_only"))
        return
    with st.form("population_upload"):
        upload = st.file_uploader(
            t("pop_upload"),
            type=["xlsx", "xls", "csv", "txt"],
            max_upload_size=load_settings().max_upload_mb,
        )
        period = st.text_input(t("pop_period"), max_chars=20, key=keep("cov_pop_period"))
        submitted = st.form_submit_button(t("pop_import"))
    if submitted and upload is not None:
        try:
            report = population.import_upload(
                upload.getvalue(),
                source=upload.name,
                period=period.strip() or None,
                viewer=viewer(),
            )
        except AtlasError as exc:
            show_error(exc)
        _populations.clear()
        st.success(t("pop_done") + "\n\n" + "\n\n".join(map(say, report.summary())))
        st.dataframe(report.matched, hide_index=True, width="stretch")


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.caption(t("caption"))
    who = viewer()
    try:
        opts = _options()
        flt = _filters(opts)
        counts = _counts(who, (who.role, who.district_code), flt.sources)
        pop = _populations()
        metrics = {lv: _metrics(lv, flt) for lv in coverage.LEVELS}
        # Only the open tab is drawn (a tab switch reruns the page): the others' maps and
        # tables are not built before the first paint, and a map is always made visible.
        labels = [t("tab_maps"), t("tab_matrix"), t("tab_gaps"), t("tab_eval"), t("tab_pop")]
        tabs = st.tabs(labels, key=keep_tab("cov_tabs", labels), on_change="rerun")
        sections = [
            lambda: _maps_tab(metrics, has_population=not pop.empty),
            lambda: _matrix_tab(flt),
            lambda: _gap_tab(flt, counts, metrics["dong"]),
            lambda: _eval_tab(flt),
            lambda: _population_tab(pop),
        ]
        for tab, draw in zip(tabs, sections, strict=True):
            if tab.open is not False:
                with tab:
                    draw()
    except AtlasError as exc:
        show_error(exc)


render()
