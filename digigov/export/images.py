"""Server-side images of plotly figures (PNG, PDF, SVG) rendered by kaleido in the shared Chromium.

The first export starts Chromium (4-6 s on the 2-core machines; call warm_up() early to hide it); later
ones reuse it (about 0.5 s for a chart PNG, 1 s for the national map). Maps read plotly's world topojson
from static/topojson, so nothing is fetched from the network. sample=True (the built-in samples) adds the
diagonal 示例数据 / SAMPLE DATA watermark unless the figure has one (labels.mark_sample).
"""

from __future__ import annotations

from typing import Any, Literal

import plotly.graph_objects as go

from digigov.export.browser import (
    INSTALL_HINT,
    TOPOJSON_URL,
    ExportError,
    ExportTimeout,
    ExportUnavailable,
    chromium_available,
    run_in_browser,
    warm_up,
)
from digigov.export.labels import mark_sample
from digigov.export.pdf_text import fix_cjk_text

__all__ = [
    "INSTALL_HINT",
    "ExportError",
    "ExportTimeout",
    "ExportUnavailable",
    "chromium_available",
    "figure_to_pdf",
    "figure_to_png",
    "figure_to_svg",
    "render_figure",
    "warm_up",
]

Format = Literal["png", "pdf", "svg"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _size(fig: go.Figure, width: int | None, height: int | None) -> tuple[int, int]:
    layout = fig.layout
    return int(width or layout.width or 900), int(height or layout.height or 500)


def render_figure(
    fig: go.Figure | dict[str, Any],
    fmt: Format,
    width: int | None = None,
    height: int | None = None,
    scale: float = 1,
    timeout_s: float = 30,
    *,
    sample: bool = False,
) -> bytes:
    """fig as fmt at width x height CSS pixels (times scale for PNG); sample: with the sample watermark."""
    figure = fig if isinstance(fig, go.Figure) else go.Figure(fig)
    if sample:
        figure = mark_sample(figure)
    w, h = _size(figure, width, height)
    spec = figure.to_dict()
    opts = {"format": fmt, "width": w, "height": h, "scale": scale}

    async def job(k: Any) -> bytes:
        return await k.calc_fig(spec, opts=opts, topojson=TOPOJSON_URL)

    return run_in_browser(job, timeout_s)


def figure_to_png(
    fig: go.Figure,
    width: int | None = None,
    height: int | None = None,
    scale: float = 2,
    timeout_s: float = 30,
    *,
    sample: bool = False,
) -> bytes:
    """PNG at print resolution: width x height CSS pixels, times scale (2 by default)."""
    return render_figure(fig, "png", width, height, scale, timeout_s, sample=sample)


def figure_to_pdf(
    fig: go.Figure, width: int | None = None, height: int | None = None, timeout_s: float = 30, *, sample: bool = False
) -> bytes:
    """Vector PDF of the figure, one page of the figure's size; Chinese text copies as written (pdf_text)."""
    return fix_cjk_text(render_figure(fig, "pdf", width, height, 1, timeout_s, sample=sample))


def figure_to_svg(
    fig: go.Figure, width: int | None = None, height: int | None = None, timeout_s: float = 30, *, sample: bool = False
) -> bytes:
    """SVG (UTF-8 bytes); text stays text, set in the system's fonts (Noto CJK for Chinese)."""
    return render_figure(fig, "svg", width, height, 1, timeout_s, sample=sample)
