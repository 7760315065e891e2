"""Bar charts shared by pages."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from digigov.i18n import t
from digigov.indicators import Indicator

MACRO_COLOURS = {"east": "#1f5fa6", "central": "#4daf4a", "west": "#e08214", "northeast": "#8073ac"}


def macro_region_bar(means: pl.DataFrame, indicator: Indicator, lang: str) -> go.Figure:
    """means: macro_region, mean (stored units)."""
    regions = means["macro_region"].to_list()
    values = [indicator.display_number(v) for v in means["mean"]]
    fig = go.Figure(
        go.Bar(
            x=[t(f"macro.{r}", lang) for r in regions],
            y=values,
            marker_color=[MACRO_COLOURS.get(r, "#888888") for r in regions],
            text=[indicator.format(v, lang, with_unit=False) for v in means["mean"]],
            textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": indicator.unit_label(lang)}, "rangemode": "tozero"},
        font={"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig
