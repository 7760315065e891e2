"""The index against another indicator: one point per region, the least-squares line, names on hover."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from digigov.figures.channels_page import mark_sample
from digigov.figures.regional import _layout
from digigov.indicators import Indicator


def covariate_scatter(
    points: pl.DataFrame,
    x_indicator: Indicator,
    y_indicator: Indicator,
    names: dict[str, str],
    lang: str,
    *,
    line: tuple[float, float] | None = None,
    watermark: str | None = None,
) -> go.Figure:
    """points: adcode, x (x_indicator, stored units), y (y_indicator); line: (slope, intercept) in stored units."""
    xs = [x_indicator.display_number(v) for v in points["x"]]
    ys = [y_indicator.display_number(v) for v in points["y"]]
    labels = [html.escape(names.get(a, a)) for a in points["adcode"]]
    hover = [
        [label, x_indicator.format(x, lang), y_indicator.format(y, lang)]
        for label, x, y in zip(labels, points["x"], points["y"], strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker={"color": "#0072B2", "size": 8, "opacity": 0.8},
            customdata=hover,
            hovertemplate="<b>%{customdata[0]}</b><br>"
            + html.escape(x_indicator.name(lang))
            + ": %{customdata[1]}<br>"
            + html.escape(y_indicator.name(lang))
            + ": %{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    if line is not None and points.height:
        slope, intercept = line
        lo, hi = float(points["x"].min()), float(points["x"].max())  # type: ignore[arg-type]
        fig.add_trace(
            go.Scatter(
                x=[x_indicator.display_number(lo), x_indicator.display_number(hi)],
                y=[
                    y_indicator.display_number(intercept + slope * lo),
                    y_indicator.display_number(intercept + slope * hi),
                ],
                mode="lines",
                line={"color": "#444", "dash": "dash"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig = _layout(
        fig,
        400,
        xaxis={"title": {"text": _axis(x_indicator, lang)}},
        yaxis={"title": {"text": _axis(y_indicator, lang)}},
    )
    return mark_sample(fig, watermark) if watermark else fig


def _axis(indicator: Indicator, lang: str) -> str:
    unit = indicator.unit_label(lang)
    name = html.escape(indicator.name(lang))
    return f"{name} ({html.escape(unit)})" if unit else name
