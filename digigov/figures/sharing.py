"""Charts of the data sharing and openness page (digigov.presenters.data_sharing builds their frames).

Every label that can come from an upload (department and platform names) arrives HTML-escaped from the
presenter: plotly renders text as HTML.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from digigov.figures.bars import MACRO_COLOURS

FONT = {"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"}
STATUS_COLOURS = {
    "on_schedule": "#1a9850",
    "overdue": "#d73027",
    "irregular": "#bdbdbd",
    "undated": "#7f7f7f",
    "after_reference": "#9ecae1",
}
OUTLIER_COLOUR = "#d73027"
NORMAL_COLOUR = "#4a7bb7"
NATIONAL_COLOUR = "#222222"


def _layout(fig: go.Figure, height: int, **extra: object) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 20, "t": 40, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        **extra,
    )
    fig.update_xaxes(gridcolor="#eeeeee", automargin=True)
    fig.update_yaxes(gridcolor="#eeeeee", automargin=True)
    return fig


def status_chart(counts: pl.DataFrame, statuses: Sequence[str], status_labels: dict[str, str], axis: str) -> go.Figure:
    """Stacked horizontal bars: one bar per stated frequency (counts: label, status, datasets), one segment per
    status in the order given."""
    fig = go.Figure()
    labels = list(dict.fromkeys(counts["label"].to_list()))
    for status in statuses:
        part = counts.filter(pl.col("status") == status)
        values = dict(zip(part["label"].to_list(), part["datasets"].to_list(), strict=True))
        if not values:
            continue
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[values.get(label, 0) for label in labels],
                name=status_labels[status],
                orientation="h",
                marker_color=STATUS_COLOURS[status],
                hovertemplate="%{y}: %{x}<extra>" + status_labels[status] + "</extra>",
            )
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.15})
    fig.update_xaxes(title={"text": axis})
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, max(300, 40 * len(labels) + 120))


def ranking_chart(
    rows: pl.DataFrame,
    axis: str,
    *,
    percent: bool = True,
    highlight: Sequence[str] = (),
    reference: float | None = None,
    log: bool = False,
    bar_height: int = 22,
) -> go.Figure:
    """Horizontal bars, highest first (rows: label, value, text); highlight names bars drawn in red; reference
    a dashed line (the pooled value, or a fence); log a logarithmic value axis (costs spanning decades)."""
    values = [None if v is None else (v * 100 if percent else v) for v in rows["value"]]
    colours = [OUTLIER_COLOUR if label in set(highlight) else NORMAL_COLOUR for label in rows["label"]]
    fig = go.Figure(
        go.Bar(
            y=rows["label"].to_list(),
            x=values,
            orientation="h",
            marker_color=colours,
            text=rows["text"].to_list(),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    if reference is not None:
        fig.add_vline(x=reference * 100 if percent else reference, line_dash="dot", line_color=NATIONAL_COLOUR)
    if log:
        fig.update_xaxes(title={"text": axis}, type="log")
    else:
        fig.update_xaxes(title={"text": axis}, rangemode="tozero")
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, max(320, bar_height * rows.height + 110))


def trend_chart(rows: pl.DataFrame, axis: str, national_label: str) -> go.Figure:
    """Lines per scope (rows: scope, label, year, share), the national line black and thicker."""
    fig = go.Figure()
    for scope in dict.fromkeys(rows["scope"].to_list()):
        part = rows.filter(pl.col("scope") == scope).sort("year")
        national = scope == "national"
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=[None if v is None else v * 100 for v in part["share"]],
                name=national_label if national else part["label"][0],
                mode="lines+markers",
                line={
                    "color": NATIONAL_COLOUR if national else MACRO_COLOURS.get(scope, "#888"),
                    "width": 3 if national else 2,
                },
                hovertemplate="%{x}: %{y:.1f}%<extra>%{fullData.name}</extra>",
            )
        )
    fig.add_hline(y=50, line_dash="dot", line_color="#999")
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(title={"text": axis}, rangemode="tozero")
    return _layout(fig, 360, legend={"orientation": "h", "y": -0.2})


def heatmap(names: list[str], z: list[list[int]], provider_axis: str, consumer_axis: str, hover: str) -> go.Figure:
    """Provider (rows) × consumer (columns) calls; an empty cell is no call (drawn white). Colour on a log
    scale (log10 of calls), the hover gives the count."""
    colour = [[math.log10(v) if v > 0 else None for v in row] for row in z]
    text = [[f"{v:,}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=colour,
            x=names,
            y=names,
            text=text,
            colorscale="Blues",
            hoverongaps=False,
            hovertemplate=hover,
            colorbar={
                "title": {"text": "log₁₀", "side": "top"},
                "thickness": 12,
            },
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(title={"text": consumer_axis}, tickangle=-45, type="category", showgrid=False)
    fig.update_yaxes(title={"text": provider_axis}, autorange="reversed", type="category", showgrid=False)
    return _layout(fig, max(420, 32 * len(names) + 180))


def scatter_chart(rows: pl.DataFrame, x_axis: str, y_axis: str, outlier_label: str, normal_label: str) -> go.Figure:
    """Investment against transactions, log-log (rows: label, investment, transactions, outlier bool)."""
    fig = go.Figure()
    for flag, name, colour in ((False, normal_label, NORMAL_COLOUR), (True, outlier_label, OUTLIER_COLOUR)):
        part = rows.filter(pl.col("outlier") == flag)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=part["investment"].to_list(),
                y=part["transactions"].to_list(),
                mode="markers",  # outliers are named in the findings and the cost chart: labels here collide
                customdata=part["label"].to_list(),
                name=name,
                marker={"color": colour, "size": 10 if flag else 8, "line": {"width": 1, "color": "white"}},
                hovertemplate="%{customdata}<br>%{x:,.0f} / %{y:,.0f}<extra></extra>",
            )
        )
    fig.update_xaxes(title={"text": x_axis}, type="log")
    fig.update_yaxes(title={"text": y_axis}, type="log")
    return _layout(fig, 420, legend={"orientation": "h", "y": -0.2})
