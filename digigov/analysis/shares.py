"""How a share varies across units (cities, provinces): max − min naming the highest and lowest unit, P90 − P10
and the interquartile range, over the units with an adequate sample. Used wherever a page states a spread
(the channels page's "最高比最低高 X 个百分点"); fractions here, percentage points where the findings need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, cast

import polars as pl

from digigov.analysis.proportions import MIN_N

QUANTILE_METHOD: Final = "linear"  # Hyndman & Fan type 7, the numpy / R default: Q(q) interpolates at position q·(n−1)


@dataclass(frozen=True)
class SpreadResult:
    """Spread of a share across units (fractions, not percentage points).

    All figures come from the units with at least ``min_n`` respondents; ``excluded`` counts the others (and
    units without a value). Quantiles use ``quantile_method`` (linear interpolation, Hyndman–Fan type 7).
    """

    value: str
    units: int
    excluded: int
    excluded_ids: tuple[str, ...]
    max_id: str | None
    max_value: float | None
    min_id: str | None
    min_value: float | None
    range: float | None
    p90: float | None
    p10: float | None
    p90_p10: float | None
    q1: float | None
    median: float | None
    q3: float | None
    iqr: float | None
    quantile_method: str | None = QUANTILE_METHOD  # None when there were no units to take quantiles of


def sample_size_column(frame: pl.DataFrame, n_col: str | None) -> str:
    """The column that says whether a unit's sample is adequate: ``n_col`` when given, else ``unweighted_n``
    (weighted data: records, not the sum of weights), else ``respondents``."""
    if n_col is not None:
        return n_col
    return "unweighted_n" if "unweighted_n" in frame.columns else "respondents"


def eligible_units(frame: pl.DataFrame, value: str, n_col: str, min_n: int) -> pl.Expr:
    """Rows that may enter a spread or a highest / lowest claim: a value, and at least ``min_n`` respondents."""
    return pl.col(value).is_not_null() & pl.col(value).is_not_nan() & (pl.col(n_col).fill_null(0) >= min_n)


def spread(
    shares: pl.DataFrame | pl.LazyFrame,
    value: str = "offline_share",
    id: str = "adcode",
    n_col: str | None = None,
    min_n: int = MIN_N,
) -> SpreadResult:
    """max − min (naming the highest and lowest unit), P90 − P10 and IQR of ``value`` across units.

    ``shares`` holds one row per unit (e.g. :func:`channel_shares` for one year). ``n_col`` defaults to
    ``unweighted_n`` when present, else ``respondents``. Units below ``min_n`` are left out of every figure:
    a city with 12 respondents must not headline "the highest offline preference" on noise. Ties for the
    highest / lowest go to the smaller id, so the result does not depend on row order.
    """
    frame = shares.collect() if isinstance(shares, pl.LazyFrame) else shares
    n_col = sample_size_column(frame, n_col)
    keep = eligible_units(frame, value, n_col, min_n)
    eligible = frame.filter(keep).select(pl.col(id).cast(pl.String), pl.col(value).cast(pl.Float64))
    excluded = frame.filter(~keep.fill_null(False)).get_column(id).cast(pl.String).sort().to_list()
    if eligible.height == 0:
        return SpreadResult(
            value,
            0,
            len(excluded),
            tuple(excluded),
            max_id=None,
            max_value=None,
            min_id=None,
            min_value=None,
            range=None,
            p90=None,
            p10=None,
            p90_p10=None,
            q1=None,
            median=None,
            q3=None,
            iqr=None,
            quantile_method=None,
        )
    ordered = eligible.sort([value, id], descending=[True, False])
    top = ordered.row(0)
    bottom = eligible.sort([value, id]).row(0)
    series = eligible.get_column(value)

    def q(p: float) -> float:
        # eligible units all have a value, so the quantile of this non-empty series is never None
        return float(cast(float, series.quantile(p, interpolation=QUANTILE_METHOD)))

    p90, p10, q1, med, q3 = q(0.9), q(0.1), q(0.25), q(0.5), q(0.75)
    return SpreadResult(
        value=value,
        units=eligible.height,
        excluded=len(excluded),
        excluded_ids=tuple(excluded),
        max_id=top[0],
        max_value=top[1],
        min_id=bottom[0],
        min_value=bottom[1],
        range=top[1] - bottom[1],
        p90=p90,
        p10=p10,
        p90_p10=p90 - p10,
        q1=q1,
        median=med,
        q3=q3,
        iqr=q3 - q1,
    )
