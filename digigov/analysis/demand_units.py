"""The demand page's units: per-unit funnels and shortfalls for one year, level and service category, with
small-sample flags and small-cell protection; the national funnel, reasons and the priority list on the same
protected grid. Statistics come from digigov.analysis.demand and proportions; this module picks and protects.

Protection of small cells (DESIGN.md §6, k = 10) is decided once per year on every figure the page can show,
at every level together (:func:`protection`): unit × service category for the funnel (units of both levels and
the nation; "all services" as a category), and unit × category × reason for the reasons. A cell from fewer than
k *records* (unweighted respondents; for a reason, the unweighted non-users giving it) is hidden (primary).
Wherever parts add up to a total that is shown (a unit's categories to its all-services figure, a parent's
units to the parent's figure — a province's prefectures to the province, provinces or, without province rows,
prefectures to the nation —, a cell's reasons to its non-users, a unit's category reasons to its all-services
reasons) and exactly one member of the group is hidden, another is hidden too (secondary: the visible part
with the fewest records). Every group is checked again until nothing changes, so a cell hidden at one level
cannot be recovered from another. Hidden cells are nulled — rates, intervals, counts and the dominant gap —
so no chart, map tooltip, table or sentence can show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.analysis import demand
from digigov.analysis.proportions import (
    MIN_N,
    SUPPRESS_K,
    adequate_rows,
    visible_rows,
    wilson_interval,
)
from digigov.codes import REASON_COLUMNS, REASONS, SERVICE_CATEGORIES, STAGES
from digigov.ingest.demand_records import category_codes
from digigov.regions import Level, load_gazetteer

ALL = "all"  # the category choice "all services"
LEVELS: tuple[Level, ...] = ("province", "prefecture")
NATIONAL = "national"
_GROUP = "__group"
_MAX_ROUNDS = 20

# Everything computed from a cell's respondents: nulled together when the cell is hidden.
_HIDDEN_COUNTS: tuple[str, ...] = (
    "respondents",
    "records",
    "entities",
    *STAGES,
    *REASON_COLUMNS,
    *demand.REASON_RECORDS,
    "non_users",
    "unaware",
    "aware_non_users",
)
RATE_COLUMNS: tuple[str, ...] = tuple(
    f"{prefix}{suffix}"
    for prefix in ("potential", "aware", "actual", "completion", "satisfaction")
    for suffix in ("_rate", "_low", "_high")
) + tuple(
    f"{gap}{suffix}"
    for gap in ("shortfall", "awareness_gap", "conversion_gap", "gap_difference")
    for suffix in ("", "_low", "_high")
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


REQUIRED_COUNTS: tuple[str, ...] = ("respondents", "need", "aware", "used")


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """A dataset as the page reads it (built-in or uploaded).

    ``level`` comes from the gazetteer wherever the code is known (an upload's level may be missing or a
    filled-in default; the code says what the unit is), the file's own otherwise. Service categories written as
    labels (税务, "Tax", 社会保险) become their codes, so one category written in two scripts is one category;
    labels outside the code list stay as written. Rows that cannot be placed in a funnel (no adcode, year,
    respondents, need, aware or used: see :func:`incomplete_rows`) are left out. Optional columns that are
    entirely empty (an upload without entity counts, completion, satisfaction or reasons) are dropped, so the
    analyses leave those stages out instead of showing them as 0 %.
    """
    levels = _gazetteer_columns().select("adcode", "__gz_level")
    data = frame.with_columns(pl.col("adcode").cast(pl.String), pl.col("year").cast(pl.Int64, strict=False))
    if "service_category" not in data.columns:
        data = data.with_columns(pl.lit(None, dtype=pl.String).alias("service_category"))
    data = data.with_columns(category_codes(data, "service_category"))
    data = data.filter(complete_rows(data))
    data = data.join(levels, on="adcode", how="left")
    level = pl.coalesce("__gz_level", "level") if "level" in data.columns else pl.col("__gz_level")
    data = data.with_columns(level.alias("level")).drop("__gz_level")
    empty = [c for c in OPTIONAL_COLUMNS if c in data.columns and data[c].null_count() == data.height]
    return data.drop(empty)


def complete_rows(frame: pl.DataFrame) -> pl.Expr:
    """Rows with an adcode, a year and the four counts every funnel needs."""
    needed = ["adcode", "year", *REQUIRED_COUNTS]
    return pl.all_horizontal(
        [pl.col(c).is_not_null() for c in needed if c in frame.columns] + [pl.lit(set(needed) <= set(frame.columns))]
    )


def incomplete_rows(frame: pl.DataFrame) -> int:
    """How many rows of a raw dataset :func:`prepare` leaves out."""
    data = frame.with_columns(pl.col("year").cast(pl.Int64, strict=False)) if "year" in frame.columns else frame
    return data.height - data.filter(complete_rows(data)).height


def unknown_records(frame: pl.DataFrame) -> int:
    """Rows whose record count is unknown (weighted counts without ``unweighted_n``): every cell they belong
    to is hidden, since its size under the k rule cannot be told."""
    if "respondents" not in frame.columns:
        return 0
    return int(demand.with_records(frame).select(pl.col("records").is_null().sum()).item())


def unmapped_units(frame: pl.DataFrame, level: str) -> list[str]:
    """Units of ``level`` in a prepared dataset that the map cannot draw (no boundary, or a code the gazetteer
    does not know): they are in the tables and the figures, not on the map."""
    gazetteer = load_gazetteer()
    codes = frame.filter(pl.col("level") == level)["adcode"].unique().sort().to_list()
    return [a for a in codes if a not in gazetteer or not gazetteer[a].has_boundary]


def levels_present(frame: pl.DataFrame) -> list[str]:
    present = set(frame["level"].drop_nulls().to_list()) if "level" in frame.columns else set()
    return [level for level in LEVELS if level in present]


def categories_present(frame: pl.DataFrame) -> list[str]:
    """ "all" first, then the categories of the data: the known ones in code-list order, then any others."""
    present = set(frame["service_category"].drop_nulls().to_list())
    known = [c for c in SERVICE_CATEGORIES if c in present]
    return [ALL, *known, *sorted(present - set(SERVICE_CATEGORIES) - {ALL})]


def _with_group(rows: pl.DataFrame, level: str) -> pl.DataFrame:
    """The unit's parent as the drill-down reads it: a prefecture's province, the nation for provinces."""
    if level == "prefecture":
        parents = _gazetteer_columns().select("adcode", "__parent")
        return (
            rows.join(parents, on="adcode", how="left")
            .with_columns(pl.col("__parent").fill_null(NATIONAL).alias(_GROUP))
            .drop("__parent")
        )
    return rows.with_columns(pl.lit(NATIONAL).alias(_GROUP))


# ---------------------------------------------------------------------------------------------------------------
# Protection: one decision per shown figure, across levels, categories and reasons
# ---------------------------------------------------------------------------------------------------------------
_TOTAL = "__total"  # the reason "all non-users" (the funnel's non-users, the sum of a cell's reasons)


@dataclass(frozen=True)
class Protection:
    """The small-cell decisions of one year.

    ``cells``: adcode (or "national"), service_category (or "all"), records, suppressed, suppression
    ("primary", "secondary", "unshown" for parts the page never shows, or null). ``reasons``: the same keys plus
    reason, with the decision for each reason share (empty without reason columns).
    """

    year: int
    k: int
    cells: pl.DataFrame
    reasons: pl.DataFrame


def _protection_parents(data: pl.DataFrame) -> pl.DataFrame:
    """adcode, level, parent: the unit whose figure a unit's figures add up to, where that figure is shown.

    A province adds up to the nation. A prefecture adds up to its province when the data hold that province,
    to the nation when the data hold no provinces at all (the national figure is then the sum of prefectures),
    and to nothing shown otherwise. Units of no known level are never shown (parent: the nation when there are
    no provinces, since they are then part of the national figure).
    """
    units = data.select("adcode", "level").unique("adcode", keep="first")
    provinces = set(units.filter(pl.col("level") == "province")["adcode"].to_list())
    fallback = None if provinces else NATIONAL
    parents = _gazetteer_columns().select("adcode", "__parent")
    return (
        units.join(parents, on="adcode", how="left")
        .with_columns(
            pl.when(pl.col("level") == "province")
            .then(pl.lit(NATIONAL))
            .when((pl.col("level") == "prefecture") & pl.col("__parent").is_in(list(provinces)))
            .then(pl.col("__parent"))
            .otherwise(pl.lit(fallback, dtype=pl.String))
            .alias("parent")
        )
        .drop("__parent")
    )


def _funnel_cells(data: pl.DataFrame, year: int) -> pl.DataFrame:
    """adcode, service_category, records, non_users and the reason counts/records of every unit × category,
    every unit × all services, and the nation × both (the national figure sums what the page sums)."""
    keep = ["records", "need", "used", *REASON_COLUMNS, *demand.REASON_RECORDS]

    def cells(by: tuple[str, ...], level: str | None) -> pl.DataFrame:
        out = demand.funnel(data, by=by, year=year, level=level, min_n=0, rates=False)
        out = out.with_columns(
            *([] if "adcode" in by else [pl.lit(NATIONAL).alias("adcode")]),
            *([] if "service_category" in by else [pl.lit(ALL).alias("service_category")]),
        )
        return out.select("adcode", "service_category", *(c for c in keep if c in out.columns))

    parts = [
        cells(("adcode", "service_category"), None).filter(pl.col("service_category").fill_null("") != ALL),
        cells(("adcode",), None),
        cells(("service_category",), "auto").filter(pl.col("service_category").fill_null("") != ALL),
        cells((), "auto"),
    ]
    out = pl.concat(parts, how="diagonal_relaxed")
    return out.with_columns((pl.col("need") - pl.col("used")).alias("non_users")).drop("need", "used")


def _protect(cells: pl.DataFrame, members: pl.DataFrame, k: int) -> pl.DataFrame:
    """Secondary suppression over overlapping groups, repeated until stable.

    ``cells``: __cell (id), records, suppressed (primary decisions), locked (a figure public elsewhere: never
    chosen). ``members``: __group, __cell, __total (the member is the group's total). In a group with exactly one
    hidden member that member is the total minus (or plus) the others, so the visible part with the fewest
    records (then the total, if no part is left) is hidden too.
    """
    out = cells.with_columns(pl.when(pl.col("suppressed")).then(pl.col("suppression")).alias("suppression"))
    # What does not change between rounds is joined and sorted once (records, locked, the order a victim is chosen
    # in); each round only looks up the cells' current decisions by position (46,716 memberships on the demand
    # sample: 81 ms with a join and a sort per round).
    position = out.select("__cell").with_row_index("__position")
    status = (
        members.join(out.select("__cell", "records", "locked"), on="__cell", how="left")
        .join(position, on="__cell", how="left")
        .sort(["__group", "__total", "records", "__cell"], nulls_last=False)
    )
    positions = status["__position"]
    for _ in range(_MAX_ROUNDS):
        current = status.with_columns(out["suppressed"].gather(positions).alias("suppressed"))
        exposed = current.filter(pl.col("suppressed").cast(pl.Int32).sum().over("__group") == 1)
        victims = (
            exposed.filter(~pl.col("suppressed") & ~pl.col("locked"))
            .group_by("__group", maintain_order=True)
            .first()
            .select("__cell")
            .unique()
        )
        if victims.is_empty():
            break
        chosen = pl.col("__cell").is_in(victims["__cell"].implode())
        out = out.with_columns(
            pl.when(chosen).then(pl.lit("secondary")).otherwise(pl.col("suppression")).alias("suppression"),
            (pl.col("suppressed") | chosen).alias("suppressed"),
        )
    return out


def _memberships(frame: pl.DataFrame, families: list[tuple[list[str], pl.Expr, pl.Expr]]) -> pl.DataFrame:
    """One row per (group, cell): each family is (group keys, which rows are parts, which rows are totals);
    the group id joins the family's index and its keys."""
    rows = []
    for i, (keys, part, total) in enumerate(families):
        group = pl.concat_str(
            [pl.lit(str(i)), *(pl.col(c).cast(pl.String).fill_null("∅") for c in keys)], separator="|"
        )
        rows.append(frame.filter(part | total).select(group.alias("__group"), "__cell", total.alias("__total")))
    return pl.concat(rows)


def protection(frame: pl.DataFrame, year: int, k: int = SUPPRESS_K) -> Protection:
    """Decide every cell the page can show for ``year`` (see the module docstring)."""
    data = with_level(frame)
    cells = _funnel_cells(data, year)
    parents = _protection_parents(data)
    cells = cells.join(parents, on="adcode", how="left").with_row_index("__cell")
    categories = categories_present(data)
    shown_unit = pl.col("level").is_in(list(LEVELS)) | (pl.col("adcode") == NATIONAL)
    shown = shown_unit & pl.col("service_category").is_in(categories)
    small = pl.col("records").is_null() | (pl.col("records") < k)
    funnel_cells = cells.with_columns(
        (small | ~shown).alias("suppressed"),
        pl.when(~shown).then(pl.lit("unshown")).when(small).then(pl.lit("primary")).alias("suppression"),
        pl.lit(False).alias("locked"),
    )
    is_all = pl.col("service_category") == ALL
    funnel_members = _memberships(
        funnel_cells,
        [
            (["adcode"], ~is_all, is_all),  # a unit's categories add up to its all-services figure
            (["parent", "service_category"], pl.col("parent").is_not_null(), pl.lit(False)),
        ],
    )
    # the parents' own cells are the totals of the second family
    totals = funnel_cells.filter(pl.col("adcode").is_in(funnel_cells["parent"].drop_nulls().unique().implode()))
    funnel_members = pl.concat(
        [
            funnel_members,
            totals.select(
                pl.concat_str(
                    [pl.lit("1"), pl.col("adcode"), pl.col("service_category").fill_null("∅")], separator="|"
                ).alias("__group"),
                "__cell",
                pl.lit(True).alias("__total"),
            ),
        ]
    )
    decided = _protect(funnel_cells, funnel_members, k)
    reason_cells = _reason_cells(decided, k)
    return Protection(
        year=year,
        k=k,
        cells=decided.select("adcode", "service_category", "records", "suppressed", "suppression"),
        reasons=reason_cells,
    )


def _reason_cells(funnel_cells: pl.DataFrame, k: int) -> pl.DataFrame:
    """adcode, service_category, reason, records, suppressed, suppression for every reason share."""
    present = [r for r in REASONS if f"reason_{r}" in funnel_cells.columns]
    schema = {
        "adcode": pl.String,
        "service_category": pl.String,
        "reason": pl.String,
        "records": pl.Float64,
        "suppressed": pl.Boolean,
        "suppression": pl.String,
    }
    if not present:
        return pl.DataFrame(schema=schema)
    base = funnel_cells.select(
        "adcode",
        "service_category",
        "parent",
        pl.col("suppressed").alias("__cell_hidden"),
        pl.col("suppression").alias("__cell_why"),
        "non_users",
        *(
            pl.col(f"records_reason_{r}").alias(r)
            if f"records_reason_{r}" in funnel_cells.columns
            else pl.lit(None, dtype=pl.Float64).alias(r)
            for r in present
        ),
    )
    long = base.unpivot(
        index=["adcode", "service_category", "parent", "__cell_hidden", "__cell_why", "non_users"],
        on=present,
        variable_name="reason",
        value_name="records",
    )
    # The non-users of a cell are public wherever its funnel is (shortfall × respondents): the total of its
    # reasons, locked; hidden with the cell.
    totals = base.select(
        "adcode",
        "service_category",
        "parent",
        "__cell_hidden",
        "__cell_why",
        "non_users",
        pl.lit(_TOTAL).alias("reason"),
        pl.col("non_users").cast(pl.Float64).alias("records"),
    )
    cells = pl.concat([long, totals], how="diagonal_relaxed").with_row_index("__cell")
    is_total = pl.col("reason") == _TOTAL
    small = pl.col("records").is_null() | (pl.col("records") < k)
    cells = cells.with_columns(
        (pl.col("__cell_hidden") | (small & ~is_total)).alias("suppressed"),
        pl.when(pl.col("__cell_hidden"))
        .then(pl.col("__cell_why"))
        .when(small & ~is_total)
        .then(pl.lit("primary"))
        .alias("suppression"),
        is_total.alias("locked"),
    )
    is_all = pl.col("service_category") == ALL
    members = _memberships(
        cells,
        [
            (["adcode", "service_category"], ~is_total, is_total),  # reasons add up to the non-users
            (["adcode", "reason"], ~is_all & ~is_total, is_all & ~is_total),  # categories to all services
            (["parent", "service_category", "reason"], pl.col("parent").is_not_null() & ~is_total, pl.lit(False)),
        ],
    )
    totals_of_parents = cells.filter(
        pl.col("adcode").is_in(cells["parent"].drop_nulls().unique().implode()) & ~is_total
    ).select(
        pl.concat_str(
            [pl.lit("2"), pl.col("adcode"), pl.col("service_category").fill_null("∅"), pl.col("reason")],
            separator="|",
        ).alias("__group"),
        "__cell",
        pl.lit(True).alias("__total"),
    )
    decided = _protect(cells, pl.concat([members, totals_of_parents]), k)
    return decided.filter(~is_total).select(*schema)


def suppression_grid(frame: pl.DataFrame, year: int, level: str, k: int = SUPPRESS_K) -> pl.DataFrame:
    """adcode, service_category, suppressed, suppression for every unit × category cell (and unit × "all") of
    one year and level, decided by :func:`protection` across every level."""
    data = with_level(frame)
    codes = data.filter(pl.col("level") == level)["adcode"].unique().implode()
    cells = protection(data, year, k).cells
    return cells.filter(pl.col("adcode").is_in(codes)).select("adcode", "service_category", "suppressed", "suppression")


def _decisions(grid: pl.DataFrame | Protection, category: str) -> pl.DataFrame:
    cells = grid.cells if isinstance(grid, Protection) else grid
    return cells.filter(pl.col("service_category") == category).select("adcode", "suppressed", "suppression")


def _hide(rows: pl.DataFrame) -> pl.DataFrame:
    present = [c for c in HIDDEN_COLUMNS if c in rows.columns]
    hidden = pl.col("suppressed")
    return rows.with_columns([pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in present])


def units(
    frame: pl.DataFrame, sel: Selection, level: str | None = None, grid: pl.DataFrame | Protection | None = None
) -> pl.DataFrame:
    """One row per unit of ``level`` (default sel.level) for sel.year and sel.category.

    Columns: adcode, funnel counts and rates with Wilson intervals, shortfall, awareness_gap, conversion_gap
    (with intervals), gap_difference (with its interval), dominant_gap, small_sample (records < sel.min_n),
    suppressed, suppression, parent group. Hidden cells have every number nulled. ``grid`` (from
    :func:`suppression_grid` or :func:`protection`) carries the decisions; it is computed when not given.
    """
    level = level or sel.level
    data = with_level(frame)
    rows = demand.shortfall(
        demand.funnel(
            data, by=("adcode", "year"), year=sel.year, service_categories=sel.categories, level=level, min_n=sel.min_n
        )
    )
    rows = _with_group(rows, level)
    grid = grid if grid is not None else protection(data, sel.year, sel.k)
    decided = _decisions(grid, sel.category)
    rows = rows.join(decided, on="adcode", how="left").with_columns(
        pl.col("suppressed").fill_null(True),
        pl.col("suppression").fill_null(pl.when(pl.col("suppressed").is_null()).then(pl.lit("primary"))),
    )
    return _hide(rows).rename({_GROUP: "group"}).sort("adcode")


def national_funnel(frame: pl.DataFrame, sel: Selection, grid: Protection | None = None) -> dict:
    """The national funnel and shortfall (province rows summed, or all rows where there are no provinces),
    nulled when its cell is hidden."""
    data = with_level(frame)
    row = demand.shortfall(
        demand.funnel(data, by=(), year=sel.year, service_categories=sel.categories, min_n=sel.min_n)
    )
    grid = grid if grid is not None else protection(data, sel.year, sel.k)
    decided = _decisions(grid, sel.category).filter(pl.col("adcode") == NATIONAL)
    hidden = bool(decided["suppressed"][0]) if decided.height else True
    row = row.with_columns(
        pl.lit(hidden).alias("suppressed"),
        pl.lit(decided["suppression"][0] if decided.height else "primary", dtype=pl.String).alias("suppression"),
    )
    return _hide(row).row(0, named=True)


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
REASON_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "reason": pl.String,
    "gap": pl.String,
    "scope": pl.String,
    "count": pl.Float64,
    "non_users": pl.Float64,
    "share": pl.Float64,
    "share_low": pl.Float64,
    "share_high": pl.Float64,
    "suppressed": pl.Boolean,
}


def has_reasons(frame: pl.DataFrame) -> bool:
    return any(c in frame.columns for c in REASON_COLUMNS)


def reason_shares(
    frame: pl.DataFrame,
    sel: Selection,
    region: str | None,
    hidden: bool = False,
    grid: Protection | None = None,
) -> pl.DataFrame:
    """reason, gap, scope ("national" or "region"), count, non_users, share, share_low, share_high, suppressed.

    Every reason share is a cell of its own under the k rule (:func:`protection`): a reason given by fewer than
    k non-users (unweighted) is hidden, and so is a second one wherever the hidden one could be recovered from
    the non-users, the all-services reasons or the parent's reasons. Hidden reasons keep their row with nulls.
    A scope is left out when its cell is hidden (``hidden``, the region), when no reason was recorded there
    (every count 0: nothing to show), or when every reason is hidden.
    """
    data = with_level(frame)
    if not has_reasons(data):
        return pl.DataFrame(schema=REASON_SCHEMA)
    grid = grid if grid is not None else protection(data, sel.year, sel.k)
    decided = grid.reasons.filter(pl.col("service_category") == sel.category).select("adcode", "reason", "suppressed")
    national = demand.reasons(data, by=(), year=sel.year, service_categories=sel.categories)
    parts = [national.with_columns(pl.lit(NATIONAL).alias("scope"), pl.lit(NATIONAL).alias("adcode"))]
    if region and not hidden:
        gazetteer = load_gazetteer()
        level = gazetteer[region].level if region in gazetteer else sel.level
        own = demand.reasons(
            data, by=("adcode",), adcodes=[region], level=level, year=sel.year, service_categories=sel.categories
        )
        parts.append(own.with_columns(pl.lit("region").alias("scope")))
    out = (
        pl.concat(parts, how="diagonal_relaxed")
        .join(decided, on=["adcode", "reason"], how="left")
        .with_columns(pl.col("suppressed").fill_null(True))
        .filter(pl.col("count").sum().over("scope") > 0)
    )
    out = out.with_columns(
        [
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("count", "share", "share_low", "share_high")
        ]
    ).filter(~pl.col("suppressed").all().over("scope"))
    return out.select([pl.col(c).cast(t) for c, t in REASON_SCHEMA.items()])


def reasons_recorded(frame: pl.DataFrame, sel: Selection) -> bool:
    """Whether any non-user of the selection gave a reason (reason columns present and not all 0)."""
    data = with_level(frame)
    if not has_reasons(data):
        return False
    national = demand.reasons(data, by=(), year=sel.year, service_categories=sel.categories)
    return bool(national.select(pl.col("count").fill_null(0).sum()).item() > 0)


# ---------------------------------------------------------------------------------------------------------------
# Priorities
# ---------------------------------------------------------------------------------------------------------------
def priority_rows(frame: pl.DataFrame, sel: Selection, grid: pl.DataFrame | Protection | None = None) -> pl.DataFrame:
    """demand.priorities over unit × category cells of sel.level (one category when one is chosen), hidden
    cells dropped and the rest ranked again (1 = act first). The leading reason is named only when its own
    count is at least k records (it is a reason cell of its own)."""
    data = with_level(frame)
    grid = grid if grid is not None else protection(data, sel.year, sel.k)
    cells = grid.cells if isinstance(grid, Protection) else grid
    if sel.categories:
        data = data.filter(pl.col("service_category").is_in(sel.categories))
    weight = "entities" if "entities" in data.columns else None
    rows = demand.priorities(data, weight, year=sel.year, level=sel.level, min_n=sel.min_n)
    decided = rows.join(
        cells.select("adcode", "service_category", "suppressed"), on=["adcode", "service_category"], how="left"
    ).with_columns(pl.col("suppressed").fill_null(True))
    rows = visible_rows(decided).drop("suppressed").drop_nulls("priority_score")
    if "top_reason" in rows.columns:
        enough = pl.col("top_reason_records").fill_null(0) >= sel.k
        rows = rows.with_columns(pl.when(enough).then(pl.col("top_reason")).alias("top_reason"))
    return rows.with_columns(
        pl.col("priority_score").rank(method="min", descending=True).cast(pl.Int64).alias("rank")
    ).sort(["rank", "adcode", "service_category"])
