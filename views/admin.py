"""Page "Administration": accounts (create, deactivate, unlock) and the audit log.

A Streamlit page script (run by ``st.navigation`` in app.py, for administrators only; the
domain functions refuse anyone else as well).
"""

from __future__ import annotations

import streamlit as st

from geo import auth
from geo.db import transaction
from geo.errors import AtlasError
from views.common import csv_download, districts, show_error, viewer
from views.i18n import lang, translator

t = translator(
    {
        "title": ("관리", "Administration"),
        "users": ("계정", "Accounts"),
        "new_user": ("새 계정", "New account"),
        "username": ("아이디", "User name"),
        "password": ("초기 비밀번호 (10자 이상)", "Initial password (10+ characters)"),
        "role": ("역할", "Role"),
        "district": ("자치구 (자치구 담당만)", "District (district officers only)"),
        "create": ("만들기", "Create"),
        "created": ("{u} 계정을 만들었습니다.", "Account {u} created."),
        "account": ("계정 선택", "Choose an account"),
        "deactivate": ("사용 중지", "Deactivate"),
        "activate": ("다시 사용", "Reactivate"),
        "unlock": ("잠금 해제", "Unlock"),
        "audit": ("감사 기록 (최근 1,000건)", "Audit log (newest 1,000)"),
    }
)


def render() -> None:
    """Draw the page."""
    who = viewer()
    st.title(t("title"))
    try:
        users = auth.list_users(who)
        log = auth.audit_entries(who)
    except AtlasError as exc:
        show_error(exc)
    st.subheader(t("users"))
    st.dataframe(users, hide_index=True, width="stretch")
    with st.form("new_user", clear_on_submit=True):
        st.markdown(f"**{t('new_user')}**")
        c1, c2 = st.columns(2)
        username = c1.text_input(t("username"), max_chars=40)
        password = c2.text_input(t("password"), type="password", max_chars=200)
        role = c1.selectbox(t("role"), auth.STAFF_ROLES)
        d = districts()
        names = dict(zip(d["code"], d["name_ko" if lang() == "ko" else "name_en"], strict=True))
        district = c2.selectbox(
            t("district"), [None, *names], format_func=lambda c: names.get(c, "—")
        )
        if st.form_submit_button(t("create")):
            try:
                with transaction() as conn:
                    auth.create_user(
                        conn,
                        username.strip(),
                        password,
                        role=role,
                        district_code=district,
                        by=who,
                    )
                st.success(t("created", u=username))
            except AtlasError as exc:
                st.error(exc.user_msg)
    if len(users):
        name = st.selectbox(t("account"), users["username"].tolist())
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
    st.subheader(t("audit"))
    st.dataframe(log, hide_index=True, width="stretch")
    csv_download(log, label=t("download_csv"), file_name="maeul_audit_log.csv", key="audit_csv")


render()
