"""The online-versus-offline page (views/channels.py): shares per unit with flags and small-cell protection, the
findings sentences, localised tables and every figure, built once per selection and language into a ChannelsView.
Statistics come from digigov.analysis.channels, shares and proportions; this module picks and words them.

Protection: every figure the page shows (units, provinces, macro regions, the whole selection, the shares by
entity type and service category) is decided on one grid, counted in records (``unweighted_n`` for weighted
data), with primary and secondary suppression (:func:`digigov.analysis.channels.protection_grid`).

Findings follow :mod:`digigov.findings`: one ``*_facts`` function per sentence returns a frozen dataclass (or
None when the premise fails on the data) and one ``word_*`` function picks the catalog key from those facts.
:func:`channels_findings` gives the sentences without Streamlit (``digigov findings``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import channels
from digigov.analysis.proportions import MIN_N, SUPPRESS_K, adequate_rows, differences_within_ci, visible_rows
from digigov.boundaries import layer_ids
from digigov.codes import CHANNELS, ENTITY_TYPES, SERVICE_CATEGORIES
from digigov.datasets import load_builtin
from digigov.figures import channels as figures
from digigov.figures.channels_page import mark_sample
from digigov.findings import Finding, signed, texts
from digigov.i18n import catalog, t
from digigov.ingest.labels import CATEGORY_LABELS, ENTITY_LABELS, free_dimension_codes
from digigov.presenters.survey import interval_text, percent_text, protected_map
from digigov.regions import Level, load_gazetteer, region_label
from digigov.text import escape_markdown

MIX_REGIONS_EACH_END = 3  # the mix chart opens on the three highest and three lowest units
ALL = "all"  # the label an upload without this breakdown gets (sources.KIND_DEFAULTS)
UNSTATED = "(unstated)"  # a missing entity type / category label
ALPHA = 0.05  # the relation test's significance level
MAX_NAMED = 5  # regions or groups named in a note before "…"
GROUP_KEYS = {"entity_type": "channels.entity", "service_category": "channels.category"}


@dataclass(frozen=True)
class Selection:
    """What the page shows: one year, the entity types and service categories pooled (None: every one in the
    data), cities or provinces, the small-sample threshold and the suppression threshold."""

    year: int
    entity_types: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    level: Level = "prefecture"
    min_n: int = MIN_N
    k: int = SUPPRESS_K

    def filters(self) -> dict:
        """The keyword filters of digigov.analysis.channels.channel_shares for this selection."""
        return {
            "entity_types": None if self.entity_types is None else list(self.entity_types),
            "service_categories": None if self.categories is None else list(self.categories),
            "min_n": self.min_n,
        }

    def grid_filters(self) -> dict:
        return {
            "entity_types": self.filters()["entity_types"],
            "service_categories": self.filters()["service_categories"],
        }


@dataclass(frozen=True)
class ChannelsTables:
    """The table alternative of every chart (the view names each download after what it holds)."""

    units: pl.DataFrame  # the map's and the distribution's table: one row per unit
    entity: pl.DataFrame
    category: pl.DataFrame
    trend: pl.DataFrame
    relation: pl.DataFrame


@dataclass(frozen=True)
class ChannelsView:
    """Everything the channels page lays out for one selection and language. Every text is Markdown-safe
    (user-supplied labels escaped)."""

    selection: Selection
    map: go.Figure
    distribution: go.Figure
    entity: go.Figure
    category: go.Figure
    trend: go.Figure
    relation: go.Figure
    relation_sentence: str | None
    relation_caption: str
    findings: tuple[str, ...]
    facts: tuple[Finding, ...]  # the findings with their facts (the relation finding last, when there is one)
    notes: tuple[str, ...]  # what the page cannot show, and why
    tables: ChannelsTables
    shares: pl.DataFrame  # one row per unit, hidden cells nulled: what the mix chart draws from
    national: dict  # the pooled row of the whole selection (shares and intervals; nulled when hidden)
    national_label: str  # "全国" when the data cover all 31 provinces, else "all units shown"
    mix_options: tuple[str, ...]  # units the mix chart may show, highest offline share first
    mix_default: tuple[str, ...]


@dataclass(frozen=True)
class ChannelMix:
    """The channel-mix chart for the regions the user picked, with its table."""

    chart: go.Figure
    table: pl.DataFrame


@dataclass(frozen=True)
class PageOptions:
    """What the widgets offer for one dataset."""

    years: tuple[int, ...]
    entity_types: tuple[str, ...]
    categories: tuple[str, ...]
    dropped_rows: int


# ---------------------------------------------------------------------------------------------------------------
# Data and labels
# ---------------------------------------------------------------------------------------------------------------
def prepare(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """(the rows the page can count, how many were left out): counts cleaned (analysis.channels.clean_counts),
    missing breakdown columns filled with "all", entity-type and category labels in zh/en mapped to their codes
    (anything else kept as written, a missing label as "(unstated)")."""
    data = frame
    for column in GROUP_KEYS:
        if column not in data.columns:
            data = data.with_columns(pl.lit(ALL).alias(column))
    data, dropped = channels.clean_counts(data)
    data = data.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None).fill_null(UNSTATED) for c in GROUP_KEYS
    )
    data = data.with_columns(
        free_dimension_codes(data, "entity_type", ENTITY_LABELS),
        free_dimension_codes(data, "service_category", CATEGORY_LABELS),
    )
    return data, dropped


def ordered_values(values: Sequence[str], known: Sequence[str]) -> list[str]:
    """Known codes in code-list order, then "all", then the others (free text) sorted, "(unstated)" last."""
    present = set(values)
    others = sorted(present - set(known) - {ALL, UNSTATED})
    return [v for v in (*known, ALL) if v in present] + others + ([UNSTATED] if UNSTATED in present else [])


def present_values(frame: pl.DataFrame, column: str, known: Sequence[str]) -> list[str]:
    """Every value of column in frame (a prepared frame), known codes first (see :func:`ordered_values`)."""
    return ordered_values(frame[column].drop_nulls().unique().to_list(), known)


def options(frame: pl.DataFrame) -> PageOptions:
    """The years, entity types and categories a dataset offers (after :func:`prepare`)."""
    data, dropped = prepare(frame)
    return PageOptions(
        years=tuple(sorted(int(y) for y in data["year"].unique().to_list())),
        entity_types=tuple(present_values(data, "entity_type", ENTITY_TYPES)),
        categories=tuple(present_values(data, "service_category", SERVICE_CATEGORIES)),
        dropped_rows=dropped,
    )


def group_label(column: str, code: str, lang: str) -> str:
    """The localised name of an entity type / category code; a label outside the catalog as written."""
    if code == UNSTATED:
        return t("channels.label_unstated", lang)
    key = f"{GROUP_KEYS[column]}.{code}"
    return t(key, lang) if key in catalog() else str(code)


def _md(text: str, markdown: bool) -> str:
    return escape_markdown(text) if markdown else text


@cache
def _counted_provinces() -> frozenset[str]:
    frame = load_gazetteer().frame
    return frozenset(frame.filter((pl.col("level") == "province") & pl.col("counted_in_31"))["adcode"].to_list())


def covers_nation(data: pl.DataFrame) -> bool:
    """True when the data have rows for every one of the 31 provinces (so "全国" is a true label)."""
    provinces = set(channels.with_region_columns(data.select("adcode").unique())["province"].to_list())
    return _counted_provinces() <= provinces


def national_label(data: pl.DataFrame, lang: str) -> str:
    return t("channels.national" if covers_nation(data) else "channels.all_units", lang)


# ---------------------------------------------------------------------------------------------------------------
# Protected numbers
# ---------------------------------------------------------------------------------------------------------------
def grid(data: pl.DataFrame, sel: Selection, years: int | Sequence[int] | None = None) -> dict[str, pl.DataFrame]:
    """The protection grid of the selection (every year unless ``years``): see analysis.channels."""
    return channels.protection_grid(data, k=sel.k, year=years, **sel.grid_filters())


def _unit_shares(data: pl.DataFrame, sel: Selection, cells: dict[str, pl.DataFrame], level: Level) -> pl.DataFrame:
    if level == "province":
        shares = channels.province_rollup(data, by=("year",), year=sel.year, **sel.filters())
        decisions = cells["province"]
    else:
        shares = channels.channel_shares(data, by=("adcode", "year"), year=sel.year, **sel.filters())
        decisions = cells["unit"]
    return channels.hide_cells(shares.filter(pl.col("year") == sel.year), decisions, "adcode")


def unit_shares(frame: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """One row per unit (city or province) for sel.year: counts, shares with Wilson intervals, small_sample
    flag, ``suppressed`` / ``suppression``; hidden cells have every number nulled."""
    data, _ = prepare(frame)
    return _unit_shares(data, sel, grid(data, sel, sel.year), sel.level)


def _national(data: pl.DataFrame, sel: Selection, cells: dict[str, pl.DataFrame]) -> dict:
    shares = channels.channel_shares(data, by=("year",), year=sel.year, **sel.filters())
    protected = channels.hide_cells(shares, cells[channels.NATIONAL], None)
    if protected.height:
        return protected.row(0, named=True)
    return dict.fromkeys([*protected.columns], None) | {"suppressed": True}


def national_shares(frame: pl.DataFrame, sel: Selection) -> dict:
    """The pooled shares of the whole selection (every unit, small samples included), nulled when hidden."""
    data, _ = prepare(frame)
    return _national(data, sel, grid(data, sel, sel.year))


def _breakdown(data: pl.DataFrame, sel: Selection, by: str, cells: dict[str, pl.DataFrame]) -> pl.DataFrame:
    table = channels.breakdown(data, by, year=sel.year, **sel.filters()).with_columns(pl.lit(sel.year).alias("year"))
    return channels.hide_cells(table, cells[by], by)


def _unique_labels(labels: list[str], codes: list[str]) -> list[str]:
    """Two groups must never share a label (a chart would merge their bars): repeat ones carry their code."""
    seen = {label: labels.count(label) for label in labels}
    return [f"{label} ({code})" if seen[label] > 1 else label for label, code in zip(labels, codes, strict=True)]


def breakdown_rows(protected: pl.DataFrame, by: str, lang: str) -> pl.DataFrame:
    """key, group (localised, unique), share, low, high, n (records), small_sample: the shown groups, highest
    share first (hidden groups are left out: :func:`hidden_groups` names them)."""
    shown = visible_rows(protected).sort(["offline_share", by], descending=[True, False], nulls_last=True)
    n_col = "unweighted_n" if "unweighted_n" in shown.columns else "respondents"
    codes = [str(c) for c in shown[by]]
    return pl.DataFrame(
        {
            "key": codes,
            "group": _unique_labels([group_label(by, c, lang) for c in codes], codes),
            "share": shown["offline_share"],
            "low": shown["offline_low"],
            "high": shown["offline_high"],
            "n": shown[n_col],
            "small_sample": shown["small_sample"],
        },
        schema={
            "key": pl.String,
            "group": pl.String,
            "share": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "n": pl.Float64 if shown.schema[n_col].is_float() else pl.Int64,
            "small_sample": pl.Boolean,
        },
    )


def breakdown_table(frame: pl.DataFrame, sel: Selection, by: str, lang: str) -> pl.DataFrame:
    """key, group (localised), share, low, high, n, small_sample of the shown groups, highest share first;
    by is entity_type or service_category."""
    data, _ = prepare(frame)
    return breakdown_rows(_breakdown(data, sel, by, grid(data, sel, sel.year)), by, lang)


def hidden_groups(protected: pl.DataFrame, by: str) -> list[str]:
    return sorted(str(c) for c in protected.filter(pl.col("suppressed"))[by].to_list())


def _trend(data: pl.DataFrame, sel: Selection, cells: dict[str, pl.DataFrame]) -> pl.DataFrame:
    table = channels.trend(
        data,
        entity_types=sel.filters()["entity_types"],
        service_categories=sel.filters()["service_categories"],
        min_n=sel.min_n,
    )
    nation = channels.hide_cells(table.filter(pl.col("scope") == channels.NATIONAL), cells[channels.NATIONAL], None)
    regions = channels.hide_cells(table.filter(pl.col("scope") != channels.NATIONAL), cells["macro"], "scope")
    return pl.concat([nation, regions], how="diagonal_relaxed")


def trend_rows(protected: pl.DataFrame, total_label: str, lang: str) -> pl.DataFrame:
    """scope (localised: the whole selection, then each macro region), year, share, low, high: shown cells."""
    known = {channels.NATIONAL: total_label} | {
        s: t(f"macro.{s}", lang)
        for s in protected["scope"].drop_nulls().unique().to_list()
        if f"macro.{s}" in catalog()
    }
    shown = visible_rows(protected).filter(pl.col("scope").is_in(list(known)))
    order = [channels.NATIONAL, *(s for s in ("east", "central", "west", "northeast", "hmt") if s in known)]
    shown = shown.with_columns(
        pl.col("scope").replace_strict(order, list(range(len(order))), default=len(order)).alias("__o")
    ).sort("__o", "year")
    return shown.select(
        pl.col("scope").replace_strict(known, default=None, return_dtype=pl.String).alias("scope"),
        "year",
        pl.col("offline_share").alias("share"),
        pl.col("offline_low").alias("low"),
        pl.col("offline_high").alias("high"),
    )


def trend_table(frame: pl.DataFrame, sel: Selection, lang: str) -> pl.DataFrame:
    """scope, year, share, low, high: shown cells of every year (hidden ones left out)."""
    data, _ = prepare(frame)
    return trend_rows(_trend(data, sel, grid(data, sel)), national_label(data, lang), lang)


# ---------------------------------------------------------------------------------------------------------------
# Relation to the development index
# ---------------------------------------------------------------------------------------------------------------
def index_year(index: pl.DataFrame, year: int) -> int | None:
    """The latest year of the index not after ``year`` (None when the index starts later)."""
    years = [int(y) for y in index["year"].drop_nulls().unique().to_list() if int(y) <= year]
    return max(years) if years else None


def relation(index: pl.DataFrame, provinces: pl.DataFrame, sel: Selection) -> channels.RelationResult | None:
    """Offline share of each shown province against the province's development index, one point per province:
    cities share their province's index, so they are not independent observations and are pooled first."""
    if not {"adcode", "year", "index"} <= set(index.columns):
        return None
    year = index_year(index, sel.year)
    if year is None:
        return None
    return channels.relation_to_index(visible_rows(provinces), index, year, min_n=sel.min_n)


# ---------------------------------------------------------------------------------------------------------------
# Findings: facts, then words
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpreadFacts:
    """Highest and lowest unit among those with an adequate sample; ``equal`` when they do not differ at the
    one decimal shown."""

    year: int
    level: str
    units: int
    highest: str
    highest_share: float
    lowest: str
    lowest_share: float
    spread_pp: float
    p90_p10_pp: float
    iqr_pp: float
    equal: bool


@dataclass(frozen=True)
class DistinctFacts:
    highest: str
    lowest: str
    within_ci: bool  # the two 95 % intervals overlap


@dataclass(frozen=True)
class TiesFacts:
    tied_with_highest: int
    tied_with_lowest: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ExcludedFacts:
    excluded: int
    min_n: int


@dataclass(frozen=True)
class HiddenFacts:
    hidden: int
    primary: int
    secondary: int
    k: int


@dataclass(frozen=True)
class NationalFacts:
    share: float
    low: float
    high: float
    counter_share: float | None
    units: int
    national: bool  # the data cover all 31 provinces


@dataclass(frozen=True)
class BreakdownFacts:
    by: str
    groups: int  # groups with an adequate sample that entered the comparison
    left_out: int  # shown groups kept out of it for their small sample (the sentence says so)
    min_n: int
    most: str
    most_share: float
    least: str
    least_share: float
    difference_pp: float
    within_ci: bool
    equal: bool


@dataclass(frozen=True)
class RelationFacts:
    index_year: int
    provinces: int
    r: float
    p_value: float
    significant: bool  # p < ALPHA
    negative: bool  # r < 0
    index_sample: bool


def spread_facts(numbers: channels.ChannelFindings, sel: Selection) -> SpreadFacts | None:
    """None with fewer than two units to compare."""
    s = numbers.spread
    if s.units < 2 or s.max_id is None or s.min_id is None or s.max_value is None or s.min_value is None:
        return None
    spread_pp = cast(float, numbers.spread_pp)
    return SpreadFacts(
        year=sel.year,
        level=sel.level,
        units=s.units,
        highest=s.max_id,
        highest_share=s.max_value,
        lowest=s.min_id,
        lowest_share=s.min_value,
        spread_pp=spread_pp,
        p90_p10_pp=cast(float, numbers.p90_p10_pp),
        iqr_pp=cast(float, numbers.iqr_pp),
        equal=round(spread_pp, 1) == 0,
    )


def distinct_facts(numbers: channels.ChannelFindings, spread: SpreadFacts | None) -> DistinctFacts | None:
    if spread is None or spread.equal or numbers.highest is None or numbers.lowest is None:
        return None
    return DistinctFacts(numbers.highest.id, numbers.lowest.id, numbers.highest_vs_lowest_within_ci)


def ties_facts(numbers: channels.ChannelFindings, spread: SpreadFacts | None) -> TiesFacts | None:
    # With few units one can be tied with both ends: name it once.
    ties = tuple(dict.fromkeys([*numbers.tied_with_highest[:2], *numbers.tied_with_lowest[:2]]))
    if spread is None or spread.equal or not ties:
        return None
    return TiesFacts(len(numbers.tied_with_highest), len(numbers.tied_with_lowest), ties)


def excluded_facts(numbers: channels.ChannelFindings, sel: Selection) -> ExcludedFacts | None:
    return ExcludedFacts(numbers.spread.excluded, sel.min_n) if numbers.spread.excluded else None


def hidden_facts(shares: pl.DataFrame, sel: Selection) -> HiddenFacts | None:
    hidden = shares.filter(pl.col("suppressed"))
    if not hidden.height:
        return None
    primary = hidden.filter(pl.col("suppression") == "primary").height
    return HiddenFacts(hidden.height, primary, hidden.height - primary, sel.k)


def national_facts(whole: dict, units: int, national: bool) -> NationalFacts | None:
    if whole.get("suppressed") or whole.get("offline_share") is None:
        return None
    return NationalFacts(
        whole["offline_share"], whole["offline_low"], whole["offline_high"], whole.get("counter_share"), units, national
    )


def breakdown_facts(rows: pl.DataFrame, by: str, min_n: int = MIN_N) -> BreakdownFacts | None:
    """rows: :func:`breakdown_rows`; None with fewer than two shown groups of adequate size."""
    adequate = rows.filter(~pl.col("small_sample").fill_null(True)).sort(["share", "key"], descending=[True, False])
    if adequate.height < 2:
        return None
    most, least = adequate.row(0, named=True), adequate.row(-1, named=True)
    difference = (most["share"] - least["share"]) * 100
    return BreakdownFacts(
        by=by,
        groups=adequate.height,
        left_out=rows.height - adequate.height,
        min_n=min_n,
        most=most["key"],
        most_share=most["share"],
        least=least["key"],
        least_share=least["share"],
        difference_pp=difference,
        within_ci=differences_within_ci(most["low"], most["high"], least["low"], least["high"]),
        equal=round(difference, 1) == 0,
    )


def relation_facts(result: channels.RelationResult | None, index_sample: bool) -> RelationFacts | None:
    """None when no test could be made (fewer than three provinces, no index year, constant values) or when
    points are not independent (they share an index)."""
    if result is None or result.r is None or result.p_value is None or not result.independent:
        return None
    return RelationFacts(
        index_year=result.year,
        provinces=result.n,
        r=result.r,
        p_value=result.p_value,
        significant=result.p_value < ALPHA,
        negative=result.r < 0,
        index_sample=index_sample,
    )


def _unit_kind(level: str, lang: str) -> str:
    return t("channels.unit_city" if level == "prefecture" else "channels.unit_province", lang)


def word_spread(facts: SpreadFacts, lang: str, markdown: bool = False) -> Finding:
    name = {a: _md(region_label(a, lang), markdown) for a in (facts.highest, facts.lowest)}
    if facts.equal:
        key = "channels.finding_spread_equal"
        text = t(
            key,
            lang,
            year=facts.year,
            units=facts.units,
            unit_kind=_unit_kind(facts.level, lang),
            share=percent_text(facts.highest_share),
        )
        return Finding(key, text, facts)
    key = "channels.finding_spread"
    text = t(
        key,
        lang,
        year=facts.year,
        unit_kind=_unit_kind(facts.level, lang),
        high=name[facts.highest],
        high_share=percent_text(facts.highest_share),
        low=name[facts.lowest],
        low_share=percent_text(facts.lowest_share),
        spread=f"{facts.spread_pp:.1f}",
        p9010=f"{facts.p90_p10_pp:.1f}",
        iqr=f"{facts.iqr_pp:.1f}",
    )
    return Finding(key, text, facts)


def word_distinct(facts: DistinctFacts, lang: str) -> Finding:
    key = "channels.finding_not_distinct" if facts.within_ci else "channels.finding_distinct"
    return Finding(key, t(key, lang), facts)


def word_ties(facts: TiesFacts, lang: str, markdown: bool = False) -> Finding:
    key = "channels.finding_ties"
    examples = t("list.separator", lang).join(_md(region_label(a, lang), markdown) for a in facts.examples)
    text = t(key, lang, n_high=facts.tied_with_highest, n_low=facts.tied_with_lowest, examples=examples)
    return Finding(key, text, facts)


def word_excluded(facts: ExcludedFacts, lang: str) -> Finding:
    key = "channels.finding_excluded"
    return Finding(key, t(key, lang, n=facts.excluded, min_n=facts.min_n), facts)


def word_hidden(facts: HiddenFacts, lang: str) -> Finding:
    key = "channels.finding_hidden"
    text = t(key, lang, hidden=facts.hidden, primary=facts.primary, secondary=facts.secondary, k=facts.k)
    return Finding(key, text, facts)


def word_national(facts: NationalFacts, level: str, lang: str) -> Finding:
    key = "channels.finding_national" if facts.national else "channels.finding_all_units"
    text = t(
        key,
        lang,
        units=facts.units,
        unit_kind=_unit_kind(level, lang),
        share=percent_text(facts.share),
        low=percent_text(facts.low),
        high=percent_text(facts.high),
        counter=percent_text(facts.counter_share),
    )
    return Finding(key, text, facts)


def word_breakdown(facts: BreakdownFacts, lang: str, markdown: bool = False) -> Finding:
    stem = "channels.finding_entity" if facts.by == "entity_type" else "channels.finding_category"
    key = f"{stem}_equal" if facts.equal else f"{stem}_overlap" if facts.within_ci else stem
    text = t(
        key,
        lang,
        groups=facts.groups,
        most=_md(group_label(facts.by, facts.most, lang), markdown),
        most_share=percent_text(facts.most_share),
        least=_md(group_label(facts.by, facts.least, lang), markdown),
        least_share=percent_text(facts.least_share),
        difference=f"{facts.difference_pp:.1f}",
    )
    if facts.left_out:
        text += t(
            "channels.finding_breakdown_left_out", lang, groups=facts.groups, left_out=facts.left_out, min_n=facts.min_n
        )
    return Finding(key, text, facts)


def word_relation(facts: RelationFacts, lang: str) -> Finding:
    if facts.significant:
        key = "channels.relation_negative" if facts.negative else "channels.relation_positive"
    else:
        key = "channels.relation_not_significant"
    text = t(
        key,
        lang,
        r=signed(facts.r, 2),
        p=f"= {facts.p_value:.3f}" if facts.p_value >= 0.001 else "< 0.001",
        n=facts.provinces,
        year=facts.index_year,
        alpha=ALPHA,
    )
    return Finding(key, text, facts)


# ---------------------------------------------------------------------------------------------------------------
# The page's numbers (language-free) and their findings
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Computed:
    """Everything the page states, protected, before any wording."""

    sel: Selection
    data: pl.DataFrame
    dropped_rows: int
    shares: pl.DataFrame
    provinces: pl.DataFrame
    numbers: channels.ChannelFindings
    whole: dict
    national: bool
    entity: pl.DataFrame  # protected breakdowns (hidden rows included, nulled)
    category: pl.DataFrame
    trend: pl.DataFrame
    relation: channels.RelationResult | None
    index_sample: bool


def compute(
    frame: pl.DataFrame, sel: Selection, *, index: pl.DataFrame | None = None, index_sample: bool = False
) -> Computed:
    data, dropped = prepare(frame)
    cells = grid(data, sel)
    shares = _unit_shares(data, sel, cells, sel.level)
    provinces = shares if sel.level == "province" else _unit_shares(data, sel, cells, "province")
    return Computed(
        sel=sel,
        data=data,
        dropped_rows=dropped,
        shares=shares,
        provinces=provinces,
        numbers=channels.findings_numbers(visible_rows(shares), year=sel.year, min_n=sel.min_n),
        whole=_national(data, sel, cells),
        national=covers_nation(data),
        entity=_breakdown(data, sel, "entity_type", cells),
        category=_breakdown(data, sel, "service_category", cells),
        trend=_trend(data, sel, cells),
        relation=None if index is None else relation(index, provinces, sel),
        index_sample=index_sample,
    )


def unit_findings(shares: pl.DataFrame, sel: Selection) -> channels.ChannelFindings:
    """The spread (in percentage points, computed once here for the chart and the sentence) and the
    comparisons across the units that are shown."""
    return channels.findings_numbers(visible_rows(shares), year=sel.year, min_n=sel.min_n)


def findings_of(c: Computed, lang: str, markdown: bool = False) -> list[Finding]:
    """The findings sentences of the page in order; the relation finding last (when an index was given)."""
    out: list[Finding] = []
    spread = spread_facts(c.numbers, c.sel)
    if spread:
        out.append(word_spread(spread, lang, markdown))
    if distinct := distinct_facts(c.numbers, spread):
        out.append(word_distinct(distinct, lang))
    if ties := ties_facts(c.numbers, spread):
        out.append(word_ties(ties, lang, markdown))
    if excluded := excluded_facts(c.numbers, c.sel):
        out.append(word_excluded(excluded, lang))
    if hidden := hidden_facts(c.shares, c.sel):
        out.append(word_hidden(hidden, lang))
    if national := national_facts(c.whole, c.shares.height, c.national):
        out.append(word_national(national, c.sel.level, lang))
    for by, protected in (("entity_type", c.entity), ("service_category", c.category)):
        if facts := breakdown_facts(breakdown_rows(protected, by, lang), by, c.sel.min_n):
            out.append(word_breakdown(facts, lang, markdown))
    if related := relation_facts(c.relation, c.index_sample):
        out.append(word_relation(related, lang))
    return out


def channels_findings(
    frame: pl.DataFrame,
    year: int | None = None,
    lang: str = "zh",
    *,
    level: Level = "prefecture",
    entity_types: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    min_n: int = MIN_N,
    k: int = SUPPRESS_K,
    index: pl.DataFrame | None = None,
    index_sample: bool = False,
    markdown: bool = False,
) -> list[Finding]:
    """The findings the channels page shows for ``frame`` (a city_channels table: built-in or any upload), with
    the page's defaults: the latest year, cities, every entity type and category, min_n 30, k 10.

    ``index``: a province index table (adcode, year, index) to add the relation finding (none without it);
    ``index_sample`` says it is the built-in sample. ``markdown`` escapes user-supplied names (the page);
    the default gives plain text (a terminal, JSON). Never raises on a table of the right kind; a frame with no
    countable rows gives no findings.
    """
    data, _ = prepare(frame)
    if data.is_empty():
        return []
    sel = Selection(
        year=int(cast(int, data["year"].max())) if year is None else year,
        entity_types=None if entity_types is None else tuple(entity_types),
        categories=None if categories is None else tuple(categories),
        level=level,
        min_n=min_n,
        k=k,
    )
    return findings_of(compute(frame, sel, index=index, index_sample=index_sample), lang, markdown)


# ---------------------------------------------------------------------------------------------------------------
# Tables and notes
# ---------------------------------------------------------------------------------------------------------------
def details_table(shares: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per unit, highest offline share first: share, interval, n (records), channel mix and flags."""
    ordered = shares.sort(["offline_share", "adcode"], descending=[True, False], nulls_last=True)
    n_col = "unweighted_n" if "unweighted_n" in ordered.columns else "respondents"
    flags = []
    for small, hidden in zip(ordered["small_sample"], ordered["suppressed"], strict=True):
        flags.append(t("channels.flag_suppressed", lang) if hidden else t("channels.flag_small", lang) if small else "")
    columns = {
        t("column.region", lang): [region_label(a, lang) for a in ordered["adcode"]],
        t("column.adcode", lang): ordered["adcode"],
        t("channels.col_share", lang): [percent_text(v) for v in ordered["offline_share"]],
        t("channels.col_ci", lang): [
            interval_text(lo, hi) for lo, hi in zip(ordered["offline_low"], ordered["offline_high"], strict=True)
        ],
        t("channels.col_n", lang): ordered[n_col],
    }
    for channel in CHANNELS:
        columns[t(f"channels.channel.{channel}", lang)] = [percent_text(v) for v in ordered[f"{channel}_share"]]
    columns[t("channels.col_flag", lang)] = flags
    return pl.DataFrame(columns)


def default_mix_regions(shares: pl.DataFrame, sel: Selection, n: int = MIX_REGIONS_EACH_END) -> list[str]:
    """The n highest and n lowest units by offline share (adequate samples only)."""
    codes = adequate_rows(shares).sort(["offline_share", "adcode"], descending=[True, False])["adcode"].to_list()
    return [*codes[:n], *codes[-n:]] if len(codes) > 2 * n else codes


def mix_frame(
    shares: pl.DataFrame, whole: dict, regions: Sequence[str], lang: str, total_label: str | None = None
) -> pl.DataFrame:
    """label, channel, share: the whole selection first (when shown), then the chosen regions."""
    label = total_label or t("channels.national", lang)
    rows = []
    if not whole.get("suppressed") and whole.get("offline_share") is not None:
        rows = [{"label": label, "channel": c, "share": whole[f"{c}_share"]} for c in CHANNELS]
    chosen = visible_rows(shares.filter(pl.col("adcode").is_in(list(regions))))
    for row in chosen.sort(["offline_share", "adcode"], descending=[True, False]).iter_rows(named=True):
        rows += [
            {"label": region_label(row["adcode"], lang), "channel": c, "share": row[f"{c}_share"]} for c in CHANNELS
        ]
    return pl.DataFrame(rows, schema={"label": pl.String, "channel": pl.String, "share": pl.Float64})


def _named(items: Sequence[str], lang: str) -> str:
    shown = t("list.separator", lang).join(escape_markdown(i) for i in items[:MAX_NAMED])
    return shown + ("…" if len(items) > MAX_NAMED else "")


def page_notes(c: Computed, lang: str) -> list[str]:
    """What the page cannot show and why (Markdown-safe)."""
    notes: list[str] = []
    if c.dropped_rows:
        notes.append(t("channels.note_dropped", lang, n=c.dropped_rows))
    if c.shares.is_empty():
        notes.append(t("channels.note_empty", lang, year=c.sel.year))
    if "unweighted_n" in c.data.columns:
        notes.append(t("channels.note_weighted", lang))
    drawn = set(layer_ids(c.sel.level))
    off_map = [a for a in c.shares["adcode"].to_list() if a not in drawn]
    if off_map:
        names = [region_label(a, lang) for a in off_map]
        notes.append(t("channels.note_off_map", lang, n=len(off_map), names=_named(names, lang)))
    for by, protected in (("entity_type", c.entity), ("service_category", c.category)):
        hidden = hidden_groups(protected, by)
        if hidden:
            names = [group_label(by, g, lang) for g in hidden]
            notes.append(t(f"channels.note_hidden_{by}", lang, n=len(hidden), names=_named(names, lang), k=c.sel.k))
    if c.data.height and c.data["year"].n_unique() < 2:
        notes.append(t("channels.note_one_year", lang))
    hidden_trend = c.trend.filter(pl.col("suppressed")).height
    if hidden_trend:
        notes.append(t("channels.note_trend_hidden", lang, n=hidden_trend, k=c.sel.k))
    return notes


def relation_caption(c: Computed, data_sample: bool, lang: str) -> str:
    """How the relation was tested (one point per province), and which index it uses."""
    result = c.relation
    parts = []
    if result is None:
        parts.append(t("channels.relation_no_index", lang, year=c.sel.year))
    elif result.r is None:
        parts.append(t("channels.relation_too_few", lang, n=result.n))
    parts.append(
        t(
            "channels.relation_method",
            lang,
            n=0 if result is None else result.n,
            year="—" if result is None else result.year,
        )
    )
    if c.index_sample:
        parts.append(
            t("channels.relation_index_sample" if data_sample else "channels.relation_index_sample_mixed", lang)
        )
    return " ".join(parts) if lang == "en" else "".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------------
def present(
    frame: pl.DataFrame,
    sel: Selection,
    lang: str,
    *,
    index: pl.DataFrame | None = None,
    index_sample: bool | None = None,
    watermark: str | None = None,
) -> ChannelsView:
    """The whole page for one selection: ``frame`` is city_channels (built-in or an upload); ``index`` the
    province index of the relation chart (default: the built-in sample, labelled as such); ``index_sample``
    whether ``index`` is sample data (default: True exactly when the built-in one is used); ``watermark`` the
    sample-data mark of the channels data (None for an analyst's dataset)."""
    if index is None:
        index, index_sample = load_builtin("province_index"), True
    index_sample = bool(index_sample)
    c = compute(frame, sel, index=index, index_sample=index_sample)
    total = national_label(c.data, lang)
    shares = c.shares
    names = {a: region_label(a, lang) for a in shares["adcode"]} | {
        a: region_label(a, lang) for a in c.provinces["adcode"]
    }
    entity = breakdown_rows(c.entity, "entity_type", lang)
    category = breakdown_rows(c.category, "service_category", lang)
    trend = trend_rows(c.trend, total, lang)
    points = (
        c.relation.points
        if c.relation
        else pl.DataFrame(
            schema={
                "adcode": pl.String,
                "index": pl.Float64,
                "value": pl.Float64,
                "index_source": pl.String,
                "outlier": pl.Boolean,
            }
        )
    )
    relation_chart = figures.relation_chart(
        points, c.relation.slope if c.relation else None, c.relation.intercept if c.relation else None, names, lang
    )
    if index_sample:
        relation_chart = mark_sample(relation_chart, t("channels.index_sample_mark", lang))
    found = findings_of(c, lang, markdown=True)
    relation_found = [f for f in found if f.key.startswith("channels.relation_")]
    return ChannelsView(
        selection=sel,
        map=protected_map(
            shares,
            "offline_share",
            "offline_pref_share",
            "channels",
            lang,
            min_n=sel.min_n,
            k=sel.k,
            level=sel.level,
            watermark=watermark,
        ),
        distribution=figures.distribution_chart(shares, c.numbers.spread, c.numbers.spread_pp, names, lang),
        entity=figures.breakdown_chart(_chart_safe(entity), lang),
        category=figures.breakdown_chart(_chart_safe(category), lang),
        trend=figures.trend_chart(trend, lang),
        relation=relation_chart,
        relation_sentence=relation_found[0].text if relation_found else None,
        relation_caption=relation_caption(c, watermark is not None, lang),
        findings=texts([f for f in found if f not in relation_found]),
        facts=tuple(found),
        notes=tuple(page_notes(c, lang)),
        tables=ChannelsTables(
            units=details_table(shares, lang), entity=entity, category=category, trend=trend, relation=points
        ),
        shares=shares,
        national=c.whole,
        national_label=total,
        mix_options=tuple(
            visible_rows(shares).sort(["offline_share", "adcode"], descending=[True, False])["adcode"].to_list()
        ),
        mix_default=tuple(default_mix_regions(shares, sel)),
    )


def _chart_safe(table: pl.DataFrame) -> pl.DataFrame:
    """Group names as plotly shows them: HTML-escaped (an uploaded label must not become a link or a tag)."""
    return table.with_columns(pl.Series("group", [html.escape(g) for g in table["group"]], dtype=pl.String))


def channel_mix(view: ChannelsView, regions: Sequence[str], lang: str) -> ChannelMix:
    """The channel mix of the whole selection and the chosen regions, as a chart and its table."""
    mix = mix_frame(view.shares, view.national, regions, lang, view.national_label)
    return ChannelMix(chart=figures.mix_chart(mix, lang), table=mix)


# -- transaction logs: actual handling, not stated preference (issue 19) ----------------------------------------
HANDLING_COUNTS = ("records", *CHANNELS, "completed", "rated", "satisfied")


@dataclass(frozen=True)
class HandlingView:
    """A transaction log's counts (kind city_transactions) as the channels page shows them: the share of 办件
    actually handled at counters, labelled as actual handling (never as a preference for offline service)."""

    table: pl.DataFrame  # localised columns, one row per region and year (latest year first)
    finding: str  # one sentence on the latest year (markdown-safe)
    caption: str  # what the share is and is not


def _share(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(pl.col(denominator) > 0)
        .then((pl.col(numerator).cast(pl.Float64) / pl.col(denominator) * 100).round(1))
        .otherwise(None)
    )


def handling_view(frame: pl.DataFrame, lang: str) -> HandlingView:
    """The channels page's section for a transaction log: counts per channel, the share actually handled at counters,
    completion and satisfaction rates (satisfaction among the rated 办件)."""
    data = frame.with_columns(
        pl.col(c).cast(pl.Int64) if c in frame.columns else pl.lit(None, dtype=pl.Int64).alias(c)
        for c in HANDLING_COUNTS
    ).with_columns(pl.col("year").cast(pl.Int64))
    codes = data["adcode"].drop_nulls().unique().to_list()
    names = {c: region_label(c, lang) for c in codes}
    col = {k: t(f"channels.handling.col_{k}", lang) for k in ("region", "year", "records", *CHANNELS)}
    col |= {k: t(f"channels.handling.col_{k}", lang) for k in ("counter_share", "completed_rate", "satisfied_rate")}
    table = data.sort(["year", "adcode"], descending=[True, False]).select(
        pl.col("adcode").replace_strict(names, default=None, return_dtype=pl.String).alias(col["region"]),
        pl.col("year").alias(col["year"]),
        pl.col("records").alias(col["records"]),
        *(pl.col(c).alias(col[c]) for c in CHANNELS),
        _share("counter", "records").alias(col["counter_share"]),
        _share("completed", "records").alias(col["completed_rate"]),
        _share("satisfied", "rated").alias(col["satisfied_rate"]),
    )
    finding = ""
    if data.height:
        year = cast(int, data["year"].max())
        latest = data.filter(pl.col("year") == year)
        records, counter = int(latest["records"].sum()), int(latest["counter"].sum())
        finding = t(
            "channels.handling.finding",
            lang,
            year=year,
            records=f"{records:,}",
            units=latest.height,
            share=percent_text(counter / records if records else None),
        )
    return HandlingView(table=table, finding=finding, caption=t("channels.handling.caption", lang))
