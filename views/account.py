"""The sidebar's staff sign-in box (not a page): sign in, show who is signed in, sign out."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import auth
from geo.errors import AtlasError
from views.common import SESSION_KEY, viewer
from views.i18n import translator

t = translator(
    {
        "staff_login": ("직원 로그인", "Staff sign-in"),
        "username": ("아이디", "User name"),
        "password": ("비밀번호", "Password"),
        "sign_in": ("로그인", "Sign in"),
        "sign_out": ("로그아웃", "Sign out"),
        "signed_in": ("{user} ({role}) 로그인 중", "Signed in: {user} ({role})"),
        "role_district_officer": ("자치구 담당", "district officer"),
        "role_planner": ("기획 담당", "planner"),
        "role_admin": ("관리자", "administrator"),
    }
)


def account_box() -> None:
    """Draw the sign-in form, or the signed-in user with a sign-out button."""
    who = viewer()
    if who.is_staff:
        st.caption(t("signed_in", user=who.username, role=t(f"role_{who.role}")))
        if st.button(t("sign_out"), key="sign_out"):
            st.session_state.pop(SESSION_KEY, None)
            st.rerun()
        return
    with st.expander(t("staff_login")), st.form("login", clear_on_submit=True):
        username = st.text_input(t("username"), max_chars=40)
        password = st.text_input(t("password"), type="password", max_chars=200)
        if st.form_submit_button(t("sign_in")):
            try:
                signed_in = auth.authenticate(username.strip(), password)
            except AtlasError as exc:
                st.error(exc.user_msg)
                return
            st.session_state[SESSION_KEY] = (signed_in, dt.datetime.now(dt.UTC))
            st.rerun()
