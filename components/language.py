"""Language switch in the sidebar, kept in the URL (?lang=en) so a shared link opens in the same language.

Every page calls language_switch(). The radio lives in the page rather than in app.py because widgets of the
entry script are not driven by AppTest; its on_change callback stores the choice before the rerun starts,
so app.py titles the navigation in the new language on that same rerun.
"""

from __future__ import annotations

import streamlit as st

from digigov.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalise_language, t

_STATE = "language"
_WIDGET = "language_radio"


def current_language() -> str:
    if _STATE not in st.session_state:
        st.session_state[_STATE] = normalise_language(st.query_params.get("lang", DEFAULT_LANGUAGE))
    return st.session_state[_STATE]


def _remember_choice() -> None:
    st.session_state[_STATE] = st.session_state[_WIDGET]


def language_switch() -> str:
    """Sidebar radio; returns the chosen language and mirrors it into the URL."""
    lang = current_language()
    if _WIDGET not in st.session_state:
        st.session_state[_WIDGET] = lang
    # The label is the same in both languages so the widget keeps its identity across a switch.
    st.sidebar.radio(
        t("app.language", lang),
        LANGUAGES,
        key=_WIDGET,
        horizontal=True,
        on_change=_remember_choice,
        format_func=lambda code: t(f"app.language_{code}", lang),
    )
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang
    return lang
