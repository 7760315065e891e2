"""Proportions with honest uncertainty: Wilson intervals, small-sample flags and small-cell suppression.

Shared by the online-versus-offline page (channels) and the demand-matching page (demand), so that both pages
compute a confidence interval, flag a thin sample and hide a disclosive cell in exactly the same way.

Why Wilson: the textbook (Wald) interval p ± z·sqrt(p(1−p)/n) collapses to a zero width at 0 % and 100 % and
undercovers for small n, which is exactly where survey cells of a small city sit. The Wilson score interval
(Wilson 1927; recommended by Brown, Cai & DasGupta 2001 and used by statsmodels'
``proportion_confint(method="wilson")``) stays inside [0, 1] and keeps close to its nominal coverage:

    centre = (p + z²/(2n)) / (1 + z²/n)
    half   = z · sqrt(p(1−p)/n + z²/(4n²)) / (1 + z²/n)
    (low, high) = (centre − half, centre + half),     z = Φ⁻¹(1 − α/2)

All frame functions accept a ``pl.DataFrame`` or a ``pl.LazyFrame`` and return the same kind, so callers can
keep a pipeline lazy until their single ``collect()``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import TypeVar

import polars as pl

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

MIN_N = 30  # below this a share is shown but flagged: the 95 % interval is wider than about ±15 pp
SUPPRESS_K = 10  # ONS / UK statistical-disclosure practice: no figure from fewer than 10 records


@lru_cache(maxsize=16)  # a confidence level can come from a widget
def z_value(confidence: float = 0.95) -> float:
    """Two-sided standard-normal quantile for a confidence level (1.959964 for 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)  # stdlib: importing scipy.stats costs ~1 s


# ---------------------------------------------------------------------------------------------------------------
# Wilson score interval
# ---------------------------------------------------------------------------------------------------------------
def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` out of ``n``; ``None`` when ``n == 0`` (nothing was observed).

    Non-integer counts are accepted so that weighted counts (with an effective sample size as ``n``) work too.
    The bounds are exactly 0 at 0 successes and exactly 1 at n successes (the formula gives that mathematically;
    we pin it so that floating-point noise never shows as "-0.0 %" or "100.0000001 %").
    """
    if n is None or successes is None:
        return None
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes!r}, n={n!r}")
    if n == 0:
        return None
    # Same order of operations as wilson_exprs, so that the scalar and the vectorised version agree bit for bit.
    p = successes / n
    low, high = _wilson_bounds(p, float(n), z_value(confidence))
    return low, high


def _wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if p == 0 else max(0.0, centre - half)
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return low, high


def wilson_exprs(
    successes: str | pl.Expr,
    n: str | pl.Expr,
    prefix: str,
    *,
    confidence: float = 0.95,
    ci_n: str | pl.Expr | None = None,
    share_name: str | None = None,
) -> list[pl.Expr]:
    """Expressions for ``{prefix}_share`` (or ``share_name``), ``{prefix}_low`` and ``{prefix}_high``.

    The share is ``successes / n``. The interval uses ``ci_n`` as its sample size when given: for weighted data
    the share comes from weighted counts but the interval must come from the effective number of records, not
    from the sum of weights (which may be a population size in the millions). Rows with ``n`` (or ``ci_n``)
    equal to 0 or null get nulls: a share of nothing is unknown, not 0 %.
    """
    s = pl.col(successes) if isinstance(successes, str) else successes
    total = pl.col(n) if isinstance(n, str) else n
    size = total if ci_n is None else (pl.col(ci_n) if isinstance(ci_n, str) else ci_n)
    size = size.cast(pl.Float64)
    z = z_value(confidence)
    z2 = z * z
    valid = (total > 0) & (size > 0)
    p = pl.when(valid).then(s.cast(pl.Float64) / total.cast(pl.Float64))
    denom = 1 + z2 / size
    centre = (p + z2 / (2 * size)) / denom
    half = z * (p * (1 - p) / size + z2 / (4 * size * size)).sqrt() / denom
    low = pl.when(p == 0).then(pl.lit(0.0)).otherwise((centre - half).clip(lower_bound=0.0))
    high = pl.when(p == 1).then(pl.lit(1.0)).otherwise((centre + half).clip(upper_bound=1.0))
    return [
        p.alias(share_name or f"{prefix}_share"),
        pl.when(valid).then(low).alias(f"{prefix}_low"),
        pl.when(valid).then(high).alias(f"{prefix}_high"),
    ]


def wilson_columns(
    frame: Frame,
    successes_col: str,
    n_col: str,
    prefix: str,
    *,
    confidence: float = 0.95,
    ci_n_col: str | None = None,
    share_name: str | None = None,
) -> Frame:
    """Add ``{prefix}_share``, ``{prefix}_low`` and ``{prefix}_high`` (Wilson) to a DataFrame or LazyFrame.

    See :func:`wilson_exprs` for ``ci_n_col`` (effective sample size for weighted data) and ``share_name``.
    """
    return frame.with_columns(
        wilson_exprs(successes_col, n_col, prefix, confidence=confidence, ci_n=ci_n_col, share_name=share_name)
    )


# ---------------------------------------------------------------------------------------------------------------
# Small samples and small cells
# ---------------------------------------------------------------------------------------------------------------
def flag_small_samples(
    frame: Frame, n_col: str = "respondents", min_n: int = MIN_N, column: str = "small_sample"
) -> Frame:
    """Add a boolean ``small_sample`` column: ``n < min_n`` (a missing n counts as small).

    Small samples are still shown (with their wide interval) but are kept out of "highest / lowest" claims.
    """
    return frame.with_columns((pl.col(n_col).is_null() | (pl.col(n_col) < min_n)).alias(column))


def suppress_small_cells(
    frame: Frame,
    n_col: str,
    value_cols: Sequence[str],
    k: int = SUPPRESS_K,
    *,
    group_by: str | Sequence[str] | None = None,
    total_shown: bool = True,
) -> Frame:
    """Null every value computed from fewer than ``k`` records, and protect those cells from recovery.

    Rule (ONS practice, k = 10):

    1. **Primary suppression.** A cell whose record count ``n_col`` is below ``k`` (or missing) has every column
       in ``value_cols`` set to null. Empty cells (n = 0) count as primary too: that keeps the rule a single
       comparison and never shows a count between 0 and k − 1. Put ``n_col`` itself into ``value_cols`` to hide
       the count as well (needed wherever the count is shown, e.g. tooltips).
    2. **Secondary suppression.** When ``group_by`` names the cells that add up to a total shown elsewhere
       (a province's cities, the entity types of one city) and exactly one cell of a group is suppressed, the
       suppressed value could be recovered as total − visible cells. Then the not-yet-suppressed cell with the
       smallest ``n_col`` in that group (the least informative one; ties: the first in row order) is suppressed
       too. With two or more suppressed cells only their sum can be derived, which is the accepted standard.
       ``total_shown=False`` switches this step off when no total is published anywhere.

    A ``suppressed`` boolean and a ``suppression`` reason (``"primary"``, ``"secondary"`` or null) are added.
    When the frame already has a ``suppressed`` column (from an earlier call for another grouping), those cells
    stay suppressed and count toward the "exactly one" test, so one call per hierarchy can be chained.
    Limitation: chaining over crossing hierarchies may need a second round to settle; callers that publish
    cross-tabulations should repeat the calls until the number of suppressed cells no longer changes.
    """
    names = frame.collect_schema().names()
    earlier = pl.col("suppressed").fill_null(False) if "suppressed" in names else pl.lit(False)
    small = pl.col(n_col).is_null() | (pl.col(n_col) < k)
    primary = small | earlier
    tmp_primary, tmp_rank = "__primary", "__rank"
    out = frame.with_columns(primary.alias(tmp_primary))
    secondary: pl.Expr = pl.lit(False)
    if group_by is not None and total_shown:
        keys = [group_by] if isinstance(group_by, str) else list(group_by)
        # Rank the still-visible cells of each group by their n; rank 1 is the one to give up.
        out = out.with_columns(
            pl.when(~pl.col(tmp_primary)).then(pl.col(n_col)).rank(method="ordinal").over(keys).alias(tmp_rank)
        )
        secondary = (
            (pl.col(tmp_primary).cast(pl.Int32).sum().over(keys) == 1) & ~pl.col(tmp_primary) & (pl.col(tmp_rank) == 1)
        )
    out = out.with_columns(
        pl.when(small & ~earlier)
        .then(pl.lit("primary"))
        .when(secondary)
        .then(pl.lit("secondary"))
        .otherwise(pl.col("suppression") if "suppression" in names else pl.lit(None, dtype=pl.String))
        .alias("suppression"),
        (pl.col(tmp_primary) | secondary).alias("suppressed"),
    )
    out = out.with_columns([pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in value_cols])
    return out.drop([c for c in (tmp_primary, tmp_rank) if c in out.collect_schema().names()])


def visible_rows(frame: Frame) -> Frame:
    """The rows whose numbers may be shown: not suppressed (a row without a decision counts as shown)."""
    return frame.filter(~pl.col("suppressed").fill_null(False))


def adequate_rows(frame: Frame) -> Frame:
    """The rows that may enter a highest / lowest claim: shown, and not a small sample."""
    return visible_rows(frame).filter(~pl.col("small_sample"))


def flagged_units(rows: pl.DataFrame, id: str = "adcode") -> tuple[list[str], list[str]]:
    """(small-sample units that are still shown, suppressed units): what a map outlines and greys out."""
    small = visible_rows(rows).filter(pl.col("small_sample"))[id].to_list()
    return small, rows.filter(pl.col("suppressed").fill_null(False))[id].to_list()


# ---------------------------------------------------------------------------------------------------------------
# Comparing two intervals
# ---------------------------------------------------------------------------------------------------------------
def differences_within_ci(a_low: float | None, a_high: float | None, b_low: float | None, b_high: float | None) -> bool:
    """True when two intervals overlap, i.e. the two shares are *not distinguishable* at this confidence level.

    Overlap is a conservative check (two 95 % intervals can overlap slightly while the difference is still
    significant), which suits a dashboard: we only claim "A is higher than B" when the intervals are apart.
    A missing bound means there is nothing to claim, so it also returns True.
    """
    if a_low is None or a_high is None or b_low is None or b_high is None:
        return True
    return a_low <= b_high and b_low <= a_high


# ---------------------------------------------------------------------------------------------------------------
# Nested totals: secondary suppression that holds across levels
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """``child`` cells add up to a cell of ``parent``; ``parent_col`` (a column of the child frame) names it."""

    child: str
    parent: str
    parent_col: str


def protect_nested(
    levels: Mapping[str, pl.DataFrame],
    links: Sequence[Link],
    k: int = SUPPRESS_K,
    *,
    n_col: str = "n",
    keys: Sequence[str] = (),
    max_rounds: int = 50,
) -> dict[str, pl.DataFrame]:
    """Decide which cells of several nested tables to hide, so that no hidden cell can be recovered by
    subtracting shown cells from a shown total.

    ``levels`` maps a level name (``"unit"``, ``"province"``, ``"national"`` …) to its cells: ``keys`` (e.g.
    ``year``), ``id``, the record count ``n_col`` (unweighted: records, not weights; null counts as 0) and,
    for a level that is a child in ``links``, the column naming its parent cell. Every parent cell is the sum
    of its children (in counts and hence in every share). Rules, repeated until nothing changes:

    1. **Primary.** ``n < k``.
    2. **Secondary (a shown total).** A parent that is shown with exactly one hidden child: its smallest other
       shown child (fewest records; ties: smallest id) is hidden too. With no other child left, the parent is
       hidden (it equals the hidden child).
    3. **Secondary (a hidden total).** A parent that is hidden while all its children are shown would be
       their sum: its smallest child is hidden.

    After that every shown total covers zero or at least two hidden cells, and every hidden total at least one,
    so subtraction along any one total yields only sums of two or more hidden cells (the accepted standard).
    Returns each level's frame with ``suppressed`` and ``suppression`` ("primary", "secondary" or null).
    """
    key_cols = list(keys)
    out = {
        name: frame.with_columns(pl.col(n_col).fill_null(0).alias(n_col)).with_columns(
            (pl.col(n_col) < k).alias("suppressed"),
            pl.when(pl.col(n_col) < k).then(pl.lit("primary")).otherwise(pl.lit(None, pl.String)).alias("suppression"),
        )
        for name, frame in levels.items()
    }

    def hidden_total() -> int:
        return sum(int(f["suppressed"].sum()) for f in out.values())

    before = hidden_total()
    for _ in range(max_rounds):
        for link in links:
            out[link.child], hide_parents = _link_round(
                out[link.child], out[link.parent], link.parent_col, key_cols, n_col
            )
            if hide_parents.height:
                marked = hide_parents.with_columns(pl.lit(True).alias("__hide"))
                parent = out[link.parent].join(marked, on=[*key_cols, "id"], how="left", nulls_equal=True)
                out[link.parent] = parent.with_columns(
                    pl.when(pl.col("__hide").fill_null(False) & ~pl.col("suppressed"))
                    .then(pl.lit("secondary"))
                    .otherwise(pl.col("suppression"))
                    .alias("suppression"),
                    (pl.col("suppressed") | pl.col("__hide").fill_null(False)).alias("suppressed"),
                ).drop("__hide")
        after = hidden_total()
        if after == before:
            break
        before = after
    return {name: frame.sort([*key_cols, "id"], nulls_last=True) for name, frame in out.items()}


def _link_round(
    child: pl.DataFrame, parent: pl.DataFrame, parent_col: str, keys: list[str], n_col: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One pass of rules 2 and 3 over one link: the child frame with new secondary cells, and the parent
    cells (keys, id) to hide because their only remaining child is hidden."""
    group = [*keys, parent_col]
    shown_parent = parent.select(*keys, pl.col("id").alias(parent_col), (~pl.col("suppressed")).alias("__shown"))
    frame = child.join(shown_parent, on=group, how="left", nulls_equal=True).with_columns(
        pl.col("__shown").fill_null(True)
    )
    hidden = pl.col("suppressed").cast(pl.Int32).sum().over(group)
    visible = (~pl.col("suppressed")).cast(pl.Int32).sum().over(group)
    need = (pl.col("__shown") & (hidden == 1)) | (~pl.col("__shown") & (hidden == 0))
    frame = frame.sort([*group, "suppressed", n_col, "id"], nulls_last=True).with_columns(
        need.alias("__need"), visible.alias("__visible")
    )
    first_shown = ~pl.col("suppressed") & (pl.int_range(pl.len()).over(group) == 0)
    add = pl.col("__need") & first_shown
    parents = (
        frame.filter(pl.col("__need") & (pl.col("__visible") == 0) & pl.col("__shown"))
        .select(*keys, pl.col(parent_col).alias("id"))
        .unique()
    )
    frame = frame.with_columns(
        pl.when(add).then(pl.lit("secondary")).otherwise(pl.col("suppression")).alias("suppression"),
        (pl.col("suppressed") | add).alias("suppressed"),
    ).drop("__shown", "__need", "__visible")
    return frame, parents
