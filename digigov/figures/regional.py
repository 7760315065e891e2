"""Charts of the regional-gaps page: ranking, macro-region spread, trends, convergence, profiles."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from digigov.figures.bars import MACRO_COLOURS
from digigov.i18n import t
from digigov.indicators import Indicator
from digigov.regions import MACRO_REGIONS, load_gazetteer, region_name

FONT = {"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"}
UP, DOWN, SAME = "#1a9850", "#d73027", "#888888"
LISA_ORDER = ["high_high", "low_low", "high_low", "low_high", "not_significant"]
# Red/blue pairs with pale variants for outliers: distinguishable with the common colour-vision deficiencies.
LISA_COLOURS = {
    "high_high": "#b2182b",
    "low_low": "#2166ac",
    "high_low": "#f4a582",
    "low_high": "#92c5de",
    "not_significant": "#eeeeee",
}


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


def ranking_chart(ranks: pl.DataFrame, indicator: Indicator, lang: str, value: str = "value") -> go.Figure:
    """Horizontal bars, best at the top, with ▲/▼ and the rank change against the previous year."""
    ordered = ranks.sort("rank", descending=True)
    changes = ordered["rank_change"].to_list() if "rank_change" in ordered.columns else [None] * ordered.height
    labels, colours = [], []
    for adcode, rank, change in zip(ordered["adcode"], ordered["rank"], changes, strict=True):
        if change is None:
            mark, colour = "", SAME
        elif change > 0:
            mark, colour = f" ▲{change}", UP
        elif change < 0:
            mark, colour = f" ▼{-change}", DOWN
        else:
            mark, colour = " ＝", SAME
        labels.append(f"{rank}. {html.escape(region_name(adcode, lang))}{mark}")
        colours.append(colour)
    regions = [load_gazetteer()[a].macro_region for a in ordered["adcode"]]
    fig = go.Figure(
        go.Bar(
            x=[indicator.display_number(v) for v in ordered[value]],
            y=labels,
            orientation="h",
            marker_color=[MACRO_COLOURS.get(r, "#888888") for r in regions],
            text=[indicator.format(v, lang, with_unit=False) for v in ordered[value]],
            textposition="outside",
            hovertemplate="%{y}: %{text}<extra></extra>",
            cliponaxis=False,
        )
    )
    # Rank-change marks coloured on the axis labels: green up, red down.
    ticks = [f"<span style='color:{c}'>{label}</span>" for label, c in zip(labels, colours, strict=True)]
    fig.update_yaxes(tickfont={"size": 11}, tickvals=labels, ticktext=ticks)
    numbers = [n for v in ordered[value] if (n := indicator.display_number(v)) is not None]
    top, bottom = max(numbers, default=0), min(numbers, default=0)
    # From 0 for the usual non-negative values; an analyst's indicator may go below 0 (a fall): then plotly's range.
    span = [0, top * 1.15] if bottom >= 0 else None
    return _layout(
        fig,
        height=max(320, 18 * ordered.height + 60),
        xaxis={"title": {"text": html.escape(indicator.unit_label(lang))}, "range": span},
    )


def macro_strip(values: pl.DataFrame, indicator: Indicator, lang: str) -> go.Figure:
    """Box plus every province as a point, per macro-region (values: adcode, value)."""
    gazetteer = load_gazetteer()
    frame = values.drop_nulls("value")
    macro_of = {a: gazetteer[a].macro_region for a in frame["adcode"].unique().to_list() if a in gazetteer}
    frame = frame.with_columns(
        pl.col("adcode").replace_strict(macro_of, default=None, return_dtype=pl.String).alias("macro")
    )
    fig = go.Figure()
    for macro in MACRO_REGIONS:
        part = frame.filter(pl.col("macro") == macro)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Box(
                y=[indicator.display_number(v) for v in part["value"]],
                name=t(f"macro.{macro}", lang),
                boxpoints="all",
                jitter=0.35,
                pointpos=0,
                marker_color=MACRO_COLOURS[macro],
                line_width=1.2,
                text=[html.escape(region_name(a, lang)) for a in part["adcode"]],
                hovertemplate="%{text}: %{y:.1f}<extra></extra>",
                showlegend=False,
            )
        )
    return _layout(fig, 340, yaxis={"title": {"text": indicator.unit_label(lang)}})


def trend_chart(trend: pl.DataFrame, indicator: Indicator, lang: str) -> go.Figure:
    """Mean by macro-region over years (trend: year, macro_region, mean)."""
    fig = go.Figure()
    for macro in MACRO_REGIONS:
        part = trend.filter(pl.col("macro_region") == macro).sort("year")
        if part.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=[indicator.display_number(v) for v in part["mean"]],
                mode="lines+markers",
                name=t(f"macro.{macro}", lang),
                line={"color": MACRO_COLOURS[macro], "width": 2.5},
            )
        )
    return _layout(
        fig,
        320,
        yaxis={"title": {"text": indicator.unit_label(lang)}},
        xaxis={"dtick": 1},
        legend={"orientation": "h", "y": -0.15},
    )


def sigma_chart(sigma: pl.DataFrame, lang: str, measure: str = "cv") -> go.Figure:
    """Dispersion per year (sigma: year, cv [, gini, theil])."""
    fig = go.Figure()
    names = {"cv": t("regional.cv", lang), "gini": t("regional.gini", lang), "theil": t("regional.theil", lang)}
    for column in ("cv", "gini", "theil"):
        if column in sigma.columns:
            fig.add_trace(
                go.Scatter(
                    x=sigma["year"].to_list(), y=sigma[column].to_list(), mode="lines+markers", name=names[column]
                )
            )
    return _layout(fig, 300, xaxis={"dtick": 1}, legend={"orientation": "h", "y": -0.15})


def beta_chart(points: pl.DataFrame, slope: float, intercept: float, lang: str, label_top: int = 4) -> go.Figure:
    """Annualised growth against log initial level, with the fitted line; the fastest growers labelled."""
    gazetteer = load_gazetteer()
    x = points["log_initial"].to_list()
    y = [g * 100 for g in points["growth"].to_list()]
    fastest = set(points.sort("growth", descending=True)["adcode"].head(label_top).to_list())
    names = [html.escape(region_name(a, lang)) for a in points["adcode"]]  # escaped: plotly renders hover as HTML
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=[name if a in fastest else "" for a, name in zip(points["adcode"], names, strict=True)],
            textposition="top center",
            marker={
                "color": [MACRO_COLOURS.get(gazetteer[a].macro_region, "#888") for a in points["adcode"]],
                "size": 9,
            },
            customdata=names,
            hovertemplate="%{customdata}: %{y:.2f}%<extra></extra>",
            showlegend=False,
        )
    )
    if x:
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
        340,
        xaxis={"title": {"text": t("regional.beta_x", lang)}},
        yaxis={"title": {"text": t("regional.beta_y", lang)}},
    )


def profile_chart(profile: pl.DataFrame, lang: str) -> go.Figure:
    """Grouped bars: the chosen province, its macro-region mean and the national mean on each dimension
    (profile: dimension, label, province, macro, national)."""
    dims = profile["label"].to_list()
    fig = go.Figure()
    for column, key, colour in (
        ("province", "regional.profile_province", "#1f5fa6"),
        ("macro", "regional.profile_macro", "#e08214"),
        ("national", "regional.profile_national", "#999999"),
    ):
        fig.add_trace(
            go.Bar(
                x=dims,
                y=profile[column].to_list(),
                name=t(key, lang),
                marker_color=colour,
                hovertemplate="%{x}: %{y:.1f}<extra></extra>",
            )
        )
    return _layout(fig, 320, barmode="group", legend={"orientation": "h", "y": -0.15})


def theil_bar(between: float, within: float, lang: str) -> go.Figure:
    """Stacked bar: the share of total inequality between macro-regions and within them."""
    total = between + within
    fig = go.Figure()
    for value, key, colour in ((between, "regional.between", "#1f5fa6"), (within, "regional.within", "#9ecae1")):
        share = value / total * 100 if total else 0
        fig.add_trace(
            go.Bar(
                y=[t("regional.theil", lang)],
                x=[share],
                orientation="h",
                name=t(key, lang),
                marker_color=colour,
                text=[f"{share:.1f}%"],
                textposition="inside",
                hovertemplate=f"{t(key, lang)}: %{{x:.1f}}%<extra></extra>",
            )
        )
    return _layout(
        fig, 160, barmode="stack", xaxis={"range": [0, 100], "ticksuffix": "%"}, legend={"orientation": "h", "y": -0.4}
    )
