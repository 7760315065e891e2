import itertools
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from digigov.analysis.convergence import (
    beta_convergence,
    dispersion_fell,
    implied_speed,
    sigma_convergence,
    sigma_trend,
)
from digigov.analysis.inequality import coefficient_of_variation, gini, theil

YEARS = list(range(2015, 2022))


def converging_panel(n=25, rate=0.8, seed=4):
    """Units pulled towards a common level: y_t = m + (y_0 − m)·rate^t, so dispersion shrinks every year."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(20, 90, n)
    rows = []
    for t, year in enumerate(YEARS):
        level = 60 + (start - 60) * rate**t
        rows += [
            {"adcode": f"{100000 + 10000 * i}", "year": year, "index": float(v), "region": "east" if i % 2 else "west"}
            for i, v in enumerate(level)
        ]
    return pl.DataFrame(rows)


def beta_panel(beta=-0.04, years=6, n=40, noise=0.002, seed=9):
    """Growth built from a known slope: g_i = 0.2 + β ln y_0 + ε, y_T = y_0 exp(g_i T)."""
    rng = np.random.default_rng(seed)
    y0 = rng.lognormal(3.5, 0.4, n)
    growth = 0.2 + beta * np.log(y0) + rng.normal(0, noise, n)
    yT = y0 * np.exp(growth * years)
    codes = [f"{110000 + 1000 * i}" for i in range(n)]
    return pl.DataFrame(
        {
            "adcode": codes * 2,
            "year": [2018] * n + [2018 + years] * n,
            "index": np.concatenate([y0, yT]),
        }
    )


# -- sigma ---------------------------------------------------------------------------------------
def test_sigma_convergence_on_converging_panel():
    table = sigma_convergence(converging_panel())
    assert table["year"].to_list() == YEARS
    assert table["n"].to_list() == [25] * len(YEARS)
    for measure in ("cv", "sd", "gini", "theil"):
        series = table[measure].to_list()
        assert all(b < a for a, b in itertools.pairwise(series)), measure
    assert dispersion_fell(table)
    assert dispersion_fell(table, measure="theil")


def test_sigma_values_match_the_inequality_functions():
    frame = converging_panel()
    table = sigma_convergence(frame)
    first = frame.filter(pl.col("year") == YEARS[0])["index"]
    row = table.row(0, named=True)
    assert row["mean"] == pytest.approx(first.mean())
    assert row["sd"] == pytest.approx(first.std(ddof=0))
    assert row["cv"] == pytest.approx(coefficient_of_variation(first))
    assert row["gini"] == pytest.approx(gini(first))
    assert row["theil"] == pytest.approx(theil(first).total)


def test_sigma_diverging_panel_is_not_convergence():
    table = sigma_convergence(converging_panel(rate=1.05))
    assert not dispersion_fell(table)
    trend = sigma_trend(table)
    assert trend["first_year"][0] == YEARS[0] and trend["last_year"][0] == YEARS[-1]
    assert trend["change"][0] > 0 and not trend["fell"][0]


def test_sigma_by_group_and_nulls_dropped():
    frame = converging_panel().with_columns(
        pl.when((pl.col("adcode") == "100000") & (pl.col("year") == YEARS[0]))
        .then(None)
        .otherwise(pl.col("index"))
        .alias("index")
    )
    table = sigma_convergence(frame, groups="region")
    assert table.columns[:2] == ["region", "year"]
    assert table.height == 2 * len(YEARS)
    counts = dict(zip(zip(table["region"], table["year"], strict=True), table["n"], strict=True))
    assert counts[("west", YEARS[0])] == 12  # 13 even-numbered units, one value nulled
    assert counts[("west", YEARS[1])] == 13
    trend = sigma_trend(table, groups="region")
    assert sorted(trend["region"].to_list()) == ["east", "west"]
    assert trend["fell"].all()
    with pytest.raises(ValueError, match="several rows per year"):
        dispersion_fell(table)


# -- beta ----------------------------------------------------------------------------------------
def test_beta_recovers_known_slope_and_matches_linregress():
    result = beta_convergence(beta_panel(beta=-0.04), 2018, 2024)
    assert result.n == 40 and result.years == 6
    assert result.beta == pytest.approx(-0.04, abs=0.003)
    assert result.converging and result.p_value < 1e-6

    reference = stats.linregress(result.points["log_initial"].to_numpy(), result.points["growth"].to_numpy())
    assert result.beta == pytest.approx(reference.slope, abs=1e-12)
    assert result.intercept == pytest.approx(reference.intercept, abs=1e-12)
    assert result.std_error == pytest.approx(reference.stderr, rel=1e-9)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-6, abs=1e-300)
    assert result.r_squared == pytest.approx(reference.rvalue**2, abs=1e-12)
    assert result.t == pytest.approx(reference.slope / reference.stderr, rel=1e-9)


def test_beta_p_value_matches_linregress_when_not_tiny():
    # More noise so the p-value is of moderate size and the comparison is meaningful.
    result = beta_convergence(beta_panel(beta=-0.02, noise=0.02, n=15, seed=2), 2018, 2024)
    reference = stats.linregress(result.points["log_initial"].to_numpy(), result.points["growth"].to_numpy())
    assert 1e-4 < reference.pvalue < 0.9
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def test_beta_points_are_log_initial_and_annualised_growth():
    frame = beta_panel()
    result = beta_convergence(frame, 2018, 2024)
    first = frame.filter(pl.col("adcode") == result.points["adcode"][0]).sort("year")["index"].to_list()
    assert result.points["log_initial"][0] == pytest.approx(math.log(first[0]))
    assert result.points["growth"][0] == pytest.approx(math.log(first[1] / first[0]) / 6)


def test_half_life_formula():
    result = beta_convergence(beta_panel(beta=-0.04), 2018, 2024)
    speed = -math.log(1 + result.beta * 6) / 6
    assert result.speed == pytest.approx(speed)
    assert result.half_life == pytest.approx(math.log(2) / speed)
    # β = −0.05 over 6 years: λ = −ln(0.7)/6 = 0.0594; half-life = ln 2/λ = 11.66 years
    assert implied_speed(-0.05, 6) == pytest.approx(0.059446, abs=1e-6)
    assert math.log(2) / implied_speed(-0.05, 6) == pytest.approx(11.660, abs=1e-3)
    assert implied_speed(0.01, 6) is None
    assert implied_speed(-0.2, 6) is None  # 1 + βT < 0: overshooting, λ undefined


def test_diverging_panel_has_no_half_life():
    result = beta_convergence(beta_panel(beta=0.02), 2018, 2024)
    assert result.beta > 0 and not result.converging
    assert result.speed is None and result.half_life is None


def test_beta_drops_units_missing_a_year_and_validates():
    frame = beta_panel(n=10)
    fewer = frame.filter(~((pl.col("adcode") == "110000") & (pl.col("year") == 2024)))
    nulled = frame.with_columns(
        pl.when(pl.col("adcode") == "111000").then(None).otherwise(pl.col("index")).alias("index")
    )
    assert beta_convergence(fewer, 2018, 2024).n == 9
    assert beta_convergence(nulled, 2018, 2024).n == 9
    with pytest.raises(ValueError, match="after"):
        beta_convergence(frame, 2024, 2018)
    with pytest.raises(ValueError, match="several rows"):
        beta_convergence(pl.concat([frame, frame.head(1)]), 2018, 2024)
    with pytest.raises(ValueError, match="positive"):
        beta_convergence(frame.with_columns(pl.lit(0.0).alias("index")), 2018, 2024)
    with pytest.raises(ValueError, match="at least 3"):
        beta_convergence(frame.filter(pl.col("adcode").is_in(["110000", "111000"])), 2018, 2024)
