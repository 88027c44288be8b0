"""Page "Export": layer files for district GIS (GeoJSON, GeoPackage, Shapefile, KML, CSV).

A Streamlit page script (run by ``st.navigation`` in app.py): it defines and calls ``render``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import vocab
from geo.access import scope
from geo.errors import AtlasError
from geo.queries import ResourceFilter
from layers.export.bundle import bundle_stem, export_bundle, export_stem
from layers.export.read import EXPORT_CRS, LAYERS, Selection
from layers.export.writers import FORMATS, ExportRequest, export_layers, output_suffix
from views.common import (
    csv_download,
    district_label,
    district_names,
    districts,
    keep,
    page_progress,
    show_error,
    viewer,
)
from views.i18n import lang, pick, say, translator

t = translator("export")


def _layer_label(name: str) -> str:
    return pick(LAYERS[name].label)


def _resource_filter() -> ResourceFilter:
    with st.expander(t("filters")):
        cols = st.columns([2, 2, 1.5])
        kinds = cols[0].multiselect(
            t("kinds"),
            list(vocab.KINDS),
            default=list(vocab.KINDS),
            format_func=lambda k: vocab.label(vocab.KINDS, k, lang()),
            key=keep("export_kinds"),
            placeholder=t("choose"),
        )
        cats = vocab.all_categories()
        categories = cols[1].multiselect(
            t("categories"),
            vocab.categories_for(kinds),
            format_func=lambda c: vocab.label(cats, c, lang()),
            key=keep("export_categories"),
            placeholder=t("all_categories"),
        )
        text = cols[2].text_input(t("search_text"), max_chars=100, key=keep("export_text"))
    return ResourceFilter(kinds=tuple(kinds), categories=tuple(categories), text=text)


def _crs_select(key: str, *, default: int, disabled: bool = False) -> int:
    codes = list(EXPORT_CRS)
    return st.selectbox(
        t("crs"),
        codes,
        index=codes.index(default),
        format_func=lambda c: f"EPSG:{c} {pick(EXPORT_CRS[c])}",
        disabled=disabled,
        key=keep(key),
    )


def _encoding(key: str) -> str:
    return st.radio(
        t("encoding"), ["cp949", "utf-8"], horizontal=True, help=t("encoding_help"), key=keep(key)
    )


def _show_result(slot: str) -> None:
    """Download button, counts table (with CSV) and notes of the last file made in ``slot``."""
    made = st.session_state.get(slot)
    if not made:
        st.caption(t("nothing_yet"))
        return
    st.download_button(
        t("download", name=made["name"]),
        made["data"],
        file_name=made["name"],
        mime=made["mime"],
        type="primary",
        key=f"{slot}_download",
    )
    table = pd.DataFrame(
        [(_layer_label(n), c, made["demo"][n]) for n, c in made["counts"].items()],
        columns=[t("layer"), t("records"), t("demo_records")],
    )
    st.dataframe(table, hide_index=True)
    csv_download(
        table, label=t("counts_csv"), file_name=f"{made['stem']}_counts.csv", key=f"{slot}_counts"
    )
    if sum(made["demo"].values()):
        st.warning(t("demo_note", n=sum(made["demo"].values())))
    for note in made["notes"]:
        st.info(say(note))


def _remember(slot: str, result, data: bytes, stem: str) -> None:
    st.session_state[slot] = {
        "name": result.path.name,
        "stem": stem,
        "data": data,
        "mime": result.mime,
        "counts": result.counts,
        "demo": result.demo_counts,
        "notes": result.notes,
    }


def _files_section(d: pd.DataFrame) -> None:
    who = viewer()
    st.subheader(t("files_header"))
    names = district_names()
    cols = st.columns(2)
    chosen = cols[0].multiselect(
        t("districts"),
        list(d["code"]),
        format_func=names.get,
        placeholder=t("all_seoul"),
        key=keep("export_districts"),
    )
    layers = cols[1].multiselect(
        t("layers"),
        list(LAYERS),
        default=["resources", "program_sites"],
        format_func=_layer_label,
        key=keep("export_layers"),
        placeholder=t("choose"),
    )
    flt = _resource_filter()
    cols = st.columns(3)
    fmt = cols[0].selectbox(
        t("format"),
        list(FORMATS),
        format_func=lambda f: pick(FORMATS[f].label),
        key=keep("export_format"),
    )
    fixed = FORMATS[fmt].fixed_crs
    with cols[1]:
        crs = _crs_select("export_crs", default=fixed or 5186, disabled=fixed is not None)
        if fixed:
            st.caption(t("kml_crs"))
            crs = fixed
    with cols[2]:
        encoding = _encoding("export_encoding") if fmt == "shp" else "cp949"
    open_only = st.checkbox(t("open_only"), key=keep("export_open_only"))
    if st.button(t("make"), key="export_make"):
        # Named after what is in the file: an officer's "all of Seoul" is their district.
        within = list(chosen) or (
            [who.district_code] if scope(who, "export") == "own" and who.district_code else []
        )
        names_en = dict(zip(d["code"], d["name_en"], strict=True))
        stem = export_stem([(c, names_en.get(c, c)) for c in within], layers, crs)
        request = ExportRequest(
            tuple(layers),
            fmt,
            crs,
            Selection(districts=tuple(chosen), resources=flt, open_conflicts_only=open_only),
            encoding,
        )
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp, stem + output_suffix(request))
                result = export_layers(
                    request, viewer=who, out=out, progress=page_progress(t("making"))
                )
                _remember("export_file", result, out.read_bytes(), stem)
        except AtlasError as exc:
            show_error(exc)
    _show_result("export_file")


def _bundle_section(d: pd.DataFrame) -> None:
    st.subheader(t("bundle_header"))
    st.caption(t("bundle_intro"))
    names = district_names()
    cols = st.columns(3)
    code = cols[0].selectbox(
        t("bundle_district"), list(d["code"]), format_func=names.get, key=keep("bundle_district")
    )
    with cols[1]:
        crs = _crs_select("bundle_crs", default=5186)
    with cols[2]:
        encoding = _encoding("bundle_encoding")
    if st.button(t("make_bundle"), key="bundle_make"):
        name_en = d.loc[d["code"] == code, "name_en"].iloc[0]
        # The zip is named after its CRS too: bundles in 5186 and 5179 differ (issue 15, 6).
        stem = f"{bundle_stem(code, name_en)}_epsg{crs}"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp, f"{stem}.zip")
                result = export_bundle(
                    code,
                    viewer=viewer(),
                    out=out,
                    crs=crs,
                    encoding=encoding,
                    progress=page_progress(t("making")),
                )
                _remember("bundle_file", result, out.read_bytes(), stem)
        except AtlasError as exc:
            show_error(exc)
    _show_result("bundle_file")


def render() -> None:
    """Draw the page."""
    st.title(t("title"))
    st.caption(t("intro"))
    if not viewer().is_staff:
        st.info(t("people_note"))
    try:
        d = districts()
    except AtlasError as exc:
        show_error(exc)
    who = viewer()
    if scope(who, "export") == "own":
        # The export functions refuse other districts too; the page offers only theirs.
        d = d[d["code"] == who.district_code]
        st.caption(t("own_district", district=district_label(who.district_code)))
    _files_section(d)
    st.divider()
    _bundle_section(d)


render()
