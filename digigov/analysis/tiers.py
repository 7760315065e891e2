"""Tiers by score bands, stated tiers read from an upload, and the check that a stated ranking agrees with its
scores.

Tiers are numbered 1 (highest) to TIER_COUNT; their names (TIERS) are only keys for the catalog's labels. The
band edges are the lower bounds of tiers 1 .. TIER_COUNT-1: a score on an edge belongs to the higher tier, so
``tier = 1 + number of edges above the score``, which is monotone in the score for any set of edges and gives
every scored unit exactly one tier. The default edges are quantiles of the year's scores (quintiles for five
tiers); they are not any report's published thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

# Keys of the five tier labels, highest first (the labels follow 清华《中国数字政府发展指数报告》's names).
TIERS: tuple[str, ...] = ("leading", "quality", "distinctive", "developing", "catching_up")
TIER_COUNT = len(TIERS)

# Written forms of a stated tier (folded: lower case, no spaces, hyphens or the wrappers in _WRAPPERS) → number.
TIER_ALIASES: dict[str, int] = {
    **dict.fromkeys(("1", "一", "引领", "leading", "leader", "lead"), 1),
    **dict.fromkeys(("2", "二", "优质", "quality", "highquality", "excellent"), 2),
    **dict.fromkeys(("3", "三", "特色", "distinctive", "characteristic", "featured", "special"), 3),
    **dict.fromkeys(("4", "四", "发展", "developing", "development", "developed"), 4),
    **dict.fromkeys(("5", "五", "追赶", "catchingup", "catchup", "catching", "chasing", "follower"), 5),
}
# Stripped from a stated tier before it is looked up: "3.0" → 3, then spaces and dashes, then the wrappers:
# 引领型 → 引领, 第一梯队 → 一, Tier 2 → 2.
_DECIMAL = r"\.0+$"
_SEPARATORS = r"[\s\-_·]"
_WRAPPERS = r"^第|^tier|^grade|^level|^group|梯队$|档$|级$|类$|组$|型$"


def edges_from_text(raw: str | None, count: int = TIER_COUNT - 1) -> tuple[float, ...] | None:
    """Band edges written as "85,75,65,55" (a URL value), highest first; None unless there are count finite
    numbers."""
    if not raw:
        return None
    try:
        values = tuple(float(v) for v in raw.split(","))
    except ValueError:
        return None
    if len(values) != count or not all(math.isfinite(v) for v in values):
        return None
    return tuple(sorted(values, reverse=True))


def scored(values: pl.DataFrame) -> pl.DataFrame:
    """The rows of (adcode, value) that have a finite value."""
    return values.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())


def quantile_edges(values: pl.Series, count: int = TIER_COUNT) -> tuple[float, ...]:
    """The count-1 edges that split the finite values into count groups of (about) equal size, highest first:
    for five tiers the 80th, 60th, 40th and 20th percentiles (linear interpolation). Empty without values."""
    data = values.cast(pl.Float64).drop_nulls().drop_nans()
    if data.is_empty():
        return ()
    return tuple(float(data.quantile(k / count, interpolation="linear") or 0.0) for k in range(count - 1, 0, -1))


def assign_tiers(values: pl.DataFrame, edges: Sequence[float]) -> pl.DataFrame:
    """adcode, value, tier (1 = highest) for the rows with a finite value: 1 + the number of edges above the
    value (a value on an edge joins the higher tier). Sorted by tier, then value descending, then adcode."""
    data = scored(values)
    above = [(pl.col("value") < float(edge)).cast(pl.Int32) for edge in edges]
    tier = (pl.sum_horizontal(above) + 1) if above else pl.lit(1)
    return data.with_columns(tier.cast(pl.Int32).alias("tier")).sort(
        ["tier", "value", "adcode"], descending=[False, True, False]
    )


def tier_expression(column: str) -> pl.Expr:
    """A stated tier (引领型 / Leading / 1 / 第一梯队 …) as its number 1..TIER_COUNT; null where it is none of
    those (no Python callback: the text is folded by regular expressions and looked up)."""
    folded = (
        pl.col(column)
        .cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace(_DECIMAL, "")
        .str.replace_all(_SEPARATORS, "")
        .str.replace_all(_WRAPPERS, "")
    )
    return folded.replace_strict(TIER_ALIASES, default=None, return_dtype=pl.Int32)


def competition_ranks(values: pl.DataFrame) -> pl.DataFrame:
    """adcode, value, rank: competition ranking ("1224"): equal values share the best rank and the next rank
    skips as many places as were shared. Rows without a finite value are left out."""
    return (
        scored(values)
        .with_columns(pl.col("value").rank(method="min", descending=True).cast(pl.Int32).alias("rank"))
        .sort(["rank", "adcode"])
    )


def rank_contradictions(stated: pl.DataFrame) -> pl.DataFrame:
    """The pairs of a stated ranking whose order contradicts its scores: unit a ranked above unit b (smaller
    rank) with a strictly lower score, within the same year when stated has a year column. stated has adcode,
    rank, value and optionally year and row (the file's row number). Columns year, adcode_a, rank_a, value_a,
    row_a, adcode_b, rank_b, value_b, row_b (year null without a year column), sorted by year, rank_a, rank_b.
    Equal scores with different ranks are not flagged (a report may break ties by a criterion it does not show).
    """
    data = stated.with_columns(pl.col("rank").cast(pl.Float64), pl.col("value").cast(pl.Float64)).filter(
        pl.col("rank").is_not_null() & pl.col("value").is_not_null() & pl.col("value").is_finite()
    )
    for column, dtype in (("row", pl.Int64), ("year", pl.Int32)):
        if column not in data.columns:
            data = data.with_columns(pl.lit(None, dtype=dtype).alias(column))
    sides = ["adcode", "rank", "value", "row"]
    data = data.select("year", *sides).with_columns(pl.col("row").cast(pl.Int64), pl.col("year").cast(pl.Int32))
    left = data.rename({c: f"{c}_a" for c in sides})
    right = data.rename({c: f"{c}_b" for c in sides})
    return (
        left.join(right, on="year", how="inner", nulls_equal=True)
        .filter((pl.col("rank_a") < pl.col("rank_b")) & (pl.col("value_a") < pl.col("value_b")))
        .select("year", *(f"{c}_a" for c in sides), *(f"{c}_b" for c in sides))
        .sort(["year", "rank_a", "rank_b", "adcode_a", "adcode_b"], nulls_last=True)
    )
