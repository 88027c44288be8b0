"""Page "Hotspots": conflict density heatmap and Getis-Ord Gi* hotspots with significance.

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import hotspots, vocab
from geo.conflicts import ConflictFilter
from geo.errors import AtlasError
from geo.progress import no_progress
from geo.reference import attribution
from layers import hotspots as hotspot_layers
from layers import maps
from layers.fit import fit_when_shown
from views.common import csv_download, districts, keep, keep_tab, page_progress, show_error
from views.i18n import lang, say, translator

t = translator("hotspots")

_TABLE_COLUMNS = {
    "name": "col_cell",
    "class_label": "col_class",
    "confidence": "col_confidence",
    "gi_z": "col_z",
    "p_value": "col_p",
    "n_cases": "col_cell_cases",
    "value": "col_value",
    "case_id": "col_case",
    "title": "col_title",
    "stage_label": "col_stage",
    "type_label": "col_type",
    "severity": "col_severity",
    "opened_on": "col_opened",
}


def _settings() -> tuple[ConflictFilter, hotspots.HotspotOptions, bool]:
    start, end = _window()
    with st.form("hotspot_settings"):
        st.markdown(f"**{t('settings')}**")
        cols = st.columns(4)
        grid = cols[0].radio(
            t("grid"),
            list(hotspots.GRIDS),
            format_func=lambda g: vocab.label(hotspots.GRIDS, g, lang()),
            key=keep("hot_grid"),
        )
        st.session_state.setdefault("hot_resolution", hotspots.HotspotOptions.resolution)
        resolution = cols[1].select_slider(
            t("resolution"),
            options=list(hotspots.H3_RESOLUTIONS),
            format_func=lambda r: f"{r} (~{hotspots.H3_RESOLUTIONS[r]:,} m)",
            key=keep("hot_resolution"),
        )
        weighting = cols[2].radio(
            t("weighting"),
            list(hotspots.WEIGHTINGS),
            format_func=lambda w: vocab.label(hotspots.WEIGHTINGS, w, lang()),
            key=keep("hot_weighting"),
        )
        window = cols[3].date_input(
            t("window"), value=(start, end), format="YYYY-MM-DD", key=keep("hot_window")
        )
        cols = st.columns(4)
        permutations = cols[0].selectbox(
            t("permutations"), [99, 999, 9999], index=1, key=keep("hot_permutations")
        )
        seed = cols[1].number_input(
            t("seed"), value=hotspots.DEFAULT_SEED, step=1, key=keep("hot_seed")
        )
        # FDR on by default: with hundreds of cells, some pass 90-99 % by chance alone.
        fdr = cols[2].checkbox(t("fdr"), value=True, key=keep("hot_fdr"))
        only_sig = cols[3].checkbox(t("only_significant"), key=keep("hot_only_significant"))
        st.form_submit_button(t("run"))
    first, last = (*window, None, None)[:2] if window else (None, None)
    options = hotspots.HotspotOptions(
        grid=grid,
        resolution=int(resolution),
        weighting=weighting,
        permutations=int(permutations),
        seed=int(seed),
        fdr=bool(fdr),
    )
    return ConflictFilter(start=first, end=last), options, only_sig


@st.cache_data(ttl=600, show_spinner=False)
def _window():
    """The default period (first case to today): one query, kept a while."""
    return hotspots.default_window()


@st.cache_resource(ttl=600, max_entries=16, show_spinner=False)
def _shared_results() -> dict:
    """Analyses already run in this process, by settings: conflict cases are public, so a
    new visitor with the default settings gets the result at once instead of waiting for
    999 permutations per cell (kept 10 minutes, as the coverage page's figures)."""
    return {}


def _result(flt: ConflictFilter, options: hotspots.HotspotOptions, *, bar: bool = True):
    """The analysis for these settings, computed once per process and settings a while
    (with a progress bar, unless ``bar`` is false: coarse grids take a fraction of a
    second)."""
    kept = _shared_results()
    key = repr((flt, options))
    if key not in kept:
        progress = page_progress(t("progress")) if bar else no_progress
        kept[key] = hotspots.find_hotspots(flt, options, progress=progress)
    return kept[key]


def _significance_note(options: hotspots.HotspotOptions) -> None:
    with st.expander(t("significance_title"), expanded=True):
        st.markdown(t("significance", perms=options.permutations))


def _table(result):
    df = hotspots.cases_in_cells(result)
    df["class_label"] = [vocab.label(hotspots.CLASSES, k, lang()) for k in df["klass"]]
    df["stage_label"] = [
        vocab.label(vocab.CONFLICT_STAGES, s, lang()) if isinstance(s, str) else ""
        for s in df["stage"]
    ]
    df["type_label"] = [
        vocab.label(vocab.CONFLICT_TYPES, c, lang()) if isinstance(c, str) else ""
        for c in df["conflict_type"]
    ]
    df["gi_z"] = df["gi_z"].round(3)
    return df[list(_TABLE_COLUMNS)].rename(columns={k: t(v) for k, v in _TABLE_COLUMNS.items()})


def _heat_tab(d, result, options) -> None:
    st.caption(t("heat_note"))
    m = maps.base_map(d, None, attribution=attribution(lang()), lang=lang())
    hotspot_layers.add_heatmap(
        m,
        result.points,
        name=t("heat_layer"),
        weight="severity" if options.weighting == "severity" else None,
    )
    st_folium(
        fit_when_shown(maps.finish(m)),
        height=520,
        use_container_width=True,
        returned_objects=[],
        key="hotspot_heat_map",
    )


def _gi_tab(d, result, options, counts, only_sig) -> None:
    map_col, legend_col = st.columns([3, 1])
    with map_col:
        m = maps.base_map(d, None, attribution=attribution(lang()), lang=lang())
        hotspot_layers.add_cells(
            m,
            result.cells,
            name=t("cells_layer"),
            lang=lang(),
            show_all=not only_sig,
            titles=hotspots.case_titles(result),
        )
        st_folium(
            fit_when_shown(maps.finish(m)),
            height=520,
            use_container_width=True,
            returned_objects=[],
            key="hotspot_gi_map",
        )
    with legend_col:
        st.html(hotspot_layers.legend_html(counts, lang=lang(), title=t("legend")))
    _significance_note(options)


def _use_grid(resolution: int) -> None:
    """Set the settings form to an H3 grid of ``resolution`` (the proposal's button)."""
    st.session_state["hot_grid"] = "h3"
    st.session_state["hot_resolution"] = resolution


def _sparse_warning(flt: ConflictFilter, result) -> None:
    """Say when the grid is too fine for the cases, name the finest grid that is not (its
    analysis is run now, and kept for the click), and offer it as one button."""
    if not hotspots.too_sparse(result):
        return
    proposal = next(
        (
            o
            for o in hotspots.coarser_grids(result.options)
            if not hotspots.too_sparse(_result(flt, o, bar=False))
        ),
        None,
    )
    st.warning(say(hotspots.sparse_note(result, proposal)), icon=":material/grain:")
    if proposal is not None:
        st.button(
            t("use_grid", r=proposal.resolution),
            on_click=_use_grid,
            args=(proposal.resolution,),
            key="hot_use_grid",
        )


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.caption(t("caption"))
    try:
        d = districts()
        flt, options, only_sig = _settings()
        result = _result(flt, options)
    except AtlasError as exc:
        show_error(exc)
    counts = result.class_counts()
    cols = st.columns(4)
    cols[0].metric(t("n_cases"), f"{result.n_cases:,}")
    cols[1].metric(t("n_cells"), f"{len(result.cells):,}")
    cols[2].metric(t("n_hot"), f"{int(counts.filter(like='hot_').sum()):,}")
    cols[3].metric(t("n_cold"), f"{int(counts.filter(like='cold_').sum()):,}")
    if result.n_outside:
        st.caption(t("outside", n=result.n_outside))
    _sparse_warning(flt, result)
    for note in result.notes:
        st.info(say(note))
    # Only the open tab is drawn (a tab switch reruns the page): one map before first paint.
    labels = [t("tab_heat"), t("tab_gi")]
    tab_heat, tab_gi = st.tabs(labels, key=keep_tab("hot_tabs", labels), on_change="rerun")
    if tab_heat.open is not False:
        with tab_heat:
            _heat_tab(d, result, options)
    if tab_gi.open is not False:
        with tab_gi:
            _gi_tab(d, result, options, counts, only_sig)
    st.subheader(t("sig_table"))
    if result.significant().empty:
        st.info(t("none_significant"))
        return
    table = _table(result)
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(
        table, label=t("download_csv"), file_name="maeul_conflict_hotspots.csv", key="hotspots_csv"
    )


render()
