"""Online-versus-offline preference (线上/线下办理偏好): channel mix, offline-preference shares, their relation to
the development index and the numbers behind the findings.

Input shape (``city_channels.csv`` or an aggregated upload): one row per unit × year × entity type × service
category with counts ``respondents, web, mobile_app, self_service_terminal, counter, prefers_offline``
(``web + mobile_app + self_service_terminal + counter == respondents``). Weighted aggregates from
:func:`digigov.ingest.channel_records.aggregate_raw_records` carry two more columns, ``unweighted_n`` and
``sum_weight_sq``.

Every share is a pooled survey share (sum of counts / sum of respondents), so larger samples weigh more. Each
share has a 95 % Wilson interval and units with fewer than ``min_n`` respondents are flagged and kept out of
"highest / lowest" claims (see :mod:`digigov.analysis.proportions`); the spread across units is in
:mod:`digigov.analysis.shares`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeVar

import numpy as np
import polars as pl

from digigov.analysis.proportions import (
    MIN_N,
    SUPPRESS_K,
    Link,
    differences_within_ci,
    flag_small_samples,
    protect_nested,
    wilson_exprs,
)
from digigov.analysis.shares import SpreadResult, eligible_units, sample_size_column, spread
from digigov.codes import CHANNELS, ENTITY_TYPES, OFFLINE, SERVICE_CATEGORIES
from digigov.regions import MACRO_REGIONS, load_gazetteer

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

# Count columns that may be summed across rows; the last two exist only for weighted aggregates.
COUNT_COLUMNS: tuple[str, ...] = ("respondents", *CHANNELS, OFFLINE, "unweighted_n", "sum_weight_sq")
# share column -> the count column it is computed from
SHARE_COUNTS: dict[str, str] = {**{f"{c}_share": c for c in CHANNELS}, "offline_share": OFFLINE}
# The unit-level share columns a page shows (hidden together when a cell is suppressed).
SHARE_COLUMNS: tuple[str, ...] = ("offline_share", "offline_low", "offline_high", *(f"{c}_share" for c in CHANNELS))
# Everything computed from a cell's records: nulled together when the cell is hidden (counts, effective n,
# every share and interval), so no table, chart, tooltip or export can show a hidden cell.
HIDDEN_COLUMNS: tuple[str, ...] = (
    *COUNT_COLUMNS,
    "effective_n",
    *SHARE_COLUMNS,
    *(f"{c}_{part}" for c in CHANNELS for part in ("low", "high")),
)
NATIONAL = "national"  # the id of the one cell above the macro regions (all rows of the selection)
OTHER_MACRO = "other"  # provinces outside the gazetteer's macro regions (an unknown code): a group of their own


# ---------------------------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------------------------
@cache
def _region_lookup() -> pl.DataFrame:
    frame = load_gazetteer().frame
    return frame.select(
        "adcode",
        pl.coalesce(pl.col("parent").replace("", None), pl.col("adcode")).alias("__province"),
    )


@cache
def _macro_lookup() -> pl.DataFrame:
    frame = load_gazetteer().frame
    return frame.filter(pl.col("level") == "province").select(
        pl.col("adcode").alias("province"), pl.col("macro_region").alias("__macro")
    )


def with_region_columns(frame: Frame, adcode_col: str = "adcode") -> Frame:
    """Add ``province`` (the unit's province adcode; a province or 兵团 660000 is its own) and ``macro_region``.

    Codes missing from the gazetteer fall back to the GB/T 2260 structure (first two digits + "0000"), so an
    upload using a newer prefecture code still rolls up to the right province.
    """
    kind = frame.lazy()
    names = kind.collect_schema().names()
    out = (
        kind.drop([c for c in ("province", "macro_region") if c in names])
        .join(_region_lookup().lazy(), left_on=adcode_col, right_on="adcode", how="left", maintain_order="left")
        .with_columns(pl.coalesce("__province", pl.col(adcode_col).str.slice(0, 2) + "0000").alias("province"))
        .join(_macro_lookup().lazy(), on="province", how="left", maintain_order="left")
        .rename({"__macro": "macro_region"})
        .drop("__province")
    )
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


# ---------------------------------------------------------------------------------------------------------------
# Rows that can be counted
# ---------------------------------------------------------------------------------------------------------------
def clean_counts(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """(the rows the analyses can count, how many rows were left out).

    A row is left out when its adcode or year is missing (or the year is not a number), when a count column
    (``respondents``, the channels, ``prefers_offline``) is missing or negative, or when a part exceeds
    ``respondents`` (more offline answers than respondents). Count columns that are not numeric are converted
    (a value that does not convert is missing). ``unweighted_n`` may be missing: such a cell counts as
    0 records, i.e. it is hidden.
    """
    names = frame.columns
    counts = [c for c in ("respondents", *CHANNELS, OFFLINE) if c in names]
    extra = [c for c in ("unweighted_n", "sum_weight_sq") if c in names]
    casts = [pl.col("adcode").cast(pl.String), pl.col("year").cast(pl.Int64, strict=False)]
    casts += [
        pl.col(c) if frame.schema[c].is_numeric() else pl.col(c).cast(pl.Float64, strict=False)
        for c in (*counts, *extra)
    ]
    data = frame.with_columns(casts)
    ok = pl.col("adcode").is_not_null() & pl.col("year").is_not_null()
    for column in counts:
        ok = ok & pl.col(column).is_not_null() & (pl.col(column) >= 0)
        if column != "respondents" and "respondents" in counts:
            ok = ok & (pl.col(column) <= pl.col("respondents") * (1 + 1e-9))
    kept = data.filter(ok.fill_null(False))
    return kept, frame.height - kept.height


# ---------------------------------------------------------------------------------------------------------------
# Shares
# ---------------------------------------------------------------------------------------------------------------
def _as_list(value: int | str | Sequence[int] | Sequence[str] | None) -> list | None:
    if value is None:
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


def apply_filters(
    lf: pl.LazyFrame,
    *,
    year: int | Sequence[int] | None = None,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    adcodes: Sequence[str] | None = None,
) -> pl.LazyFrame:
    """Keep the rows of the given years, entity types, categories and adcodes (None = no filter on that column)."""
    for column, values in (
        ("year", _as_list(year)),
        ("entity_type", _as_list(entity_types)),
        ("service_category", _as_list(service_categories)),
        ("adcode", _as_list(adcodes)),
    ):
        if values is not None:
            lf = lf.filter(pl.col(column).is_in(values))
    return lf


def _with_shares(lf: pl.LazyFrame, min_n: int, confidence: float) -> pl.LazyFrame:
    names = lf.collect_schema().names()
    ci_n = None
    if "sum_weight_sq" in names:
        # Kish effective sample size: the interval of a weighted share is as wide as this many unweighted records.
        lf = lf.with_columns(
            pl.when(pl.col("sum_weight_sq") > 0)
            .then(pl.col("respondents") ** 2 / pl.col("sum_weight_sq"))
            .alias("effective_n")
        )
        ci_n = "effective_n"
    exprs = []
    for column in (*CHANNELS, OFFLINE):
        if column in names:
            prefix = "offline" if column == OFFLINE else column
            exprs += wilson_exprs(column, "respondents", prefix, confidence=confidence, ci_n=ci_n)
    lf = lf.with_columns(exprs)
    return flag_small_samples(lf, "unweighted_n" if "unweighted_n" in names else "respondents", min_n)


def channel_shares(
    frame: Frame,
    by: Sequence[str] = ("adcode", "year"),
    *,
    year: int | Sequence[int] | None = None,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    adcodes: Sequence[str] | None = None,
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> Frame:
    """Sum the counts by ``by`` after the filters, then add each channel's share and the offline share.

    Output: the ``by`` keys, the summed counts, ``{web,mobile_app,self_service_terminal,counter}_share/_low/_high``,
    ``offline_share/_low/_high`` (Wilson, see proportions.py), ``small_sample`` (n < ``min_n``; n is
    ``unweighted_n`` for weighted data) and, for weighted data, ``effective_n``. ``by=()`` gives one row of
    totals. Returns the same kind of frame it was given (lazy stays lazy); rows are sorted by the keys.
    """
    lf = apply_filters(
        frame.lazy(), year=year, entity_types=entity_types, service_categories=service_categories, adcodes=adcodes
    )
    names = lf.collect_schema().names()
    sums = [pl.col(c).sum() for c in COUNT_COLUMNS if c in names]
    keys = list(by)
    grouped = lf.group_by(keys).agg(sums).sort(keys, nulls_last=True) if keys else lf.select(sums)
    out = _with_shares(grouped, min_n, confidence)
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


def province_rollup(frame: Frame, by: Sequence[str] = ("year",), **filters) -> Frame:
    """City rows → province rows (via the gazetteer parent), with the same columns as :func:`channel_shares`.

    兵团 (660000) has no parent and stays itself. The input must hold one level only (e.g. the city rows of
    city_channels.csv): province rows mixed with their own cities would be counted twice.
    ``filters`` are passed to :func:`channel_shares` (year, entity_types, service_categories, min_n, ...).
    """
    lf = with_region_columns(frame.lazy()).with_columns(pl.col("province").alias("adcode"))
    out = channel_shares(lf, by=("adcode", *by), **filters)
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


def breakdown(
    frame: Frame,
    by: Literal["entity_type", "service_category"] | Sequence[str] = "entity_type",
    *,
    region: str | None = None,
    year: int | Sequence[int] | None = None,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Shares by entity type and/or service category, nationally or for one region, with Wilson intervals.

    ``region``: None (national), a macro-region key (east, central, west, northeast), a province adcode (its
    cities, or the province's own rows) or a city adcode. Without ``year`` each year is a row of its own
    (``year`` joins the keys) rather than pooling different survey waves. Rows follow the code-list order.
    """
    keys: list[str] = [by] if isinstance(by, str) else list(by)
    lf = with_region_columns(frame.lazy())
    if region is not None:
        if region in MACRO_REGIONS or region == "hmt":
            lf = lf.filter(pl.col("macro_region") == region)
        else:
            lf = lf.filter((pl.col("adcode") == region) | (pl.col("province") == region))
    if year is None:
        keys = ["year", *keys]
    out = channel_shares(
        lf,
        by=keys,
        year=year,
        entity_types=entity_types,
        service_categories=service_categories,
        min_n=min_n,
        confidence=confidence,
    ).collect()
    return _order_codes(out, keys)


def _order_codes(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Sort by the code lists' conventional order (unknown codes after, alphabetically)."""
    orders = {
        "entity_type": ENTITY_TYPES,
        "service_category": SERVICE_CATEGORIES,
        "scope": ("national", *MACRO_REGIONS),
    }
    sort_exprs = []
    for key in keys:
        if key in orders:
            codes = orders[key]
            sort_exprs.append(
                pl.col(key).replace_strict(codes, list(range(len(codes))), default=len(codes), return_dtype=pl.Int64)
            )
        sort_exprs.append(pl.col(key))
    return frame.sort(sort_exprs, nulls_last=True) if sort_exprs else frame


def trend(
    frame: Frame,
    *,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    macro_regions: bool = True,
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Offline share (and the channel mix) by year: a ``scope`` column holds "national" and, with
    ``macro_regions``, east / central / west / northeast. Rows must not overlap (one level only)."""
    lf = with_region_columns(frame.lazy())

    def shares_by(by: Sequence[str]) -> pl.LazyFrame:
        return channel_shares(
            lf,
            by=by,
            entity_types=entity_types,
            service_categories=service_categories,
            min_n=min_n,
            confidence=confidence,
        )

    national = shares_by(("year",)).with_columns(pl.lit("national").alias("scope"))
    parts = [national]
    if macro_regions:
        regional = shares_by(("macro_region", "year")).rename({"macro_region": "scope"})
        parts.append(regional)
    out = pl.concat(pl.collect_all([p.select("scope", pl.exclude("scope")) for p in parts]), how="vertical")
    return _order_codes(out, ["scope", "year"])


# ---------------------------------------------------------------------------------------------------------------
# Small-cell protection over everything the page shows
# ---------------------------------------------------------------------------------------------------------------
GRID_LEVELS: tuple[str, ...] = ("unit", "province", "macro", NATIONAL, "entity_type", "service_category")
GRID_LINKS: tuple[Link, ...] = (
    Link("unit", "province", "province"),
    Link("province", "macro", "macro"),
    Link("macro", NATIONAL, "parent"),
    Link("entity_type", NATIONAL, "parent"),
    Link("service_category", NATIONAL, "parent"),
)


def protection_grid(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    k: int = SUPPRESS_K,
    year: int | Sequence[int] | None = None,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Which cells the page may show, per year, for one choice of entity types and categories.

    The page shows, side by side, units (cities, or provinces' own rows), provinces, macro regions (the trend),
    the whole selection (national figure, channel mix) and the shares by entity type and by service category,
    and each of these totals is the sum of its parts. The cells are counted in **records** (``unweighted_n``
    for weighted data, ``respondents`` otherwise), never in weights, and protected together by
    :func:`digigov.analysis.proportions.protect_nested` with k. Returns level -> frame of ``year, id, n,
    suppressed, suppression`` (plus the parent column), for the levels of :data:`GRID_LEVELS`.
    """
    lf = apply_filters(frame.lazy(), year=year, entity_types=entity_types, service_categories=service_categories)
    names = lf.collect_schema().names()
    n_col = "unweighted_n" if "unweighted_n" in names else "respondents"
    base = with_region_columns(lf).with_columns(
        pl.col(n_col).fill_null(0).alias("__n"), pl.col("macro_region").fill_null(OTHER_MACRO)
    )
    n = pl.col("__n").sum().alias("n")
    plans = {
        "unit": base.group_by("year", "adcode", "province").agg(n).rename({"adcode": "id"}),
        "province": base.group_by("year", "province", "macro_region")
        .agg(n)
        .rename({"province": "id", "macro_region": "macro"}),
        "macro": base.group_by("year", "macro_region")
        .agg(n)
        .rename({"macro_region": "id"})
        .with_columns(pl.lit(NATIONAL).alias("parent")),
        NATIONAL: base.group_by("year").agg(n).with_columns(pl.lit(NATIONAL).alias("id")),
    }
    for column in ("entity_type", "service_category"):
        if column in names:
            plans[column] = (
                base.group_by("year", column)
                .agg(n)
                .rename({column: "id"})
                .with_columns(pl.col("id").cast(pl.String), pl.lit(NATIONAL).alias("parent"))
            )
    levels = dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))
    links = [link for link in GRID_LINKS if link.child in levels]
    return protect_nested(levels, links, k, keys=("year",))


def hide_cells(shares: pl.DataFrame, decisions: pl.DataFrame, id_col: str | None) -> pl.DataFrame:
    """``shares`` (channel_shares output with a ``year`` column) with the grid's decision for each row joined
    by year and ``id_col`` (None: the one national cell) and every column of :data:`HIDDEN_COLUMNS` nulled
    where the cell is hidden (its small-sample flag too: it would bound the hidden count). A row without a
    decision is hidden: protection fails closed."""
    decided = decisions.select("year", "id", "suppressed", "suppression")
    if id_col is None:
        decided = decided.drop("id")
        out = shares.join(decided, on="year", how="left")
    else:
        out = shares.with_columns(pl.col(id_col).cast(pl.String)).join(
            decided.rename({"id": id_col}), on=["year", id_col], how="left", nulls_equal=True
        )
    out = out.with_columns(pl.col("suppressed").fill_null(True))
    hidden = [c for c in (*HIDDEN_COLUMNS, "small_sample") if c in out.columns]
    return out.with_columns(pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) for c in hidden)


# ---------------------------------------------------------------------------------------------------------------
# Relation to the development index
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelationResult:
    """Pearson r and the OLS line ``value = intercept + slope · index`` over units, with outliers to label.

    ``points``: id, index, value, fitted, residual, std_residual, outlier, index_source ("own" when the index
    table has the unit itself, "province" when a city borrows its province's index).
    ``std_residual`` is the internally studentised residual e_i / (s·sqrt(1 − h_ii)), so a point far out on the
    index axis is not under-flagged; outliers have |std_residual| > the threshold (2).
    ``index_units`` counts the distinct index values the points use: fewer than ``n`` means some points borrow
    the same province's index and are not independent observations (the p-value of a plain Pearson test then
    overstates the evidence; aggregate to one point per province first).
    """

    year: int
    n: int
    r: float | None
    p_value: float | None
    slope: float | None
    intercept: float | None
    points: pl.DataFrame
    outliers: tuple[str, ...]
    index_units: int = 0

    @property
    def independent(self) -> bool:
        """Every point has an index value of its own (no two points share a province's index)."""
        return self.index_units == self.n


def relation_to_index(
    shares: pl.DataFrame | pl.LazyFrame,
    index_frame: pl.DataFrame | pl.LazyFrame,
    year: int,
    *,
    value: str = "offline_share",
    id: str = "adcode",
    index_col: str = "index",
    n_col: str | None = None,
    min_n: int = MIN_N,
    threshold: float = 2.0,
) -> RelationResult:
    """Relate each unit's ``value`` (city or province offline share) to the development index of ``year``.

    A unit uses its own index when the index table has it (province_index for provinces, city_index where it
    exists) and otherwise its province's (the brief: cities use their province's index). Units below ``min_n``
    and units without an index are left out of the fit.
    """
    frame = shares.collect() if isinstance(shares, pl.LazyFrame) else shares
    if "year" in frame.columns:
        frame = frame.filter(pl.col("year") == year)
    n_col = sample_size_column(frame, n_col)
    frame = frame.filter(eligible_units(frame, value, n_col, min_n))
    index = (
        index_frame.lazy()
        .filter(pl.col("year") == year)
        .select(pl.col("adcode").cast(pl.String), pl.col(index_col).cast(pl.Float64).alias("__index"))
        .collect()
    )
    pts = (
        with_region_columns(frame.select(pl.col(id).cast(pl.String).alias("adcode"), pl.col(value)))
        .join(index, on="adcode", how="left")
        .join(index.rename({"adcode": "province", "__index": "__pindex"}), on="province", how="left")
        .with_columns(
            pl.coalesce("__index", "__pindex").alias("index"),
            pl.when(pl.col("__index").is_not_null())
            .then(pl.lit("own"))
            .when(pl.col("__pindex").is_not_null())
            .then(pl.lit("province"))
            .alias("index_source"),
        )
        .drop_nulls("index")
        .with_columns(
            pl.when(pl.col("index_source") == "own").then(pl.col("adcode")).otherwise(pl.col("province")).alias("__src")
        )
        .sort("adcode")
    )
    index_units = pts["__src"].n_unique()
    pts = pts.select(pl.col("adcode").alias(id), "index", pl.col(value).cast(pl.Float64).alias("value"), "index_source")
    x, y = pts["index"].to_numpy(), pts["value"].to_numpy()
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        empty = pts.with_columns(pl.lit(None, pl.Float64).alias(c) for c in ("fitted", "residual", "std_residual"))
        return RelationResult(
            year, n, None, None, None, None, empty.with_columns(pl.lit(False).alias("outlier")), (), index_units
        )
    from scipy import stats  # here, not at the top: importing scipy.stats costs ~1 s, and only this needs it

    r, p_value = stats.pearsonr(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    fitted = intercept + slope * x
    resid = y - fitted
    s = math.sqrt(float(resid @ resid) / (n - 2))
    leverage = 1 / n + (x - x.mean()) ** 2 / float(((x - x.mean()) ** 2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        std_resid = resid / (s * np.sqrt(1 - leverage)) if s > 0 else np.zeros(n)
    pts = pts.with_columns(
        pl.Series("fitted", fitted),
        pl.Series("residual", resid),
        pl.Series("std_residual", std_resid),
    ).with_columns((pl.col("std_residual").abs() > threshold).alias("outlier"))
    outliers = tuple(pts.filter(pl.col("outlier")).sort(pl.col("std_residual").abs(), descending=True)[id])
    return RelationResult(year, n, float(r), float(p_value), float(slope), float(intercept), pts, outliers, index_units)


# ---------------------------------------------------------------------------------------------------------------
# Numbers behind the findings sentences
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RankedUnit:
    id: str
    share: float
    low: float | None
    high: float | None
    n: float


@dataclass(frozen=True)
class Comparison:
    higher: str
    lower: str
    difference_pp: float
    within_ci: bool  # True: the intervals overlap, so "higher" is not distinguishable from "lower"


@dataclass(frozen=True)
class ChannelFindings:
    """Numbers for "线下办理偏好最高的城市比最低的高 X 个百分点" and its caveats (numbers; the presenter words them).

    ``spread_pp`` = highest − lowest in percentage points, the one figure both the findings sentence and the
    distribution chart state. ``comparisons`` pairs each of the ``top_k`` highest units with each of the
    ``top_k`` lowest. ``tied_with_highest`` / ``tied_with_lowest`` list units whose
    interval overlaps the highest's / lowest's, i.e. that could equally be "the highest" / "the lowest".
    ``national_share`` is the pooled share over all rows given (including small samples), when counts are present.
    """

    year: int | None
    value: str
    spread: SpreadResult
    spread_pp: float | None
    p90_p10_pp: float | None
    iqr_pp: float | None
    highest: RankedUnit | None
    lowest: RankedUnit | None
    top: tuple[RankedUnit, ...]
    comparisons: tuple[Comparison, ...]
    highest_vs_lowest_within_ci: bool
    tied_with_highest: tuple[str, ...]
    tied_with_lowest: tuple[str, ...]
    national_share: float | None


def _pp(x: float | None) -> float | None:
    return None if x is None else x * 100


def findings_numbers(
    shares: pl.DataFrame | pl.LazyFrame,
    *,
    year: int | None = None,
    value: str = "offline_share",
    id: str = "adcode",
    n_col: str | None = None,
    min_n: int = MIN_N,
    top_k: int = 3,
    confidence: float = 0.95,
) -> ChannelFindings:
    """Spread and top-versus-bottom comparisons of ``value`` across units (e.g. cities, one year).

    ``shares`` is :func:`channel_shares` output by ``(adcode, year)``; with ``year`` the rows are filtered to
    it. The interval columns are ``{prefix}_low/_high`` for a ``{prefix}_share`` value.
    """
    frame = shares.collect() if isinstance(shares, pl.LazyFrame) else shares
    if year is not None and "year" in frame.columns:
        frame = frame.filter(pl.col("year") == year)
    n_col = sample_size_column(frame, n_col)
    prefix = value.removesuffix("_share")
    low_col, high_col = f"{prefix}_low", f"{prefix}_high"
    result = spread(frame, value, id, n_col, min_n)
    eligible = frame.filter(eligible_units(frame, value, n_col, min_n))

    def unit(row: dict) -> RankedUnit:
        return RankedUnit(str(row[id]), row[value], row.get(low_col), row.get(high_col), row[n_col])

    desc = [unit(r) for r in eligible.sort([value, id], descending=[True, False]).iter_rows(named=True)]
    asc = [unit(r) for r in eligible.sort([value, id]).iter_rows(named=True)]
    top, bottom = tuple(desc[:top_k]), tuple(asc[:top_k])
    comparisons = tuple(
        Comparison(h.id, lo.id, (h.share - lo.share) * 100, differences_within_ci(h.low, h.high, lo.low, lo.high))
        for h in top
        for lo in bottom
        if h.id != lo.id
    )
    highest: RankedUnit | None = None
    lowest: RankedUnit | None = None
    tied_high: tuple[str, ...] = ()
    tied_low: tuple[str, ...] = ()
    highest_lowest_within_ci = True
    if desc:
        highest, lowest = desc[0], asc[0]
        tied_high = tuple(u.id for u in desc[1:] if differences_within_ci(u.low, u.high, highest.low, highest.high))
        tied_low = tuple(u.id for u in asc[1:] if differences_within_ci(u.low, u.high, lowest.low, lowest.high))
        highest_lowest_within_ci = differences_within_ci(highest.low, highest.high, lowest.low, lowest.high)

    national: tuple[float | None, float | None, float | None] = (None, None, None)
    count_col = SHARE_COUNTS.get(value)
    if count_col in frame.columns and "respondents" in frame.columns:
        totals = channel_shares(
            frame.select([c for c in COUNT_COLUMNS if c in frame.columns]), by=(), min_n=min_n, confidence=confidence
        )
        row = totals.row(0, named=True)
        national = (row[value], row[low_col], row[high_col])
    return ChannelFindings(
        year=year,
        value=value,
        spread=result,
        spread_pp=_pp(result.range),
        p90_p10_pp=_pp(result.p90_p10),
        iqr_pp=_pp(result.iqr),
        highest=highest,
        lowest=lowest,
        top=top,
        comparisons=comparisons,
        highest_vs_lowest_within_ci=highest_lowest_within_ci,
        tied_with_highest=tied_high,
        tied_with_lowest=tied_low,
        national_share=national[0],
    )
