"""σ- and β-convergence of a regional indicator over time.

σ-convergence: the dispersion of the indicator across regions (CV, Gini, Theil) falls over time.
β-convergence (absolute): regions that start lower grow faster, i.e. the slope of annualised growth on
the initial log level is negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl
from scipy import stats

from digigov.analysis.inequality import gini, theil

DISPERSION_MEASURES: tuple[str, ...] = ("sd", "cv", "gini", "theil")


def sigma_convergence(
    frame: pl.DataFrame, value: str = "index", year: str = "year", groups: str | None = None
) -> pl.DataFrame:
    """Dispersion of ``value`` across units, per year (and per group when ``groups`` names a column).

    Columns: [groups,] year, n, mean, sd, cv, gini, theil, sorted by group then year.

    * ``sd`` is the population standard deviation (ddof = 0): the regions are the whole population, not
      a sample, and it keeps ``cv = sd / mean`` equal to ``coefficient_of_variation``.
    * ``gini`` and ``theil`` are the unweighted Gini and Theil T of ``digigov.analysis.inequality``.

    Rows with a null/NaN value (or a null group label) are dropped first, so ``n`` counts the units
    with data. A year (or group-year) left with no units does not appear. Raises ValueError when a
    cell's values are negative or have a non-positive mean (see the inequality module).
    """
    keys = [groups, year] if groups else [year]
    missing = [c for c in [*keys, value] if c not in frame.columns]
    if missing:
        raise ValueError(f"frame has no column(s) {missing}")
    data = frame.select(*keys, pl.col(value).cast(pl.Float64)).filter(
        pl.col(value).is_not_null() & pl.col(value).is_not_nan()
    )
    if groups:
        data = data.filter(pl.col(groups).is_not_null())
    rows = []
    # Few cells (years × groups), each small: Python-level loop over partitions is clear and cheap.
    for key, part in data.group_by(keys, maintain_order=True):
        values = part[value].to_numpy()
        mean = float(values.mean())
        sd = float(values.std(ddof=0))
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n": int(values.size),
                "mean": mean,
                "sd": sd,
                "cv": sd / mean if mean > 0 else math.nan,
                "gini": gini(values),
                "theil": theil(values).total,
            }
        )
    schema = {k: frame.schema[k] for k in keys} | {
        "n": pl.Int64,
        "mean": pl.Float64,
        "sd": pl.Float64,
        "cv": pl.Float64,
        "gini": pl.Float64,
        "theil": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema).sort(keys)


def sigma_trend(
    table: pl.DataFrame, measure: str = "cv", year: str = "year", groups: str | None = None
) -> pl.DataFrame:
    """From a ``sigma_convergence`` table: per group, the measure in the first and last year.

    Columns: [groups,] first_year, last_year, first, last, change (last − first), fell (change < 0).
    "fell" compares the two end points only (the σ-convergence reading used in regional reports); it
    says nothing about the path in between.
    """
    if measure not in DISPERSION_MEASURES:
        raise ValueError(f"measure must be one of {DISPERSION_MEASURES}, got {measure!r}")
    ends = [
        pl.col(year).first().alias("first_year"),
        pl.col(year).last().alias("last_year"),
        pl.col(measure).first().alias("first"),
        pl.col(measure).last().alias("last"),
    ]
    ordered = table.drop_nulls(measure).sort([groups, year] if groups else [year])
    summary = ordered.group_by(groups, maintain_order=True).agg(ends) if groups else ordered.select(ends)
    return summary.with_columns((pl.col("last") - pl.col("first")).alias("change")).with_columns(
        (pl.col("change") < 0).alias("fell")
    )


def dispersion_fell(table: pl.DataFrame, measure: str = "cv", year: str = "year") -> bool:
    """True when ``measure`` in the last year of an ungrouped ``sigma_convergence`` table is below its
    value in the first year (σ-convergence between the end points). For grouped tables use ``sigma_trend``."""
    if table.height == 0:
        raise ValueError("empty sigma table")
    if table[year].n_unique() != table.height:
        raise ValueError("table has several rows per year; use sigma_trend(..., groups=...) for grouped tables")
    return bool(sigma_trend(table, measure=measure, year=year)["fell"][0])


@dataclass(frozen=True, eq=False)
class BetaResult:
    """Absolute β-convergence regression g_i = α + β ln y_i0 + ε_i.

    ``speed`` λ = −ln(1 + βT)/T and ``half_life`` = ln 2/λ (years) are None when β ≥ 0 (no
    convergence) or when 1 + βT ≤ 0 (overshooting: the implied λ is not defined). ``points`` holds
    the per-unit id, log_initial = ln y_0 and growth = ln(y_T/y_0)/T, for a scatter plot.
    """

    start_year: int
    end_year: int
    years: int
    n: int
    beta: float
    intercept: float
    std_error: float
    t: float
    p_value: float
    r_squared: float
    speed: float | None
    half_life: float | None
    points: pl.DataFrame = field(repr=False)

    @property
    def converging(self) -> bool:
        """β < 0 (lagging regions grow faster); check ``p_value`` for significance."""
        return self.beta < 0


def implied_speed(beta: float, years: int) -> float | None:
    """λ = −ln(1 + βT)/T from g = α − ((1 − e^{−λT})/T) ln y_0 + ε (Barro & Sala-i-Martin).

    None when β ≥ 0 or 1 + βT ≤ 0."""
    if beta >= 0 or 1 + beta * years <= 0:
        return None
    return -math.log1p(beta * years) / years


def beta_convergence(
    frame: pl.DataFrame,
    start_year: int,
    end_year: int,
    value: str = "index",
    id: str = "adcode",
    year: str = "year",
) -> BetaResult:
    """Absolute β-convergence between ``start_year`` and ``end_year`` (T = end − start years).

    For every unit with a value in both years: g_i = ln(y_iT / y_i0) / T regressed by OLS on ln y_i0.
    Reports β, its standard error sqrt(s² / Σ(x − x̄)²) with s² = SSR/(n − 2), t = β/se, the two-sided
    p-value from Student's t with n − 2 degrees of freedom (scipy.stats.t), R², n, the implied
    convergence speed λ = −ln(1 + βT)/T and half-life ln 2/λ (None when β ≥ 0).

    Units missing either year (absent or null) are dropped. Raises ValueError when T ≤ 0, when a unit
    has several rows in a year, on non-positive values (the log is undefined), when fewer than 3
    units remain, or when all initial levels are equal (the slope is undefined).
    """
    years = end_year - start_year
    if years <= 0:
        raise ValueError("end_year must be after start_year")

    def level(y: int, name: str) -> pl.DataFrame:
        part = frame.filter(pl.col(year) == y).select(id, pl.col(value).cast(pl.Float64).alias(name))
        part = part.filter(pl.col(name).is_not_null() & pl.col(name).is_not_nan())
        if part[id].is_duplicated().any():
            raise ValueError(f"several rows per {id} in {y}")
        return part

    both = level(start_year, "y0").join(level(end_year, "yT"), on=id, how="inner").sort(id)
    if both.height < 3:
        raise ValueError(f"need at least 3 units with values in both years, got {both.height}")
    if (both["y0"] <= 0).any() or (both["yT"] <= 0).any():
        raise ValueError("values must be positive for log growth")
    points = both.select(
        id,
        pl.col("y0").log().alias("log_initial"),
        ((pl.col("yT") / pl.col("y0")).log() / years).alias("growth"),
    )
    x = points["log_initial"].to_numpy()
    g = points["growth"].to_numpy()
    n = x.size
    dx = x - x.mean()
    sxx = float(dx @ dx)
    if sxx == 0:
        raise ValueError("all initial values are equal; the slope is undefined")
    beta = float(dx @ (g - g.mean())) / sxx
    intercept = float(g.mean() - beta * x.mean())
    residuals = g - intercept - beta * x
    ssr = float(residuals @ residuals)
    sst = float(((g - g.mean()) ** 2).sum())
    std_error = math.sqrt(ssr / (n - 2) / sxx)
    if std_error > 0:
        t_stat = beta / std_error
        p_value = float(2 * stats.t.sf(abs(t_stat), df=n - 2))
    else:
        # A perfect fit: the slope is known exactly; |t| is infinite unless β is 0.
        t_stat = math.copysign(math.inf, beta) if beta != 0 else math.nan
        p_value = 0.0 if beta != 0 else math.nan
    speed = implied_speed(beta, years)
    return BetaResult(
        start_year=start_year,
        end_year=end_year,
        years=years,
        n=n,
        beta=beta,
        intercept=intercept,
        std_error=std_error,
        t=t_stat,
        p_value=p_value,
        r_squared=1 - ssr / sst if sst > 0 else math.nan,
        speed=speed,
        half_life=math.log(2) / speed if speed else None,
        points=points,
    )
