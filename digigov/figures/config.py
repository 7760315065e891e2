"""Plotly chart config shared by every chart: local topojson, print-resolution PNG from the toolbar."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# Streamlit serves ./static at /app/static (server.enableStaticServing); plotly's geo base layer fetches
# world_110m.json from here instead of its CDN, which this network cannot reach.
STATIC_URL = "/app/static"
TOPOJSON_URL = f"{STATIC_URL}/topojson/"
BOUNDARY_URL = f"{STATIC_URL}/boundaries"
PNG_SCALE = 3
# The toolbar keeps only what a reader needs: the camera (when allowed, below) and one reset view button per kind
# of chart (after a wheel zoom or drag). Zoom, pan, select and hover-mode buttons go: each is an English-only tab
# stop before the page's own controls, and mouse and wheel still zoom and pan (issue 18).
TOOLBAR_REMOVED = (
    "zoom2d",
    "pan2d",
    "select2d",
    "lasso2d",
    "zoomIn2d",
    "zoomOut2d",
    "autoScale2d",
    "hoverClosestCartesian",
    "hoverCompareCartesian",
    "toggleSpikelines",
    "zoomInGeo",
    "zoomOutGeo",
    "hoverClosestGeo",
    "zoomInMap",
    "zoomOutMap",
)


def export_filename(page: str, chart: str, day: dt.date | None = None) -> str:
    """page_chart_YYYYMMDD, safe as a file name."""
    day = day or dt.date.today()
    stem = re.sub(r"[^0-9A-Za-z_-]+", "-", f"{page}_{chart}").strip("-")
    return f"{stem}_{day:%Y%m%d}"


def chart_config(page: str, chart: str, *, unmarked_sample: bool = False) -> dict[str, Any]:
    """unmarked_sample: the figure shows sample data without a watermark on screen, so the toolbar's camera
    (a client-side PNG of what is on screen) is removed; the page's PNG button exports it watermarked."""
    remove = [*TOOLBAR_REMOVED, *(["toImage"] if unmarked_sample else [])]
    return {
        "topojsonURL": TOPOJSON_URL,
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "scale": PNG_SCALE, "filename": export_filename(page, chart)},
        "modeBarButtonsToRemove": remove,
    }
