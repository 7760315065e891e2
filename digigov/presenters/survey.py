"""What the two survey pages (channels, demand) show the same way: percentages, intervals, and the protected
choropleth of one share per unit (small samples outlined, suppressed cells greyed)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from digigov.analysis.proportions import flagged_units
from digigov.figures.china_map import build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import Level

NO_VALUE = "—"  # a number that is hidden or unknown


def percent(share: float | None, decimals: int = 1) -> float | None:
    """A share (fraction) in percent, rounded for a table cell; None stays None."""
    return None if share is None else round(share * 100, decimals)


def percent_text(share: float | None) -> str:
    """A share (fraction) as percent text with one decimal, "—" when hidden or unknown."""
    return NO_VALUE if share is None else f"{share * 100:.1f}"


def points_text(points: float | None) -> str:
    """A figure already in percent or percentage points, one decimal, "—" when hidden or unknown."""
    return NO_VALUE if points is None else f"{points:.1f}"


def interval_text(low: float | None, high: float | None) -> str:
    """A 95 % interval of a share as "low–high" in percent, "—" when either bound is missing."""
    return NO_VALUE if low is None or high is None else f"{low * 100:.1f}–{high * 100:.1f}"


def map_values(rows: pl.DataFrame, column: str) -> pl.DataFrame:
    """adcode, value: the column a map colours its units by."""
    return rows.select("adcode", pl.col(column).alias("value"))


def protected_map(
    rows: pl.DataFrame,
    column: str,
    indicator_id: str,
    legend_prefix: str,
    lang: str,
    *,
    min_n: int,
    k: int,
    level: Level = "province",
    within: str | None = None,
    watermark: str | None = None,
    height: int = 470,
) -> go.Figure:
    """The choropleth of ``column`` per unit, small samples outlined and suppressed units greyed, with the
    legends ``<legend_prefix>.small_sample_legend`` and ``<legend_prefix>.suppressed_legend``. The national map
    names its boundary files by URL (the browser caches them); a province's map (``within``) embeds its own."""
    small, hidden = flagged_units(rows)
    return build_china_map(
        map_values(rows, column),
        get_indicator(indicator_id),
        lang,
        level=level,
        within=within,
        watermark=watermark,
        height=height,
        geojson_base_url=BOUNDARY_URL,
        outlined=small,
        outlined_label=t(f"{legend_prefix}.small_sample_legend", lang, min_n=min_n),
        suppressed=hidden,
        suppressed_label=t(f"{legend_prefix}.suppressed_legend", lang, k=k),
    )
