"""The briefing page: what a briefing can hold (the maps and charts of the analysis pages, rebuilt with the
filters each page last had and with their boundaries embedded, since the renderer cannot fetch from the app),
the form's drafted defaults, and the briefing document itself."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast, get_args

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import open_data, overview, regional
from digigov.analysis.proportions import flagged_units
from digigov.datasets import load_builtin
from digigov.export.briefing import Briefing, BriefingSection
from digigov.figures import channels as channel_figures
from digigov.figures import regional as regional_figures
from digigov.figures import sharing as sharing_figures
from digigov.figures.bars import macro_region_bar
from digigov.figures.china_map import build_china_map, with_inline_geojson
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters import channels as channels_presenter
from digigov.presenters import data_sharing as sharing_presenter
from digigov.presenters import regional as regional_presenter
from digigov.presenters.overview import draft_findings
from digigov.presenters.survey import map_values
from digigov.regions import region_label
from digigov.sources import BUILTIN, load_source

INDICATORS: tuple[str, ...] = ("dgi_index", "dgi_organisation", "dgi_institutions", "dgi_capacity", "dgi_effect")
MAPS: tuple[str, ...] = ("index_map", "lisa_map", "offline_map", "freshness_map")
CHARTS: tuple[str, ...] = (
    "ranking",
    "macro",
    "trend",
    "sigma",
    "beta",
    "channel_mix",
    "offline_entity",
    "freshness_ranking",
)
DEFAULT_CHARTS: tuple[str, ...] = ("ranking", "macro", "trend", "channel_mix")
MAX_CHARTS = 4
MAX_FINDINGS = 5
RANKING_TOP = 10  # thirty-one bars are unreadable in a quarter page
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$:=])")  # digigov.text.escape_markdown, undone
MIX_REGIONS_EACH_END = 2  # the channel mix shows the nation and the two highest and two lowest cities
# The data sharing page's open-data freshness (digigov.presenters.data_sharing) on a catalogue: its map, or its
# ranking cut to the five highest and five lowest regions; each carries the page's first findings under it.
SHARING_SECTIONS: frozenset[str] = frozenset({"freshness_map", "freshness_ranking"})
FRESHNESS_EACH_END = 5
SECTION_FINDINGS = 2

# What each page remembered of its filters (components.briefing_filters): page -> filter name -> value.
PageFilters = Mapping[str, Mapping[str, object]]


def _index() -> pl.DataFrame:
    return load_builtin("province_index")


def _index_map(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    indicator = get_indicator(indicator_id)
    return build_china_map(overview.values_for_year(_index(), year, indicator.column), indicator, lang)


def _lisa_map(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    clusters = regional_presenter.clustering(_index(), year, get_indicator(indicator_id).column)
    if clusters is None:  # the built-in index always has enough provinces
        raise ValueError(f"too few provinces in {year} for the LISA map")
    return regional_presenter.lisa_map(clusters, lang)


def _channel_selection(year: int, filters: PageFilters) -> channels_presenter.Selection:
    """The channels page's current selection when the user has been there, else all entities in year."""
    remembered = filters.get("channels", {}).get("selection")
    if isinstance(remembered, channels_presenter.Selection):
        return remembered
    channels = load_builtin("city_channels")
    years = sorted(channels["year"].unique().to_list())
    return channels_presenter.Selection(year=year if year in years else years[-1])


def _offline_map(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    selection = _channel_selection(year, filters)
    shares = channels_presenter.unit_shares(load_builtin("city_channels"), selection)
    small, hidden = flagged_units(shares)
    return build_china_map(
        map_values(shares, "offline_share"),
        get_indicator("offline_pref_share"),
        lang,
        level=selection.level,
        outlined=small,
        outlined_label=t("channels.small_sample_legend", lang, min_n=selection.min_n),
        suppressed=hidden,
        suppressed_label=t("channels.suppressed_legend", lang, k=selection.k),
    )


def _ranking(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    indicator = get_indicator(indicator_id)
    top = overview.ranking(_index(), year, indicator.column).head(RANKING_TOP)
    return regional_figures.ranking_chart(top, indicator, lang)


def _macro(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    indicator = get_indicator(indicator_id)
    return macro_region_bar(overview.macro_region_means(_index(), year, indicator.column), indicator, lang)


def _trend(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    indicator = get_indicator(indicator_id)
    return regional_figures.trend_chart(regional.macro_trend(_index(), indicator.column), indicator, lang)


def _sigma(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    sigma = regional_presenter.sigma_table(_index(), get_indicator(indicator_id).column)
    if sigma is None:  # the built-in index always spans several years
        raise ValueError("too few years for the sigma-convergence chart")
    return regional_figures.sigma_chart(sigma, lang)


def _beta(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    beta = regional_presenter.beta_result(_index(), get_indicator(indicator_id).column)
    if beta is None:  # the built-in index always spans several years
        raise ValueError("too few years or provinces for the beta-convergence chart")
    return regional_figures.beta_chart(beta.points, beta.beta, beta.intercept, lang)


def _channel_mix(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    selection = _channel_selection(year, filters)
    frame = load_builtin("city_channels")
    shares = channels_presenter.unit_shares(frame, selection)
    regions = channels_presenter.default_mix_regions(shares, selection, n=MIX_REGIONS_EACH_END)
    mix = channels_presenter.mix_frame(shares, channels_presenter.national_shares(frame, selection), regions, lang)
    return channel_figures.mix_chart(mix, lang)


def _offline_entity(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
    selection = _channel_selection(year, filters)
    breakdown = channels_presenter.breakdown_table(load_builtin("city_channels"), selection, "entity_type", lang)
    return channel_figures.breakdown_chart(breakdown, lang)


# ------------------------------------------------------------------------------------ open-data freshness
@dataclass(frozen=True)
class FreshnessChoice:
    """What the freshness sections are drawn for: the reference date and the level (province or prefecture)."""

    reference: dt.date
    level: sharing_presenter.Level


def freshness_choice(page_filters: PageFilters) -> FreshnessChoice:
    """The data sharing page's reference date and level when it remembered them, else the sample catalogue's
    listing date at province level."""
    remembered = page_filters.get(sharing_presenter.PAGE, {})
    reference = remembered.get("reference")
    level = remembered.get("level")
    return FreshnessChoice(
        reference=reference if isinstance(reference, dt.date) else sharing_presenter.SAMPLE_REFERENCE,
        level=cast("sharing_presenter.Level", level) if level in get_args(sharing_presenter.Level) else "province",
    )


def freshness_level(data: pl.DataFrame, level: sharing_presenter.Level) -> sharing_presenter.Level:
    """level when the (prepared) catalogue has it, else province, as the page falls back."""
    return level if level in sharing_presenter.freshness_levels(data) else "province"


def _sample_catalogue() -> pl.DataFrame:
    return load_source("open_data_catalogue", BUILTIN)


def freshness_ranking_rows(
    catalogue: pl.DataFrame, reference: dt.date, level: sharing_presenter.Level, lang: str
) -> tuple[pl.DataFrame, float | None]:
    """(label, value, text rows: the FRESHNESS_EACH_END regions most and least often on schedule, highest
    first; all of them when there are no more than twice that; the pooled share for the reference line)."""
    data = sharing_presenter.prepare_catalogue(catalogue)
    level = freshness_level(data, level)
    fresh = open_data.dataset_freshness(data, reference)
    regions = open_data.region_freshness(fresh, level)
    ranked = regions.drop_nulls("on_schedule_share").sort(["on_schedule_share", "adcode"], descending=[True, False])
    if ranked.height > 2 * FRESHNESS_EACH_END:
        ranked = pl.concat([ranked.head(FRESHNESS_EACH_END), ranked.tail(FRESHNESS_EACH_END)])
    rows = pl.DataFrame(
        {
            "label": [region_label(a, lang) for a in ranked["adcode"]],
            "value": ranked["on_schedule_share"],
            "text": [sharing_presenter.percent(v) for v in ranked["on_schedule_share"]],
        },
        schema={"label": pl.String, "value": pl.Float64, "text": pl.String},
    )
    return rows, open_data.totals(fresh).on_schedule_share


def freshness_figure(
    choice: str,
    catalogue: pl.DataFrame,
    reference: dt.date,
    level: sharing_presenter.Level,
    lang: str,
    watermark: str | None = None,
) -> go.Figure | None:
    """The freshness map or the cut ranking; None when no region has a dataset with a schedule."""
    if choice == "freshness_map":
        view = sharing_presenter.present_freshness(catalogue, reference, level, lang, watermark=watermark)
        # The page's map names its boundary files by URL; the renderer cannot fetch from the app.
        return None if view.regions_table.is_empty() else with_inline_geojson(view.map)
    rows, pooled = freshness_ranking_rows(catalogue, reference, level, lang)
    if rows.is_empty():
        return None
    return sharing_figures.ranking_chart(rows, t("sharing.axis_on_schedule", lang), reference=pooled)


def freshness_findings(
    catalogue: pl.DataFrame,
    reference: dt.date,
    level: sharing_presenter.Level,
    lang: str,
    start: int = 0,
    stop: int | None = SECTION_FINDINGS,
) -> tuple[str, ...]:
    """The page's freshness findings [start:stop] (a section carries the first SECTION_FINDINGS), as plain
    text: the page escapes the names in them for Markdown, the briefing escapes all its text for HTML."""
    data = sharing_presenter.prepare_catalogue(catalogue)
    level = freshness_level(data, level)
    fresh = open_data.dataset_freshness(data, reference)
    regions = open_data.region_freshness(fresh, level)
    found = sharing_presenter.freshness_findings(fresh, regions, reference, level, lang)
    return tuple(_MARKDOWN_ESCAPE.sub(r"\1", f.text) for f in found[start:stop])


def freshness_heading(choice: str, reference: dt.date, level: str, lang: str) -> str:
    return t(
        f"briefing.section.{choice}",
        lang,
        reference=reference.isoformat(),
        level=t(f"briefing.freshness_level.{level}", lang),
    )


def freshness_caption(reference: dt.date, lang: str, *, sample: bool) -> str:
    key = "briefing.freshness_sample_caption" if sample else "briefing.freshness_caption"
    return t(key, lang, reference=reference.isoformat())


def freshness_section(
    choice: str,
    catalogue: pl.DataFrame,
    reference: dt.date,
    level: sharing_presenter.Level,
    lang: str,
    *,
    sample: bool,
    watermark: str | None = None,
    caption_prefix: str = "",
    with_findings: bool = True,
) -> BriefingSection | None:
    """A freshness section: heading, figure, the sample label or reference date as caption, and findings
    (with_findings False for the second freshness section of a briefing: the first one carries them)."""
    level = freshness_level(sharing_presenter.prepare_catalogue(catalogue), level)
    figure = freshness_figure(choice, catalogue, reference, level, lang, watermark)
    if figure is None:
        return None
    caption_text = freshness_caption(reference, lang, sample=sample)
    return BriefingSection(
        freshness_heading(choice, reference, level, lang),
        figure,
        f"{caption_prefix} · {caption_text}" if caption_prefix else caption_text,
        freshness_findings(catalogue, reference, level, lang) if with_findings else (),
    )


def _freshness_builder(choice: str) -> Callable[[int, str, str, PageFilters], go.Figure]:
    def build(year: int, indicator_id: str, lang: str, filters: PageFilters) -> go.Figure:
        chosen = freshness_choice(filters)
        figure = freshness_figure(choice, _sample_catalogue(), chosen.reference, chosen.level, lang)
        if figure is None:  # the sample catalogue always has scheduled datasets
            raise ValueError(f"no scheduled datasets for {choice} on {chosen.reference}")
        return figure

    return build


BUILDERS: dict[str, Callable[[int, str, str, PageFilters], go.Figure]] = {
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
    "freshness_map": _freshness_builder("freshness_map"),
    "freshness_ranking": _freshness_builder("freshness_ranking"),
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
    "freshness_map": sharing_presenter.PAGE,
    "freshness_ranking": sharing_presenter.PAGE,
}


def effective_filters(choice: str, year: int, indicator_id: str, page_filters: PageFilters) -> tuple[int, str]:
    """(year, indicator) for a section: its page's current filters when the user has visited it."""
    remembered = page_filters.get(SOURCE_PAGE[choice], {})
    selection = remembered.get("selection")
    if selection is not None:
        return int(getattr(selection, "year", year)), indicator_id
    remembered_year = cast("int | str", remembered.get("year", year))  # a page stores its year as an int
    return int(remembered_year), str(remembered.get("indicator_id", indicator_id))


def heading(choice: str, year: int, indicator_id: str, lang: str, page_filters: PageFilters | None = None) -> str:
    if choice in SHARING_SECTIONS:
        chosen = freshness_choice(page_filters or {})
        return freshness_heading(choice, chosen.reference, chosen.level, lang)
    return t(f"briefing.section.{choice}", lang, year=year, indicator=get_indicator(indicator_id).name(lang))


def caption(choice: str, page_filters: PageFilters, lang: str) -> str:
    """Says whose filters a section follows; empty while it follows the briefing's own year and indicator."""
    page = SOURCE_PAGE[choice]
    if page not in page_filters:
        return ""
    return t("briefing.filters_from", lang, page=t(f"nav.{page}", lang))


def sections(
    map_choice: str | None,
    charts: Sequence[str],
    year: int,
    indicator_id: str,
    lang: str,
    page_filters: PageFilters | None = None,
) -> list[BriefingSection]:
    """The map (if any) first, then up to MAX_CHARTS charts, in the order chosen. Each section follows its
    page's current filters (page_filters, as the pages remembered them), else year and indicator_id."""
    page_filters = page_filters or {}
    chosen = ([map_choice] if map_choice else []) + list(charts)[:MAX_CHARTS]
    out: list[BriefingSection] = []
    for choice in chosen:
        if choice in SHARING_SECTIONS:
            picked = freshness_choice(page_filters)
            section = freshness_section(
                choice,
                _sample_catalogue(),
                picked.reference,
                picked.level,
                lang,
                sample=True,
                caption_prefix=caption(choice, page_filters, lang),
                with_findings=not any(s.findings for s in out),
            )
            if section is None:  # the sample catalogue always has scheduled datasets
                raise ValueError(f"no scheduled datasets for {choice} on {picked.reference}")
            out.append(section)
            continue
        section_year, section_indicator = effective_filters(choice, year, indicator_id, page_filters)
        out.append(
            BriefingSection(
                heading(choice, section_year, section_indicator, lang),
                BUILDERS[choice](section_year, section_indicator, lang, page_filters),
                caption(choice, page_filters, lang),
            )
        )
    return out


# --------------------------------------------------------------------------------------------- the form
@dataclass(frozen=True)
class BriefingForm:
    """What the form offers for the chosen year and indicator: every section's heading (for the pickers) and the
    drafted scope and findings the user starts editing from."""

    headings: Mapping[str, str]  # section (MAPS and CHARTS) -> its heading
    scope: str
    findings: str  # one finding a line


def briefing_form(year: int, indicator_id: str, lang: str) -> BriefingForm:
    index = _index()
    findings = draft_findings(
        index, year, lang, channels=load_builtin("city_channels"), open_data=load_builtin("open_data")
    )[:MAX_FINDINGS]
    return BriefingForm(
        headings={choice: heading(choice, year, indicator_id, lang) for choice in (*MAPS, *CHARTS)},
        scope=t("briefing.default_scope", lang, year=year),
        findings="\n".join(findings),
    )


def findings_lines(text: str) -> tuple[str, ...]:
    """The findings the user wrote, one a line, blank lines dropped."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


# --------------------------------------------------------------------------------------------- the document
@dataclass(frozen=True)
class BriefingText:
    """What the user wrote on the form."""

    title: str
    subtitle: str
    date: dt.date
    scope: str
    findings: tuple[str, ...]
    source: str


def briefing_document(
    map_choice: str | None,
    charts: Sequence[str],
    year: int,
    indicator_id: str,
    lang: str,
    text: BriefingText,
    page_filters: PageFilters | None = None,
) -> Briefing:
    """The one-page briefing: the user's text around the chosen sections (on the built-in samples)."""
    return Briefing(
        title=text.title,
        subtitle=text.subtitle,
        date=text.date,
        scope=text.scope,
        findings=text.findings,
        source=text.source,
        sections=sections(map_choice, charts, year, indicator_id, lang, page_filters),
        sample_data=True,
        lang=lang,
    )


def download_stem(year: int, day: dt.date) -> str:
    """The briefing's file name without extension: its year and the day it was downloaded."""
    return f"briefing_{year}_{day:%Y%m%d}"
