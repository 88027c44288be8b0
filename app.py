"""Maeul Atlas (마을 아틀라스): entry point with page config, shared sidebar and navigation."""

from __future__ import annotations

import streamlit as st

from geo.db import check_ready
from geo.errors import AtlasError
from geo.queries import demo_counts
from geo.reference import attribution
from views.i18n import LANGS, t

st.set_page_config(page_title="마을 아틀라스 · Maeul Atlas", layout="wide")

with st.sidebar:
    st.session_state["lang"] = st.radio(
        "언어 / Language",
        list(LANGS),
        format_func=LANGS.get,
        horizontal=True,
        index=list(LANGS).index(st.session_state.get("lang", "ko")),
    )
    st.markdown(f"**{t('app_title')}**  \n{t('app_subtitle')}")

try:
    check_ready()
    demo = demo_counts()
except AtlasError as exc:
    st.error(exc.user_msg)
    st.stop()

if any(demo.values()):
    st.warning(t("demo_banner", **demo), icon=":material/warning:")

page = st.navigation(
    [
        st.Page(
            "views/explorer.py",
            title=t("page_explorer"),
            url_path="explorer",
            default=True,
        ),
        st.Page("views/programs.py", title=t("page_programs"), url_path="programs"),
    ]
)

with st.sidebar:
    st.caption(f"{t('attribution')}: {attribution(st.session_state['lang'])}")

page.run()
