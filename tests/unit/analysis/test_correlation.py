"""Pearson's r with Fisher's interval, checked against scipy on generated data (reversed patterns, ties, constants)."""

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from digigov.analysis.correlation import MIN_POINTS, paired, pearson


def points(x, y) -> pl.DataFrame:
    return pl.DataFrame(
        {"adcode": [str(i) for i in range(len(x))], "x": x, "y": y}, schema_overrides={"x": pl.Float64, "y": pl.Float64}
    )


def exact_r(x: list[float], y: list[float]) -> float:
    """Pearson's r in exact rational arithmetic (then one square root): the reference, free of rounding."""
    fx, fy = [Fraction(v) for v in x], [Fraction(v) for v in y]
    mx, my = sum(fx) / len(fx), sum(fy) / len(fy)
    cov = sum((a - mx) * (b - my) for a, b in zip(fx, fy, strict=True))
    r2 = cov * cov / (sum((a - mx) ** 2 for a in fx) * sum((b - my) ** 2 for b in fy))
    return math.copysign(math.sqrt(float(r2)), float(cov))


values = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=MIN_POINTS, max_size=40)


@settings(max_examples=150, deadline=None)
@given(values, st.data())
def test_r_p_and_the_line_match_scipy_and_the_interval_holds_r(x, data):
    y = data.draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=len(x), max_size=len(x)))
    found = pearson(points(x, y))
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        assert found is None
        return
    if found is None:
        assert not np.isfinite(np.corrcoef(x, y)[0, 1])  # only where r itself is undefined in floating point
        return
    assert found.r == pytest.approx(exact_r(x, y), abs=1e-6)
    if abs(found.r) < 0.999 and all(v == 0 or abs(v) > 1e-100 for v in [*x, *y]):  # scipy itself loses tiny spreads
        assert found.p_value == pytest.approx(stats.pearsonr(x, y).pvalue, rel=1e-4, abs=1e-9)
    assert found.low <= found.r + 1e-12 and found.r <= found.high + 1e-12
    assert found.low >= -1 and found.high <= 1
    z = math.atanh(max(min(found.r, 0.999999), -0.999999))
    if abs(found.r) < 0.999:
        assert found.low == pytest.approx(math.tanh(z - 1.959964 / math.sqrt(len(x) - 3)), abs=1e-5)


def test_a_reversed_pattern_is_negative_and_its_interval_excludes_zero():
    x = list(range(20))
    y = [100 - 3 * v + (v % 3) for v in x]
    found = pearson(points(x, y))
    assert found.r < -0.9 and found.excludes_zero and found.high < 0
    assert found.slope == pytest.approx(np.polyfit(x, y, 1)[0]) and found.intercept == pytest.approx(
        np.polyfit(x, y, 1)[1]
    )


def test_too_few_points_or_constant_values_give_no_correlation():
    assert pearson(points([1.0, 2.0, 3.0], [3.0, 1.0, 2.0])) is None
    assert pearson(points([1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0])) is None


def test_paired_keeps_only_regions_with_both_finite_values():
    x = pl.DataFrame({"adcode": ["a", "b", "c", "d"], "value": [1.0, None, 3.0, float("nan")]})
    y = pl.DataFrame({"adcode": ["a", "b", "c", "e"], "value": [2.0, 5.0, 4.0, 1.0]})
    assert paired(x, y).to_dicts() == [{"adcode": "a", "x": 1.0, "y": 2.0}, {"adcode": "c", "x": 3.0, "y": 4.0}]


def test_tiny_spreads_are_not_lost_to_floating_point():
    found = pearson(points([0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.1e-265]))  # Hypothesis found -1.0 here once
    assert found.r == pytest.approx(-1 / 3)
