"""Every chart with its table alternative: two tabs, chart first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from components.china_map import chart
from components.downloads import table
from digigov.i18n import t

T = TypeVar("T")


def tabbed(lang: str, draw_chart: Callable[[], T], draw_table: Callable[[], object], *, key: str) -> T | None:
    """The chart and its table in two tabs; only the open one is drawn (issue 16). With every table drawn in its
    hidden tab, each visit made the browser load and run the data grid's code (about 1.2 MB) while the map waited
    for its turn, and every rerun built tables nobody looked at. Switching tabs reruns the page (cached: fast).
    Returns what draw_chart returned (a map's clicked region), None while the table is shown."""
    chart_tab, table_tab = st.tabs(
        [t("overview.chart_tab", lang), t("overview.table_tab", lang)], key=key, on_change="rerun"
    )
    drawn = None
    if chart_tab.open:
        with chart_tab:
            drawn = draw_chart()
    if table_tab.open:
        with table_tab:
            draw_table()
    return drawn


def chart_with_table(
    fig, frame, *, page: str, name: str, chart_key: str, table_name: str, lang: str, table_key: str | None = None
) -> None:
    """A chart (with its PNG download) and, in the second tab, its data with CSV/xlsx downloads named table_name
    (widget key table_key, default <page>_<table_name>)."""
    tabbed(
        lang,
        lambda: chart(fig, key=chart_key, page=page, name=name, lang=lang),
        lambda: table(frame, key=table_key or f"{page}_{table_name}", page=page, name=table_name, lang=lang),
        key=f"{chart_key}_tabs",
    )
