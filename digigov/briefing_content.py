"""What a briefing can hold: the maps and charts of the analysis pages, rebuilt with the briefing's filters
and with their boundaries embedded (the renderer cannot fetch from the app)."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import channels_page, overview, regional
from digigov.datasets import load_builtin
from digigov.export.briefing import BriefingSection
from digigov.figures import channels as channel_figures
from digigov.figures import regional as regional_figures
from digigov.figures.bars import macro_region_bar
from digigov.figures.china_map import build_category_map, build_china_map
from digigov.i18n import t
from digigov.indicators import get_indicator

MAPS: tuple[str, ...] = ("index_map", "lisa_map", "offline_map")
CHARTS: tuple[str, ...] = ("ranking", "macro", "trend", "sigma", "beta", "channel_mix", "offline_entity")
MAX_CHARTS = 4


def _index() -> pl.DataFrame:
    return load_builtin("province_index")


def _index_map(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    indicator = get_indicator(indicator_id)
    return build_china_map(overview.values_for_year(_index(), year, indicator.column), indicator, lang)


def _lisa_map(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    clusters = regional.clustering(_index(), year, get_indicator(indicator_id).column)
    labels = {c: t(f"regional.lisa.{c}", lang) for c in regional_figures.LISA_ORDER}
    return build_category_map(
        clusters.lisa.select("adcode", "category"),
        regional_figures.LISA_ORDER,
        regional_figures.LISA_COLOURS,
        labels,
        lang,
    )


def _channel_selection(year: int, filters: dict) -> channels_page.Selection:
    """The channels page's current selection when the user has been there, else all entities in year."""
    remembered = filters.get("channels", {}).get("selection")
    if isinstance(remembered, channels_page.Selection):
        return remembered
    channels = load_builtin("city_channels")
    years = sorted(channels["year"].unique().to_list())
    return channels_page.Selection(year=year if year in years else years[-1])


def _offline_map(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    sel = _channel_selection(year, filters)
    shares = channels_page.unit_shares(load_builtin("city_channels"), sel)
    small, hidden = channels_page.flagged_units(shares)
    return build_china_map(
        channels_page.map_values(shares),
        get_indicator("offline_pref_share"),
        lang,
        level="prefecture",
        outlined=small,
        outlined_label=t("channels.small_sample_legend", lang, min_n=sel.min_n),
        suppressed=hidden,
        suppressed_label=t("channels.suppressed_legend", lang, k=sel.k),
    )


def _ranking(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    # Thirty-one bars are unreadable in a quarter page: the briefing shows the top ten.
    indicator = get_indicator(indicator_id)
    top = overview.ranking(_index(), year, indicator.column).head(10)
    return regional_figures.ranking_chart(top, indicator, lang)


def _macro(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    indicator = get_indicator(indicator_id)
    return macro_region_bar(overview.macro_region_means(_index(), year, indicator.column), indicator, lang)


def _trend(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    indicator = get_indicator(indicator_id)
    return regional_figures.trend_chart(regional.macro_trend(_index(), indicator.column), indicator, lang)


def _sigma(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    return regional_figures.sigma_chart(regional.sigma_table(_index(), get_indicator(indicator_id).column), lang)


def _beta(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    beta = regional.beta_result(_index(), get_indicator(indicator_id).column)
    return regional_figures.beta_chart(beta.points, beta.beta, beta.intercept, lang)


def _channel_mix(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    sel = _channel_selection(year, filters)
    frame = load_builtin("city_channels")
    shares = channels_page.unit_shares(frame, sel)
    mix = channels_page.mix_frame(
        shares, channels_page.national(frame, sel), channels_page.default_mix_regions(shares, sel, n=2), lang
    )
    return channel_figures.mix_chart(mix, lang)


def _offline_entity(year: int, indicator_id: str, lang: str, filters: dict) -> go.Figure:
    sel = _channel_selection(year, filters)
    return channel_figures.breakdown_chart(
        channels_page.breakdown_table(load_builtin("city_channels"), sel, "entity_type", lang), lang
    )


BUILDERS: dict[str, Callable[[int, str, str, dict], go.Figure]] = {
    "index_map": _index_map,
    "lisa_map": _lisa_map,
    "offline_map": _offline_map,
    "ranking": _ranking,
    "macro": _macro,
    "trend": _trend,
    "sigma": _sigma,
    "beta": _beta,
    "channel_mix": _channel_mix,
    "offline_entity": _offline_entity,
}


# The page whose filters a section follows.
SOURCE_PAGE = {
    "index_map": "overview",
    "lisa_map": "regional",
    "offline_map": "channels",
    "ranking": "regional",
    "macro": "overview",
    "trend": "regional",
    "sigma": "regional",
    "beta": "regional",
    "channel_mix": "channels",
    "offline_entity": "channels",
}


def effective_filters(choice: str, year: int, indicator_id: str, page_filters: dict[str, dict]) -> tuple[int, str]:
    """(year, indicator) for a section: its page's current filters when the user has visited it."""
    remembered = page_filters.get(SOURCE_PAGE[choice], {})
    if "selection" in remembered:
        return remembered["selection"].year, indicator_id
    return remembered.get("year", year), remembered.get("indicator_id", indicator_id)


def heading(choice: str, year: int, indicator_id: str, lang: str) -> str:
    return t(f"briefing.section.{choice}", lang, year=year, indicator=get_indicator(indicator_id).name(lang))


def caption(choice: str, page_filters: dict[str, dict], lang: str) -> str:
    page = SOURCE_PAGE[choice]
    if page not in page_filters:
        return ""
    return t("briefing.filters_from", lang, page=t(f"nav.{page}", lang))


def sections(
    map_choice: str | None,
    charts: list[str],
    year: int,
    indicator_id: str,
    lang: str,
    page_filters: dict[str, dict] | None = None,
) -> list[BriefingSection]:
    """The map (if any) first, then up to MAX_CHARTS charts, in the order chosen. Each section follows its
    page's current filters (page_filters, as the pages remembered them), else year and indicator_id."""
    page_filters = page_filters or {}
    chosen = ([map_choice] if map_choice else []) + list(charts)[:MAX_CHARTS]
    out = []
    for c in chosen:
        y, ind = effective_filters(c, year, indicator_id, page_filters)
        out.append(
            BriefingSection(
                heading(c, y, ind, lang), BUILDERS[c](y, ind, lang, page_filters), caption(c, page_filters, lang)
            )
        )
    return out


def default_findings(year: int, lang: str) -> list[str]:
    return overview.draft_findings(
        _index(), year, lang, channels=load_builtin("city_channels"), open_data=load_builtin("open_data")
    )[:5]


def default_scope(year: int, lang: str) -> str:
    return t("briefing.default_scope", lang, year=year)
