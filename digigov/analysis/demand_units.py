"""The demand page's units: per-unit funnels and shortfalls for one year, level and service category, with
small-sample flags and small-cell protection; the national funnel, reasons and the priority list on the same
protected grid. Statistics come from digigov.analysis.demand and proportions; this module picks and protects.

Protection of small cells (DESIGN.md §6, k = 10) is decided on the grid the page can show: unit × service
category for one year and level. A cell from fewer than k respondents is hidden (primary); where exactly one
cell of a group would be hidden and the group's total is shown elsewhere, a second one is hidden too
(secondary): the categories of one unit add up to its "all services" figure, and the units of one parent
(a province's prefectures; all provinces) add up to the parent's (the national) figure. Both hierarchies
are applied in turn until nothing changes. Hidden cells are nulled — rates, intervals, counts and the
dominant gap — so no chart, map tooltip, table or sentence can show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.analysis import demand
from digigov.analysis.proportions import (
    MIN_N,
    SUPPRESS_K,
    adequate_rows,
    suppress_small_cells,
    visible_rows,
    wilson_interval,
)
from digigov.codes import REASON_COLUMNS, SERVICE_CATEGORIES, STAGES
from digigov.regions import Level, load_gazetteer

ALL = "all"  # the category choice "all services"
LEVELS: tuple[Level, ...] = ("province", "prefecture")
NATIONAL = "national"
_GROUP = "__group"
_MAX_ROUNDS = 20

# Everything computed from a cell's respondents: nulled together when the cell is hidden.
_HIDDEN_COUNTS: tuple[str, ...] = ("respondents", *STAGES, *REASON_COLUMNS, "non_users", "unaware", "aware_non_users")
RATE_COLUMNS: tuple[str, ...] = tuple(
    f"{prefix}{suffix}"
    for prefix in ("potential", "aware", "actual", "completion", "satisfaction")
    for suffix in ("_rate", "_low", "_high")
) + tuple(
    f"{gap}{suffix}" for gap in ("shortfall", "awareness_gap", "conversion_gap") for suffix in ("", "_low", "_high")
)
HIDDEN_COLUMNS: tuple[str, ...] = (*_HIDDEN_COUNTS, *RATE_COLUMNS, "dominant_gap")


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
# Units with suppression
# ---------------------------------------------------------------------------------------------------------------
def _gazetteer_columns() -> pl.DataFrame:
    return load_gazetteer().frame.select(
        "adcode", pl.col("level").alias("__gz_level"), pl.col("parent").alias("__parent")
    )


def with_level(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``level`` from the gazetteer when a file (an upload) does not carry it."""
    if "level" in frame.columns:
        return frame
    return frame.join(_gazetteer_columns(), on="adcode", how="left").rename({"__gz_level": "level"}).drop("__parent")


OPTIONAL_COLUMNS: tuple[str, ...] = ("entities", "completed", "satisfied", *REASON_COLUMNS)


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
    """ "all" first, then the categories of the data: the known ones in code-list order, then any others."""
    present = set(frame["service_category"].drop_nulls().to_list())
    known = [c for c in SERVICE_CATEGORIES if c in present]
    return [ALL, *known, *sorted(present - set(SERVICE_CATEGORIES) - {ALL})]


def _with_group(rows: pl.DataFrame, level: str) -> pl.DataFrame:
    """The group whose total is shown elsewhere: a prefecture's province, or the nation for provinces."""
    if level == "prefecture":
        parents = _gazetteer_columns().select("adcode", "__parent")
        return (
            rows.join(parents, on="adcode", how="left")
            .with_columns(pl.col("__parent").fill_null(NATIONAL).alias(_GROUP))
            .drop("__parent")
        )
    return rows.with_columns(pl.lit(NATIONAL).alias(_GROUP))


def suppression_grid(frame: pl.DataFrame, year: int, level: str, k: int = SUPPRESS_K) -> pl.DataFrame:
    """adcode, service_category, suppressed, suppression for every unit × category cell of one year and level.

    Primary: respondents < k. Secondary, repeated until stable: within a unit (its categories add up to the
    all-services figure) and within a parent × category (units add up to the parent's figure).
    """
    cells = demand.funnel(with_level(frame), by=("adcode", "service_category"), year=year, level=level, min_n=0).select(
        "adcode", "service_category", "respondents"
    )
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


def units(
    frame: pl.DataFrame, sel: Selection, level: str | None = None, grid: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per unit of ``level`` (default sel.level) for sel.year and sel.category.

    Columns: adcode, funnel counts and rates with Wilson intervals, shortfall, awareness_gap, conversion_gap
    (with intervals), dominant_gap, small_sample (respondents < sel.min_n), suppressed, suppression, parent
    group. Hidden cells have every number nulled. ``grid`` (from :func:`suppression_grid`) carries the cell
    decisions of a single-category view; it is computed when not given.
    """
    level = level or sel.level
    data = with_level(frame)
    rows = demand.shortfall(
        demand.funnel(
            data, by=("adcode", "year"), year=sel.year, service_categories=sel.categories, level=level, min_n=sel.min_n
        )
    )
    rows = _with_group(rows, level)
    if sel.category != ALL:
        grid = grid if grid is not None else suppression_grid(data, sel.year, level, sel.k)
        decided = grid.filter(pl.col("service_category") == sel.category).drop("service_category")
        rows = rows.join(decided, on="adcode", how="left").with_columns(pl.col("suppressed").fill_null(False))
    present = [c for c in HIDDEN_COLUMNS if c in rows.columns]
    rows = suppress_small_cells(rows, "respondents", present, sel.k, group_by=_GROUP)
    return rows.rename({_GROUP: "group"}).sort("adcode")


def national_funnel(frame: pl.DataFrame, sel: Selection) -> dict:
    """The national funnel and shortfall (province rows summed, or all rows where there are no provinces)."""
    row = demand.shortfall(
        demand.funnel(with_level(frame), by=(), year=sel.year, service_categories=sel.categories, min_n=sel.min_n)
    )
    row = suppress_small_cells(row, "respondents", [c for c in HIDDEN_COLUMNS if c in row.columns], sel.k)
    return row.row(0, named=True)


def ranked(rows: pl.DataFrame) -> pl.DataFrame:
    """Units that may appear in highest / lowest claims (not hidden, not small), largest shortfall first."""
    return adequate_rows(rows).sort(["shortfall", "adcode"], descending=[True, False])


# ---------------------------------------------------------------------------------------------------------------
# Region choice
# ---------------------------------------------------------------------------------------------------------------
def region_options(rows: pl.DataFrame) -> list[str]:
    """Units a funnel can be drawn for: every unit that is not hidden, in code order."""
    return sorted(visible_rows(rows)["adcode"].to_list())


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
    if adcode is None or adcode not in gazetteer:
        return None
    region = gazetteer[adcode]
    province = region if region.level == "province" else gazetteer.regions.get(region.parent or "")
    if province is None or province.level != "province" or not province.has_boundary:
        return None
    return province.adcode


# ---------------------------------------------------------------------------------------------------------------
# Funnel: region against national
# ---------------------------------------------------------------------------------------------------------------
def stage_rates(row: dict) -> list[dict]:
    """Every stage present as a share of respondents with its Wilson interval (None when hidden)."""
    n = row.get("respondents")
    out = []
    for stage in STAGES:
        if stage not in row:
            continue
        count = row[stage]
        interval = wilson_interval(count, n) if count is not None and n else None
        out.append(
            {
                "stage": stage,
                "rate": count / n if interval else None,
                "low": interval[0] if interval else None,
                "high": interval[1] if interval else None,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------------------------
def reason_shares(frame: pl.DataFrame, sel: Selection, region: str | None, hidden: bool = False) -> pl.DataFrame:
    """reason, gap, scope ("national" or "region"), count, non_users, share, share_low, share_high.

    The region's reasons are left out when its cell is hidden (``hidden``) or fewer than k non-users answered:
    a share of fewer than k records is itself a disclosive figure.
    """
    data = with_level(frame)
    if not any(c in data.columns for c in REASON_COLUMNS):
        return pl.DataFrame(
            schema={
                "reason": pl.String,
                "gap": pl.String,
                "count": pl.Int64,
                "non_users": pl.Int64,
                "share": pl.Float64,
                "share_low": pl.Float64,
                "share_high": pl.Float64,
                "scope": pl.String,
            }
        )
    national = demand.reasons(data, by=(), year=sel.year, service_categories=sel.categories)
    parts = [national.with_columns(pl.lit(NATIONAL).alias("scope"))]
    if region and not hidden:
        level = load_gazetteer()[region].level if region in load_gazetteer() else sel.level
        own = demand.reasons(
            data, by=("adcode",), adcodes=[region], level=level, year=sel.year, service_categories=sel.categories
        )
        if own.height and int(own["non_users"][0] or 0) >= sel.k:
            parts.append(own.drop("adcode").with_columns(pl.lit("region").alias("scope")))
    out = pl.concat(parts, how="vertical_relaxed")
    return out.filter(pl.col("non_users") >= sel.k)


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
    decided = rows.join(
        grid.select("adcode", "service_category", "suppressed"), on=["adcode", "service_category"], how="left"
    )
    rows = visible_rows(decided).drop("suppressed").drop_nulls("priority_score")
    return rows.with_columns(
        pl.col("priority_score").rank(method="min", descending=True).cast(pl.Int64).alias("rank")
    ).sort(["rank", "adcode", "service_category"])
