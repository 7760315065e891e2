"""The data sharing and openness page (views/data_sharing.py): open-data freshness computed from a portal's
catalogue, the on-time trend of the platform panel, sharing calls between departments, and investment against
use per platform. Each section has its own data source, so each has its own builder and frozen view;
:func:`present` bundles them into one :class:`DataSharingView`.

Statistics come from digigov.analysis.open_data and digigov.analysis.sharing; this module picks and words them.
Findings follow digigov.findings: a ``*_facts`` function returns a frozen dataclass (None when the premise fails)
and a ``word_*`` function picks the catalog key from those facts.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import open_data, sharing
from digigov.figures import sharing as figures
from digigov.figures.china_map import build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.findings import Finding, texts
from digigov.i18n import catalog, t
from digigov.indicators import Indicator
from digigov.regions import load_gazetteer, region_label
from digigov.text import escape_markdown

PAGE = "data_sharing"
# The sample catalogue's listing date (scripts/make_sample_data.py CATALOGUE_SNAPSHOT): the page's default
# reference date while the sample is shown; an analyst's catalogue defaults to today.
SAMPLE_REFERENCE = dt.date(2024, 12, 31)
MAX_NAMED = 5
Level = Literal["province", "prefecture"]


# ---------------------------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------------------------
def _md(text: str, markdown: bool) -> str:
    return escape_markdown(text) if markdown else text


def _named(items: Sequence[str], lang: str, markdown: bool = True) -> str:
    shown = t("list.separator", lang).join(_md(i, markdown) for i in items[:MAX_NAMED])
    return shown + ("…" if len(items) > MAX_NAMED else "")


def department_label(name: str, lang: str) -> str:
    """A sample department code in the language; an uploaded department name as written."""
    key = f"sharing.dept.{name}"
    return t(key, lang) if key in catalog() else str(name)


def platform_label(adcode: str, platform: str, lang: str) -> str:
    key = f"sharing.platform.{platform}"
    name = t(key, lang) if key in catalog() else str(platform)
    return f"{region_label(adcode, lang)} · {name}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _indicator(ident: str, unit: str, polarity: str, column: str) -> Indicator:
    return Indicator(
        id=ident,
        name_zh=t(f"sharing.indicator.{ident}", "zh"),
        name_en=t(f"sharing.indicator.{ident}", "en"),
        unit=unit,  # type: ignore[arg-type]
        decimals=1,
        polarity=polarity,  # type: ignore[arg-type]
        domain="data_sharing",
        dataset="open_data_catalogue" if ident.startswith("catalogue") else "sharing_calls",
        column=column,
        definition_zh=t(f"sharing.indicator.{ident}_definition", "zh"),
        definition_en=t(f"sharing.indicator.{ident}_definition", "en"),
        formula="",
        source="computed",
    )


def _map(values: pl.DataFrame, ident: str, column: str, lang: str, level: Level, watermark: str | None) -> go.Figure:
    frame = values.select("adcode", pl.col(column).alias("value")).drop_nulls("value")
    return build_china_map(
        frame,
        _indicator(ident, "share", "higher_better", column),
        lang,
        level=level,
        watermark=watermark,
        geojson_base_url=BOUNDARY_URL,
    )


def _ranked(rows: pl.DataFrame, column: str) -> tuple[tuple[str, ...], float | None, tuple[str, ...], float | None]:
    """(highest adcodes, highest value, lowest adcodes, lowest value): ties keep every tied region."""
    shown = rows.drop_nulls(column)
    if shown.is_empty():
        return (), None, (), None
    top, bottom = shown[column].max(), shown[column].min()
    high = tuple(sorted(shown.filter(pl.col(column) == top)["adcode"].to_list()))
    low = tuple(sorted(shown.filter(pl.col(column) == bottom)["adcode"].to_list()))
    return high, float(top), low, float(bottom)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# 1. Open-data freshness from a catalogue
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OnScheduleFacts:
    reference: str  # ISO date
    scheduled: int
    on_schedule: int
    share: float
    below_half: bool
    irregular: int
    undated: int
    after_reference: int


@dataclass(frozen=True)
class RegionGapFacts:
    level: str
    regions: int
    highest: tuple[str, ...]
    highest_share: float
    lowest: tuple[str, ...]
    lowest_share: float
    gap_pp: float
    equal: bool


@dataclass(frozen=True)
class OverdueFacts:
    overdue: int
    median_days: float | None
    worst_frequencies: tuple[str, ...]  # the frequencies with the largest median delay (ties kept)
    worst_median_days: float | None


@dataclass(frozen=True)
class OpenFormatFacts:
    datasets: int
    open_format_share: float
    api_share: float


def on_schedule_facts(totals: open_data.FreshnessTotals, reference: dt.date) -> OnScheduleFacts | None:
    if totals.scheduled == 0 or totals.on_schedule_share is None:
        return None
    return OnScheduleFacts(
        reference=reference.isoformat(),
        scheduled=totals.scheduled,
        on_schedule=totals.on_schedule,
        share=totals.on_schedule_share,
        below_half=totals.on_schedule_share < 0.5,
        irregular=totals.irregular,
        undated=totals.undated,
        after_reference=totals.after_reference,
    )


def word_on_schedule(facts: OnScheduleFacts, lang: str) -> Finding:
    key = "sharing.finding.on_schedule_below_half" if facts.below_half else "sharing.finding.on_schedule_majority"
    text = t(
        key,
        lang,
        reference=facts.reference,
        scheduled=f"{facts.scheduled:,}",
        on_schedule=f"{facts.on_schedule:,}",
        share=percent(facts.share),
        late=percent(1 - facts.share),
    )
    extra = []
    if facts.irregular:
        extra.append(t("sharing.finding.irregular_apart", lang, n=f"{facts.irregular:,}"))
    if facts.undated:
        extra.append(t("sharing.finding.undated_apart", lang, n=f"{facts.undated:,}"))
    if facts.after_reference:
        extra.append(t("sharing.finding.after_reference_apart", lang, n=f"{facts.after_reference:,}"))
    joiner = " " if lang == "en" else ""
    return Finding(key, joiner.join([text, *extra]), facts)


def region_gap_facts(regions: pl.DataFrame, level: str) -> RegionGapFacts | None:
    high, top, low, bottom = _ranked(regions, "on_schedule_share")
    shown = regions.drop_nulls("on_schedule_share").height
    if shown < 2 or top is None or bottom is None:
        return None
    return RegionGapFacts(
        level=level,
        regions=shown,
        highest=high,
        highest_share=top,
        lowest=low,
        lowest_share=bottom,
        gap_pp=(top - bottom) * 100,
        equal=top == bottom,
    )


def word_region_gap(facts: RegionGapFacts, lang: str) -> Finding:
    names = {a: region_label(a, lang) for a in (*facts.highest, *facts.lowest)}
    if facts.equal:
        key = "sharing.finding.regions_equal"
        text = t(key, lang, n=facts.regions, share=percent(facts.highest_share))
    else:
        key = "sharing.finding.regions_gap"
        text = t(
            key,
            lang,
            n=facts.regions,
            highest=_named([names[a] for a in facts.highest], lang),
            highest_share=percent(facts.highest_share),
            lowest=_named([names[a] for a in facts.lowest], lang),
            lowest_share=percent(facts.lowest_share),
            gap=f"{facts.gap_pp:.1f}",
        )
    return Finding(key, text, facts)


def overdue_facts(fresh: pl.DataFrame) -> OverdueFacts | None:
    scheduled = fresh.filter(pl.col("status").is_in(["on_schedule", "overdue"]))
    if scheduled.is_empty():
        return None
    late = scheduled.filter(pl.col("status") == "overdue")
    if late.is_empty():
        return OverdueFacts(0, None, (), None)
    medians = late.group_by("frequency").agg(pl.col("overdue_days").median().alias("m"))
    worst = float(medians["m"].max())  # type: ignore[arg-type]
    tied = medians.filter(pl.col("m") == worst)["frequency"].to_list()
    order = [f for f in open_data.FREQUENCIES if f in tied]
    return OverdueFacts(
        overdue=late.height,
        median_days=float(late["overdue_days"].median()),  # type: ignore[arg-type]
        worst_frequencies=tuple(order),
        worst_median_days=worst,
    )


def word_overdue(facts: OverdueFacts, lang: str) -> Finding:
    if facts.overdue == 0:
        key = "sharing.finding.none_overdue"
        return Finding(key, t(key, lang), facts)
    key = "sharing.finding.overdue_median"
    freq = _named([t(f"sharing.frequency.{f}", lang) for f in facts.worst_frequencies], lang, markdown=False)
    text = t(
        key,
        lang,
        n=f"{facts.overdue:,}",
        median=f"{facts.median_days:.0f}",
        frequencies=freq,
        worst=f"{facts.worst_median_days:.0f}",
    )
    return Finding(key, text, facts)


def open_format_facts(totals: open_data.FreshnessTotals) -> OpenFormatFacts | None:
    if totals.datasets == 0 or totals.open_format_share is None or totals.api_share is None:
        return None
    return OpenFormatFacts(totals.datasets, totals.open_format_share, totals.api_share)


def word_open_format(facts: OpenFormatFacts, lang: str) -> Finding:
    key = "sharing.finding.open_format"
    text = t(key, lang, share=percent(facts.open_format_share), api=percent(facts.api_share))
    return Finding(key, text, facts)


@dataclass(frozen=True)
class FreshnessView:
    reference: dt.date
    level: Level
    levels: tuple[Level, ...]  # prefecture only when the catalogue has city portals
    totals: open_data.FreshnessTotals
    map: go.Figure
    status: go.Figure
    ranking: go.Figure
    findings: tuple[str, ...]
    facts: tuple[Finding, ...]
    notes: tuple[str, ...]
    regions_table: pl.DataFrame
    status_table: pl.DataFrame
    datasets_table: pl.DataFrame  # the overdue datasets, most overdue first (title, department: user text)


def prepare_catalogue(catalogue: pl.DataFrame) -> pl.DataFrame:
    """The catalogue's columns with the types the analysis needs (a stored upload keeps them; a CSV may not)."""
    data = catalogue
    if data.schema.get("last_updated") != pl.Date:
        data = data.with_columns(pl.col("last_updated").cast(pl.String).str.to_date(strict=False))
    return data.with_columns(pl.col("adcode").cast(pl.String), pl.col("frequency").cast(pl.String))


def freshness_levels(catalogue: pl.DataFrame) -> tuple[Level, ...]:
    cities = catalogue.filter(pl.col("adcode").cast(pl.String).str.slice(2, 4) != "0000").height
    return ("province", "prefecture") if cities else ("province",)


def freshness_findings(
    fresh: pl.DataFrame, regions: pl.DataFrame, reference: dt.date, level: str, lang: str
) -> list[Finding]:
    totals = open_data.totals(fresh)
    out: list[Finding] = []
    if facts := on_schedule_facts(totals, reference):
        out.append(word_on_schedule(facts, lang))
    else:
        out.append(Finding("sharing.finding.no_scheduled", t("sharing.finding.no_scheduled", lang), None))
    if gap := region_gap_facts(regions, level):
        out.append(word_region_gap(gap, lang))
    if late := overdue_facts(fresh):
        out.append(word_overdue(late, lang))
    if formats := open_format_facts(totals):
        out.append(word_open_format(formats, lang))
    return out


def catalogue_findings(
    catalogue: pl.DataFrame, reference: dt.date, lang: str, level: Level = "province"
) -> list[Finding]:
    """The freshness findings of a catalogue as of reference (what the page's first section says)."""
    data = prepare_catalogue(catalogue)
    fresh = open_data.dataset_freshness(data, reference)
    return freshness_findings(fresh, open_data.region_freshness(fresh, level), reference, level, lang)


def _regions_table(regions: pl.DataFrame, lang: str) -> pl.DataFrame:
    ordered = regions.sort(["on_schedule_share", "adcode"], descending=[True, False], nulls_last=True)
    return pl.DataFrame(
        {
            t("column.region", lang): [region_label(a, lang) for a in ordered["adcode"]],
            t("column.adcode", lang): ordered["adcode"],
            t("sharing.col.datasets", lang): ordered["datasets"].cast(pl.Int64),
            t("sharing.col.on_schedule_share", lang): [percent(v) for v in ordered["on_schedule_share"]],
            t("sharing.col.median_overdue", lang): ordered["median_overdue_days"],
            t("sharing.col.irregular", lang): ordered["irregular"].cast(pl.Int64),
            t("sharing.col.platforms", lang): ordered["platforms"].cast(pl.Int64),
            t("sharing.col.per_platform", lang): ordered["datasets_per_platform"].round(1),
            t("sharing.col.open_format", lang): [percent(v) for v in ordered["open_format_share"]],
            t("sharing.col.api", lang): [percent(v) for v in ordered["api_share"]],
        }
    )


def _status_rows(fresh: pl.DataFrame, lang: str) -> pl.DataFrame:
    counts = open_data.by_frequency(fresh)
    return counts.with_columns(
        pl.col("frequency")
        .replace_strict(
            {f: t(f"sharing.frequency.{f}", lang) for f in open_data.FREQUENCIES}, default=None, return_dtype=pl.String
        )
        .alias("label")
    )


def present_freshness(
    catalogue: pl.DataFrame, reference: dt.date, level: Level, lang: str, *, watermark: str | None = None
) -> FreshnessView:
    data = prepare_catalogue(catalogue)
    levels = freshness_levels(data)
    level = level if level in levels else "province"
    fresh = open_data.dataset_freshness(data, reference)
    regions = open_data.region_freshness(fresh, level)
    totals = open_data.totals(fresh)
    found = freshness_findings(fresh, regions, reference, level, lang)
    status_rows = _status_rows(fresh, lang)
    status_labels = {s: t(f"sharing.status.{s}", lang) for s in open_data.STATUSES}
    ranked = regions.drop_nulls("on_schedule_share").sort(["on_schedule_share", "adcode"], descending=[True, False])
    ranking_rows = pl.DataFrame(
        {
            "label": [region_label(a, lang) for a in ranked["adcode"]],
            "value": ranked["on_schedule_share"],
            "text": [percent(v) for v in ranked["on_schedule_share"]],
        },
        schema={"label": pl.String, "value": pl.Float64, "text": pl.String},
    )
    notes = []
    if level == "prefecture":
        notes.append(t("sharing.note_prefecture", lang))
    if totals.datasets == 0:
        notes.append(t("sharing.note_no_datasets", lang))
    late = fresh.filter(pl.col("status") == "overdue").sort(["overdue_days", "title"], descending=[True, False])
    datasets_table = pl.DataFrame(
        {
            t("column.region", lang): [region_label(a, lang) for a in late["adcode"]],
            t("sharing.col.title", lang): late["title"].cast(pl.String),
            t("sharing.col.department", lang): late["department"].cast(pl.String),
            t("sharing.col.frequency", lang): [t(f"sharing.frequency.{f}", lang) for f in late["frequency"]],
            t("sharing.col.last_updated", lang): late["last_updated"].cast(pl.String),
            t("sharing.col.overdue_days", lang): late["overdue_days"],
        }
    )
    return FreshnessView(
        reference=reference,
        level=level,
        levels=levels,
        totals=totals,
        map=_map(regions, "catalogue_on_schedule", "on_schedule_share", lang, level, watermark),
        status=figures.status_chart(status_rows, open_data.STATUSES, status_labels, t("sharing.axis_datasets", lang)),
        ranking=figures.ranking_chart(
            ranking_rows, t("sharing.axis_on_schedule", lang), reference=totals.on_schedule_share
        ),
        findings=texts(found),
        facts=tuple(found),
        notes=tuple(notes),
        regions_table=_regions_table(regions, lang),
        status_table=status_rows.select(
            pl.col("label").alias(t("sharing.col.frequency", lang)),
            pl.col("status")
            .replace_strict(status_labels, default=None, return_dtype=pl.String)
            .alias(t("sharing.col.status", lang)),
            pl.col("datasets").cast(pl.Int64).alias(t("sharing.col.datasets", lang)),
            pl.col("median_overdue_days").alias(t("sharing.col.median_overdue", lang)),
        ),
        datasets_table=datasets_table,
    )


# ---------------------------------------------------------------------------------------------------------------
# 2. The on-time trend of the platform panel (open_data: province × year)
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendFacts:
    first_year: int
    last_year: int
    first_share: float
    last_share: float
    change_pp: float
    below_half_every_year: bool


@dataclass(frozen=True)
class TrendView:
    chart: go.Figure
    table: pl.DataFrame
    findings: tuple[str, ...]
    facts: tuple[Finding, ...]


def trend_facts(rows: pl.DataFrame) -> TrendFacts | None:
    nation = rows.filter((pl.col("scope") == "national") & pl.col("share").is_not_null()).sort("year")
    if nation.height < 2:
        return None
    first, last = nation.row(0, named=True), nation.row(-1, named=True)
    return TrendFacts(
        first_year=int(first["year"]),
        last_year=int(last["year"]),
        first_share=float(first["share"]),
        last_share=float(last["share"]),
        change_pp=(float(last["share"]) - float(first["share"])) * 100,
        below_half_every_year=bool((nation["share"] < 0.5).all()),
    )


def word_trend(facts: TrendFacts, lang: str) -> Finding:
    if round(facts.change_pp, 1) == 0:
        key = "sharing.finding.trend_flat"
    else:
        key = "sharing.finding.trend_up" if facts.change_pp > 0 else "sharing.finding.trend_down"
    text = t(
        key,
        lang,
        first_year=facts.first_year,
        last_year=facts.last_year,
        first=percent(facts.first_share),
        last=percent(facts.last_share),
        change=f"{abs(facts.change_pp):.1f}",
    )
    if facts.below_half_every_year:
        text += (" " if lang == "en" else "") + t("sharing.finding.trend_below_half", lang)
    return Finding(key, text, facts)


def present_trend(panel: pl.DataFrame, lang: str) -> TrendView:
    gazetteer = load_gazetteer().frame
    macro = dict(zip(gazetteer["adcode"].to_list(), gazetteer["macro_region"].to_list(), strict=True))
    rows = open_data.on_time_trend(panel.with_columns(pl.col("adcode").cast(pl.String)), macro)
    labels = {s: t(f"macro.{s}", lang) for s in rows["scope"].unique().to_list() if f"macro.{s}" in catalog()}
    labels["national"] = t("sharing.national", lang)
    rows = rows.filter(pl.col("scope").is_in(list(labels))).with_columns(
        pl.col("scope").replace_strict(labels, default=None, return_dtype=pl.String).alias("label")
    )
    found = [word_trend(f, lang)] if (f := trend_facts(rows)) else []
    table = rows.select(
        pl.col("label").alias(t("sharing.col.scope", lang)),
        pl.col("year").alias(t("sharing.col.year", lang)),
        pl.col("platforms").alias(t("sharing.col.platforms", lang)),
        pl.col("updated_on_time").alias(t("sharing.col.on_time_platforms", lang)),
        (pl.col("share") * 100).round(1).alias(t("sharing.col.on_time_share_pct", lang)),
    )
    return TrendView(
        chart=figures.trend_chart(rows, t("sharing.axis_on_time_platforms", lang), labels["national"]),
        table=table,
        findings=texts(found),
        facts=tuple(found),
    )


# ---------------------------------------------------------------------------------------------------------------
# 3. Sharing calls between departments
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IslandFacts:
    scope: str  # an adcode, or "all"
    departments: int  # department-region units
    islands: int
    names: tuple[str, ...]  # island departments of one region (empty for all regions)
    regions_with_islands: int


@dataclass(frozen=True)
class OneWayFacts:
    one_way: int
    linked: int
    share: float


@dataclass(frozen=True)
class ConcentrationFacts:
    top: tuple[str, ...]
    top_share: float
    hhi: float
    band: str
    providers: int


@dataclass(frozen=True)
class ConnectedFacts:
    regions: int
    highest: tuple[str, ...]
    highest_share: float
    lowest: tuple[str, ...]
    lowest_share: float
    equal: bool


def island_facts(roles: pl.DataFrame, scope: str) -> IslandFacts | None:
    if roles.is_empty():
        return None
    islands = roles.filter(pl.col("role") == "island")
    names = tuple(sorted(islands["department"].to_list())) if scope != "all" else ()
    return IslandFacts(scope, roles.height, islands.height, names, islands["adcode"].n_unique())


def word_islands(facts: IslandFacts, lang: str, markdown: bool = True) -> Finding:
    if facts.islands == 0:
        key = "sharing.finding.no_islands"
        return Finding(key, t(key, lang, n=facts.departments), facts)
    if facts.scope == "all":
        key = "sharing.finding.islands_all"
        text = t(key, lang, islands=facts.islands, n=facts.departments, regions=facts.regions_with_islands)
    else:
        key = "sharing.finding.islands_region"
        labels = [department_label(d, lang) for d in facts.names]
        text = t(
            key,
            lang,
            region=region_label(facts.scope, lang),
            islands=facts.islands,
            n=facts.departments,
            names=_named(labels, lang, markdown),
        )
    return Finding(key, text, facts)


def one_way_facts(calls: pl.DataFrame) -> OneWayFacts | None:
    linked = sharing.linked_pairs(calls)
    if linked == 0:
        return None
    one_way = sharing.one_way_pairs(calls).height
    return OneWayFacts(one_way, linked, one_way / linked)


def word_one_way(facts: OneWayFacts, lang: str) -> Finding:
    key = "sharing.finding.one_way" if facts.one_way else "sharing.finding.no_one_way"
    return Finding(key, t(key, lang, one_way=facts.one_way, linked=facts.linked, share=percent(facts.share)), facts)


def concentration_facts(calls: pl.DataFrame) -> ConcentrationFacts | None:
    result = sharing.concentration(calls)
    if result.top_share is None or result.hhi is None:
        return None
    return ConcentrationFacts(
        result.top_tied, result.top_share, result.hhi, str(sharing.hhi_band(result.hhi)), result.providers
    )


def word_concentration(facts: ConcentrationFacts, lang: str, markdown: bool = True) -> Finding:
    key = f"sharing.finding.concentration_{facts.band}"
    names = _named([department_label(d, lang) for d in facts.top], lang, markdown)
    tied = t("sharing.finding.tied_top", lang, n=len(facts.top)) if len(facts.top) > 1 else ""
    text = t(
        key,
        lang,
        top=names,
        share=percent(facts.top_share),
        hhi=f"{facts.hhi:.3f}",
        tied=tied,
        providers=facts.providers,
    )
    return Finding(key, text, facts)


def connected_facts(regions: pl.DataFrame) -> ConnectedFacts | None:
    high, top, low, bottom = _ranked(regions, "connected_share")
    if regions.height < 2 or top is None or bottom is None:
        return None
    return ConnectedFacts(regions.height, high, top, low, bottom, top == bottom)


def word_connected(facts: ConnectedFacts, lang: str) -> Finding:
    if facts.equal:
        key = "sharing.finding.connected_equal"
        return Finding(key, t(key, lang, n=facts.regions, share=percent(facts.highest_share)), facts)
    key = "sharing.finding.connected_gap"
    text = t(
        key,
        lang,
        n=facts.regions,
        highest=_named([region_label(a, lang) for a in facts.highest], lang),
        highest_share=percent(facts.highest_share),
        lowest=_named([region_label(a, lang) for a in facts.lowest], lang),
        lowest_share=percent(facts.lowest_share),
    )
    return Finding(key, text, facts)


@dataclass(frozen=True)
class SharingView:
    region: str | None  # None: every region pooled by department
    regions: tuple[str, ...]  # the regions the data hold
    heatmap: go.Figure
    map: go.Figure
    ranking: go.Figure
    findings: tuple[str, ...]
    facts: tuple[Finding, ...]
    departments_table: pl.DataFrame
    one_way_table: pl.DataFrame
    regions_table: pl.DataFrame
    matrix_table: pl.DataFrame


def prepare_calls(calls: pl.DataFrame) -> pl.DataFrame:
    return sharing.clean_calls(calls.with_columns(pl.col("adcode").cast(pl.String)))


def single_region(data: pl.DataFrame, region: str | None) -> str | None:
    """region, or the one region of data that holds a single region (an uploaded matrix): its findings then
    name the region and its islands rather than pool it."""
    if region is not None:
        return region
    regions = data["adcode"].unique().drop_nulls()
    return str(regions[0]) if regions.len() == 1 else None


def sharing_findings(calls: pl.DataFrame, region: str | None, lang: str, markdown: bool = True) -> list[Finding]:
    data = prepare_calls(calls)
    region = single_region(data, region)
    scope = sharing.pooled(data, region) if region else data
    roles = sharing.departments(scope)
    out: list[Finding] = []
    if islands := island_facts(roles, region or "all"):
        out.append(word_islands(islands, lang, markdown))
    if one_way := one_way_facts(scope):
        out.append(word_one_way(one_way, lang))
    if conc := concentration_facts(scope):
        out.append(word_concentration(conc, lang, markdown))
    if region is None and (connected := connected_facts(sharing.region_connectivity(data))):
        out.append(word_connected(connected, lang))
    return out


def present_sharing(calls: pl.DataFrame, region: str | None, lang: str, *, watermark: str | None = None) -> SharingView:
    data = prepare_calls(calls)
    regions = tuple(sorted(data["adcode"].unique().to_list()))
    region = single_region(data, region if region in regions else None)
    scope = sharing.pooled(data, region)
    roles = sharing.departments(data if region is None else scope)
    found = sharing_findings(calls, region, lang)
    names, z = sharing.matrix(scope)
    island_names = set(sharing.departments(scope).filter(pl.col("role") == "island")["department"].to_list())
    shown = [
        html.escape(department_label(n, lang)) + (t("sharing.island_mark", lang) if n in island_names else "")
        for n in names
    ]
    per_region = sharing.region_connectivity(data)
    ranked = per_region.sort(["connected_share", "adcode"], descending=[True, False])
    ranking_rows = pl.DataFrame(
        {
            "label": [region_label(a, lang) for a in ranked["adcode"]],
            "value": ranked["connected_share"],
            "text": [percent(v) for v in ranked["connected_share"]],
        },
        schema={"label": pl.String, "value": pl.Float64, "text": pl.String},
    )
    role_labels = {r: t(f"sharing.role.{r}", lang) for r in ("island", "provides_only", "consumes_only", "both")}
    one_way = sharing.one_way_pairs(scope)
    matrix_table = (
        pl.DataFrame(
            {t("sharing.col.provider", lang): [department_label(n, lang) for n in names]}
            | {department_label(n, lang): [row[j] for row in z] for j, n in enumerate(names)}
        )
        if names
        else pl.DataFrame({t("sharing.col.provider", lang): []}, schema={t("sharing.col.provider", lang): pl.String})
    )
    return SharingView(
        region=region,
        regions=regions,
        heatmap=figures.heatmap(
            shown,
            z,
            t("sharing.axis_provider", lang),
            t("sharing.axis_consumer", lang),
            t("sharing.heatmap_hover", lang),
        ),
        map=_map(per_region, "sharing_connected", "connected_share", lang, "province", watermark),
        ranking=figures.ranking_chart(ranking_rows, t("sharing.axis_connected", lang)),
        findings=texts(found),
        facts=tuple(found),
        departments_table=pl.DataFrame(
            {
                t("column.region", lang): [
                    region_label(a, lang) if a != "all" else t("sharing.all_regions", lang) for a in roles["adcode"]
                ],
                t("sharing.col.department", lang): [department_label(d, lang) for d in roles["department"]],
                t("sharing.col.provided", lang): roles["provided"],
                t("sharing.col.consumed", lang): roles["consumed"],
                t("sharing.col.role", lang): [role_labels[r] for r in roles["role"]],
            }
        ),
        one_way_table=pl.DataFrame(
            {
                t("column.region", lang): [
                    region_label(a, lang) if a != "all" else t("sharing.all_regions", lang) for a in one_way["adcode"]
                ],
                t("sharing.col.provider", lang): [department_label(d, lang) for d in one_way["provider"]],
                t("sharing.col.consumer", lang): [department_label(d, lang) for d in one_way["consumer"]],
                t("sharing.col.calls", lang): one_way["calls"],
            }
        ),
        regions_table=pl.DataFrame(
            {
                t("column.region", lang): [region_label(a, lang) for a in ranked["adcode"]],
                t("column.adcode", lang): ranked["adcode"],
                t("sharing.col.departments", lang): ranked["departments"].cast(pl.Int64),
                t("sharing.col.connected_share", lang): [percent(v) for v in ranked["connected_share"]],
                t("sharing.col.islands", lang): ranked["islands"].cast(pl.Int64),
                t("sharing.col.one_way", lang): ranked["one_way"].cast(pl.Int64),
                t("sharing.col.calls", lang): ranked["total_calls"],
                t("sharing.col.top_share", lang): [percent(v) for v in ranked["top_share"]],
                t("sharing.col.hhi", lang): ranked["hhi"].round(3),
            }
        ),
        matrix_table=matrix_table,
    )


# ---------------------------------------------------------------------------------------------------------------
# 4. Build versus operate
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CostFacts:
    platforms: int
    median_cost: float
    highest: tuple[str, ...]  # labels (platform ids: adcode|platform)
    highest_cost: float
    lowest: tuple[str, ...]
    lowest_cost: float
    equal: bool


@dataclass(frozen=True)
class OutlierFacts:
    enough: bool  # four platforms or more with a cost (the fences need quartiles)
    high: tuple[str, ...]
    low: tuple[str, ...]
    q1: float | None
    q3: float | None
    fence_high: float | None
    fence_low: float | None


@dataclass(frozen=True)
class NoUseFacts:
    platforms: tuple[str, ...]


@dataclass(frozen=True)
class OperationsView:
    scatter: go.Figure
    cost: go.Figure
    findings: tuple[str, ...]
    facts: tuple[Finding, ...]
    table: pl.DataFrame
    fences: sharing.Fences | None


def _platform_ids(data: pl.DataFrame) -> pl.DataFrame:
    return data.with_columns((pl.col("adcode").cast(pl.String) + "|" + pl.col("platform").cast(pl.String)).alias("id"))


def _ids_label(ident: str, lang: str) -> str:
    adcode, _, platform = ident.partition("|")
    return platform_label(adcode, platform, lang)


def cost_facts(ops: pl.DataFrame) -> CostFacts | None:
    shown = ops.drop_nulls("cost_per_transaction")
    if shown.is_empty():
        return None
    top, bottom = shown["cost_per_transaction"].max(), shown["cost_per_transaction"].min()
    return CostFacts(
        platforms=shown.height,
        median_cost=float(shown["cost_per_transaction"].median()),  # type: ignore[arg-type]
        highest=tuple(sorted(shown.filter(pl.col("cost_per_transaction") == top)["id"].to_list())),
        highest_cost=float(top),  # type: ignore[arg-type]
        lowest=tuple(sorted(shown.filter(pl.col("cost_per_transaction") == bottom)["id"].to_list())),
        lowest_cost=float(bottom),  # type: ignore[arg-type]
        equal=top == bottom,
    )


def word_cost(facts: CostFacts, lang: str, markdown: bool = True) -> Finding:
    if facts.equal:
        key = "sharing.finding.cost_equal"
        return Finding(key, t(key, lang, n=facts.platforms, cost=f"{facts.highest_cost:,.2f}"), facts)
    key = "sharing.finding.cost_range"
    text = t(
        key,
        lang,
        n=facts.platforms,
        median=f"{facts.median_cost:,.2f}",
        highest=_named([_ids_label(i, lang) for i in facts.highest], lang, markdown),
        highest_cost=f"{facts.highest_cost:,.2f}",
        lowest=_named([_ids_label(i, lang) for i in facts.lowest], lang, markdown),
        lowest_cost=f"{facts.lowest_cost:,.2f}",
    )
    return Finding(key, text, facts)


def outlier_facts(ops: pl.DataFrame, fences: sharing.Fences | None) -> OutlierFacts:
    if fences is None:
        return OutlierFacts(False, (), (), None, None, None, None)
    high = tuple(ops.filter(pl.col("outlier") == "high").sort("cost_per_transaction", descending=True)["id"].to_list())
    low = tuple(ops.filter(pl.col("outlier") == "low").sort("cost_per_transaction")["id"].to_list())
    return OutlierFacts(True, high, low, fences.q1, fences.q3, fences.high, fences.low)


def word_outliers(facts: OutlierFacts, lang: str, markdown: bool = True) -> Finding:
    if not facts.enough:
        key = "sharing.finding.outliers_too_few"
        return Finding(key, t(key, lang), facts)
    if not facts.high and not facts.low:
        key = "sharing.finding.no_outliers"
        return Finding(key, t(key, lang, fence=f"{facts.fence_high:,.2f}"), facts)
    key = "sharing.finding.outliers_high" if facts.high else "sharing.finding.outliers_low"
    names = facts.high or facts.low
    text = t(
        key,
        lang,
        n=len(names),
        names=_named([_ids_label(i, lang) for i in names], lang, markdown),
        fence=f"{facts.fence_high if facts.high else facts.fence_low:,.2f}",
        q1=f"{facts.q1:,.2f}",
        q3=f"{facts.q3:,.2f}",
    )
    if facts.high and facts.low:
        text += (" " if lang == "en" else "") + t(
            "sharing.finding.outliers_also_low",
            lang,
            n=len(facts.low),
            names=_named([_ids_label(i, lang) for i in facts.low], lang, markdown),
        )
    return Finding(key, text, facts)


def no_use_facts(ops: pl.DataFrame) -> NoUseFacts | None:
    idle = ops.filter(pl.col("no_use"))
    return NoUseFacts(tuple(sorted(idle["id"].to_list()))) if idle.height else None


def word_no_use(facts: NoUseFacts, lang: str, markdown: bool = True) -> Finding:
    key = "sharing.finding.no_use"
    names = _named([_ids_label(i, lang) for i in facts.platforms], lang, markdown)
    return Finding(key, t(key, lang, n=len(facts.platforms), names=names), facts)


def compute_operations(platforms: pl.DataFrame) -> tuple[pl.DataFrame, sharing.Fences | None]:
    data = platforms.with_columns(pl.col("adcode").cast(pl.String), pl.col("platform").cast(pl.String))
    ops, fences = sharing.operations(data)
    return _platform_ids(ops), fences


def operations_findings(platforms: pl.DataFrame, lang: str, markdown: bool = True) -> list[Finding]:
    ops, fences = compute_operations(platforms)
    out: list[Finding] = []
    if cost := cost_facts(ops):
        out.append(word_cost(cost, lang, markdown))
    out.append(word_outliers(outlier_facts(ops, fences), lang, markdown))
    if idle := no_use_facts(ops):
        out.append(word_no_use(idle, lang, markdown))
    return out


def present_operations(platforms: pl.DataFrame, lang: str) -> OperationsView:
    ops, fences = compute_operations(platforms)
    found = operations_findings(platforms, lang)
    ordered = ops.sort(["cost_per_transaction", "id"], descending=[True, False], nulls_last=True)
    labels = [html.escape(_ids_label(i, lang)) for i in ordered["id"]]
    flagged = ordered["outlier"].is_not_null().to_list()
    cost_rows = pl.DataFrame(
        {
            "label": labels,
            "value": ordered["cost_per_transaction"],
            "text": ["—" if v is None else f"{v:,.2f}" for v in ordered["cost_per_transaction"]],
        },
        schema={"label": pl.String, "value": pl.Float64, "text": pl.String},
    )
    cost = figures.ranking_chart(
        cost_rows,
        t("sharing.axis_cost", lang),
        percent=False,
        highlight=[label for label, flag in zip(labels, flagged, strict=True) if flag],
        reference=None if fences is None else fences.high,
        log=True,
        bar_height=15,
    )
    scatter_rows = pl.DataFrame(
        {
            "label": labels,
            "investment": ordered["investment"],
            "transactions": ordered["transactions"],
            "outlier": flagged,
        }
    ).filter(pl.col("transactions") > 0)
    outlier_text = {"high": t("sharing.outlier_high", lang), "low": t("sharing.outlier_low", lang)}
    table = pl.DataFrame(
        {
            t("sharing.col.platform", lang): [_ids_label(i, lang) for i in ordered["id"]],
            t("sharing.col.investment", lang): ordered["investment"],
            t("sharing.col.transactions", lang): ordered["transactions"],
            t("sharing.col.active_users", lang): ordered["active_users"],
            t("sharing.col.cost_per_transaction", lang): ordered["cost_per_transaction"].round(2),
            t("sharing.col.cost_per_user", lang): ordered["cost_per_user"].round(2),
            t("sharing.col.outlier", lang): [outlier_text.get(v, "") if v else "" for v in ordered["outlier"]],
        }
    )
    return OperationsView(
        scatter=figures.scatter_chart(
            scatter_rows,
            t("sharing.axis_investment", lang),
            t("sharing.axis_transactions", lang),
            t("sharing.legend_outlier", lang),
            t("sharing.legend_platform", lang),
        ),
        cost=cost,
        findings=texts(found),
        facts=tuple(found),
        table=table,
        fences=fences,
    )


# ---------------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataSharingView:
    freshness: FreshnessView
    trend: TrendView
    sharing: SharingView
    operations: OperationsView


def present(
    catalogue: pl.DataFrame,
    panel: pl.DataFrame,
    calls: pl.DataFrame,
    platforms: pl.DataFrame,
    lang: str,
    *,
    reference: dt.date = SAMPLE_REFERENCE,
    level: Level = "province",
    region: str | None = None,
    watermark: str | None = None,
) -> DataSharingView:
    """The whole page at once (the view builds the sections one by one, each cached on its own inputs)."""
    return DataSharingView(
        freshness=present_freshness(catalogue, reference, level, lang, watermark=watermark),
        trend=present_trend(panel, lang),
        sharing=present_sharing(calls, region, lang, watermark=watermark),
        operations=present_operations(platforms, lang),
    )
