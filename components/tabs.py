"""Every chart with its table alternative: two tabs, chart first."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from digigov.i18n import t


def tabbed(lang: str, draw_chart: Callable[[], object], draw_table: Callable[[], object]) -> None:
    chart_tab, table_tab = st.tabs([t("overview.chart_tab", lang), t("overview.table_tab", lang)])
    with chart_tab:
        draw_chart()
    with table_tab:
        draw_table()
