"""The sidebar's staff sign-in box (not a page): sign in, show who is signed in, sign out."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import auth
from geo.errors import AtlasError
from geo.settings import load_settings
from views.common import EXPIRED_KEY, SESSION_KEY, viewer
from views.i18n import say, translator

t = translator("account")


def _sso_configured() -> bool:
    """Single sign-on is offered when a provider ([auth]) and the role claim are configured."""
    if not load_settings().oidc_role_claim:
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _sso_logged_in() -> bool:
    # st.user has no is_logged_in until authentication is fully set up: read it as a dict.
    return bool(st.user.to_dict().get("is_logged_in"))


def _sso_box() -> None:
    """Sign in through the OpenID Connect provider; its claims give the role."""
    if not _sso_logged_in():
        if st.button(t("sso_sign_in"), key="sso_sign_in"):
            st.login()
        return
    if st.session_state.pop(EXPIRED_KEY, False):
        st.logout()  # the sign-in expired: the provider's cookie goes too
        return
    settings = load_settings()
    try:
        signed_in = auth.viewer_from_claims(
            st.user.to_dict(), claim=settings.oidc_role_claim, role_map=settings.oidc_roles
        )
    except AtlasError as exc:
        st.error(say(exc))
        if st.button(t("sign_out"), key="sso_refused_out"):
            st.logout()
        return
    auth.record_single_sign_on(signed_in)
    st.session_state[SESSION_KEY] = (signed_in, dt.datetime.now(dt.UTC))
    st.rerun()


def account_box() -> None:
    """Draw the sign-in form, or the signed-in user with a sign-out button."""
    who = viewer()
    sso = _sso_configured()
    if who.is_staff:
        st.caption(t("signed_in", user=who.username, role=t(f"role_{who.role}")))
        if st.button(t("sign_out"), key="sign_out"):
            st.session_state.pop(SESSION_KEY, None)
            if sso and _sso_logged_in():
                st.logout()
            st.rerun()
        return
    if sso:
        _sso_box()
    with st.expander(t("staff_login")), st.form("login", clear_on_submit=True):
        username = st.text_input(t("username"), max_chars=40)
        password = st.text_input(t("password"), type="password", max_chars=200)
        if st.form_submit_button(t("sign_in")):
            try:
                signed_in = auth.authenticate(
                    username.strip(), password, client=st.context.ip_address
                )
            except AtlasError as exc:
                st.error(say(exc))
                return
            st.session_state[SESSION_KEY] = (signed_in, dt.datetime.now(dt.UTC))
            st.rerun()
