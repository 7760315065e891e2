"""The overview page: headline cards, the national map, drafted findings, macro-region means and their tables.

Every number comes from digigov.analysis.overview; this module words, formats and localises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import overview
from digigov.figures.bars import macro_region_bar
from digigov.figures.china_map import build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import load_gazetteer, region_name

HEADLINE_INDICATOR = "dgi_index"  # the cards and findings speak of the composite index whatever the map shows


@dataclass(frozen=True)
class Kpi:
    """One headline card: label, formatted value and the formatted change against the previous year."""

    label: str
    value: str
    delta: str | None = None


@dataclass(frozen=True)
class OverviewTables:
    """The chart alternatives, each downloadable under its field name."""

    ranking: pl.DataFrame
    macro_regions: pl.DataFrame


@dataclass(frozen=True)
class OverviewView:
    kpis: tuple[Kpi, ...]
    map: go.Figure
    macro: go.Figure
    findings: tuple[str, ...]
    tables: OverviewTables


def _join(items: list[str], lang: str) -> str:
    return t("list.separator", lang).join(items)


def draft_findings(
    index: pl.DataFrame,
    year: int,
    lang: str,
    channels: pl.DataFrame | None = None,
    open_data: pl.DataFrame | None = None,
) -> list[str]:
    """Three to six plain sentences with their numbers, in lang (channels and open_data add one each)."""
    points = get_indicator(HEADLINE_INDICATOR)
    head = overview.headline(index, year)
    sentences = [
        t(
            "finding.top_bottom",
            lang,
            year=year,
            top=region_name(head.top_adcode, lang),
            top_value=points.format(head.top_value, lang),
            bottom=region_name(head.bottom_adcode, lang),
            bottom_value=points.format(head.bottom_value, lang),
            ratio=f"{head.max_min_ratio:.2f}",
        ),
        t("finding.east_west", lang, gap=points.format(head.east_west_gap, lang)),
    ]
    ranks = overview.ranking(index, year).join(overview.region_table(), on="adcode").sort("rank")
    west = ranks.filter(pl.col("macro_region") == "west")
    west_top = west.filter(pl.col("rank") <= 10)
    if west_top.height:
        listed = _join(
            [
                t("finding.rank_item", lang, region=region_name(r["adcode"], lang), rank=r["rank"])
                for r in west_top.iter_rows(named=True)
            ],
            lang,
        )
        west_last = west.row(-1, named=True)
        sentences.append(
            t(
                "finding.west_polarised",
                lang,
                listed=listed,
                last=region_name(west_last["adcode"], lang),
                last_rank=west_last["rank"],
            )
        )
    first_year = int(cast(int, index["year"].min()))
    if first_year < year:
        growers = overview.fastest_growers(index, first_year, year)
        listed = _join(
            [
                t("finding.growth_item", lang, region=region_name(r["adcode"], lang), growth=f"{r['growth'] * 100:.1f}")
                for r in growers.iter_rows(named=True)
            ],
            lang,
        )
        sentences.append(t("finding.fastest", lang, start=first_year, end=year, listed=listed))
    if channels is not None and channels.height and year in set(channels["year"].to_list()):
        spread = overview.city_offline_spread(channels, year)
        sentences.append(
            t(
                "finding.offline_spread",
                lang,
                spread=f"{spread.spread * 100:.1f}",
                high=region_name(spread.high_adcode, lang),
                high_share=f"{spread.high * 100:.1f}",
                low=region_name(spread.low_adcode, lang),
                low_share=f"{spread.low * 100:.1f}",
            )
        )
    if open_data is not None and open_data.height:
        data_year = min(year, int(cast(int, open_data["year"].max())))
        on_time = overview.open_data_on_time(open_data, data_year)
        sentences.append(t("finding.open_data", lang, year=data_year, late=f"{(1 - on_time) * 100:.1f}"))
    return sentences


def ranking_table(frame: pl.DataFrame, year: int, indicator_id: str, lang: str) -> pl.DataFrame:
    """The map's table alternative: rank, region, adcode, macro-region, formatted value, rank change."""
    indicator = get_indicator(indicator_id)
    gazetteer = load_gazetteer()
    ranks = overview.ranking(frame, year, indicator.column)
    return pl.DataFrame(
        {
            t("column.rank", lang): ranks["rank"],
            t("column.region", lang): [region_name(a, lang) for a in ranks["adcode"]],
            t("column.adcode", lang): ranks["adcode"],
            t("column.macro_region", lang): [t(f"macro.{gazetteer[a].macro_region}", lang) for a in ranks["adcode"]],
            indicator.name(lang): [indicator.format(v, lang) for v in ranks["value"]],
            t("column.rank_change", lang): ranks["rank_change"],
        }
    )


def macro_region_table(frame: pl.DataFrame, year: int, indicator_id: str, lang: str) -> pl.DataFrame:
    """The macro-region chart's table alternative: macro-region, formatted mean, provinces counted."""
    indicator = get_indicator(indicator_id)
    means = overview.macro_region_means(frame, year, indicator.column)
    return pl.DataFrame(
        {
            t("column.macro_region", lang): [t(f"macro.{m}", lang) for m in means["macro_region"]],
            t("column.mean", lang): [indicator.format(v, lang) for v in means["mean"]],
            t("column.provinces", lang): means["provinces"],
        }
    )


def headline_cards(index: pl.DataFrame, year: int, lang: str) -> tuple[Kpi, ...]:
    """Mean (with its change), highest, lowest, highest/lowest ratio and east-west gap of the composite index."""
    points = get_indicator(HEADLINE_INDICATOR)
    head = overview.headline(index, year, points.column)
    years = set(index["year"].unique().to_list())
    previous = overview.headline(index, year - 1, points.column) if year - 1 in years else None
    return (
        Kpi(
            t("overview.kpi_mean", lang),
            points.format(head.national_mean, lang),
            delta=points.format(head.national_mean - previous.national_mean, lang) if previous else None,
        ),
        Kpi(
            t("overview.kpi_top", lang, region=region_name(head.top_adcode, lang)), points.format(head.top_value, lang)
        ),
        Kpi(
            t("overview.kpi_bottom", lang, region=region_name(head.bottom_adcode, lang)),
            points.format(head.bottom_value, lang),
        ),
        Kpi(t("overview.kpi_ratio", lang), f"{head.max_min_ratio:.2f}"),
        Kpi(t("overview.kpi_east_west", lang), points.format(head.east_west_gap, lang)),
    )


def overview_view(
    index: pl.DataFrame,
    year: int,
    indicator_id: str,
    lang: str,
    *,
    channels: pl.DataFrame | None = None,
    open_data: pl.DataFrame | None = None,
    watermark: str | None = None,
) -> OverviewView:
    """The page for one year and map indicator; channels and open_data add their headline sentences."""
    indicator = get_indicator(indicator_id)
    return OverviewView(
        kpis=headline_cards(index, year, lang),
        map=build_china_map(
            overview.values_for_year(index, year, indicator.column),
            indicator,
            lang,
            watermark=watermark,
            geojson_base_url=BOUNDARY_URL,
        ),
        macro=macro_region_bar(overview.macro_region_means(index, year, indicator.column), indicator, lang),
        findings=tuple(draft_findings(index, year, lang, channels=channels, open_data=open_data)),
        tables=OverviewTables(
            ranking=ranking_table(index, year, indicator_id, lang),
            macro_regions=macro_region_table(index, year, indicator_id, lang),
        ),
    )
