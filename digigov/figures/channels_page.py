"""Marks the channels page adds to its charts (used by digigov.presenters.channels only)."""

from __future__ import annotations

import html

import plotly.graph_objects as go


def mark_sample(fig: go.Figure, text: str) -> go.Figure:
    """The figure with a sample-data mark: a faint diagonal watermark and a small corner label, so a PNG of a
    chart built on sample data says so wherever it ends up."""
    fig.add_annotation(
        text=html.escape(text),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font={"size": 36, "color": "rgba(120,120,120,0.15)"},
        textangle=-20,
        name="sample_watermark",
    )
    fig.add_annotation(
        text=html.escape(text),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=1.0,
        y=1.0,
        xanchor="right",
        yanchor="bottom",
        font={"size": 10, "color": "#666666"},
        name="sample_label",
    )
    return fig
