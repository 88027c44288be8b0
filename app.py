"""Maeul Atlas (마을 아틀라스): entry point with page config, shared sidebar and navigation."""

from __future__ import annotations

import streamlit as st

from geo import incidents
from geo.access import allowed
from geo.db import check_ready, read_as
from geo.errors import AtlasError
from geo.logs import log_shown_error, logger
from geo.logs import setup as setup_logging
from geo.reference import attribution
from geo.settings import load_settings
from views.account import account_box
from views.common import demo_counts, show_error, viewer
from views.i18n import LANGS, say, t

_logger = logger("app")

st.set_page_config(page_title="마을 아틀라스 · Maeul Atlas", layout="wide")

with st.sidebar:
    st.session_state["lang"] = st.radio(
        t("language"),
        list(LANGS),
        format_func=LANGS.get,
        horizontal=True,
        index=list(LANGS).index(st.session_state.get("lang", "ko")),
    )
    st.markdown(f"**{t('app_title')}**  \n{t('app_subtitle')}")

setup_logging()
try:
    check_ready()
    demo = demo_counts(load_settings().database_url)
except AtlasError as exc:
    show_error(exc)

if any(demo.values()):
    st.warning(t("demo_banner", **demo), icon=":material/warning:")

#: (page script, title key, url path); the first is the default page.
PAGES = [
    ("views/explorer.py", "page_explorer", "explorer"),
    ("views/nearby.py", "page_nearby", "nearby"),
    ("views/coverage.py", "page_coverage", "coverage"),
    ("views/conflicts.py", "page_conflicts", "conflicts"),
    ("views/hotspots.py", "page_hotspots", "hotspots"),
    ("views/programs.py", "page_programs", "programs"),
    ("views/export.py", "page_export", "export"),
    ("views/importer.py", "page_import", "import"),
    ("views/about.py", "page_about", "about"),
]
#: Pages shown to those whose role allows the action (the domain functions refuse others
#: too: hiding a page is a convenience, not the protection).
RIGHTS_PAGES = [
    ("views/editor.py", "page_editor", "edit", "edit"),
    ("views/admin.py", "page_admin", "admin", "manage_users"),
]

who = viewer()
read_as(who)  # signed-in staff read the primary (their own writes), the public a replica
pages = PAGES + [(s, k, p) for s, k, p, action in RIGHTS_PAGES if allowed(who, action)]
page = st.navigation(
    [
        st.Page(script, title=t(key), url_path=path, default=i == 0)
        for i, (script, key, path) in enumerate(pages)
    ]
)

with st.sidebar:
    account_box()
    st.caption(f"{t('attribution')}: {attribution(st.session_state['lang'])}")

try:
    page.run()
except AtlasError as exc:  # pages show their own errors; one that slipped through
    log_shown_error(_logger, exc, f"page {page.url_path}")
    st.error(say(exc))
except Exception as exc:  # the edge: the traceback to the error log, a number to the user
    err = incidents.record(exc, where=f"page {page.url_path}")
    _logger.error("page %s: incident %s", page.url_path, err.incident, exc_info=exc)
    st.error(f"{say(err)} ({err.incident})")
