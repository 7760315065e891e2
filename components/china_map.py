"""China map with click-to-select: returns the adcode of the clicked region."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import first_map
from components.downloads import png_button, shows_sample
from digigov.a11y import chart_name
from digigov.export.labels import has_sample_watermark
from digigov.figures.china_map import selected_adcode
from digigov.figures.config import chart_config
from digigov.presenters.methods import chart_method_links


def china_map(fig: go.Figure, key: str, page: str, chart: str, lang: str | None = None) -> str | None:
    """Draw fig; a click on a region reruns the page and returns that region's adcode.

    Streamlit cannot clear a chart's selection from code, so callers reset it by changing key. A second map
    waits like any chart while the session's first map is being drawn (components/first_map.py).
    """
    if first_map.charts_wait():
        first_map.placeholder(fig.layout.height, lang)
        return None
    event = st.plotly_chart(
        fig,
        key=key,
        on_select="rerun",
        selection_mode="points",
        width="stretch",
        config=chart_config(page, chart, lang=lang),
        alt=chart_name(page, chart, lang) if lang else None,
    )
    first_map.after_map(lang)
    if lang:
        png_button(fig, key, page, chart, lang)
        method_caption(page, chart, lang)
    return selected_adcode(event)


def chart(fig: go.Figure, key: str, page: str, name: str, lang: str | None = None) -> None:
    if first_map.charts_wait():
        first_map.placeholder(fig.layout.height, lang)
        return
    unmarked = shows_sample(page) and not has_sample_watermark(fig)
    config = chart_config(page, name, unmarked_sample=unmarked, lang=lang)
    alt = chart_name(page, name, lang) if lang else None  # for a chart whose title and heading name others too
    st.plotly_chart(fig, key=key, width="stretch", config=config, alt=alt)
    if lang:
        png_button(fig, key, page, name, lang)
        method_caption(page, name, lang)


def method_caption(page: str, chart: str, lang: str) -> None:
    """Links to the methods page's entries behind the chart (catalog texts only: no user data in the link)."""
    links = chart_method_links(page, chart, lang)
    if links:
        st.caption(links)
