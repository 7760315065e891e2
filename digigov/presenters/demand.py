"""The demand-matching page (views/demand.py): the shortfall map, findings sentences, the region-against-
national funnel and reasons, potential vs actual, the gap split and the priority list, as localised tables and
figures in one DemandView per selection and language (RegionFocus and ProvinceDrill for the parts that follow
a chosen region). The protected units come from digigov.analysis.demand_units; this module words them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import demand_units as du
from digigov.analysis.demand import ACTIONS
from digigov.analysis.demand_units import (
    ALL,
    NATIONAL,
    Selection,
    default_region,
    national_funnel,
    priority_rows,
    ranked,
    reason_shares,
    region_options,
    stage_rates,
)
from digigov.analysis.proportions import MIN_N, SUPPRESS_K, differences_within_ci, flagged_units, visible_rows
from digigov.codes import REASONS
from digigov.figures import demand as figures
from digigov.findings import Finding, signed, texts
from digigov.i18n import catalog, t
from digigov.presenters.survey import NO_VALUE, interval_text, percent, points_text, protected_map
from digigov.regions import Level, covers_all_provinces, region_label, region_name

SCATTER_LABELS = 5
GAP_BARS = 15
PRIORITY_ROWS = 20
DRILL_MAP_HEIGHT = 460


@dataclass(frozen=True)
class DemandTables:
    """The table alternative of each chart of the page, and the priority list."""

    units: pl.DataFrame  # the map's table: every unit, hidden ones without numbers
    scatter: pl.DataFrame
    gaps: pl.DataFrame
    priorities: pl.DataFrame


@dataclass(frozen=True)
class DemandView:
    """Everything the demand page lays out for one selection and language, except the parts that follow the
    chosen region (:class:`RegionFocus`) and the clicked province (:class:`ProvinceDrill`)."""

    selection: Selection
    map: go.Figure
    scatter: go.Figure
    gaps: go.Figure
    findings: tuple[str, ...]
    tables: DemandTables
    rows: pl.DataFrame  # the protected units (analysis.demand_units.units) the view was built from
    national: dict  # the protected national funnel row
    region_options: tuple[str, ...]  # units a funnel can be drawn for
    default_region: str | None
    finding_list: tuple[Finding, ...] = ()  # the findings with their catalog keys and facts
    notes: tuple[str, ...] = ()  # what the page cannot show for these data, and why
    protection: du.Protection | None = None  # the year's small-cell decisions (reasons are decided there too)


@dataclass(frozen=True)
class RegionFocus:
    """The funnel and the reasons of one region against the nation."""

    title: str  # the region's name as headers show it
    funnel: go.Figure
    funnel_table: pl.DataFrame
    reasons: go.Figure
    reasons_table: pl.DataFrame
    reasons_none: bool  # the data record no reasons at all (no reason columns, or every count 0)
    reasons_hidden: bool  # the region's reasons are hidden (too few non-users): only the nation's are shown
    reasons_note: str | None = None  # some reasons shown as "—" (hidden under the k rule), or None


@dataclass(frozen=True)
class ProvinceDrill:
    """The prefectures of a clicked province: their map and table, or a note that the data have none."""

    title: str
    map: go.Figure | None
    table: pl.DataFrame | None
    note: str | None


# ---------------------------------------------------------------------------------------------------------------
# Names and numbers
# ---------------------------------------------------------------------------------------------------------------
def category_name(category: str, lang: str, standalone: bool = False) -> str:
    """The category's name (an upload's own code as it is); standalone (a table cell, a list item) starts with
    a capital in English."""
    key = f"demand.category_name.{category}"
    name = t(key, lang) if key in catalog() else str(category)
    return name[:1].upper() + name[1:] if standalone else name


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def split_rounded(parts: Sequence[float], decimals: int = 1) -> tuple[float, list[float]]:
    """Round parts so that the rounded parts add up to the rounded total (largest-remainder method).

    parts are in display units (e.g. percentage points). Returns (rounded total, rounded parts): the total is
    the sum of the parts rounded half up; each part is its value rounded down or up, the ups going to the
    largest remainders, so every part is within one last digit of its true value and the sentence
    "shortfall = awareness + conversion" holds in the shown digits.
    """
    scale = 10**decimals
    scaled = [p * scale for p in parts]
    total = _round_half_up(sum(scaled))
    floors = [math.floor(s) for s in scaled]
    remainder = total - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: scaled[i] - floors[i], reverse=True)
    for i in order[: max(0, remainder)]:
        floors[i] += 1
    return total / scale, [f / scale for f in floors]


def gap_numbers(row: dict) -> tuple[float, float, float]:
    """(shortfall, awareness gap, conversion gap) in pp, rounded to 0.1 so that the parts add up exactly."""
    total, (aware, conv) = split_rounded([row["awareness_gap"] * 100, row["conversion_gap"] * 100])
    return total, aware, conv


# ---------------------------------------------------------------------------------------------------------------
# Funnel: region against national
# ---------------------------------------------------------------------------------------------------------------
def funnel_long(region_row: dict | None, national_row: dict, region_title: str, lang: str) -> pl.DataFrame:
    """stage, stage_label, scope (localised), rate, low, high: the national funnel first, then the region."""
    records = []
    for scope, row in ((t("demand.national", lang), national_row), (region_title, region_row)):
        if row is None:
            continue
        for r in stage_rates(row):
            records.append(
                {
                    "stage": r["stage"],
                    "stage_label": t(f"demand.stage.{r['stage']}", lang),
                    "scope": scope,
                    "rate": r["rate"],
                    "low": r["low"],
                    "high": r["high"],
                }
            )
    return pl.DataFrame(
        records,
        schema={
            "stage": pl.String,
            "stage_label": pl.String,
            "scope": pl.String,
            "rate": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
        },
    )


def funnel_table(long: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The funnel chart's table alternative: one row per stage, rate and interval per scope."""
    stages = list(dict.fromkeys(long["stage_label"].to_list()))
    columns: dict[str, list] = {t("demand.col_stage", lang): stages}
    for scope in dict.fromkeys(long["scope"].to_list()):
        part = {r["stage_label"]: r for r in long.filter(pl.col("scope") == scope).iter_rows(named=True)}
        columns[t("demand.col_rate", lang, scope=scope)] = [
            percent(part[s]["rate"]) if s in part else None for s in stages
        ]
        columns[t("demand.col_ci", lang, scope=scope)] = [
            interval_text(part[s]["low"], part[s]["high"]) if s in part else NO_VALUE for s in stages
        ]
    return pl.DataFrame(columns, strict=False)


# ---------------------------------------------------------------------------------------------------------------
# Scatter and gap bars
# ---------------------------------------------------------------------------------------------------------------
def scatter_points(rows: pl.DataFrame, lang: str, label_top: int = SCATTER_LABELS) -> pl.DataFrame:
    """adcode, name, label_name (the unit's own name, for labels on the chart), potential, actual, shortfall
    (all in %/pp), dominant_gap, small_sample, label (bool): visible units; the label_top largest shortfalls
    among adequate samples are labelled."""
    shown = visible_rows(rows)
    top = set(ranked(rows)["adcode"].head(label_top).to_list())
    codes = shown["adcode"].unique().drop_nulls().to_list()
    names = {a: region_label(a, lang) for a in codes}
    own_names = {a: region_name(a, lang) for a in codes}
    return shown.select(
        "adcode",
        pl.col("adcode").replace_strict(names, default=None, return_dtype=pl.String).alias("name"),
        pl.col("adcode").replace_strict(own_names, default=None, return_dtype=pl.String).alias("label_name"),
        (pl.col("potential_rate") * 100).alias("potential"),
        (pl.col("actual_rate") * 100).alias("actual"),
        (pl.col("shortfall") * 100).alias("shortfall"),
        "dominant_gap",
        "small_sample",
        pl.col("adcode").is_in(list(top)).alias("label"),
    ).sort("shortfall", descending=True)


def scatter_table(points: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The scatter's table alternative: one row per visible unit, potential, actual and shortfall in %/pp."""
    return pl.DataFrame(
        {
            t("demand.col_region", lang): points["name"],
            t("demand.col_adcode", lang): points["adcode"],
            t("demand.col_potential", lang): points["potential"].round(1),
            t("demand.col_actual", lang): points["actual"].round(1),
            t("demand.col_shortfall", lang): points["shortfall"].round(1),
            t("demand.col_flag", lang): [t("demand.flag_small", lang) if s else "" for s in points["small_sample"]],
        }
    )


def gap_bars(rows: pl.DataFrame, lang: str, top: int = GAP_BARS) -> pl.DataFrame:
    """adcode, name, awareness, conversion, shortfall (pp, rounded so that the parts add up), dominant_gap:
    the ``top`` largest shortfalls among adequate samples, largest first."""
    records = []
    for row in ranked(rows).head(top).iter_rows(named=True):
        total, aware, conv = gap_numbers(row)
        records.append(
            {
                "adcode": row["adcode"],
                "name": region_label(row["adcode"], lang),
                "awareness": aware,
                "conversion": conv,
                "shortfall": total,
                "dominant_gap": row["dominant_gap"],
            }
        )
    return pl.DataFrame(
        records,
        schema={
            "adcode": pl.String,
            "name": pl.String,
            "awareness": pl.Float64,
            "conversion": pl.Float64,
            "shortfall": pl.Float64,
            "dominant_gap": pl.String,
        },
    )


def gap_table(bars: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The gap chart's table alternative: shortfall and its two parts (pp) with the dominant gap."""
    return pl.DataFrame(
        {
            t("demand.col_region", lang): bars["name"],
            t("demand.col_shortfall", lang): bars["shortfall"],
            t("demand.col_awareness", lang): bars["awareness"],
            t("demand.col_conversion", lang): bars["conversion"],
            t("demand.col_dominant", lang): [t(f"demand.gap.{g}", lang) if g else "" for g in bars["dominant_gap"]],
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# Unit table (the map's table alternative)
# ---------------------------------------------------------------------------------------------------------------
def _flag(small: bool, hidden: bool, sel: Selection, lang: str) -> str:
    if hidden:
        return t("demand.flag_suppressed", lang, k=sel.k)
    return t("demand.flag_small", lang) if small else ""


def units_table(rows: pl.DataFrame, sel: Selection, lang: str) -> pl.DataFrame:
    """Every unit (hidden ones too, with no numbers), largest shortfall first: rates, gaps, interval, flags."""
    ordered = rows.sort(["shortfall", "adcode"], descending=[True, False], nulls_last=True)
    gaps = [gap_numbers(r) if r["shortfall"] is not None else (None, None, None) for r in ordered.iter_rows(named=True)]
    totals, awareness, conversion = ([g[i] for g in gaps] for i in range(3))
    return pl.DataFrame(
        {
            t("demand.col_region", lang): [region_label(a, lang) for a in ordered["adcode"]],
            t("demand.col_adcode", lang): ordered["adcode"],
            t("demand.col_n", lang): ordered["respondents"],
            t("demand.col_potential", lang): [percent(v) for v in ordered["potential_rate"]],
            t("demand.col_actual", lang): [percent(v) for v in ordered["actual_rate"]],
            t("demand.col_shortfall", lang): totals,
            t("demand.col_shortfall_ci", lang): [
                interval_text(lo, hi)
                for lo, hi in zip(ordered["shortfall_low"], ordered["shortfall_high"], strict=True)
            ],
            t("demand.col_awareness", lang): awareness,
            t("demand.col_conversion", lang): conversion,
            t("demand.col_dominant", lang): [t(f"demand.gap.{g}", lang) if g else "" for g in ordered["dominant_gap"]],
            t("demand.col_flag", lang): [
                _flag(s, h, sel, lang) for s, h in zip(ordered["small_sample"], ordered["suppressed"], strict=True)
            ],
        },
        strict=False,
    )


# ---------------------------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------------------------
def reasons_table(shares: pl.DataFrame, region_title: str, lang: str) -> pl.DataFrame:
    """One row per reason: its gap type, and its share of non-users with interval, nationally and in the region."""
    labels = {NATIONAL: t("demand.national", lang), "region": region_title}
    columns: dict[str, list] = {
        t("demand.col_reason", lang): [t(f"demand.reason.{r}", lang) for r in REASONS],
        t("demand.col_gap_type", lang): [
            t("demand.gap.awareness" if r == "unaware" else "demand.gap.conversion", lang) for r in REASONS
        ],
    }
    for scope in (NATIONAL, "region"):
        part = {r["reason"]: r for r in shares.filter(pl.col("scope") == scope).iter_rows(named=True)}
        if part:
            rows = [part.get(r) for r in REASONS]
            columns[t("demand.col_share", lang, scope=labels[scope])] = [
                percent(r["share"]) if r else None for r in rows
            ]
            columns[t("demand.col_ci", lang, scope=labels[scope])] = [
                interval_text(r["share_low"], r["share_high"]) if r else NO_VALUE for r in rows
            ]
    return pl.DataFrame(columns, strict=False)


# ---------------------------------------------------------------------------------------------------------------
# Priorities
# ---------------------------------------------------------------------------------------------------------------
def priority_table(rows: pl.DataFrame, sel: Selection, lang: str, top: int = PRIORITY_ROWS) -> pl.DataFrame:
    """The top rows of the priority list; without entity counts (an upload) the list is ranked by the
    shortfall rate and the score and entity columns are left out."""
    head = rows.head(top)
    gaps = [gap_numbers(r) for r in head.iter_rows(named=True)]
    reasons = head["top_reason"].to_list() if "top_reason" in head.columns else [None] * head.height
    weighted = "entities" in head.columns
    return pl.DataFrame(
        {
            t("demand.col_rank", lang): head["rank"],
            t("demand.col_region", lang): [region_label(a, lang) for a in head["adcode"]],
            t("demand.col_category", lang): [category_name(c, lang, standalone=True) for c in head["service_category"]],
            **(
                {
                    t("demand.col_score", lang): [round(v) for v in head["priority_score"]],
                    t("demand.col_entities", lang): head["entities"],
                }
                if weighted
                else {}
            ),
            t("demand.col_shortfall", lang): [g[0] for g in gaps],
            t("demand.col_awareness", lang): [g[1] for g in gaps],
            t("demand.col_conversion", lang): [g[2] for g in gaps],
            t("demand.col_dominant", lang): [t(f"demand.gap.{g}", lang) if g else "" for g in head["dominant_gap"]],
            t("demand.col_action", lang): [t(f"demand.action.{a}", lang) if a else "" for a in head["action"]],
            t("demand.col_top_reason", lang): [t(f"demand.reason.{r}", lang) if r else "" for r in reasons],
            t("demand.col_flag", lang): [t("demand.flag_small", lang) if s else "" for s in head["small_sample"]],
        },
        strict=False,
    )


# ---------------------------------------------------------------------------------------------------------------
# Findings: one function computes the facts (None when the premise fails), another words them
# ---------------------------------------------------------------------------------------------------------------
Gap = Literal["awareness", "conversion"]


def _clear_gap(row: dict) -> Gap | None:
    """The gap that is larger beyond the 95% interval of the difference (awareness − conversion), else None."""
    low, high = row.get("gap_difference_low"), row.get("gap_difference_high")
    if low is None or high is None:
        return None
    if low > 0:
        return "awareness"
    if high < 0:
        return "conversion"
    return None


@dataclass(frozen=True)
class NationalFacts:
    year: int
    category: str
    potential: float  # % of respondents
    actual: float
    shortfall: float  # pp, = awareness + conversion in the shown digits
    awareness: float
    conversion: float
    has_shortfall: bool  # shortfall > 0 (need − used > 0)
    national: bool = True  # the units reach all 31 provinces: the total may be called national
    units: int = 0


def national_facts(whole: dict, sel: Selection) -> NationalFacts | None:
    if whole.get("shortfall") is None or whole.get("potential_rate") is None:
        return None
    total, aware, conv = gap_numbers(whole)
    return NationalFacts(
        year=sel.year,
        category=sel.category,
        potential=whole["potential_rate"] * 100,
        actual=whole["actual_rate"] * 100,
        shortfall=total,
        awareness=aware,
        conversion=conv,
        has_shortfall=whole["non_users"] > 0,
    )


def scope_words(national: bool, units: int, lang: str) -> dict[str, str]:
    """{scope, scope_title}: 全国 only when the data reach every province, else the units shown."""
    if national:
        return {"scope": t("demand.scope_nation", lang), "scope_title": t("demand.scope_nation_title", lang)}
    return {"scope": t("demand.scope_units", lang, units=units), "scope_title": t("demand.scope_units_title", lang)}


def word_national(facts: NationalFacts, lang: str) -> Finding:
    key = "demand.finding_national" if facts.has_shortfall else "demand.finding_national_none"
    text = t(
        key,
        lang,
        **scope_words(facts.national, facts.units, lang),
        year=facts.year,
        category=category_name(facts.category, lang),
        potential=points_text(facts.potential),
        actual=points_text(facts.actual),
        shortfall=points_text(facts.shortfall),
        awareness=points_text(facts.awareness),
        conversion=points_text(facts.conversion),
    )
    if not facts.national:
        text += t("demand.scope_not_national", lang)
    return Finding(key, text, facts)


@dataclass(frozen=True)
class SplitFacts:
    """awareness − conversion gap nationally, in pp, with its 95% interval; ``larger`` only beyond it."""

    difference: float
    low: float
    high: float
    larger: Gap | None
    national: bool = True


def split_facts(whole: dict) -> SplitFacts | None:
    if whole.get("gap_difference") is None or not whole.get("non_users"):
        return None
    return SplitFacts(
        difference=whole["gap_difference"] * 100,
        low=whole["gap_difference_low"] * 100,
        high=whole["gap_difference_high"] * 100,
        larger=_clear_gap(whole),
    )


def word_split(facts: SplitFacts, lang: str) -> Finding:
    key = f"demand.finding_split_{facts.larger or 'unclear'}"
    size = abs(facts.difference) if facts.larger else facts.difference
    text = t(
        key,
        lang,
        **scope_words(facts.national, 0, lang),
        difference=points_text(size) if facts.larger else signed(size),
        low=signed(facts.low),
        high=signed(facts.high),
    )
    return Finding(key, text, facts)


@dataclass(frozen=True)
class SpreadFacts:
    """The largest and smallest shortfall among adequate units (pp): every unit at the maximum / minimum,
    and whether the two extremes' 95% intervals are apart."""

    units: int
    top: tuple[str, ...]
    top_shortfall: float
    low: tuple[str, ...]
    low_shortfall: float
    top_awareness: float
    top_conversion: float
    separated: bool


def spread_facts(rows: pl.DataFrame) -> SpreadFacts | None:
    best = ranked(rows)
    if best.height < 2:
        return None
    high, low = best["shortfall"].max(), best["shortfall"].min()
    tops = best.filter(pl.col("shortfall") == high)
    lows = best.filter(pl.col("shortfall") == low).sort("adcode")
    first, last = tops.row(0, named=True), lows.row(0, named=True)
    total, aware, conv = gap_numbers(first)
    return SpreadFacts(
        units=best.height,
        top=tuple(tops["adcode"].to_list()),
        top_shortfall=total,
        low=tuple(lows["adcode"].to_list()),
        low_shortfall=gap_numbers(last)[0],
        top_awareness=aware,
        top_conversion=conv,
        separated=not differences_within_ci(
            first["shortfall_low"], first["shortfall_high"], last["shortfall_low"], last["shortfall_high"]
        ),
    )


def _names(codes: Sequence[str], lang: str) -> str:
    return t("list.separator", lang).join(region_label(a, lang) for a in codes)


def word_spread(facts: SpreadFacts, sel: Selection, lang: str) -> Finding:
    if facts.top == facts.low or set(facts.top) == set(facts.low):
        key = "demand.finding_largest_tie"
    elif facts.top_shortfall <= 0:
        key = "demand.finding_largest_none"
    elif not facts.separated:
        key = "demand.finding_largest_within"
    else:
        key = "demand.finding_largest"
    text = t(
        key,
        lang,
        total=facts.units,
        unit_kind=t(f"demand.unit_{sel.level}", lang),
        region=_names(facts.top, lang),
        shortfall=points_text(facts.top_shortfall),
        awareness=points_text(facts.top_awareness),
        conversion=points_text(facts.top_conversion),
        low=_names(facts.low, lang),
        low_shortfall=points_text(facts.low_shortfall),
    )
    return Finding(key, text, facts)


@dataclass(frozen=True)
class DominanceFacts:
    """Visible units with a shortfall, by which gap is larger beyond its 95% interval."""

    total: int
    awareness_n: int
    conversion_n: int
    unclear_n: int


def dominance_facts(rows: pl.DataFrame) -> DominanceFacts | None:
    shown = visible_rows(rows).filter(pl.col("non_users") > 0)
    if shown.is_empty():
        return None
    awareness = int((shown["gap_difference_low"] > 0).sum())
    conversion = int((shown["gap_difference_high"] < 0).sum())
    return DominanceFacts(shown.height, awareness, conversion, shown.height - awareness - conversion)


def word_dominance(facts: DominanceFacts, sel: Selection, lang: str) -> Finding:
    key = "demand.finding_dominance_none" if facts.unclear_n == facts.total else "demand.finding_dominance"
    text = t(
        key,
        lang,
        total=facts.total,
        unit_kind=t(f"demand.unit_{sel.level}", lang),
        awareness_n=facts.awareness_n,
        conversion_n=facts.conversion_n,
        unclear_n=facts.unclear_n,
    )
    return Finding(key, text, facts)


@dataclass(frozen=True)
class PriorityFacts:
    """The first row of the priority list: its cell, score, the gap larger beyond its interval (None: neither)
    with the action it calls for, the leading conversion reason (when one reason leads and is shown), and how
    many other cells share the top rank."""

    adcode: str
    category: str
    score: float
    weighted: bool  # ranked by entities affected (else by the shortfall rate)
    shortfall: float  # pp
    larger: Gap | None
    action: str | None
    top_reason: str | None
    tied_with: int


def priority_facts(priorities: pl.DataFrame) -> PriorityFacts | None:
    if priorities.is_empty():
        return None
    first = priorities.row(0, named=True)
    if first["priority_score"] is None or first["priority_score"] <= 0:
        return None
    larger = _clear_gap(first)
    reason = first.get("top_reason") if larger == "conversion" else None
    return PriorityFacts(
        adcode=first["adcode"],
        category=first["service_category"],
        score=float(first["priority_score"]),
        weighted="entities" in priorities.columns,
        shortfall=gap_numbers(first)[0],
        larger=larger,
        action=ACTIONS[larger] if larger else None,
        top_reason=reason,
        tied_with=int((priorities["rank"] == first["rank"]).sum()) - 1,
    )


def word_priority(facts: PriorityFacts, lang: str) -> Finding:
    key = "demand.finding_priority" if facts.weighted else "demand.finding_priority_rate"
    parts = [
        t(
            key,
            lang,
            region=region_label(facts.adcode, lang),
            category=category_name(facts.category, lang),
            score=f"{round(facts.score):,}",
            shortfall=points_text(facts.shortfall),
        )
    ]
    if facts.tied_with:
        parts.append(t("demand.finding_priority_tied", lang, n=facts.tied_with))
    if facts.larger and facts.action:
        parts.append(
            t(
                "demand.finding_priority_gap",
                lang,
                gap=t(f"demand.gap.{facts.larger}", lang),
                action=t(f"demand.action.{facts.action}", lang),
            )
        )
    else:
        parts.append(t("demand.finding_priority_gap_unclear", lang))
    if facts.top_reason:
        parts.append(t("demand.finding_priority_reason", lang, reason=t(f"demand.reason.{facts.top_reason}", lang)))
    return Finding(key, (" " if lang == "en" else "").join(parts), facts)


@dataclass(frozen=True)
class FlagFacts:
    small: int
    hidden: int
    min_n: int
    k: int


def flag_facts(rows: pl.DataFrame, sel: Selection) -> FlagFacts | None:
    small, hidden = flagged_units(rows)
    return FlagFacts(len(small), len(hidden), sel.min_n, sel.k) if small or hidden else None


def word_flags(facts: FlagFacts, lang: str) -> Finding:
    key = "demand.finding_flags"
    text = t(key, lang, small=facts.small, min_n=facts.min_n, hidden=facts.hidden, k=facts.k)
    return Finding(key, text, facts)


def finding_list(rows: pl.DataFrame, whole: dict, priorities: pl.DataFrame, sel: Selection, lang: str) -> list[Finding]:
    """The page's findings, each chosen by its facts: the national shortfall and its split, which gap is larger
    nationally, the largest and smallest shortfall, units by their larger gap, the top priority, the flagged /
    hidden cells. A finding whose premise fails on the data is left out."""
    out: list[Finding] = []
    nation = covers_all_provinces(rows["adcode"].to_list())
    if (national := national_facts(whole, sel)) is not None:
        out.append(word_national(replace(national, national=nation, units=rows.height), lang))
    if (split := split_facts(whole)) is not None:
        out.append(word_split(replace(split, national=nation), lang))
    if (spread := spread_facts(rows)) is not None:
        out.append(word_spread(spread, sel, lang))
    if (dominance := dominance_facts(rows)) is not None:
        out.append(word_dominance(dominance, sel, lang))
    if (priority := priority_facts(priorities)) is not None:
        out.append(word_priority(priority, lang))
    if (flags := flag_facts(rows, sel)) is not None:
        out.append(word_flags(flags, lang))
    return out


def findings(rows: pl.DataFrame, whole: dict, priorities: pl.DataFrame, sel: Selection, lang: str) -> list[str]:
    """The findings' sentences (see :func:`finding_list`)."""
    return list(texts(finding_list(rows, whole, priorities, sel, lang)))


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """A dataset of the demand kind as the page reads it (demand_units.prepare)."""
    return du.prepare(frame)


def demand_findings(
    frame: pl.DataFrame,
    lang: str,
    *,
    year: int | None = None,
    category: str = ALL,
    level: str | None = None,
    k: int = SUPPRESS_K,
    min_n: int = MIN_N,
) -> list[Finding]:
    """The findings the demand page shows for ``frame`` (a raw or prepared demand_funnel table) with the
    page's defaults: the latest year, all services, the first level present (provinces when there are any).
    An empty list when the frame has nothing to show."""
    data = du.prepare(frame)
    years = data["year"].drop_nulls().unique().sort().to_list()
    levels = du.levels_present(data)
    if not years or not levels:
        return []
    chosen_year = int(year if year is not None else years[-1])
    chosen_level = level if level in levels else levels[0]
    sel = Selection(chosen_year, category, cast(Level, chosen_level), k, min_n)
    grid = du.protection(data, sel.year, sel.k)
    rows = du.units(data, sel, grid=grid)
    if rows.is_empty():
        return []
    return finding_list(rows, national_funnel(data, sel, grid), priority_rows(data, sel, grid), sel, lang)


# ---------------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------------
def data_notes(frame: pl.DataFrame, sel: Selection, lang: str, *, dropped_rows: int = 0) -> tuple[str, ...]:
    """What the page cannot show for these data and why: rows left out, units not on the map, weighted cells
    whose record count is unknown (hidden), categories outside the code list (shown as written)."""
    notes = []
    if dropped_rows:
        notes.append(t("demand.note_incomplete", lang, n=dropped_rows))
    unmapped = [a for a in du.unmapped_units(frame, sel.level) if a != "660000"]  # 兵团: the map's own caption
    if unmapped:
        notes.append(t("demand.note_unmapped", lang, n=len(unmapped), units=_names(unmapped[:5], lang)))
    unknown = du.unknown_records(frame)
    if unknown:
        notes.append(t("demand.note_unweighted", lang, n=unknown))
    return tuple(notes)


def present(
    frame: pl.DataFrame,
    sel: Selection,
    rows: pl.DataFrame,
    grid: pl.DataFrame | du.Protection,
    lang: str,
    *,
    watermark: str | None = None,
    dropped_rows: int = 0,
) -> DemandView:
    """The page for one selection: ``frame`` is the prepared dataset (demand_units.prepare), ``rows`` its
    protected units for ``sel`` (demand_units.units) and ``grid`` the year's protection (demand_units.protection;
    a suppression_grid is accepted too). The view caches both, since they do not depend on the language."""
    protection = grid if isinstance(grid, du.Protection) else du.protection(frame, sel.year, sel.k)
    whole = national_funnel(frame, sel, protection)
    priorities = priority_rows(frame, sel, protection)
    points = scatter_points(rows, lang)
    bars = gap_bars(rows, lang)
    found = finding_list(rows, whole, priorities, sel, lang)
    return DemandView(
        selection=sel,
        map=protected_map(
            rows,
            "shortfall",
            "usage_shortfall",
            "demand",
            lang,
            min_n=sel.min_n,
            k=sel.k,
            level=sel.level,
            watermark=watermark,
        ),
        scatter=figures.scatter_chart(points, lang),
        gaps=figures.gap_chart(bars, lang),
        findings=texts(found),
        tables=DemandTables(
            units=units_table(rows, sel, lang),
            scatter=scatter_table(points, lang),
            gaps=gap_table(bars, lang),
            priorities=priority_table(priorities, sel, lang),
        ),
        rows=rows,
        national=whole,
        region_options=tuple(region_options(rows)),
        default_region=default_region(rows),
        finding_list=tuple(found),
        notes=data_notes(frame, sel, lang, dropped_rows=dropped_rows),
        protection=protection,
    )


def region_focus(frame: pl.DataFrame, view: DemandView, region: str, lang: str) -> RegionFocus:
    """The funnel and reasons of ``region`` (one of view.region_options) against the nation."""
    sel = view.selection
    own = view.rows.filter(pl.col("adcode") == region)
    row = own.row(0, named=True) if own.height else None
    title = region_label(region, lang)
    long = funnel_long(row, view.national, title, lang)
    protection = view.protection or du.protection(frame, sel.year, sel.k)
    shares = reason_shares(frame, sel, region, hidden=row is None or row["suppressed"], grid=protection)
    scope_titles = {NATIONAL: t("demand.national", lang), "region": title}
    partly = shares.filter(pl.col("suppressed")).height > 0
    return RegionFocus(
        title=title,
        funnel=figures.funnel_chart(long, lang),
        funnel_table=funnel_table(long, lang),
        reasons=figures.reasons_chart(shares, scope_titles, lang),
        reasons_table=reasons_table(shares, title, lang),
        reasons_none=not du.reasons_recorded(frame, sel),
        reasons_hidden=not shares.filter(pl.col("scope") == "region").height,
        reasons_note=t("demand.reasons_partly_hidden", lang, k=sel.k) if partly else None,
    )


def province_drill(
    prefectures: pl.DataFrame, sel: Selection, province: str, lang: str, *, watermark: str | None = None
) -> ProvinceDrill:
    """The prefectures of ``province``: ``prefectures`` are the protected prefecture-level units of the
    selection (demand_units.units with level "prefecture")."""
    name = region_name(province, lang)
    rows = prefectures.filter(pl.col("group") == province)
    title = t("demand.drill_header", lang, region=name)
    if rows.is_empty():
        return ProvinceDrill(title=title, map=None, table=None, note=t("demand.drill_no_data", lang, region=name))
    drill_sel = Selection(sel.year, sel.category, "prefecture", sel.k, sel.min_n)
    figure = protected_map(
        rows,
        "shortfall",
        "usage_shortfall",
        "demand",
        lang,
        min_n=drill_sel.min_n,
        k=drill_sel.k,
        within=province,
        watermark=watermark,
        height=DRILL_MAP_HEIGHT,
    )
    return ProvinceDrill(title=title, map=figure, table=units_table(rows, drill_sel, lang), note=None)
