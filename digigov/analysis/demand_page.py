"""The demand-matching page's analyses put together: per-unit shortfalls with flags and suppression, the
region-against-national funnel, scatter and gap data, reasons, the priority list, localised tables and the
findings sentences. Statistics come from demand and proportions; this module picks, protects and words them.

Protection of small cells (DESIGN.md §6, k = 10) is decided on the grid the page can show: unit × service
category for one year and level. A cell from fewer than k respondents is hidden (primary); where exactly one
cell of a group would be hidden and the group's total is shown elsewhere, a second one is hidden too
(secondary): the categories of one unit add up to its "all services" figure, and the units of one parent
(a province's prefectures; all provinces) add up to the parent's (the national) figure. Both hierarchies
are applied in turn until nothing changes. Hidden cells are nulled — rates, intervals, counts and the
dominant gap — so no chart, map tooltip, table or sentence can show them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from digigov.analysis import demand
from digigov.analysis.proportions import MIN_N, SUPPRESS_K, suppress_small_cells, wilson_interval
from digigov.i18n import catalog, t
from digigov.regions import load_gazetteer

Level = Literal["province", "prefecture"]
ALL = "all"
CATEGORIES: tuple[str, ...] = ("business_registration", "tax", "social_insurance", "permits", "certificates")
LEVELS: tuple[str, ...] = ("province", "prefecture")
SCATTER_LABELS = 5
GAP_BARS = 15
PRIORITY_ROWS = 20
NATIONAL = "national"
_GROUP = "__group"
_MAX_ROUNDS = 20

# Everything computed from a cell's respondents: nulled together when the cell is hidden.
COUNT_COLUMNS: tuple[str, ...] = ("respondents", *demand.STAGES, *demand.REASON_COLUMNS, "non_users", "unaware",
                                  "aware_non_users")
RATE_COLUMNS: tuple[str, ...] = tuple(
    f"{prefix}{suffix}" for prefix in ("potential", "aware", "actual", "completion", "satisfaction")
    for suffix in ("_rate", "_low", "_high")
) + tuple(f"{gap}{suffix}" for gap in ("shortfall", "awareness_gap", "conversion_gap")
          for suffix in ("", "_low", "_high"))
HIDDEN_COLUMNS: tuple[str, ...] = (*COUNT_COLUMNS, *RATE_COLUMNS, "dominant_gap")


@dataclass(frozen=True)
class Selection:
    """What the page shows: one year, all service categories or one, provinces or prefectures."""

    year: int
    category: str = ALL
    level: Level = "province"
    k: int = SUPPRESS_K
    min_n: int = MIN_N

    @property
    def categories(self) -> list[str] | None:
        return None if self.category == ALL else [self.category]


# ---------------------------------------------------------------------------------------------------------------
# Names and numbers
# ---------------------------------------------------------------------------------------------------------------
def display_name(adcode: str, lang: str) -> str:
    """Region name; prefectures carry their province (两个 '朝阳' need telling apart)."""
    gazetteer = load_gazetteer()
    if adcode not in gazetteer:
        return adcode
    region = gazetteer[adcode]
    if region.level == "prefecture" and region.parent in gazetteer:
        parent = gazetteer[region.parent]
        if parent.short_zh != region.short_zh:
            return (f"{region.name(lang)}（{parent.name(lang)}）" if lang == "zh"
                    else f"{region.name(lang)} ({parent.name(lang)})")
    return region.name(lang)


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
    scale = 10 ** decimals
    scaled = [p * scale for p in parts]
    total = _round_half_up(sum(scaled))
    floors = [math.floor(s) for s in scaled]
    remainder = total - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: scaled[i] - floors[i], reverse=True)
    for i in order[:max(0, remainder)]:
        floors[i] += 1
    return total / scale, [f / scale for f in floors]


def gap_numbers(row: dict) -> tuple[float, float, float]:
    """(shortfall, awareness gap, conversion gap) in pp, rounded to 0.1 so that the parts add up exactly."""
    total, (aware, conv) = split_rounded([row["awareness_gap"] * 100, row["conversion_gap"] * 100])
    return total, aware, conv


def _pct(x: float | None, decimals: int = 1) -> float | None:
    return None if x is None else round(x * 100, decimals)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _ci(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"{low * 100:.1f}–{high * 100:.1f}"


# ---------------------------------------------------------------------------------------------------------------
# Units with suppression
# ---------------------------------------------------------------------------------------------------------------
def _gazetteer_columns() -> pl.DataFrame:
    return load_gazetteer().frame.select("adcode", pl.col("level").alias("__gz_level"),
                                         pl.col("parent").alias("__parent"))


def with_level(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``level`` from the gazetteer when a file (an upload) does not carry it."""
    if "level" in frame.columns:
        return frame
    return (frame.join(_gazetteer_columns(), on="adcode", how="left")
            .rename({"__gz_level": "level"}).drop("__parent"))


OPTIONAL_COLUMNS: tuple[str, ...] = ("entities", "completed", "satisfied", *demand.REASON_COLUMNS)


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """A dataset as the page reads it (built-in or uploaded).

    ``level`` comes from the gazetteer wherever the code is known (an upload's level may be missing or a
    filled-in default; the code says what the unit is), the file's own otherwise. Optional columns that are
    entirely empty (an upload without entity counts, completion, satisfaction or reasons) are dropped, so the
    analyses leave those stages out instead of showing them as 0 %.
    """
    levels = _gazetteer_columns().select("adcode", "__gz_level")
    data = frame.with_columns(pl.col("adcode").cast(pl.String), pl.col("year").cast(pl.Int64))
    data = data.join(levels, on="adcode", how="left")
    level = pl.coalesce("__gz_level", "level") if "level" in data.columns else pl.col("__gz_level")
    data = data.with_columns(level.alias("level")).drop("__gz_level")
    empty = [c for c in OPTIONAL_COLUMNS if c in data.columns and data[c].null_count() == data.height]
    return data.drop(empty)


def levels_present(frame: pl.DataFrame) -> list[str]:
    present = set(frame["level"].drop_nulls().to_list()) if "level" in frame.columns else set()
    return [level for level in LEVELS if level in present]


def categories_present(frame: pl.DataFrame) -> list[str]:
    """"all" first, then the categories of the data: the known ones in code-list order, then any others."""
    present = set(frame["service_category"].drop_nulls().to_list())
    return [ALL, *(c for c in CATEGORIES if c in present), *sorted(present - set(CATEGORIES) - {ALL})]


def _with_group(rows: pl.DataFrame, level: str) -> pl.DataFrame:
    """The group whose total is shown elsewhere: a prefecture's province, or the nation for provinces."""
    if level == "prefecture":
        parents = _gazetteer_columns().select("adcode", "__parent")
        return rows.join(parents, on="adcode", how="left").with_columns(
            pl.col("__parent").fill_null(NATIONAL).alias(_GROUP)).drop("__parent")
    return rows.with_columns(pl.lit(NATIONAL).alias(_GROUP))


def suppression_grid(frame: pl.DataFrame, year: int, level: str, k: int = SUPPRESS_K) -> pl.DataFrame:
    """adcode, service_category, suppressed, suppression for every unit × category cell of one year and level.

    Primary: respondents < k. Secondary, repeated until stable: within a unit (its categories add up to the
    all-services figure) and within a parent × category (units add up to the parent's figure).
    """
    cells = demand.funnel(with_level(frame), by=("adcode", "service_category"), year=year, level=level,
                          min_n=0).select("adcode", "service_category", "respondents")
    cells = _with_group(cells, level)
    previous = -1
    for _ in range(_MAX_ROUNDS):
        cells = suppress_small_cells(cells, "respondents", [], k, group_by="adcode")
        cells = suppress_small_cells(cells, "respondents", [], k, group_by=[_GROUP, "service_category"])
        hidden = int(cells["suppressed"].sum())
        if hidden == previous:
            break
        previous = hidden
    return cells.select("adcode", "service_category", "suppressed", "suppression")


def units(frame: pl.DataFrame, sel: Selection, level: str | None = None,
          grid: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per unit of ``level`` (default sel.level) for sel.year and sel.category.

    Columns: adcode, funnel counts and rates with Wilson intervals, shortfall, awareness_gap, conversion_gap
    (with intervals), dominant_gap, small_sample (respondents < sel.min_n), suppressed, suppression, parent
    group. Hidden cells have every number nulled. ``grid`` (from :func:`suppression_grid`) carries the cell
    decisions of a single-category view; it is computed when not given.
    """
    level = level or sel.level
    data = with_level(frame)
    rows = demand.shortfall(demand.funnel(data, by=("adcode", "year"), year=sel.year,
                                          service_categories=sel.categories, level=level, min_n=sel.min_n))
    rows = _with_group(rows, level)
    if sel.category != ALL:
        grid = grid if grid is not None else suppression_grid(data, sel.year, level, sel.k)
        decided = grid.filter(pl.col("service_category") == sel.category).drop("service_category")
        rows = rows.join(decided, on="adcode", how="left").with_columns(pl.col("suppressed").fill_null(False))
    present = [c for c in HIDDEN_COLUMNS if c in rows.columns]
    rows = suppress_small_cells(rows, "respondents", present, sel.k, group_by=_GROUP)
    return rows.rename({_GROUP: "group"}).sort("adcode")


def national(frame: pl.DataFrame, sel: Selection) -> dict:
    """The national funnel and shortfall (province rows summed, or all rows where there are no provinces)."""
    row = demand.shortfall(demand.funnel(with_level(frame), by=(), year=sel.year,
                                         service_categories=sel.categories, min_n=sel.min_n))
    row = suppress_small_cells(row, "respondents", [c for c in HIDDEN_COLUMNS if c in row.columns], sel.k)
    return row.row(0, named=True)


def visible(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(~pl.col("suppressed"))


def ranked(rows: pl.DataFrame) -> pl.DataFrame:
    """Units that may appear in highest / lowest claims (not hidden, not small), largest shortfall first."""
    return rows.filter(~pl.col("suppressed") & ~pl.col("small_sample")).sort(
        ["shortfall", "adcode"], descending=[True, False])


# ---------------------------------------------------------------------------------------------------------------
# Map and region choice
# ---------------------------------------------------------------------------------------------------------------
def map_values(rows: pl.DataFrame) -> pl.DataFrame:
    """adcode, value (shortfall as a fraction; the usage_shortfall indicator shows it in pp)."""
    return rows.select("adcode", pl.col("shortfall").alias("value"))


def flagged_units(rows: pl.DataFrame) -> tuple[list[str], list[str]]:
    """(small-sample units still shown, hidden units)."""
    small = rows.filter(pl.col("small_sample") & ~pl.col("suppressed"))["adcode"].to_list()
    return small, rows.filter(pl.col("suppressed"))["adcode"].to_list()


def region_options(rows: pl.DataFrame) -> list[str]:
    """Units a funnel can be drawn for: every unit that is not hidden, in code order."""
    return sorted(visible(rows)["adcode"].to_list())


def default_region(rows: pl.DataFrame) -> str | None:
    """The unit with the largest shortfall among adequate samples (any visible unit when there is none)."""
    best = ranked(rows)
    if best.height:
        return best["adcode"][0]
    options = region_options(rows)
    return options[0] if options else None


def drill_province(adcode: str | None) -> str | None:
    """The province whose prefectures a click opens: the clicked province, or a clicked prefecture's province."""
    gazetteer = load_gazetteer()
    if adcode not in gazetteer:
        return None
    region = gazetteer[adcode]
    province = region if region.level == "province" else gazetteer.regions.get(region.parent or "")
    if province is None or province.level != "province" or not province.has_boundary:
        return None
    return province.adcode


# ---------------------------------------------------------------------------------------------------------------
# Funnel: region against national
# ---------------------------------------------------------------------------------------------------------------
def _stage_rates(row: dict) -> list[dict]:
    """Every stage present as a share of respondents with its Wilson interval (None when hidden)."""
    n = row.get("respondents")
    out = []
    for stage in demand.STAGES:
        if stage not in row:
            continue
        count = row[stage]
        interval = wilson_interval(count, n) if count is not None and n else None
        out.append({"stage": stage, "rate": count / n if interval else None,
                    "low": interval[0] if interval else None, "high": interval[1] if interval else None})
    return out


def funnel_long(region_row: dict | None, national_row: dict, region_label: str, lang: str) -> pl.DataFrame:
    """stage, stage_label, scope (localised), rate, low, high: the national funnel first, then the region."""
    records = []
    for scope, row in ((t("demand.national", lang), national_row), (region_label, region_row)):
        if row is None:
            continue
        for r in _stage_rates(row):
            records.append({"stage": r["stage"], "stage_label": t(f"demand.stage.{r['stage']}", lang),
                            "scope": scope, "rate": r["rate"], "low": r["low"], "high": r["high"]})
    return pl.DataFrame(records, schema={"stage": pl.String, "stage_label": pl.String, "scope": pl.String,
                                         "rate": pl.Float64, "low": pl.Float64, "high": pl.Float64})


def funnel_table(long: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The funnel chart's table alternative: one row per stage, rate and interval per scope."""
    stages = list(dict.fromkeys(long["stage_label"].to_list()))
    columns: dict[str, list] = {t("demand.col_stage", lang): stages}
    for scope in dict.fromkeys(long["scope"].to_list()):
        part = {r["stage_label"]: r for r in long.filter(pl.col("scope") == scope).iter_rows(named=True)}
        columns[t("demand.col_rate", lang, scope=scope)] = [_pct(part[s]["rate"]) if s in part else None
                                                            for s in stages]
        columns[t("demand.col_ci", lang, scope=scope)] = [_ci(part[s]["low"], part[s]["high"]) if s in part
                                                          else "—" for s in stages]
    return pl.DataFrame(columns, strict=False)


# ---------------------------------------------------------------------------------------------------------------
# Scatter and gap bars
# ---------------------------------------------------------------------------------------------------------------
def scatter_points(rows: pl.DataFrame, lang: str, label_top: int = SCATTER_LABELS) -> pl.DataFrame:
    """adcode, name, label_name (the unit's own name, for labels on the chart), potential, actual, shortfall
    (all in %/pp), dominant_gap, small_sample, label (bool): visible units; the label_top largest shortfalls
    among adequate samples are labelled."""
    shown = visible(rows)
    top = set(ranked(rows)["adcode"].head(label_top).to_list())
    gazetteer = load_gazetteer()
    codes = shown["adcode"].unique().drop_nulls().to_list()
    names = {a: display_name(a, lang) for a in codes}
    own_names = {a: gazetteer[a].name(lang) if a in gazetteer else a for a in codes}
    return shown.select(
        "adcode",
        pl.col("adcode").replace_strict(names, default=None, return_dtype=pl.String).alias("name"),
        pl.col("adcode").replace_strict(own_names, default=None, return_dtype=pl.String).alias("label_name"),
        (pl.col("potential_rate") * 100).alias("potential"), (pl.col("actual_rate") * 100).alias("actual"),
        (pl.col("shortfall") * 100).alias("shortfall"), "dominant_gap", "small_sample",
        pl.col("adcode").is_in(list(top)).alias("label"),
    ).sort("shortfall", descending=True)


def scatter_table(points: pl.DataFrame, lang: str) -> pl.DataFrame:
    return pl.DataFrame({
        t("demand.col_region", lang): points["name"],
        t("demand.col_adcode", lang): points["adcode"],
        t("demand.col_potential", lang): points["potential"].round(1),
        t("demand.col_actual", lang): points["actual"].round(1),
        t("demand.col_shortfall", lang): points["shortfall"].round(1),
        t("demand.col_flag", lang): [t("demand.flag_small", lang) if s else "" for s in points["small_sample"]],
    })


def gap_bars(rows: pl.DataFrame, lang: str, top: int = GAP_BARS) -> pl.DataFrame:
    """adcode, name, awareness, conversion, shortfall (pp, rounded so that the parts add up), dominant_gap:
    the ``top`` largest shortfalls among adequate samples, largest first."""
    records = []
    for row in ranked(rows).head(top).iter_rows(named=True):
        total, aware, conv = gap_numbers(row)
        records.append({"adcode": row["adcode"], "name": display_name(row["adcode"], lang), "awareness": aware,
                        "conversion": conv, "shortfall": total, "dominant_gap": row["dominant_gap"]})
    return pl.DataFrame(records, schema={"adcode": pl.String, "name": pl.String, "awareness": pl.Float64,
                                         "conversion": pl.Float64, "shortfall": pl.Float64,
                                         "dominant_gap": pl.String})


def gap_table(bars: pl.DataFrame, lang: str) -> pl.DataFrame:
    return pl.DataFrame({
        t("demand.col_region", lang): bars["name"],
        t("demand.col_shortfall", lang): bars["shortfall"],
        t("demand.col_awareness", lang): bars["awareness"],
        t("demand.col_conversion", lang): bars["conversion"],
        t("demand.col_dominant", lang): [t(f"demand.gap.{g}", lang) if g else "" for g in bars["dominant_gap"]],
    })


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
    gaps = [gap_numbers(r) if r["shortfall"] is not None else (None, None, None)
            for r in ordered.iter_rows(named=True)]
    totals, awareness, conversion = ([g[i] for g in gaps] for i in range(3))
    return pl.DataFrame({
        t("demand.col_region", lang): [display_name(a, lang) for a in ordered["adcode"]],
        t("demand.col_adcode", lang): ordered["adcode"],
        t("demand.col_n", lang): ordered["respondents"],
        t("demand.col_potential", lang): [_pct(v) for v in ordered["potential_rate"]],
        t("demand.col_actual", lang): [_pct(v) for v in ordered["actual_rate"]],
        t("demand.col_shortfall", lang): totals,
        t("demand.col_shortfall_ci", lang): [_ci(lo, hi) for lo, hi in
                                             zip(ordered["shortfall_low"], ordered["shortfall_high"], strict=True)],
        t("demand.col_awareness", lang): awareness,
        t("demand.col_conversion", lang): conversion,
        t("demand.col_dominant", lang): [t(f"demand.gap.{g}", lang) if g else "" for g in ordered["dominant_gap"]],
        t("demand.col_flag", lang): [_flag(s, h, sel, lang) for s, h in
                                     zip(ordered["small_sample"], ordered["suppressed"], strict=True)],
    }, strict=False)


# ---------------------------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------------------------
def reason_shares(frame: pl.DataFrame, sel: Selection, region: str | None, hidden: bool = False) -> pl.DataFrame:
    """reason, gap, scope ("national" or "region"), count, non_users, share, share_low, share_high.

    The region's reasons are left out when its cell is hidden (``hidden``) or fewer than k non-users answered:
    a share of fewer than k records is itself a disclosive figure.
    """
    data = with_level(frame)
    if not any(c in data.columns for c in demand.REASON_COLUMNS):
        return pl.DataFrame(schema={"reason": pl.String, "gap": pl.String, "count": pl.Int64,
                                    "non_users": pl.Int64, "share": pl.Float64, "share_low": pl.Float64,
                                    "share_high": pl.Float64, "scope": pl.String})
    common = {"year": sel.year, "service_categories": sel.categories}
    parts = [demand.reasons(data, by=(), **common).with_columns(pl.lit(NATIONAL).alias("scope"))]
    if region and not hidden:
        level = load_gazetteer()[region].level if region in load_gazetteer() else sel.level
        own = demand.reasons(data, by=("adcode",), adcodes=[region], level=level, **common)
        if own.height and int(own["non_users"][0] or 0) >= sel.k:
            parts.append(own.drop("adcode").with_columns(pl.lit("region").alias("scope")))
    out = pl.concat(parts, how="vertical_relaxed")
    return out.filter(pl.col("non_users") >= sel.k)


def reasons_table(shares: pl.DataFrame, region_label: str, lang: str) -> pl.DataFrame:
    labels = {NATIONAL: t("demand.national", lang), "region": region_label}
    columns: dict[str, list] = {
        t("demand.col_reason", lang): [t(f"demand.reason.{r}", lang) for r in demand.REASONS],
        t("demand.col_gap_type", lang): [t("demand.gap.awareness" if r == "unaware" else "demand.gap.conversion",
                                           lang) for r in demand.REASONS],
    }
    for scope in (NATIONAL, "region"):
        part = {r["reason"]: r for r in shares.filter(pl.col("scope") == scope).iter_rows(named=True)}
        if part:
            rows = [part.get(r) for r in demand.REASONS]
            columns[t("demand.col_share", lang, scope=labels[scope])] = [_pct(r["share"]) if r else None
                                                                         for r in rows]
            columns[t("demand.col_ci", lang, scope=labels[scope])] = [_ci(r["share_low"], r["share_high"]) if r
                                                                      else "—" for r in rows]
    return pl.DataFrame(columns, strict=False)


# ---------------------------------------------------------------------------------------------------------------
# Priorities
# ---------------------------------------------------------------------------------------------------------------
def priority_rows(frame: pl.DataFrame, sel: Selection, grid: pl.DataFrame | None = None) -> pl.DataFrame:
    """demand.priorities over unit × category cells of sel.level (one category when one is chosen), hidden
    cells dropped and the rest ranked again (1 = act first)."""
    data = with_level(frame)
    if sel.categories:
        data = data.filter(pl.col("service_category").is_in(sel.categories))
    grid = grid if grid is not None else suppression_grid(data, sel.year, sel.level, sel.k)
    weight = "entities" if "entities" in data.columns else None
    rows = demand.priorities(data, weight, year=sel.year, level=sel.level, min_n=sel.min_n)
    rows = (rows.join(grid.select("adcode", "service_category", "suppressed"), on=["adcode", "service_category"],
                      how="left")
            .filter(~pl.col("suppressed").fill_null(False)).drop("suppressed")
            .drop_nulls("priority_score"))
    return rows.with_columns(
        pl.col("priority_score").rank(method="min", descending=True).cast(pl.Int64).alias("rank")
    ).sort(["rank", "adcode", "service_category"])


def priority_table(rows: pl.DataFrame, sel: Selection, lang: str, top: int = PRIORITY_ROWS) -> pl.DataFrame:
    """The top rows of the priority list; without entity counts (an upload) the list is ranked by the
    shortfall rate and the score and entity columns are left out."""
    head = rows.head(top)
    gaps = [gap_numbers(r) for r in head.iter_rows(named=True)]
    reasons = head["top_reason"].to_list() if "top_reason" in head.columns else [None] * head.height
    weighted = "entities" in head.columns
    return pl.DataFrame({
        t("demand.col_rank", lang): head["rank"],
        t("demand.col_region", lang): [display_name(a, lang) for a in head["adcode"]],
        t("demand.col_category", lang): [category_name(c, lang, standalone=True) for c in head["service_category"]],
        **({t("demand.col_score", lang): [round(v) for v in head["priority_score"]],
            t("demand.col_entities", lang): head["entities"]} if weighted else {}),
        t("demand.col_shortfall", lang): [g[0] for g in gaps],
        t("demand.col_awareness", lang): [g[1] for g in gaps],
        t("demand.col_conversion", lang): [g[2] for g in gaps],
        t("demand.col_dominant", lang): [t(f"demand.gap.{g}", lang) if g else "" for g in head["dominant_gap"]],
        t("demand.col_action", lang): [t(f"demand.action.{a}", lang) if a else "" for a in head["action"]],
        t("demand.col_top_reason", lang): [t(f"demand.reason.{r}", lang) if r else "" for r in reasons],
        t("demand.col_flag", lang): [t("demand.flag_small", lang) if s else "" for s in head["small_sample"]],
    }, strict=False)


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
        sentences.append(t("demand.finding_national", lang, year=sel.year, category=category,
                           potential=_fmt(_pct(whole["potential_rate"])), actual=_fmt(_pct(whole["actual_rate"])),
                           shortfall=_fmt(total), awareness=_fmt(aware), conversion=_fmt(conv)))
    best = ranked(rows)
    if best.height >= 2:
        top, low = best.row(0, named=True), best.row(-1, named=True)
        total, aware, conv = gap_numbers(top)
        sentences.append(t("demand.finding_largest", lang, unit_kind=unit_kind,
                           region=display_name(top["adcode"], lang), shortfall=_fmt(total), awareness=_fmt(aware),
                           conversion=_fmt(conv), low=display_name(low["adcode"], lang),
                           low_shortfall=_fmt(gap_numbers(low)[0])))
    shown = visible(rows).drop_nulls("dominant_gap")
    if shown.height:
        counts = dict(shown.group_by("dominant_gap").len().iter_rows())
        sentences.append(t("demand.finding_dominance", lang, total=shown.height, unit_kind=unit_kind,
                           awareness_n=counts.get("awareness", 0), conversion_n=counts.get("conversion", 0)))
    first = priorities.row(0, named=True) if priorities.height else None
    if first and first["priority_score"] > 0 and first["dominant_gap"] and first["action"]:
        common = {"region": display_name(first["adcode"], lang),
                  "category": category_name(first["service_category"], lang),
                  "gap": t(f"demand.gap.{first['dominant_gap']}", lang),
                  "action": t(f"demand.action.{first['action']}", lang)}
        if "entities" in priorities.columns:
            sentence = t("demand.finding_priority", lang, score=f"{round(first['priority_score']):,}", **common)
        else:
            sentence = t("demand.finding_priority_rate", lang, shortfall=_fmt(gap_numbers(first)[0]), **common)
        if first["dominant_gap"] == "conversion" and first.get("top_reason"):
            sentence += (" " if lang == "en" else "") + t("demand.finding_priority_reason", lang,
                                                          reason=t(f"demand.reason.{first['top_reason']}", lang))
        sentences.append(sentence)
    small = int((rows["small_sample"] & ~rows["suppressed"]).sum())
    hidden = int(rows["suppressed"].sum())
    if small or hidden:
        sentences.append(t("demand.finding_flags", lang, small=small, min_n=sel.min_n, hidden=hidden, k=sel.k))
    return sentences
