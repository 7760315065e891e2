"""Widgets whose value lives in the URL, so a shared link opens the same view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def url_choice(
    param: str, options: Sequence[T], default: T, label: str,
    cast: Callable[[str], T] = str, format_func: Callable[[T], str] = str,
) -> T:
    """A selectbox initialised from ?param=..., writing its value back to the URL.

    A missing or invalid URL value (hand-edited link) falls back to default rather than failing.
    """
    key = f"url_{param}"
    if key not in st.session_state:
        raw = st.query_params.get(param)
        try:
            value = cast(raw) if raw is not None else default
        except (TypeError, ValueError):
            value = default
        st.session_state[key] = value if value in options else default
    choice = st.selectbox(label, options, key=key, format_func=format_func)
    st.query_params[param] = str(choice)
    return choice
