"""Plotly chart config shared by every chart: local topojson, print-resolution PNG from the toolbar, the toolbar's
texts in the page language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from digigov.a11y import html_lang
from digigov.i18n import t

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


# The toolbar's texts (the kept buttons' tooltips and the notes they show) by the English text plotly.js looks up
# in the locale dictionary of config["locale"]. Streamlit's plotly.js registers no locale but en, so the dictionary
# goes in config["locales"], which plotly.js reads first (src/lib/localize.js). Streamlit's own Fullscreen button
# is added by its frontend with a fixed English title: no config reaches it.
TOOLBAR_TEXTS = {
    "Download plot as a PNG": "toolbar.download_png",
    "Download plot": "toolbar.download",
    "Preparing image - this may take a few seconds": "toolbar.preparing_image",
    "Image download succeeded": "toolbar.image_done",
    "Sorry, there was a problem downloading your image!": "toolbar.image_failed",
    "Reset axes": "toolbar.reset_axes",
    "Reset": "toolbar.reset",
    "Reset view": "toolbar.reset_view",
    "Double-click to zoom back out": "toolbar.zoom_back",
    "Double-click on legend to isolate one trace": "toolbar.legend_isolate",
}


def toolbar_locale(lang: str) -> dict[str, Any]:
    """The config entries that make plotly.js speak the page language in the toolbar."""
    tag = html_lang(lang)
    dictionary = {english: t(key, lang) for english, key in TOOLBAR_TEXTS.items()}
    return {"locale": tag, "locales": {tag: {"dictionary": dictionary}}}


def export_filename(page: str, chart: str, day: dt.date | None = None) -> str:
    """page_chart_YYYYMMDD, safe as a file name."""
    day = day or dt.date.today()
    stem = re.sub(r"[^0-9A-Za-z_-]+", "-", f"{page}_{chart}").strip("-")
    return f"{stem}_{day:%Y%m%d}"


def chart_config(page: str, chart: str, *, unmarked_sample: bool = False, lang: str | None = None) -> dict[str, Any]:
    """unmarked_sample: the figure shows sample data without a watermark on screen, so the toolbar's camera
    (a client-side PNG of what is on screen) is removed; the page's PNG button exports it watermarked. lang: the
    page language of the toolbar's texts (None: plotly's English)."""
    remove = [*TOOLBAR_REMOVED, *(["toImage"] if unmarked_sample else [])]
    return {
        "topojsonURL": TOPOJSON_URL,
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "scale": PNG_SCALE, "filename": export_filename(page, chart)},
        "modeBarButtonsToRemove": remove,
        **(toolbar_locale(lang) if lang else {}),
    }
