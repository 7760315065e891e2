"""Language switch in the sidebar, kept in the URL (?lang=en) so a shared link opens in the same language."""

from __future__ import annotations

import streamlit as st

from digigov.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalise_language, t


def current_language() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = normalise_language(st.query_params.get("lang", DEFAULT_LANGUAGE))
    return st.session_state["lang"]


def language_switch() -> str:
    """Sidebar radio; returns the chosen language and mirrors it into the URL."""
    lang = current_language()
    st.sidebar.radio(
        t("app.language", lang), LANGUAGES, key="lang", horizontal=True,
        format_func=lambda code: t(f"app.language_{code}", lang),
    )
    lang = st.session_state["lang"]
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang
    return lang
