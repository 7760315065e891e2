"""``digigov brief``: the one-page briefing of the page 简报导出, made from the command line.

``digigov brief --data FILE_OR_DATASET --out briefing.pdf|png [--lang zh|en] [--year Y] [--page PAGE ...]``

FILE_OR_DATASET is a data file (read by the upload pipeline, as ``digigov findings`` reads it), the id of a
dataset stored under DIGIGOV_DATA_DIR (digigov.storage), or ``sample`` for the built-in samples (the briefing
then carries the 示例数据 / SAMPLE DATA watermark, as on the page).

The sections are the briefing page's own (digigov.presenters.briefing: its headings, its figure builders, its
limits of one map and four charts) drawn on the chosen data; the demand page, which the briefing page does not
offer, adds its shortfall map and charts. ``--page data_sharing`` adds the data sharing page's open-data
freshness (the map and the ranking of its highest and lowest provinces, each with its first findings under it)
from a portal catalogue (``open_data_catalogue``), judged on ``--reference YYYY-MM-DD`` (default: the sample
catalogue's listing date on the samples, else the printed date). Without ``--page`` the briefing holds what
the page offers by default (the index map, the top-ten ranking, macro-region means, the trend and the channel
mix) for the pages the data can feed. The document is rendered by digigov.export.briefing, in the same
headless Chromium as the page.

Exit status: 0 written, 2 the data cannot be read (a file with errors prints its report; an unknown dataset
names the data folder and the datasets in it), 3 no chosen page can use the data, 4 rendering failed.
The ``schedule`` subcommands (digigov.schedule) are registered here as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import polars as pl

from digigov.i18n import LANGUAGES, t

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from digigov.export.briefing import Briefing, BriefingSection
    from digigov.storage import DatasetStore

SAMPLE = "sample"
FORMATS: tuple[str, ...] = ("pdf", "png")
PAGES: tuple[str, ...] = ("overview", "regional", "channels", "demand", "data_sharing")
# What the briefing page offers by default (its default map and charts come from these three pages).
DEFAULT_PAGES: tuple[str, ...] = ("overview", "regional", "channels")
SAMPLE_KINDS: tuple[str, ...] = ("province_index", "city_channels", "demand_funnel", "open_data", "open_data_catalogue")
DEFAULT_INDICATOR = "dgi_index"
MAX_FINDINGS = 5
RENDER_TIMEOUT_S = 120.0
KNOWN_LISTED = 10  # stored datasets named when an id is unknown

# Each page's sections, most telling first: its map, then its charts. The briefing takes the first chosen
# page's map and fills the four chart places round-robin over the chosen pages, in the page's order
# (SECTION_ORDER); for overview + regional + channels that is the briefing page's default selection.
PAGE_SECTIONS: dict[str, tuple[str, ...]] = {
    "overview": ("index_map", "macro", "ranking", "trend"),
    "regional": ("lisa_map", "ranking", "trend", "sigma", "beta"),
    "channels": ("offline_map", "channel_mix", "offline_entity"),
    "demand": ("demand_map", "demand_gaps", "demand_scatter"),
    "data_sharing": ("freshness_map", "freshness_ranking"),
}
DEMAND_SECTIONS: tuple[str, ...] = ("demand_map", "demand_gaps", "demand_scatter")
MAP_SECTIONS: frozenset[str] = frozenset({"index_map", "lisa_map", "offline_map", "demand_map", "freshness_map"})
# The data sharing page's sections read a catalogue: no years, a reference date instead (BriefRequest.reference).
SHARING_SECTIONS: frozenset[str] = frozenset({"freshness_map", "freshness_ranking"})
SECTION_KIND: dict[str, str] = {
    "index_map": "province_index",
    "lisa_map": "province_index",
    "ranking": "province_index",
    "macro": "province_index",
    "trend": "province_index",
    "sigma": "province_index",
    "beta": "province_index",
    "offline_map": "city_channels",
    "channel_mix": "city_channels",
    "offline_entity": "city_channels",
    "demand_map": "demand_funnel",
    "demand_gaps": "demand_funnel",
    "demand_scatter": "demand_funnel",
    "freshness_map": "open_data_catalogue",
    "freshness_ranking": "open_data_catalogue",
}
PAGE_KIND: dict[str, str] = {
    "overview": "province_index",
    "regional": "province_index",
    "channels": "city_channels",
    "demand": "demand_funnel",
    "data_sharing": "open_data_catalogue",
}
YEARLESS_PAGES: frozenset[str] = frozenset({"data_sharing"})  # a catalogue is judged on a reference date


class BriefFailure(Exception):
    """Why a briefing cannot be made, as text for the person at the terminal, and the exit status."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


# --------------------------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class BriefData:
    """The tables the pages read ({kind: frame}), whether they are the built-in samples, and their name."""

    frames: Mapping[str, pl.DataFrame]
    sample: bool
    name: str


def _with_defaults(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Optional columns an upload may lack, filled as stored datasets are (sources.KIND_DEFAULTS)."""
    from digigov.sources import KIND_DEFAULTS

    for column, value in KIND_DEFAULTS.get(kind, {}).items():
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(value).alias(column))
    return frame


def _from_file(path: Path, lang: str) -> BriefData:
    from digigov.cli import read_file
    from digigov.upload_kinds import kind_frames

    try:
        with path.open("rb"):
            pass
        result = read_file(path)
    except OSError as err:
        raise BriefFailure(t("cli.unreadable", lang, file=str(path), error=err.strerror or str(err)), 2) from err
    if not result.ok:
        lines = [t("brief.file_errors", lang, file=str(path)), result.report.summary(lang)]
        lines += [f"- {issue.message(lang)}" for issue in result.report.errors]
        raise BriefFailure("\n".join(lines), 2)
    frames = {kind: _with_defaults(kind, frame) for kind, frame in kind_frames(result).items()}
    if not frames:
        raise BriefFailure(t("brief.no_kind", lang, data=path.name), 3)
    return BriefData(frames, sample=False, name=path.name)


def _unknown(spec: str, store: DatasetStore, lang: str) -> BriefFailure:
    try:
        records = store.list()
    except Exception:  # a broken manifest must not hide the real message: the data were not found
        records = []
    known = [f"{r.id} ({r.name})" for r in records[:KNOWN_LISTED]]
    listing = t("list.separator", lang).join(known) if known else t("brief.no_datasets", lang)
    return BriefFailure(t("brief.unknown_data", lang, data=spec, folder=str(store.root), known=listing), 2)


def _from_store(spec: str, store: DatasetStore, lang: str) -> BriefData:
    from digigov.sources import KIND_COLUMNS, load_source
    from digigov.storage import DatasetNotFoundError, StorageError

    try:
        record = store.get(spec)
    except DatasetNotFoundError:
        raise _unknown(spec, store, lang) from None
    except StorageError as err:
        raise BriefFailure(err.message(lang), 2) from err
    kinds = [k for k in (record.meta or {}).get("kinds") or [] if k in KIND_COLUMNS]
    if not kinds:
        raise BriefFailure(t("brief.no_kind", lang, data=record.name), 3)
    try:
        frames = {kind: load_source(kind, record.id, store) for kind in kinds}
    except StorageError as err:
        raise BriefFailure(err.message(lang), 2) from err
    return BriefData(frames, sample=False, name=record.name)


def resolve_data(
    spec: str, lang: str = "zh", *, base: Path | None = None, store: DatasetStore | None = None
) -> BriefData:
    """The data named by spec: ``sample``, a file (relative to base when given), or a stored dataset id."""
    from digigov.sources import BUILTIN, load_source
    from digigov.sources import store as default_store

    if spec == SAMPLE:
        return BriefData({kind: load_source(kind, BUILTIN) for kind in SAMPLE_KINDS}, sample=True, name=SAMPLE)
    path = Path(spec).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if path.exists():
        return _from_file(path, lang)
    return _from_store(spec, store or default_store(), lang)


# --------------------------------------------------------------------------------------------- the sections
@dataclass(frozen=True)
class SectionInput:
    frame: pl.DataFrame
    year: int
    indicator_id: str
    lang: str
    watermark: str | None  # the figures' own 示例数据 mark on samples (the briefing drops it for its own)


def _index_map(s: SectionInput) -> go.Figure | None:
    from digigov.analysis import overview
    from digigov.figures.china_map import build_china_map
    from digigov.indicators import get_indicator

    indicator = get_indicator(s.indicator_id)
    return build_china_map(overview.values_for_year(s.frame, s.year, indicator.column), indicator, s.lang)


def _lisa_map(s: SectionInput) -> go.Figure | None:
    from digigov.indicators import get_indicator
    from digigov.presenters import regional as regional_presenter

    clusters = regional_presenter.clustering(s.frame, s.year, get_indicator(s.indicator_id).column)
    return None if clusters is None else regional_presenter.lisa_map(clusters, s.lang)


def _ranking(s: SectionInput) -> go.Figure | None:
    from digigov.analysis import overview
    from digigov.figures import regional as regional_figures
    from digigov.indicators import get_indicator
    from digigov.presenters.briefing import RANKING_TOP

    indicator = get_indicator(s.indicator_id)
    top = overview.ranking(s.frame, s.year, indicator.column).head(RANKING_TOP)
    return None if top.is_empty() else regional_figures.ranking_chart(top, indicator, s.lang)


def _macro(s: SectionInput) -> go.Figure | None:
    from digigov.analysis import overview
    from digigov.figures.bars import macro_region_bar
    from digigov.indicators import get_indicator

    indicator = get_indicator(s.indicator_id)
    return macro_region_bar(overview.macro_region_means(s.frame, s.year, indicator.column), indicator, s.lang)


def _trend(s: SectionInput) -> go.Figure | None:
    from digigov.analysis import regional
    from digigov.figures import regional as regional_figures
    from digigov.indicators import get_indicator

    indicator = get_indicator(s.indicator_id)
    return regional_figures.trend_chart(regional.macro_trend(s.frame, indicator.column), indicator, s.lang)


def _sigma(s: SectionInput) -> go.Figure | None:
    from digigov.figures import regional as regional_figures
    from digigov.indicators import get_indicator
    from digigov.presenters import regional as regional_presenter

    sigma = regional_presenter.sigma_table(s.frame, get_indicator(s.indicator_id).column)
    return None if sigma is None else regional_figures.sigma_chart(sigma, s.lang)


def _beta(s: SectionInput) -> go.Figure | None:
    from digigov.figures import regional as regional_figures
    from digigov.indicators import get_indicator
    from digigov.presenters import regional as regional_presenter

    beta = regional_presenter.beta_result(s.frame, get_indicator(s.indicator_id).column)
    return None if beta is None else regional_figures.beta_chart(beta.points, beta.beta, beta.intercept, s.lang)


def _channel_selection(s: SectionInput) -> Any:
    """The briefing page's channel selection (every entity type and category, cities) in s.year; provinces
    when the data hold no cities."""
    from digigov.presenters import channels as channels_presenter

    selection = channels_presenter.Selection(year=s.year)
    if channels_presenter.unit_shares(s.frame, selection).is_empty():
        return channels_presenter.Selection(year=s.year, level="province")
    return selection


def _offline_map(s: SectionInput) -> go.Figure | None:
    from digigov.analysis.proportions import flagged_units
    from digigov.figures.china_map import build_china_map
    from digigov.indicators import get_indicator
    from digigov.presenters import channels as channels_presenter
    from digigov.presenters.survey import map_values

    selection = _channel_selection(s)
    shares = channels_presenter.unit_shares(s.frame, selection)
    if shares.is_empty():
        return None
    small, hidden = flagged_units(shares)
    return build_china_map(
        map_values(shares, "offline_share"),
        get_indicator("offline_pref_share"),
        s.lang,
        level=selection.level,
        outlined=small,
        outlined_label=t("channels.small_sample_legend", s.lang, min_n=selection.min_n),
        suppressed=hidden,
        suppressed_label=t("channels.suppressed_legend", s.lang, k=selection.k),
    )


def _channel_mix(s: SectionInput) -> go.Figure | None:
    from digigov.figures import channels as channel_figures
    from digigov.presenters import channels as channels_presenter
    from digigov.presenters.briefing import MIX_REGIONS_EACH_END

    selection = _channel_selection(s)
    shares = channels_presenter.unit_shares(s.frame, selection)
    if shares.is_empty():
        return None
    regions = channels_presenter.default_mix_regions(shares, selection, n=MIX_REGIONS_EACH_END)
    national = channels_presenter.national_shares(s.frame, selection)
    mix = channels_presenter.mix_frame(shares, national, regions, s.lang)
    return channel_figures.mix_chart(mix, s.lang)


def _offline_entity(s: SectionInput) -> go.Figure | None:
    from digigov.figures import channels as channel_figures
    from digigov.presenters import channels as channels_presenter

    breakdown = channels_presenter.breakdown_table(s.frame, _channel_selection(s), "entity_type", s.lang)
    return None if breakdown.height < 2 else channel_figures.breakdown_chart(breakdown, s.lang)


def _demand_view(s: SectionInput) -> Any:
    """The demand page's view with its defaults (latest or chosen year, all services, the first level)."""
    from typing import cast

    from digigov.analysis import demand_units as du
    from digigov.presenters import demand as demand_presenter
    from digigov.regions import Level

    data = du.prepare(s.frame)
    levels = du.levels_present(data)
    if not levels:
        return None
    sel = du.Selection(s.year, du.ALL, cast(Level, levels[0]))
    grid = du.protection(data, sel.year, sel.k)
    rows = du.units(data, sel, grid=grid)
    if rows.is_empty():
        return None
    return demand_presenter.present(data, sel, rows, grid, s.lang, watermark=s.watermark)


def _demand_map(s: SectionInput) -> go.Figure | None:
    from digigov.figures.china_map import with_inline_geojson

    view = _demand_view(s)
    # The page's map names its boundary files by URL; the renderer cannot fetch from the app.
    return None if view is None else with_inline_geojson(view.map)


def _demand_gaps(s: SectionInput) -> go.Figure | None:
    view = _demand_view(s)
    return None if view is None else view.gaps


def _demand_scatter(s: SectionInput) -> go.Figure | None:
    view = _demand_view(s)
    return None if view is None else view.scatter


BUILDERS: dict[str, Callable[[SectionInput], go.Figure | None]] = {
    "index_map": _index_map,
    "lisa_map": _lisa_map,
    "offline_map": _offline_map,
    "demand_map": _demand_map,
    "ranking": _ranking,
    "macro": _macro,
    "trend": _trend,
    "sigma": _sigma,
    "beta": _beta,
    "channel_mix": _channel_mix,
    "offline_entity": _offline_entity,
    "demand_gaps": _demand_gaps,
    "demand_scatter": _demand_scatter,
}


def section_order() -> tuple[str, ...]:
    """Maps first, then charts, in the briefing page's order with the demand page's after its own."""
    from digigov.presenters.briefing import CHARTS, MAPS

    return (*MAPS, "demand_map", *CHARTS, "demand_gaps", "demand_scatter")


def choose_sections(pages: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """(map, charts) for the pages: the first page's map, then up to MAX_CHARTS charts taken round-robin."""
    from digigov.presenters.briefing import MAX_CHARTS

    maps = [s for page in pages for s in PAGE_SECTIONS[page] if s in MAP_SECTIONS]
    lists = [[s for s in PAGE_SECTIONS[page] if s not in MAP_SECTIONS] for page in pages]
    charts: list[str] = []
    for depth in range(max((len(x) for x in lists), default=0)):
        for items in lists:
            if depth < len(items) and items[depth] not in charts and len(charts) < MAX_CHARTS:
                charts.append(items[depth])
    order = section_order()
    return (maps[0] if maps else None), tuple(sorted(charts, key=order.index))


def _sharing_section(
    choice: str, data: BriefData, reference: dt.date, lang: str, watermark: str | None, with_findings: bool
) -> BriefingSection | None:
    """The briefing page's freshness section on the data's catalogue (province level, as the page opens)."""
    from digigov.presenters import briefing as briefing_presenter

    return briefing_presenter.freshness_section(
        choice,
        data.frames[SECTION_KIND[choice]],
        reference,
        "province",
        lang,
        sample=data.sample,
        watermark=watermark,
        with_findings=with_findings,
    )


def page_name(page: str, lang: str) -> str:
    """The page's name as the CLI messages give it (its menu name when the CLI catalogue has none)."""
    from digigov.i18n import catalog

    key = f"cli.page.{page}"
    return t(key if key in catalog() else f"nav.{page}", lang)


def heading(choice: str, year: int, indicator_id: str, lang: str) -> str:
    if choice not in DEMAND_SECTIONS:
        from digigov.presenters.briefing import heading as briefing_heading

        return briefing_heading(choice, year, indicator_id, lang)
    from digigov.presenters.demand import GAP_BARS, category_name

    if choice == "demand_map":
        return t("demand.map_header", lang, year=year, category=category_name("all", lang))
    if choice == "demand_gaps":
        return t("demand.gaps_header", lang, n=GAP_BARS)
    return t("demand.scatter_header", lang)


# --------------------------------------------------------------------------------------------- the briefing
@dataclass(frozen=True)
class BriefRequest:
    pages: tuple[str, ...] | None = None  # None: DEFAULT_PAGES the data can feed (else every page that can)
    year: int | None = None  # None: the latest year of the index (else of the first page's data)
    lang: str = "zh"
    indicator_id: str = DEFAULT_INDICATOR
    title: str | None = None
    date: dt.date | None = None  # None: today
    # The data sharing page's reference date: None for the sample catalogue's listing date on the samples,
    # else the printed date (date, or today).
    reference: dt.date | None = None


@dataclass(frozen=True)
class BuiltBriefing:
    briefing: Briefing
    pages: tuple[str, ...]
    year: int
    scope: str
    notes: tuple[str, ...] = field(default=())  # pages and sections left out, and why


def _years(frame: pl.DataFrame) -> list[int]:
    return sorted(int(y) for y in frame["year"].drop_nulls().unique().to_list())


def _pages_for(data: BriefData, request: BriefRequest) -> tuple[list[str], list[str]]:
    """(usable pages in order, notes on the chosen pages the data cannot feed)."""
    lang = request.lang
    wanted = list(request.pages) if request.pages else None
    if wanted is None:
        usable = [p for p in DEFAULT_PAGES if PAGE_KIND[p] in data.frames]
        return (usable or [p for p in PAGES if PAGE_KIND[p] in data.frames]), []
    pages, notes = [], []
    for page in dict.fromkeys(wanted):
        if PAGE_KIND[page] in data.frames:
            pages.append(page)
        else:
            notes.append(t("cli.no_data_for_page", lang, page=page_name(page, lang)))
    return pages, notes


def _page_year(frame: pl.DataFrame, year: int, explicit: bool) -> int | None:
    """The year a page shows: the briefing's year; when it was not chosen and this page's data lack it, the
    page's latest (as the briefing page does for channel data); None when a chosen year is missing."""
    years = _years(frame)
    if year in years:
        return year
    return None if explicit or not years else years[-1]


def _findings(
    data: BriefData, pages: Sequence[str], years: Mapping[str, int], lang: str, reference: dt.date
) -> tuple[str, ...]:
    """The overview's drafted sentences first (the briefing page's form), then the other pages' findings
    round-robin, at most MAX_FINDINGS. The data sharing page's first findings stand under its sections, so
    only the rest of them come here."""
    from digigov.cli import page_findings
    from digigov.presenters import briefing as briefing_presenter
    from digigov.presenters.overview import draft_findings

    head: list[str] = []
    rest: list[list[str]] = []
    for page in pages:
        frame = data.frames[PAGE_KIND[page]]
        if page == "data_sharing":
            found = briefing_presenter.freshness_findings(
                frame, reference, "province", lang, start=briefing_presenter.SECTION_FINDINGS, stop=None
            )
            rest.append(list(found))
        elif page == "overview":
            channels, open_data = data.frames.get("city_channels"), data.frames.get("open_data")
            head = draft_findings(frame, years[page], lang, channels=channels, open_data=open_data)
        else:
            found = page_findings({PAGE_KIND[page]: frame}, [page], years[page], lang)["findings"].get(page, [])
            rest.append([f.text for f in found])
    out = list(dict.fromkeys(head))[:MAX_FINDINGS]
    for depth in range(max((len(x) for x in rest), default=0)):
        for items in rest:
            if depth < len(items) and items[depth] not in out and len(out) < MAX_FINDINGS:
                out.append(items[depth])
    return tuple(out)


def _default_year(data: BriefData, pages: Sequence[str], lang: str) -> int:
    """The latest year of the index when a chosen page reads it, else of the first page's data."""
    kinds = [PAGE_KIND[p] for p in pages if p not in YEARLESS_PAGES]
    if not kinds:  # only a catalogue: the year of its reference date
        return _reference(data, BriefRequest()).year
    base = data.frames["province_index" if "province_index" in kinds else kinds[0]]
    found = _years(base)
    if not found:
        raise BriefFailure(t("brief.no_years", lang, data=data.name), 3)
    return found[-1]


def _reference(data: BriefData, request: BriefRequest) -> dt.date:
    """The catalogue's reference date: as requested; else the sample catalogue's listing date on the samples,
    the printed date (or today) on an analyst's catalogue, as the page defaults."""
    from digigov.presenters.data_sharing import SAMPLE_REFERENCE

    if request.reference is not None:
        return request.reference
    return SAMPLE_REFERENCE if data.sample else (request.date or dt.date.today())


def _build_sections(
    data: BriefData,
    maps: Sequence[str],
    charts: Sequence[str],
    years: Mapping[str, int],
    pages: Sequence[str],
    reference: dt.date,
    request: BriefRequest,
    notes: list[str],
) -> list[BriefingSection]:
    """The chosen map and charts drawn on the data, each page's in its year (the catalogue's on the reference
    date); sections that the data cannot draw are left out with a note."""
    from digigov.export.briefing import BriefingSection
    from digigov.presenters.briefing import freshness_heading
    from digigov.sources import BUILTIN, sample_watermark

    lang = request.lang
    watermark = sample_watermark(BUILTIN, lang) if data.sample else None
    kind_year = {PAGE_KIND[p]: years[p] for p in reversed(pages)}
    sections: list[BriefingSection] = []
    for choice in [*maps, *charts]:
        kind = SECTION_KIND[choice]
        if choice in SHARING_SECTIONS:
            first = not any(s.findings for s in sections)
            section = _sharing_section(choice, data, reference, lang, watermark, first)
            if section is None:
                title = freshness_heading(choice, reference, "province", lang)
                notes.append(t("brief.section_skipped", lang, section=title))
            else:
                sections.append(section)
            continue
        section_year = kind_year[kind]
        figure = BUILDERS[choice](SectionInput(data.frames[kind], section_year, request.indicator_id, lang, watermark))
        title = heading(choice, section_year, request.indicator_id, lang)
        if figure is None:
            notes.append(t("brief.section_skipped", lang, section=title))
            continue
        sections.append(BriefingSection(title, figure, ""))
    return sections


def build_briefing(data: BriefData, request: BriefRequest) -> BuiltBriefing:
    """The briefing for the data and request (no rendering yet). BriefFailure(status 3) when no chosen page
    can use the data or the chosen year is in none of them."""
    from digigov.export.briefing import Briefing

    lang = request.lang
    pages, notes = _pages_for(data, request)
    if not pages:
        raise BriefFailure("\n".join(notes) or t("brief.no_kind", lang, data=data.name), 3)
    explicit = request.year is not None
    year = request.year if request.year is not None else _default_year(data, pages, lang)
    years: dict[str, int] = {}
    reference = _reference(data, request)
    for page in pages:
        if page in YEARLESS_PAGES:
            years[page] = year  # not read: the catalogue is judged on the reference date
            continue
        page_year = _page_year(data.frames[PAGE_KIND[page]], year, explicit)
        if page_year is None:
            notes.append(t("cli.no_year", lang, year=year, page=page_name(page, lang)))
        else:
            years[page] = page_year
    pages = [p for p in pages if p in years]
    if not pages:
        raise BriefFailure("\n".join(notes), 3)

    map_choice, charts = choose_sections(pages)
    sections = _build_sections(
        data, [map_choice] if map_choice else [], charts, years, pages, reference, request, notes
    )
    if not sections:
        raise BriefFailure("\n".join([*notes, t("brief.nothing", lang, data=data.name)]), 3)

    if data.sample:
        scope = t("briefing.default_scope", lang, year=year)
        source = t("briefing.default_source", lang)
    else:
        scope = t("brief.scope", lang, data=data.name, year=year)
        source = t("brief.source", lang, data=data.name)
    document = Briefing(
        title=request.title or t("briefing.default_title", lang),
        subtitle=t("list.separator", lang).join(page_name(p, lang) for p in pages),
        date=request.date or dt.date.today(),
        scope=scope,
        findings=_findings(data, pages, years, lang, reference),
        source=source,
        sections=sections,
        sample_data=data.sample,
        lang=lang,
    )
    return BuiltBriefing(document, tuple(pages), year, scope, tuple(notes))


def render(document: Briefing, formats: Sequence[str], timeout_s: float = RENDER_TIMEOUT_S) -> dict[str, bytes]:
    """{format: bytes}: the briefing laid out once, then printed (A4 PDF) and/or screenshotted (PNG)."""
    from digigov.export.briefing import html_to_pdf, html_to_png, render_briefing_html

    page_html = render_briefing_html(document, timeout_s)
    out: dict[str, bytes] = {}
    for fmt in formats:
        out[fmt] = html_to_pdf(page_html, timeout_s) if fmt == "pdf" else html_to_png(page_html, timeout_s=timeout_s)
    return out


def write_atomic(path: Path, data: bytes) -> None:
    """Write a temporary file beside path, fsync it, then rename it over path (no half-written briefing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------- the commands
def brief_command(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from digigov.export.browser import ExportError

    out, err = out or sys.stdout, err or sys.stderr
    lang = args.lang
    target = Path(args.out)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        print(t("brief.bad_out", lang, file=str(target)), file=err)
        return 2
    date = None
    if args.date:
        try:
            date = dt.date.fromisoformat(args.date)
        except ValueError:
            print(t("brief.bad_date", lang, value=args.date), file=err)
            return 2
    reference = None
    if getattr(args, "reference", None):
        try:
            reference = dt.date.fromisoformat(args.reference)
        except ValueError:
            print(t("brief.bad_date", lang, value=args.reference), file=err)
            return 2
    request = BriefRequest(
        pages=tuple(args.page) if args.page else None,
        year=args.year,
        lang=lang,
        title=args.title,
        date=date,
        reference=reference,
    )
    try:
        built = build_briefing(resolve_data(args.data, lang), request)
    except BriefFailure as failure:
        print(failure.text, file=err)
        return failure.status
    for note in built.notes:
        print(note, file=err)
    started = time.monotonic()
    try:
        data = render(built.briefing, [fmt])[fmt]
    except ExportError as error:
        print(error.message(lang), file=err)
        return 4
    try:
        write_atomic(target, data)
    except OSError as error:
        print(t("brief.cannot_write", lang, file=str(target), error=error.strerror or str(error)), file=err)
        return 2
    print(t("brief.written", lang, file=str(target), seconds=f"{time.monotonic() - started:.1f}"), file=out)
    return 0


def add_commands(commands: Any) -> None:
    """Register ``brief`` and ``schedule`` on the ``digigov`` parser's subcommands."""
    brief = commands.add_parser(
        "brief",
        help="render the one-page briefing (PDF or PNG) of the page 简报导出 from the command line",
        description="Render the one-page briefing for a data file, a stored dataset id or the built-in sample.",
    )
    brief.add_argument("--data", required=True, metavar="FILE_OR_DATASET", help="a data file, a dataset id, or sample")
    brief.add_argument("--out", required=True, metavar="FILE", help="briefing.pdf (A4) or briefing.png (1654 px)")
    brief.add_argument("--lang", choices=LANGUAGES, default="zh")
    brief.add_argument("--year", type=int, default=None, help="the year (default: the latest in the data)")
    brief.add_argument("--page", nargs="+", choices=PAGES, default=None, help="the pages to take sections from")
    brief.add_argument("--title", default=None, help="the briefing's title (default: the page's)")
    brief.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="the date printed (default: today)")
    brief.add_argument(
        "--reference",
        default=None,
        metavar="YYYY-MM-DD",
        help="data_sharing: the day open datasets are judged overdue on (default: the sample catalogue's "
        "listing date on the samples, else the printed date)",
    )
    brief.set_defaults(run=brief_command)

    from digigov import schedule

    schedule.add_commands(commands)
