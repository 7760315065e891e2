"""Pages remember their current filters here, so the briefing rebuilds each chart as the user last saw it."""

from __future__ import annotations

import streamlit as st

_KEY = "briefing_filters"


def remember(page: str, **filters: object) -> None:
    st.session_state.setdefault(_KEY, {})[page] = filters


def remembered() -> dict[str, dict]:
    return dict(st.session_state.get(_KEY, {}))
