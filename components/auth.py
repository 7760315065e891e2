"""Sign-in on every run (issue 18): Streamlit's own st.login (OpenID Connect through Authlib) when `[auth]` is in
.streamlit/secrets.toml; otherwise the one local analyst of a server that listens on 127.0.0.1 only.

app.py calls signed_in_user() before the navigation runs, so an unauthenticated visitor gets the sign-in page and
nothing else, whatever URL they typed; the user is then set for the run (digigov.access.current_user), and every
listing and load of a stored dataset is filtered by it on the server.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from digigov import settings
from digigov.access import (
    LOCAL_USER,
    User,
    load_role_rules,
    require_sign_in,
    set_current_user,
    user_from_claims,
)
from digigov.audit import AuditLog, login_of
from digigov.i18n import t
from digigov.storage import default_data_dir
from digigov.text import escape_markdown

_SIGNED_IN = "access_signed_in_audited"


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, OSError):  # no secrets file at all: the local default
        return False


def _provider() -> str | None:
    """The named provider ([auth.keycloak]) when the secrets name one, else None (a single [auth] provider)."""
    section = st.secrets["auth"]
    # a provider's own table has its client_id; other tables (client_kwargs) are settings of the single provider
    named = [key for key, value in section.items() if isinstance(value, Mapping) and "client_id" in value]
    return named[0] if named else None


def audit_log() -> AuditLog:
    folder = settings.read("DIGIGOV_AUDIT_DIR") or default_data_dir() / "audit"
    return AuditLog(folder)


def audit(user: User, action: str, *, dataset: str = "", name: str = "", page: str = "") -> None:
    """One audit entry for this user (the local user's actions are logged too: one analyst, still a record)."""
    audit_log().record(user.id or "-", user.role, action, dataset=dataset, name=name, page=page)


def _audit_sign_in(user: User, claims: Mapping[str, object]) -> None:
    """One sign-in entry per login (its ID token), however many sessions (page loads, tabs, worker processes) it
    opens: the audit log keeps a marker per login. The session remembers the login so later reruns skip the file."""
    login = login_of(claims)
    seen = login.key if login else user.id
    if st.session_state.get(_SIGNED_IN) != seen:
        audit_log().record_sign_in(user.id or "-", user.role, claims)
        st.session_state[_SIGNED_IN] = seen


def _sign_in_page(lang: str) -> None:
    st.title(t("app.title", lang))
    st.info(t("access.sign_in_needed", lang), icon=":material/lock:")
    provider = _provider()
    if st.button(t("access.sign_in", lang), type="primary", key="access_sign_in"):
        st.login(provider) if provider else st.login()


def signed_in_user(lang: str) -> User:
    """The user of this run; stops the run at the sign-in page for a visitor who has not signed in."""
    if not auth_configured():
        require_sign_in(False)
        set_current_user(LOCAL_USER)
        st.sidebar.caption(t("access.local_only", lang))
        return LOCAL_USER
    require_sign_in()
    if not st.user.is_logged_in:
        set_current_user(None)
        st.session_state.pop(_SIGNED_IN, None)
        _sign_in_page(lang)
        st.stop()
    claims = st.user.to_dict()
    rules = load_role_rules(settings.read("DIGIGOV_ROLES_FILE"))
    user = user_from_claims(claims, rules, settings.read("DIGIGOV_ROLES_CLAIM"))
    set_current_user(user)
    _audit_sign_in(user, claims)
    role = t(f"access.role.{user.role}", lang)
    st.sidebar.caption(escape_markdown(t("access.signed_in_as", lang, name=user.name, role=role)))  # the IdP's text
    if st.sidebar.button(t("access.sign_out", lang), key="access_sign_out"):
        audit(user, "sign_out")
        st.session_state.pop(_SIGNED_IN, None)
        st.logout()
    return user
