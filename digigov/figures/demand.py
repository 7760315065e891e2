"""Charts of the demand-matching page: the funnel against the national one, potential vs actual usage with the
parity line, the awareness / conversion split of the shortfall, and the reasons for not using online services.

Inputs are the page-level frames of digigov.presenters.demand (rates as fractions there are turned into %
here; gap frames are already in pp). Every text that reaches the figure is html-escaped.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
import polars as pl

from digigov.codes import REASONS
from digigov.i18n import t

FONT = {"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"}
# Orange / purple: the ends of ColorBrewer PuOr, told apart with every common colour-vision deficiency and in grey.
GAP_COLOURS = {"awareness": "#e08214", "conversion": "#5e3c99"}
NATIONAL_COLOUR = "#9e9e9e"
REGION_COLOUR = "#2166ac"
PARITY_COLOUR = "#555555"


LABEL_CHARS = 18
SEGMENT_LABEL_MIN = 0.12  # share of the longest bar a gap segment needs to carry its number


def _esc(text: object) -> str:
    return html.escape(str(text))


def _short(name: str, limit: int = LABEL_CHARS) -> str:
    """A label that fits beside a bar or a point (新疆生产建设兵团's English name does not); hovers keep it whole."""
    return _esc(name if len(name) <= limit else name[: limit - 1].rstrip() + "…")


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
    fig.update_xaxes(gridcolor="#eeeeee", zerolinecolor="#cccccc", automargin=True)
    fig.update_yaxes(gridcolor="#eeeeee", zerolinecolor="#cccccc", automargin=True)
    return fig


def _pct(values: list[float | None]) -> list[float | None]:
    return [None if v is None else v * 100 for v in values]


def funnel_chart(long: pl.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars per stage (need at the top), one series per scope (national first, then the region),
    with 95% Wilson intervals as error bars (long: stage_label, scope, rate, low, high)."""
    fig = go.Figure()
    scopes = list(dict.fromkeys(long["scope"].to_list()))
    stages = list(dict.fromkeys(long["stage_label"].to_list()))
    for i, scope in enumerate(scopes):
        part = long.filter(pl.col("scope") == scope)
        rate, low, high = _pct(part["rate"].to_list()), _pct(part["low"].to_list()), _pct(part["high"].to_list())
        fig.add_trace(
            go.Bar(
                y=[_esc(s) for s in part["stage_label"]],
                x=rate,
                orientation="h",
                name=_esc(scope),
                marker_color=NATIONAL_COLOUR if i == 0 else REGION_COLOUR,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "color": "#333333",
                    "thickness": 1,
                    "width": 3,
                    "array": [None if r is None or h is None else h - r for r, h in zip(rate, high, strict=True)],
                    "arrayminus": [
                        None if r is None or lo is None else r - lo for r, lo in zip(rate, low, strict=True)
                    ],
                },
                text=["" if r is None else f"{r:.1f}%" for r in rate],
                textposition="inside",
                insidetextanchor="start",
                textfont={"color": "#222222" if i == 0 else "white", "size": 11},
                customdata=[["—" if lo is None else f"{lo:.1f}–{h:.1f}"] for lo, h in zip(low, high, strict=True)],
                hovertemplate="%{y} · " + _esc(scope) + ": %{x:.1f}% (95% CI %{customdata[0]})<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[_esc(s) for s in reversed(stages)])
    return _layout(
        fig,
        330,
        barmode="group",
        bargap=0.25,
        xaxis={"title": {"text": _esc(t("demand.axis_rate", lang))}, "range": [0, 100]},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )


def scatter_chart(points: pl.DataFrame, lang: str) -> go.Figure:
    """Potential (x) against actual (y) usage in %, the parity line y = x, colour by the dominant gap, small
    samples as open markers, the regions flagged ``label`` named (points: presenters.demand.scatter_points)."""
    fig = go.Figure()
    potential = points["potential"].drop_nulls().to_list() or [0.0, 100.0]
    actual = points["actual"].drop_nulls().to_list() or [0.0, 100.0]
    # Each axis spans its own data, y reaching up to the parity line: an equal-aspect plot would squeeze the
    # potential rates (which vary little) into a thin column.
    x_range = [max(0.0, min(potential) - 2), min(100.0, max(potential) + 2)]
    y_range = [max(0.0, min(actual) - 11), min(100.0, max(max(potential), max(actual)) + 3)]
    fig.add_trace(
        go.Scatter(
            x=x_range,
            y=x_range,
            mode="lines",
            line={"color": PARITY_COLOUR, "dash": "dash", "width": 1.2},
            name=_esc(t("demand.parity", lang)),
            hoverinfo="skip",
        )
    )
    for gap in ("awareness", "conversion"):
        part = points.filter(pl.col("dominant_gap") == gap)
        if part.is_empty():
            continue
        small = part["small_sample"].to_list()
        fig.add_trace(
            go.Scatter(
                x=part["potential"].to_list(),
                y=part["actual"].to_list(),
                mode="markers",
                name=_esc(t(f"demand.dominant_{gap}", lang)),
                marker={
                    "color": GAP_COLOURS[gap],
                    "size": 9,
                    "line": {"color": GAP_COLOURS[gap], "width": 1.5},
                    "symbol": ["circle-open" if s else "circle" for s in small],
                },
                customdata=[[_esc(n), f"{s:.1f}"] for n, s in zip(part["name"], part["shortfall"], strict=True)],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>"
                    + _esc(t("demand.axis_potential", lang))
                    + ": %{x:.1f}<br>"
                    + _esc(t("demand.axis_actual", lang))
                    + ": %{y:.1f}<br>"
                    + _esc(t("demand.hover_shortfall", lang))
                    + ": %{customdata[1]} "
                    + _esc(t("unit.pp", lang))
                    + "<extra></extra>"
                ),
            )
        )
    for annotation in _labels(points, x_range, y_range):
        fig.add_annotation(annotation)
    return _layout(
        fig,
        440,
        xaxis={"title": {"text": _esc(t("demand.axis_potential", lang))}, "range": x_range},
        yaxis={"title": {"text": _esc(t("demand.axis_actual", lang))}, "range": y_range},
        legend={"orientation": "h", "y": -0.18, "x": 0},
    )


def _labels(points: pl.DataFrame, x_range: list[float], y_range: list[float]) -> list[dict]:
    """Names of the labelled points, each on a short leader line pointing away from the centre of the cloud;
    neighbours in shortfall order are turned apart and drawn at two distances, since the largest shortfalls
    tend to sit next to each other at the bottom of the cloud."""
    shown = points.drop_nulls(["potential", "actual"])
    if shown.is_empty():
        return []
    width, height = x_range[1] - x_range[0] or 1.0, y_range[1] - y_range[0] or 1.0
    cx, cy = shown["potential"].mean(), shown["actual"].mean()
    annotations = []
    labelled = shown.filter(pl.col("label")).sort("shortfall", descending=True)
    for i, row in enumerate(labelled.iter_rows(named=True)):
        dx, dy = (row["potential"] - cx) / width, (row["actual"] - cy) / height
        angle = math.atan2(dy, dx) if dx or dy else -math.pi / 2
        angle += math.radians(28) * (1 if i % 2 else -1)
        length = (34, 54, 74)[i % 3]
        ax, ay = length * math.cos(angle), -length * math.sin(angle)  # screen y points down
        position = (row["potential"] - x_range[0]) / width
        if (ax > 0 and position > 0.8) or (ax < 0 and position < 0.2):
            ax = -ax  # keep names near the left or right edge inside the figure
        annotations.append(
            {
                "x": row["potential"],
                "y": row["actual"],
                "text": _short(row["label_name"], 12),
                "ax": ax,
                "ay": ay,
                "showarrow": True,
                "arrowhead": 0,
                "arrowwidth": 1,
                "arrowcolor": "#777777",
                "font": {"size": 11, "color": "#222222"},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    return annotations


def gap_chart(bars: pl.DataFrame, lang: str) -> go.Figure:
    """Stacked horizontal bars, awareness then conversion gap (pp), largest shortfall at the top, the total at
    the end of each bar (bars: presenters.demand.gap_bars)."""
    ordered = bars.reverse()  # plotly draws the first category at the bottom
    names = [_short(n) for n in ordered["name"]]
    top = max(ordered["shortfall"].to_list() or [0.0])
    fig = go.Figure()
    for gap in ("awareness", "conversion"):
        fig.add_trace(
            go.Bar(
                y=names,
                x=ordered[gap].to_list(),
                orientation="h",
                name=_esc(t(f"demand.gap.{gap}", lang)),
                marker_color=GAP_COLOURS[gap],
                textposition="inside",
                # a segment too narrow for its number stays blank (the table and the hover have it)
                text=[f"{v:.1f}" if v >= SEGMENT_LABEL_MIN * top else "" for v in ordered[gap]],
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": "white", "size": 10},
                customdata=[_esc(n) for n in ordered["name"]],
                hovertemplate="%{customdata} · "
                + _esc(t(f"demand.gap.{gap}", lang))
                + ": %{x:.1f} "
                + _esc(t("unit.pp", lang))
                + "<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            y=names,
            x=ordered["shortfall"].to_list(),
            mode="text",
            text=[f"{v:.1f}" for v in ordered["shortfall"]],
            textposition="middle right",
            textfont={"size": 11, "color": "#333333"},
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    return _layout(
        fig,
        max(320, 24 * ordered.height + 90),
        barmode="stack",
        xaxis={"title": {"text": _esc(t("demand.axis_pp", lang))}, "range": [0, top * 1.12 + 1]},
        yaxis={"tickfont": {"size": 11}},
        legend={"orientation": "h", "y": -0.12, "x": 0, "traceorder": "normal"},
    )


def reasons_chart(shares: pl.DataFrame, scope_labels: dict[str, str], lang: str) -> go.Figure:
    """Share of non-users giving each reason, national and region side by side; the awareness reason is
    marked by its colour on the axis (shares: reason, scope, share, share_low, share_high). The 95% Wilson
    interval is in the hover and in the table (error bars would sit on the value labels)."""
    labels = {r: _esc(t(f"demand.reason.{r}", lang)) for r in REASONS}
    ticks = {
        r: f"<span style='color:{GAP_COLOURS['awareness' if r == 'unaware' else 'conversion']}'>{labels[r]}</span>"
        for r in REASONS
    }
    fig = go.Figure()
    for scope, colour in (("national", NATIONAL_COLOUR), ("region", REGION_COLOUR)):
        part = {r["reason"]: r for r in shares.filter(pl.col("scope") == scope).iter_rows(named=True)}
        if not part:
            continue
        rows = [part.get(r) for r in REASONS]
        share = [None if r is None or r["share"] is None else r["share"] * 100 for r in rows]
        fig.add_trace(
            go.Bar(
                y=[labels[r] for r in REASONS],
                x=share,
                orientation="h",
                name=_esc(scope_labels[scope]),
                marker_color=colour,
                text=["" if s is None else f"{s:.1f}%" for s in share],
                textposition="outside",
                cliponaxis=False,
                customdata=[
                    "—"
                    if r is None or r["share_low"] is None
                    else f"{r['share_low'] * 100:.1f}–{r['share_high'] * 100:.1f}"
                    for r in rows
                ],
                hovertemplate="%{y} · "
                + _esc(scope_labels[scope])
                + ": %{x:.1f}% (95% CI %{customdata})<extra></extra>",
            )
        )
    order = [labels[r] for r in reversed(REASONS)]
    fig.update_yaxes(
        categoryorder="array", categoryarray=order, tickvals=order, ticktext=[ticks[r] for r in reversed(REASONS)]
    )
    top = max([s for s in shares["share"].to_list() if s is not None] or [0.0]) * 100
    x_range = [0, min(100.0, top * 1.15 + 2)]
    return _layout(
        fig,
        360,
        barmode="group",
        bargap=0.25,
        xaxis={"title": {"text": _esc(t("demand.axis_share", lang))}, "range": x_range},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
