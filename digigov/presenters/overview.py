"""The overview page: headline cards, the national map, drafted findings, macro-region means and their tables.

Every number comes from digigov.analysis.overview; this module words, formats and localises them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import overview
from digigov.figures.bars import macro_region_bar
from digigov.figures.china_map import build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.findings import Finding, signed, texts
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters.overview_findings import HEADLINE_INDICATOR, overview_findings
from digigov.presenters.overview_user import MapMeasure, UserMap, catalog_measure, map_header, user_measure
from digigov.regions import load_gazetteer, region_name


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
    # What the map, ranking and macro-region means draw (the KPIs and findings are always the index's): its
    # indicator, frame and year (an analyst's own indicator: its nearest year) and the captions (user text).
    measure: MapMeasure
    map_header: str
    facts: tuple[Finding, ...] = ()  # the findings with the facts they were chosen by


def draft_findings(
    index: pl.DataFrame,
    year: int,
    lang: str,
    channels: pl.DataFrame | None = None,
    open_data: pl.DataFrame | None = None,
) -> list[str]:
    """The overview's sentences as text (channels and open_data add one each where their premise holds)."""
    return list(texts(overview_findings(index, year, lang, channels=channels, open_data=open_data)))


def ranking_table(frame: pl.DataFrame, year: int, indicator_id: str, lang: str) -> pl.DataFrame:
    """The map's table alternative: rank, region, adcode, macro-region, formatted value, rank change."""
    return measure_ranking_table(catalog_measure(frame, indicator_id, year), lang)


def measure_ranking_table(measure: MapMeasure, lang: str) -> pl.DataFrame:
    """ranking_table of what the map draws (an index column or the analyst's own indicator)."""
    indicator = measure.indicator
    gazetteer = load_gazetteer()
    ranks = overview.ranking(measure.frame, measure.year, measure.column)
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
    return measure_macro_table(catalog_measure(frame, indicator_id, year), lang)


def measure_macro_table(measure: MapMeasure, lang: str) -> pl.DataFrame:
    """macro_region_table of what the map draws."""
    indicator = measure.indicator
    means = overview.macro_region_means(measure.frame, measure.year, measure.column)
    return pl.DataFrame(
        {
            t("column.macro_region", lang): [t(f"macro.{m}", lang) for m in means["macro_region"]],
            t("column.mean", lang): [indicator.format(v, lang) for v in means["mean"]],
            t("column.provinces", lang): means["provinces"],
        }
    )


def headline_cards(index: pl.DataFrame, year: int, lang: str) -> tuple[Kpi, ...]:
    """Mean (with its change), highest, lowest, highest/lowest ratio and east-west gap of the composite index;
    no cards when no province has a value in year."""
    points = get_indicator(HEADLINE_INDICATOR)
    head = overview.headline(index, year, points.column)
    if head is None:
        return ()
    previous = overview.headline(index, year - 1, points.column)
    missing = t("value.missing", lang)
    return (
        Kpi(
            t("overview.kpi_mean", lang, provinces=head.provinces),
            points.format(head.national_mean, lang),
            delta=signed_points(head.national_mean - previous.national_mean, lang) if previous else None,
        ),
        Kpi(
            t("overview.kpi_top", lang, region=region_name(head.top_adcode, lang)), points.format(head.top_value, lang)
        ),
        Kpi(
            t("overview.kpi_bottom", lang, region=region_name(head.bottom_adcode, lang)),
            points.format(head.bottom_value, lang),
        ),
        Kpi(
            t("overview.kpi_ratio", lang), f"{head.max_min_ratio:.2f}" if math.isfinite(head.max_min_ratio) else missing
        ),
        Kpi(t("overview.kpi_east_west", lang), signed_points(head.east_west_gap, lang)),
    )


def signed_points(value: float, lang: str) -> str:
    """A difference of index points with its sign ('—' when it cannot be computed)."""
    points = get_indicator(HEADLINE_INDICATOR)
    if not math.isfinite(value):
        return t("value.missing", lang)
    return t("value.with_unit", lang, number=signed(value, points.decimals), unit=points.unit_label(lang))


def overview_view(
    index: pl.DataFrame,
    year: int,
    indicator_id: str,
    lang: str,
    *,
    channels: pl.DataFrame | None = None,
    open_data: pl.DataFrame | None = None,
    watermark: str | None = None,
    user: UserMap | None = None,
) -> OverviewView:
    """The page for one year and map indicator; channels and open_data add their headline sentences. With user
    (the analyst's own provincial indicator) the map, ranking and macro-region means draw it instead of
    indicator_id, unmarked (the analyst's numbers are no sample); the cards and findings stay the index's."""
    measure = user_measure(user, year, lang) if user is not None else catalog_measure(index, indicator_id, year)
    found = overview_findings(index, year, lang, channels=channels, open_data=open_data)
    values = overview.values_for_year(measure.frame, measure.year, measure.column)
    return OverviewView(
        kpis=headline_cards(index, year, lang),
        map=build_china_map(
            values,
            measure.indicator,
            lang,
            watermark=None if measure.user else watermark,
            geojson_base_url=BOUNDARY_URL,
        ),
        macro=macro_region_bar(
            overview.macro_region_means(measure.frame, measure.year, measure.column), measure.indicator, lang
        ),
        findings=texts(found),
        facts=tuple(found),
        tables=OverviewTables(
            ranking=measure_ranking_table(measure, lang),
            macro_regions=measure_macro_table(measure, lang),
        ),
        measure=measure,
        map_header=map_header(measure, lang),
    )
