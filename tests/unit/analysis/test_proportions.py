import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.analysis.proportions import (
    adequate_rows,
    differences_within_ci,
    flag_small_samples,
    flagged_units,
    suppress_small_cells,
    visible_rows,
    wilson_columns,
    wilson_interval,
    z_value,
)


def hand_wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The textbook formula written out independently of the module (statsmodels' method="wilson")."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (81, 263, 0.2553, 0.3662),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_pinned_values(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)
    ref_lo, ref_hi = hand_wilson(x, n)
    assert lo == pytest.approx(max(ref_lo, 0.0), abs=1e-12)
    assert hi == pytest.approx(min(ref_hi, 1.0), abs=1e-12)


def test_wilson_bounds_are_exact_at_the_edges_and_none_for_empty():
    assert wilson_interval(0, 37)[0] == 0.0
    assert wilson_interval(37, 37)[1] == 1.0
    assert wilson_interval(0, 0) is None


def test_wilson_other_confidence_level_is_narrower():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    lo90, hi90 = wilson_interval(81, 263, confidence=0.90)
    lo95, hi95 = wilson_interval(81, 263)
    assert lo95 < lo90 < hi90 < hi95
    assert (lo90, hi90) == pytest.approx(hand_wilson(81, 263, z=z_value(0.90)), abs=1e-12)


@pytest.mark.parametrize(("x", "n"), [(-1, 10), (11, 10), (1, -5)])
def test_wilson_rejects_impossible_counts(x, n):
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(x, n)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000)), min_size=1, max_size=30))
def test_vectorised_equals_scalar(pairs):
    rows = [(min(a, b), max(a, b)) for a, b in pairs]
    frame = pl.DataFrame({"x": [r[0] for r in rows], "n": [r[1] for r in rows]})
    out = wilson_columns(frame, "x", "n", "p")
    for (x, n), share, low, high in zip(rows, out["p_share"], out["p_low"], out["p_high"], strict=True):
        scalar = wilson_interval(x, n)
        if n == 0:
            assert share is None and low is None and high is None
        else:
            assert share == pytest.approx(x / n, abs=1e-15)
            assert low == pytest.approx(scalar[0], abs=1e-12)
            assert high == pytest.approx(scalar[1], abs=1e-12)
            assert 0.0 <= low <= share <= high <= 1.0


def test_wilson_columns_lazy_equals_eager_and_share_name():
    frame = pl.DataFrame({"x": [0, 3, 7], "n": [0, 10, 7]})
    eager = wilson_columns(frame, "x", "n", "rate", share_name="rate")
    lazy = wilson_columns(frame.lazy(), "x", "n", "rate", share_name="rate")
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(eager)
    assert eager.columns == ["x", "n", "rate", "rate_low", "rate_high"]
    assert eager["rate"].to_list() == [None, 0.3, 1.0]
    assert eager["rate_high"][2] == 1.0


def test_wilson_columns_uses_effective_n_for_the_width():
    # Weighted share 0.3 of 1000 weight units, but only 25 effective records: the interval must be wide.
    frame = pl.DataFrame({"x": [300.0], "n": [1000.0], "eff": [25.0]})
    out = wilson_columns(frame, "x", "n", "p", ci_n_col="eff").row(0, named=True)
    assert out["p_share"] == pytest.approx(0.3)
    ref = hand_wilson(7.5, 25)
    assert (out["p_low"], out["p_high"]) == pytest.approx(ref, abs=1e-12)


def test_flag_small_samples():
    out = flag_small_samples(pl.DataFrame({"respondents": [29, 30, None, 500]}))
    assert out["small_sample"].to_list() == [True, False, True, False]
    out = flag_small_samples(pl.DataFrame({"k": [5, 10]}).lazy(), "k", min_n=10).collect()
    assert out["small_sample"].to_list() == [True, False]


# -- small-cell suppression ----------------------------------------------------------------------------------------
def cells() -> pl.DataFrame:
    # province P1: one cell below k -> secondary needed; P2: two below k -> none; P3: none below k.
    return pl.DataFrame(
        {
            "province": ["P1", "P1", "P1", "P1", "P2", "P2", "P2", "P3", "P3"],
            "city": ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
            "n": [4, 50, 12, 12, 3, 9, 80, 40, 41],
            "share": [0.25, 0.4, 0.5, 0.6, 0.1, 0.2, 0.3, 0.4, 0.5],
        }
    )


def test_primary_suppression_nulls_values_below_k():
    out = suppress_small_cells(cells(), "n", ["share"])
    assert out.filter(pl.col("suppressed"))["city"].to_list() == ["a", "e", "f"]
    assert out.filter(pl.col("suppressed"))["share"].null_count() == 3
    assert out.filter(~pl.col("suppressed"))["share"].null_count() == 0
    assert set(out["suppression"].drop_nulls()) == {"primary"}
    assert out["n"].to_list() == cells()["n"].to_list()  # n is a value only when asked for


def test_secondary_suppression_protects_a_lone_suppressed_cell():
    out = suppress_small_cells(cells(), "n", ["share", "n"], group_by="province")
    status = dict(zip(out["city"], out["suppression"], strict=True))
    # P1: 'a' primary; of b (50), c (12), d (12) the smallest n goes, ties -> first in row order: c.
    assert status["a"] == "primary" and status["c"] == "secondary"
    assert status["b"] is None and status["d"] is None
    # P2 already has two suppressed cells; P3 none: nothing more.
    assert status["e"] == "primary" and status["f"] == "primary" and status["g"] is None
    assert status["h"] is None and status["i"] is None
    hidden = out.filter(pl.col("suppressed"))
    assert hidden["share"].null_count() == hidden.height and hidden["n"].null_count() == hidden.height
    # Every group now has 0 or >= 2 suppressed cells, so no cell equals total minus the visible ones.
    per_group = out.group_by("province").agg(pl.col("suppressed").sum())
    assert all(v != 1 for v in per_group["suppressed"])


def test_secondary_suppression_off_when_no_total_is_shown_and_lazy_works():
    out = suppress_small_cells(cells().lazy(), "n", ["share"], group_by="province", total_shown=False).collect()
    assert out.filter(pl.col("suppressed"))["city"].to_list() == ["a", "e", "f"]


def test_suppression_chains_over_a_second_hierarchy():
    frame = cells().with_columns(pl.Series("kind", ["x", "y", "x", "y", "x", "y", "x", "y", "x"]))
    first = suppress_small_cells(frame, "n", ["share"], group_by="province")
    second = suppress_small_cells(first, "n", ["share"], group_by="kind")
    # Earlier suppressions are kept.
    assert set(first.filter("suppressed")["city"]) <= set(second.filter("suppressed")["city"])
    per_kind = second.group_by("kind").agg(pl.col("suppressed").sum())
    assert all(v != 1 for v in per_kind["suppressed"])


def test_visible_adequate_and_flagged_rows():
    out = flag_small_samples(suppress_small_cells(cells(), "n", ["share"]), "n", min_n=30).rename({"city": "adcode"})
    assert visible_rows(out)["adcode"].to_list() == ["b", "c", "d", "g", "h", "i"]
    assert adequate_rows(out)["adcode"].to_list() == ["b", "g", "h", "i"]
    assert visible_rows(out.lazy()).collect().height == 6  # lazy stays lazy
    small, hidden = flagged_units(out)
    assert small == ["c", "d"] and hidden == ["a", "e", "f"]
    # After a left join a row may carry no decision: it counts as shown.
    undecided = pl.DataFrame({"adcode": ["x", "y"], "suppressed": [None, True], "small_sample": [False, False]})
    assert visible_rows(undecided)["adcode"].to_list() == ["x"]


def test_differences_within_ci():
    assert differences_within_ci(0.1, 0.3, 0.25, 0.5) is True  # overlap
    assert differences_within_ci(0.1, 0.2, 0.2, 0.3) is True  # touching
    assert differences_within_ci(0.1, 0.2, 0.21, 0.3) is False
    assert differences_within_ci(0.5, 0.6, 0.1, 0.2) is False  # order does not matter
    assert differences_within_ci(None, None, 0.1, 0.2) is True  # nothing to claim
