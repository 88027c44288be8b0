"""Page "Administration": accounts (create, deactivate, unlock), categories, the audit log.

A Streamlit page script (run by ``st.navigation`` in app.py, for administrators only; the
domain functions refuse anyone else as well).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import audit, auth, vocab
from geo import categories as cats
from geo.errors import AtlasError
from views.account import t as account_t
from views.common import (
    csv_download,
    district_label,
    district_names,
    keep,
    show_error,
    viewer,
)
from views.i18n import lang, say, translator

t = translator("admin")


def _categories(who) -> None:
    """Categories, their spellings, and the forms that add to them."""
    st.subheader(t("categories"))
    st.caption(t("categories_help"))
    st.dataframe(cats.categories_frame(), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left.form("new_category", clear_on_submit=True):
        st.markdown(f"**{t('new_category')}**")
        code = st.text_input(t("code"), max_chars=40, key=keep("adm_cat_code"))
        kind = st.selectbox(
            t("kind"),
            list(vocab.KINDS),
            format_func=lambda k: vocab.label(vocab.KINDS, k, lang()),
            key=keep("adm_cat_kind"),
        )
        label_ko = st.text_input(t("label_ko"), max_chars=80, key=keep("adm_cat_ko"))
        label_en = st.text_input(t("label_en"), max_chars=80, key=keep("adm_cat_en"))
        if st.form_submit_button(t("add")):
            try:
                cats.add_category(who, code, kind=kind, label_ko=label_ko, label_en=label_en)
                st.success(t("added", c=code))
            except AtlasError as exc:
                st.error(say(exc))
    with right.form("map_spelling", clear_on_submit=True):
        st.markdown(f"**{t('map_spelling')}**")
        spelling = st.text_input(t("spelling"), max_chars=100, key=keep("adm_spelling"))
        labels = vocab.all_categories()
        category = st.selectbox(
            t("category"),
            list(labels),
            format_func=lambda c: f"{vocab.label(labels, c, lang())} ({c})",
            key=keep("adm_spelling_category"),
        )
        if st.form_submit_button(t("map")):
            try:
                cats.map_spelling(who, spelling, category)
                st.success(t("mapped", s=spelling, c=category))
            except AtlasError as exc:
                st.error(say(exc))
    with st.expander(t("spellings")):
        st.dataframe(cats.spellings_frame(), hide_index=True, width="stretch")


def _accounts_table(users: pd.DataFrame) -> pd.DataFrame:
    """The accounts as the page shows them: headers in the interface language, roles and
    districts by name (not ``district_officer``, ``11440``)."""
    shown = users.copy()
    shown["role"] = [account_t(f"role_{r}") for r in shown["role"]]
    shown["district_code"] = [district_label(c) if c else "" for c in shown["district_code"]]
    return shown.rename(
        columns={
            "username": t("username"),
            "role": t("role"),
            "district_code": t("district"),
            "active": t("col_active"),
            "failed_logins": t("col_failed"),
            "locked_until": t("col_locked"),
            "created_at": t("col_created"),
            "last_login_at": t("col_last_login"),
        }
    )


_AUDIT_COLUMNS = {
    "at": "col_at",
    "username": "col_user",
    "action": "col_action",
    "target": "col_target",
    "records": "col_records",
    "detail": "col_detail",
}


def render() -> None:
    """Draw the page."""
    who = viewer()
    st.title(t("title"))
    try:
        users = auth.list_users(who)
        log = audit.audit_entries(who)
    except AtlasError as exc:
        show_error(exc)
    st.subheader(t("users"))
    st.dataframe(_accounts_table(users), hide_index=True, width="stretch")
    with st.form("new_user", clear_on_submit=True):
        st.markdown(f"**{t('new_user')}**")
        c1, c2 = st.columns(2)
        username = c1.text_input(t("username"), max_chars=40, key=keep("adm_new_user"))
        password = c2.text_input(
            t("password"), type="password", max_chars=200, key=keep("adm_new_password")
        )
        role = c1.selectbox(
            t("role"),
            auth.STAFF_ROLES,
            format_func=lambda r: account_t(f"role_{r}"),
            key=keep("adm_new_role"),
        )
        names = district_names()
        district = c2.selectbox(
            t("district"),
            [None, *names],
            format_func=lambda c: names.get(c, "—"),
            key=keep("adm_new_district"),
        )
        if st.form_submit_button(t("create")):
            try:
                auth.add_account(who, username.strip(), password, role=role, district_code=district)
                st.success(t("created", u=username))
            except AtlasError as exc:
                st.error(say(exc))
    if len(users):
        name = st.selectbox(t("account"), users["username"].tolist(), key=keep("adm_account"))
        c1, c2, c3 = st.columns(3)
        actions = {
            c1.button(t("deactivate")): {"active": False},
            c2.button(t("activate")): {"active": True},
            c3.button(t("unlock")): {"unlock": True},
        }
        for pressed, change in actions.items():
            if pressed:
                try:
                    auth.set_account(who, name, **change)
                except AtlasError as exc:
                    show_error(exc)
                st.rerun()
    _categories(who)
    st.subheader(t("audit"))
    log = log.rename(columns={k: t(v) for k, v in _AUDIT_COLUMNS.items()})
    st.dataframe(log, hide_index=True, width="stretch")
    csv_download(log, label=t("download_csv"), file_name="maeul_audit_log.csv", key="audit_csv")


render()
