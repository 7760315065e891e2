"""Every chart with its table alternative: two tabs, chart first."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.china_map import chart
from components.downloads import table
from digigov.i18n import t


def tabbed(lang: str, draw_chart: Callable[[], object], draw_table: Callable[[], object]) -> None:
    chart_tab, table_tab = st.tabs([t("overview.chart_tab", lang), t("overview.table_tab", lang)])
    with chart_tab:
        draw_chart()
    with table_tab:
        draw_table()


def chart_with_table(
    fig, frame, *, page: str, name: str, chart_key: str, table_name: str, lang: str, table_key: str | None = None
) -> None:
    """A chart (with its PNG download) and, in the second tab, its data with CSV/xlsx downloads named table_name
    (widget key table_key, default <page>_<table_name>)."""
    tabbed(
        lang,
        lambda: chart(fig, key=chart_key, page=page, name=name, lang=lang),
        lambda: table(frame, key=table_key or f"{page}_{table_name}", page=page, name=table_name, lang=lang),
    )
