"""Pearson correlation with its confidence interval (Fisher's z) and the least-squares line: the index set against
another indicator, one point per region."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import polars as pl

MIN_POINTS = 4  # Fisher's z needs n > 3 for a finite standard error


@dataclass(frozen=True)
class Correlation:
    n: int
    r: float
    low: float  # the interval of r at `confidence`
    high: float
    p_value: float  # two-sided, H0: r = 0 (Student's t with n − 2 degrees of freedom)
    slope: float  # y = intercept + slope · x
    intercept: float
    confidence: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def paired(x: pl.DataFrame, y: pl.DataFrame, key: str = "adcode") -> pl.DataFrame:
    """key, x, y of the keys both frames have a finite value for (each frame: key, value)."""
    both = x.select(pl.col(key).cast(pl.String), pl.col("value").cast(pl.Float64).alias("x")).join(
        y.select(pl.col(key).cast(pl.String), pl.col("value").cast(pl.Float64).alias("y")), on=key, how="inner"
    )
    return both.filter(pl.col("x").is_finite() & pl.col("y").is_finite()).sort(key)


def pearson(points: pl.DataFrame, confidence: float = 0.95) -> Correlation | None:
    """The correlation of points' x and y; None with fewer than MIN_POINTS points or when either is constant (r is
    undefined then)."""
    n = points.height
    if n < MIN_POINTS:
        return None
    x, y = points["x"].to_numpy(), points["y"].to_numpy()
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    from scipy import stats  # here, not at the top: importing scipy.stats costs ~1 s, and only this needs it

    # r is scale-free: dividing by the largest magnitude keeps tiny (1e-265) or huge spreads in floating range
    with np.errstate(divide="ignore", invalid="ignore"):
        r = float(np.clip(np.corrcoef(x / np.abs(x).max(), y / np.abs(y).max())[0, 1], -1.0, 1.0))
    if not math.isfinite(r):  # spreads too small for floating point (subnormal differences): r is undefined
        return None
    z_crit = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    if abs(r) >= 1.0:
        low = high = r
        p_value = 0.0
    else:
        z, se = math.atanh(r), 1 / math.sqrt(n - 3)
        low, high = math.tanh(z - z_crit * se), math.tanh(z + z_crit * se)
        t_stat = r * math.sqrt((n - 2) / (1 - r * r))
        p_value = float(2 * stats.t.sf(abs(t_stat), n - 2))
    slope, intercept = _line(x, y)
    return Correlation(n, r, low, high, p_value, slope, intercept, confidence)


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least squares y = intercept + slope · x, on scaled values (no SVD to fail on tiny or huge spreads)."""
    ax, ay = float(np.abs(x).max()), float(np.abs(y).max())
    xs, ys = x / ax, y / ay
    dx = xs - xs.mean()
    slope = float((dx * (ys - ys.mean())).sum() / (dx * dx).sum()) * ay / ax
    return slope, float(y.mean() - slope * x.mean())
