"""The demand-matching page (views/demand.py): the shortfall map, findings sentences, the region-against-
national funnel and reasons, potential vs actual, the gap split and the priority list, as localised tables and
figures in one DemandView per selection and language (RegionFocus and ProvinceDrill for the parts that follow
a chosen region). The protected units come from digigov.analysis.demand_units; this module words them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from digigov.analysis.demand_units import (
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
from digigov.analysis.proportions import flagged_units, visible_rows
from digigov.codes import REASONS
from digigov.figures import demand as figures
from digigov.i18n import catalog, t
from digigov.presenters.survey import NO_VALUE, interval_text, percent, points_text, protected_map
from digigov.regions import region_label, region_name

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


@dataclass(frozen=True)
class RegionFocus:
    """The funnel and the reasons of one region against the nation."""

    title: str  # the region's name as headers show it
    funnel: go.Figure
    funnel_table: pl.DataFrame
    reasons: go.Figure
    reasons_table: pl.DataFrame
    reasons_none: bool  # the data hold no reasons at all
    reasons_hidden: bool  # the region's reasons are hidden (too few non-users): only the nation's are shown


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
# Findings
# ---------------------------------------------------------------------------------------------------------------
def findings(rows: pl.DataFrame, whole: dict, priorities: pl.DataFrame, sel: Selection, lang: str) -> list[str]:
    """Three to five sentences with their numbers: national shortfall and its split, the largest and smallest
    shortfall, awareness- vs conversion-dominated units, the top priority, and the flagged / hidden cells."""
    sentences: list[str] = []
    category = category_name(sel.category, lang)
    unit_kind = t(f"demand.unit_{sel.level}", lang)
    if whole.get("shortfall") is not None:
        total, aware, conv = gap_numbers(whole)
        sentences.append(
            t(
                "demand.finding_national",
                lang,
                year=sel.year,
                category=category,
                potential=points_text(percent(whole["potential_rate"])),
                actual=points_text(percent(whole["actual_rate"])),
                shortfall=points_text(total),
                awareness=points_text(aware),
                conversion=points_text(conv),
            )
        )
    best = ranked(rows)
    if best.height >= 2:
        top, low = best.row(0, named=True), best.row(-1, named=True)
        total, aware, conv = gap_numbers(top)
        sentences.append(
            t(
                "demand.finding_largest",
                lang,
                unit_kind=unit_kind,
                region=region_label(top["adcode"], lang),
                shortfall=points_text(total),
                awareness=points_text(aware),
                conversion=points_text(conv),
                low=region_label(low["adcode"], lang),
                low_shortfall=points_text(gap_numbers(low)[0]),
            )
        )
    shown = visible_rows(rows).drop_nulls("dominant_gap")
    if shown.height:
        counts = dict(shown.group_by("dominant_gap").len().iter_rows())
        sentences.append(
            t(
                "demand.finding_dominance",
                lang,
                total=shown.height,
                unit_kind=unit_kind,
                awareness_n=counts.get("awareness", 0),
                conversion_n=counts.get("conversion", 0),
            )
        )
    first = priorities.row(0, named=True) if priorities.height else None
    if first and first["priority_score"] > 0 and first["dominant_gap"] and first["action"]:
        common = {
            "region": region_label(first["adcode"], lang),
            "category": category_name(first["service_category"], lang),
            "gap": t(f"demand.gap.{first['dominant_gap']}", lang),
            "action": t(f"demand.action.{first['action']}", lang),
        }
        if "entities" in priorities.columns:
            sentence = t("demand.finding_priority", lang, score=f"{round(first['priority_score']):,}", **common)
        else:
            sentence = t("demand.finding_priority_rate", lang, shortfall=points_text(gap_numbers(first)[0]), **common)
        if first["dominant_gap"] == "conversion" and first.get("top_reason"):
            sentence += (" " if lang == "en" else "") + t(
                "demand.finding_priority_reason", lang, reason=t(f"demand.reason.{first['top_reason']}", lang)
            )
        sentences.append(sentence)
    small, hidden = flagged_units(rows)
    if small or hidden:
        sentences.append(
            t("demand.finding_flags", lang, small=len(small), min_n=sel.min_n, hidden=len(hidden), k=sel.k)
        )
    return sentences


# ---------------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------------
def present(
    frame: pl.DataFrame,
    sel: Selection,
    rows: pl.DataFrame,
    grid: pl.DataFrame,
    lang: str,
    *,
    watermark: str | None = None,
) -> DemandView:
    """The page for one selection: ``frame`` is the prepared dataset (demand_units.prepare), ``rows`` its
    protected units for ``sel`` (demand_units.units) and ``grid`` the suppression grid of sel.year and sel.level
    (the view caches both, since they do not depend on the language)."""
    whole = national_funnel(frame, sel)
    priorities = priority_rows(frame, sel, grid)
    points = scatter_points(rows, lang)
    bars = gap_bars(rows, lang)
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
        findings=tuple(findings(rows, whole, priorities, sel, lang)),
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
    )


def region_focus(frame: pl.DataFrame, view: DemandView, region: str, lang: str) -> RegionFocus:
    """The funnel and reasons of ``region`` (one of view.region_options) against the nation."""
    own = view.rows.filter(pl.col("adcode") == region)
    row = own.row(0, named=True) if own.height else None
    title = region_label(region, lang)
    long = funnel_long(row, view.national, title, lang)
    shares = reason_shares(frame, view.selection, region, hidden=row is None or row["suppressed"])
    scope_titles = {NATIONAL: t("demand.national", lang), "region": title}
    return RegionFocus(
        title=title,
        funnel=figures.funnel_chart(long, lang),
        funnel_table=funnel_table(long, lang),
        reasons=figures.reasons_chart(shares, scope_titles, lang),
        reasons_table=reasons_table(shares, title, lang),
        reasons_none=shares.is_empty(),
        reasons_hidden=not shares.filter(pl.col("scope") == "region").height,
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
