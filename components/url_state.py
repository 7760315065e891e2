"""Widgets whose value lives in the URL, so a shared link opens the same view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def url_choice(
    page: str,
    param: str,
    options: Sequence[T],
    default: T,
    label: str,
    cast: Callable[[str], T] = str,  # type: ignore[assignment]  # str is the cast when T is str
    format_func: Callable[[T], str] = str,
) -> T:
    """A selectbox initialised from ?param=..., writing its value back to the URL.

    Keys are per page: Streamlit drops a page's widget state when another page runs, and a shared key would
    bring back a stale value. A missing or invalid URL value (hand-edited link) falls back to default.
    """
    key = f"{page}_{param}"
    if key not in st.session_state:
        raw = st.query_params.get(param)
        try:
            value = cast(raw) if raw is not None else default
        except (TypeError, ValueError):
            value = default
        st.session_state[key] = value if value in options else default
    elif st.session_state[key] not in options:  # an option gone since (a dataset deleted or no longer shared)
        st.session_state[key] = default
    choice = st.selectbox(label, options, key=key, format_func=format_func)
    st.query_params[param] = str(choice)
    return choice


def url_weights(
    page: str, param: str, names: Sequence[str], labels: Sequence[str], default: int = 25
) -> dict[str, int]:
    """One 0-100 slider per name, initialised from ?param=a,b,c,d and written back as such."""
    keys = [f"{page}_{param}_{name}" for name in names]
    if any(key not in st.session_state for key in keys):
        raw = (st.query_params.get(param) or "").split(",")
        try:
            values = [int(v) for v in raw]
        except ValueError:
            values = []
        if len(values) != len(names) or any(not 0 <= v <= 100 for v in values):
            values = [default] * len(names)
        for key, value in zip(keys, values, strict=True):
            st.session_state.setdefault(key, value)
    chosen = {
        name: st.slider(label, 0, 100, key=key, step=5) for name, label, key in zip(names, labels, keys, strict=True)
    }
    st.query_params[param] = ",".join(str(v) for v in chosen.values())
    return chosen


def url_multi(
    page: str,
    param: str,
    options: Sequence[str],
    default: Sequence[str],
    label: str,
    format_func: Callable[[str], str] = str,
) -> list[str]:
    """A multiselect initialised from ?param=a,b and written back; unknown values in the URL are dropped."""
    key = f"{page}_{param}"
    if key not in st.session_state:
        raw = st.query_params.get(param)
        chosen = [v for v in raw.split(",") if v in options] if raw is not None else list(default)
        st.session_state[key] = chosen
    chosen = st.multiselect(label, options, key=key, format_func=format_func)
    st.query_params[param] = ",".join(chosen)
    return chosen


def year_and_indicator(
    page: str,
    years: Sequence[int],
    indicators: Sequence[str],
    year_label: str,
    indicator_label: str,
    lang: str,
    extra: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """The year (latest by default) and indicator (the index by default) selectors in one row, both in the URL
    as ?year= and ?ind=. extra: {id: label} of further choices after the catalog's (the analyst's own
    indicators), labelled as given."""
    from digigov.indicators import get_indicator

    extra = extra or {}

    controls = st.columns([1, 2, 3])
    with controls[0]:
        year = url_choice(page, "year", years, default=years[-1], label=year_label, cast=int)
    with controls[1]:
        indicator_id = url_choice(
            page,
            "ind",
            [*indicators, *extra],
            default="dgi_index",
            label=indicator_label,
            format_func=lambda i: extra[i] if i in extra else get_indicator(i).name(lang),
        )
    return year, indicator_id
