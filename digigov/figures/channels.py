"""Charts of the online-versus-offline page."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from digigov.analysis.proportions import visible_rows
from digigov.analysis.shares import SpreadResult
from digigov.codes import CHANNELS
from digigov.figures.bars import MACRO_COLOURS
from digigov.i18n import t

FONT = {"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"}
# Colour-blind-safe qualitative set (Okabe-Ito), counter in vermillion as the offline channel.
CHANNEL_COLOURS = {"web": "#0072B2", "mobile_app": "#56B4E9", "self_service_terminal": "#009E73", "counter": "#D55E00"}


def _layout(fig: go.Figure, height: int, **extra: object) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        **extra,
    )
    # automargin: long region names on the axis must push the plot in, not be cut off in exports.
    fig.update_xaxes(gridcolor="#eeeeee", automargin=True)
    fig.update_yaxes(gridcolor="#eeeeee", automargin=True)
    return fig


def distribution_chart(
    shares: pl.DataFrame, spread: SpreadResult, spread_pp: float | None, names: dict[str, str], lang: str
) -> go.Figure:
    """Histogram of unit shares (%), with P10/P90 lines and the highest and lowest unit annotated; spread_pp is
    max − min in percentage points as the findings state it (ChannelFindings.spread_pp)."""
    values = [v * 100 for v in visible_rows(shares)["offline_share"].drop_nulls()]
    fig = go.Figure(
        go.Histogram(
            x=values, nbinsx=30, marker_color="#9ecae1", showlegend=False, hovertemplate="%{x}: %{y}<extra></extra>"
        )
    )
    for key, value in (("channels.p10", spread.p10), ("channels.p90", spread.p90)):
        if value is not None:
            fig.add_vline(
                x=value * 100,
                line_dash="dot",
                line_color="#555",
                annotation_text=t(key, lang),
                annotation_position="top",
            )
    for unit, value, anchor in ((spread.max_id, spread.max_value, "right"), (spread.min_id, spread.min_value, "left")):
        if unit is not None and value is not None:
            label = f"{html.escape(names.get(unit, unit))}<br>{value * 100:.1f}%"
            fig.add_annotation(
                x=value * 100,
                y=0,
                yref="y",
                text=label,
                showarrow=True,
                arrowhead=2,
                ax=0,
                ay=-60,
                xanchor=anchor,
                font={"size": 11},
            )
    if spread_pp is not None:
        fig.add_annotation(
            xref="paper",
            yref="paper",
            x=0.5,
            y=1.08,
            showarrow=False,
            text=t("channels.spread_annotation", lang, spread=f"{spread_pp:.1f}"),
            font={"size": 12},
        )
    return _layout(
        fig,
        320,
        xaxis={"title": {"text": t("channels.share_axis", lang)}, "ticksuffix": "%"},
        yaxis={"title": {"text": t("channels.units_axis", lang)}},
        bargap=0.05,
    )


def mix_chart(mix: pl.DataFrame, lang: str) -> go.Figure:
    """Stacked horizontal bars of the four channels (mix: label, channel, share)."""
    labels = list(dict.fromkeys(mix["label"].to_list()))
    fig = go.Figure()
    for channel in CHANNELS:
        part = mix.filter(pl.col("channel") == channel)
        lookup = dict(zip(part["label"], part["share"], strict=True))
        values = [(lookup.get(label) or 0) * 100 for label in labels]
        fig.add_trace(
            go.Bar(
                y=[html.escape(label) for label in labels],
                x=values,
                orientation="h",
                name=t(f"channels.channel.{channel}", lang),
                marker_color=CHANNEL_COLOURS[channel],
                text=[f"{v:.0f}%" for v in values],
                textposition="inside",
                hovertemplate="%{y} · " + t(f"channels.channel.{channel}", lang) + ": %{x:.1f}%<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed")
    return _layout(
        fig,
        max(260, 34 * len(labels) + 90),
        barmode="stack",
        xaxis={"range": [0, 100], "ticksuffix": "%"},
        legend={"orientation": "h", "y": -0.15},
    )


def breakdown_chart(table: pl.DataFrame, lang: str) -> go.Figure:
    """Bars with 95% interval whiskers (table: group, share, low, high)."""
    shares = [v * 100 for v in table["share"]]
    fig = go.Figure(
        go.Bar(
            x=table["group"].to_list(),
            y=shares,
            marker_color="#D55E00",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [(h - s) * 100 for h, s in zip(table["high"], table["share"], strict=True)],
                "arrayminus": [(s - lo) * 100 for lo, s in zip(table["low"], table["share"], strict=True)],
            },
            text=[f"{v:.1f}%" for v in shares],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
    )
    return _layout(
        fig, 300, yaxis={"title": {"text": t("channels.share_axis", lang)}, "ticksuffix": "%", "rangemode": "tozero"}
    )


def trend_chart(trend: pl.DataFrame, lang: str) -> go.Figure:
    """Offline share by year for the nation and each macro-region (trend: scope, year, share, low, high)."""
    fig = go.Figure()
    colours = {t("channels.national", lang): "#222222"}
    colours.update({t(f"macro.{m}", lang): c for m, c in MACRO_COLOURS.items()})
    for scope in dict.fromkeys(trend["scope"].to_list()):
        part = trend.filter(pl.col("scope") == scope).sort("year")
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=[v * 100 for v in part["share"]],
                mode="lines+markers",
                name=scope,
                line={"color": colours.get(scope, "#888"), "width": 3 if scope == t("channels.national", lang) else 2},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [(h - s) * 100 for h, s in zip(part["high"], part["share"], strict=True)],
                    "arrayminus": [(s - lo) * 100 for lo, s in zip(part["low"], part["share"], strict=True)],
                    "thickness": 1,
                },
            )
        )
    return _layout(
        fig,
        320,
        xaxis={"dtick": 1},
        yaxis={"title": {"text": t("channels.share_axis", lang)}, "ticksuffix": "%"},
        legend={"orientation": "h", "y": -0.15},
    )


def relation_chart(
    points: pl.DataFrame, slope: float | None, intercept: float | None, names: dict[str, str], lang: str
) -> go.Figure:
    """Offline share against the development index, fitted line, outliers labelled."""
    x = points["index"].to_list()
    y = [v * 100 for v in points["value"]]
    labels = [
        html.escape(names.get(a, a)) if outlier else ""
        for a, outlier in zip(points["adcode"], points["outlier"], strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=labels,
            textposition="top center",
            textfont={"size": 10},
            marker={"color": ["#D55E00" if o else "#0072B2" for o in points["outlier"]], "size": 6, "opacity": 0.75},
            customdata=[html.escape(names.get(a, a)) for a in points["adcode"]],
            hovertemplate="%{customdata}: %{x:.1f} · %{y:.1f}%<extra></extra>",
            showlegend=False,
        )
    )
    if slope is not None and intercept is not None and x:
        lo, hi = min(x), max(x)
        fig.add_trace(
            go.Scatter(
                x=[lo, hi],
                y=[(intercept + slope * lo) * 100, (intercept + slope * hi) * 100],
                mode="lines",
                line={"color": "#444", "dash": "dash"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    return _layout(
        fig,
        360,
        xaxis={"title": {"text": t("channels.index_axis", lang)}},
        yaxis={"title": {"text": t("channels.share_axis", lang)}, "ticksuffix": "%"},
    )
