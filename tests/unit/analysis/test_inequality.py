import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

from digigov.analysis.inequality import (
    coefficient_of_variation,
    dagum_gini,
    gini,
    max_min_ratio,
    theil,
)


def lognormal_groups(seed=7, n=90, k=4):
    """Lognormal draws in k groups with different medians (unlike the sample data's index scores)."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, k, size=n)
    values = rng.lognormal(mean=2.0 + 0.3 * groups, sigma=0.6)
    return values, groups


def brute_force_dagum(values, groups):
    """Dagum's formulas written out with full pairwise matrices, as an independent reference."""
    values, groups = np.asarray(values, float), np.asarray(groups)
    n, mu = values.size, values.mean()
    names = sorted(set(groups.tolist()), key=lambda g: values[groups == g].mean())
    ys = {g: values[groups == g] for g in names}
    p = {g: ys[g].size / n for g in names}
    s = {g: ys[g].size * ys[g].mean() / (n * mu) for g in names}
    g_jj = {g: np.abs(ys[g][:, None] - ys[g][None, :]).sum() / (2 * ys[g].size ** 2 * ys[g].mean()) for g in names}
    within = sum(g_jj[g] * p[g] * s[g] for g in names)
    net = trans = 0.0
    for a in range(len(names)):
        for b in range(a):
            j, h = names[a], names[b]
            diff = ys[j][:, None] - ys[h][None, :]
            g_jh = np.abs(diff).sum() / (ys[j].size * ys[h].size * (ys[j].mean() + ys[h].mean()))
            d, q = diff[diff > 0].sum() / diff.size, -diff[diff < 0].sum() / diff.size
            big_d = (d - q) / (d + q)
            net += g_jh * (p[j] * s[h] + p[h] * s[j]) * big_d
            trans += g_jh * (p[j] * s[h] + p[h] * s[j]) * (1 - big_d)
    total = np.abs(values[:, None] - values[None, :]).sum() / (2 * n * n * mu)
    return total, within, net, trans


# -- Gini --------------------------------------------------------------------------------------
def test_gini_matches_pysal_inequality():
    values, _ = lognormal_groups()
    assert gini(values) == pytest.approx(Gini(values).g, abs=1e-9)
    assert 0.2 < gini(values) < 0.5  # a real spread, not a degenerate case


def test_gini_known_values():
    # |1−3| and |3−1| over n² = 4 pairs: 4 / (2·4·2) = 0.25
    assert gini([1.0, 3.0]) == pytest.approx(0.25)
    assert gini([5.0, 5.0, 5.0]) == 0.0
    # one unit holds everything: 1 − 1/n
    assert gini([0.0, 0.0, 0.0, 10.0]) == pytest.approx(0.75)


def test_weighted_gini_equals_pairwise_formula_and_replication():
    rng = np.random.default_rng(3)
    x = rng.lognormal(1.0, 0.8, 40)
    w = rng.uniform(0.5, 5.0, 40)
    p = w / w.sum()
    mu = p @ x
    reference = (p[:, None] * p[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * mu)
    assert gini(x, w) == pytest.approx(reference, abs=1e-12)
    # integer weights = repeating each unit that many times
    counts = rng.integers(1, 4, 40)
    assert gini(x, counts) == pytest.approx(gini(np.repeat(x, counts)), abs=1e-12)
    assert gini(x, np.full(40, 7.0)) == pytest.approx(gini(x), abs=1e-12)


def test_missing_values_are_dropped_for_every_input_type():
    expected = gini([1.0, 2.0, 7.0])
    assert gini([1.0, None, 2.0, 7.0]) == pytest.approx(expected)
    assert gini(np.array([1.0, np.nan, 2.0, 7.0])) == pytest.approx(expected)
    assert gini(pl.Series([1.0, None, 2.0, 7.0])) == pytest.approx(expected)
    assert gini(pl.Series([1, 2, 7])) == pytest.approx(expected)
    # a missing weight drops its unit too
    assert gini([1.0, 2.0, 7.0, 100.0], [1.0, 1.0, 1.0, None]) == pytest.approx(expected)


@pytest.mark.parametrize("bad", [[], [None, float("nan")], [0.0, 0.0], [-1.0, 3.0], [1.0, float("inf")]])
def test_invalid_inputs_raise(bad):
    with pytest.raises(ValueError):
        gini(bad)
    with pytest.raises(ValueError):
        theil(bad)
    with pytest.raises(ValueError):
        coefficient_of_variation(bad)


def test_invalid_weights_raise():
    with pytest.raises(ValueError, match="weights"):
        gini([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="zero"):
        gini([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="entries"):
        gini([1.0, 2.0], [1.0])


# -- Theil -------------------------------------------------------------------------------------
def test_theil_and_decomposition_match_pysal():
    values, groups = lognormal_groups(seed=11, n=120, k=5)
    result = theil(values, groups)
    reference = TheilD(values, groups)
    assert result.total == pytest.approx(float(Theil(values).T), abs=1e-9)
    assert result.total == pytest.approx(float(np.squeeze(reference.T)), abs=1e-9)
    assert result.between == pytest.approx(float(np.squeeze(reference.bg)), abs=1e-9)
    assert result.within == pytest.approx(float(np.squeeze(reference.wg)), abs=1e-9)
    assert abs(result.between + result.within - result.total) < 1e-12
    assert result.between > 0.01  # the groups do differ, so the test is not trivially passing


def test_theil_groups_detail():
    values, groups = lognormal_groups(seed=5, n=60, k=3)
    result = theil(values, groups)
    assert [g.name for g in result.groups] == list(dict.fromkeys(groups.tolist()))
    assert sum(g.n for g in result.groups) == 60
    for g in result.groups:
        members = values[groups == g.name]
        assert g.mean == pytest.approx(members.mean())
        assert g.theil == pytest.approx(theil(members).total, abs=1e-12)
        assert g.contribution == pytest.approx(g.value_share * g.theil)
        assert g.share_of_total == pytest.approx(g.contribution / result.total)
    assert sum(g.contribution for g in result.groups) == pytest.approx(result.within, abs=1e-12)
    assert sum(g.value_share for g in result.groups) == pytest.approx(1.0)
    assert result.between_share + result.within_share == pytest.approx(1.0)


def test_theil_known_value_and_no_groups():
    # values 1 and 3, μ = 2: T = ½(½ ln ½) + ½(3/2 ln 3/2)
    expected = 0.5 * (0.5 * math.log(0.5)) + 0.5 * (1.5 * math.log(1.5))
    result = theil([1.0, 3.0])
    assert result.total == pytest.approx(expected, abs=1e-15)
    assert result.between == 0.0 and result.within == pytest.approx(result.total)
    assert [g.name for g in result.groups] == ["all"]


def test_weighted_theil_equals_replication():
    rng = np.random.default_rng(8)
    x = rng.lognormal(0, 0.7, 30)
    groups = rng.integers(0, 3, 30)
    counts = rng.integers(1, 5, 30)
    weighted = theil(x, groups, counts)
    replicated = theil(np.repeat(x, counts), np.repeat(groups, counts))
    assert weighted.total == pytest.approx(replicated.total, abs=1e-12)
    assert weighted.between == pytest.approx(replicated.between, abs=1e-12)
    assert abs(weighted.between + weighted.within - weighted.total) < 1e-12


def test_theil_drops_missing_group_labels():
    result = theil([1.0, 2.0, 4.0, 8.0], ["a", "a", None, "b"])
    assert sum(g.n for g in result.groups) == 3
    assert result.total == pytest.approx(theil([1.0, 2.0, 8.0]).total)


# -- Dagum --------------------------------------------------------------------------------------
def test_dagum_hand_example():
    # A = [1, 4] (μ_A = 2.5), B = [3, 5] (μ_B = 4); all four: n = 4, μ = 13/4.
    # G: unordered |differences| 2,3,4,1,2,1 sum to 13, ordered pairs 26 → 26 / (2·16·3.25) = 1/4.
    # G_AA = 2·|1−4| / (2·2²·2.5) = 6/20 = 0.3;  G_BB = 2·|3−5| / (2·2²·4) = 1/8.
    # p_A = p_B = 1/2;  s_A = 2·2.5/(4·3.25) = 5/13;  s_B = 8/13.
    # Gw = 0.3·½·5/13 + 1/8·½·8/13 = 0.75/13 + 0.5/13 = 5/52.
    # B (richer) minus A over the 4 pairs: 3−1=2, 3−4=−1, 5−1=4, 5−4=1 →
    #   d_BA = (2+4+1)/4 = 7/4,  p_BA = 1/4,  D_BA = (7/4 − 1/4)/(8/4) = 3/4,
    #   G_BA = (7+1) / (2·2·(4+2.5)) = 8/26 = 4/13,  p_B s_A + p_A s_B = ½(5/13 + 8/13) = ½.
    # Gnb = 4/13·½·3/4 = 3/26 = 6/52;  Gt = 4/13·½·1/4 = 1/26 = 2/52;  5/52 + 6/52 + 2/52 = 13/52 = 1/4. ✓
    result = dagum_gini([1.0, 4.0, 3.0, 5.0], ["A", "A", "B", "B"])
    assert result.total == pytest.approx(0.25, abs=1e-15)
    assert result.within == pytest.approx(5 / 52, abs=1e-15)
    assert result.net_between == pytest.approx(6 / 52, abs=1e-15)
    assert result.transvariation == pytest.approx(2 / 52, abs=1e-15)
    assert [g.name for g in result.groups] == ["A", "B"]  # ascending mean
    assert [g.gini for g in result.groups] == pytest.approx([0.3, 0.125])
    (pair,) = result.pairs
    assert (pair.high, pair.low) == ("B", "A")
    assert pair.d == pytest.approx(7 / 4) and pair.p == pytest.approx(1 / 4)
    assert pair.relative_affluence == pytest.approx(0.75)
    assert pair.gini == pytest.approx(4 / 13)
    assert result.between_gini("A", "B") == result.between_gini("B", "A") == pytest.approx(4 / 13)
    assert result.between_gini("A", "A") == pytest.approx(0.3)
    assert result.within_share == pytest.approx(5 / 13)
    assert result.gross_between == pytest.approx(8 / 52)


def test_dagum_sums_to_gini_and_matches_brute_force():
    values, groups = lognormal_groups(seed=21, n=75, k=4)
    result = dagum_gini(values, groups)
    assert result.within + result.net_between + result.transvariation == pytest.approx(result.total, abs=1e-12)
    assert result.total == pytest.approx(gini(values), abs=1e-12)
    total, within, net, trans = brute_force_dagum(values, groups)
    assert result.total == pytest.approx(total, abs=1e-12)
    assert result.within == pytest.approx(within, abs=1e-12)
    assert result.net_between == pytest.approx(net, abs=1e-12)
    assert result.transvariation == pytest.approx(trans, abs=1e-12)
    assert len(result.pairs) == 6
    assert all(p.relative_affluence >= 0 for p in result.pairs)
    means = [g.mean for g in result.groups]
    assert means == sorted(means)
    assert result.within_share + result.net_between_share + result.transvariation_share == pytest.approx(1.0)


def test_dagum_one_group_is_all_within():
    values = [3.0, 1.0, 4.0, 1.0, 5.0]
    result = dagum_gini(values, ["x"] * 5)
    assert result.within == pytest.approx(gini(values), abs=1e-15)
    assert result.net_between == 0.0 and result.transvariation == 0.0 and result.pairs == ()


def test_dagum_groups_without_overlap_have_no_transvariation():
    result = dagum_gini([1.0, 2.0, 10.0, 12.0], ["low", "low", "high", "high"])
    assert result.transvariation == 0.0
    assert result.pairs[0].relative_affluence == 1.0


# -- CV and ratio -------------------------------------------------------------------------------
def test_cv_and_ratio():
    assert coefficient_of_variation([2.0, 4.0, 6.0]) == pytest.approx(math.sqrt(8 / 3) / 4)
    assert coefficient_of_variation([2.0, 4.0, 6.0], ddof=1) == pytest.approx(0.5)
    assert coefficient_of_variation(pl.Series([2.0, None, 4.0, 6.0])) == pytest.approx(math.sqrt(8 / 3) / 4)
    with pytest.raises(ValueError):
        coefficient_of_variation([3.0], ddof=1)
    assert max_min_ratio([2.0, None, 8.0, 4.0]) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="positive minimum"):
        max_min_ratio([0.0, 5.0])


# -- properties ---------------------------------------------------------------------------------
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(positive, min_size=1, max_size=60), st.floats(min_value=0.001, max_value=1000))
def test_gini_bounded_and_scale_invariant(values, scale):
    g = gini(values)
    assert 0.0 <= g < 1.0
    assert g <= 1 - 1 / len(values) + 1e-12
    assert gini([v * scale for v in values]) == pytest.approx(g, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(positive, st.integers(min_value=0, max_value=5)), min_size=1, max_size=60))
def test_theil_and_dagum_decompositions_add_up(pairs):
    values = [v for v, _ in pairs]
    groups = [g for _, g in pairs]
    result = theil(values, groups)
    assert abs(result.between + result.within - result.total) < 1e-12
    assert result.between >= -1e-12 and result.within >= -1e-12
    dagum = dagum_gini(values, groups)
    assert abs(dagum.within + dagum.net_between + dagum.transvariation - dagum.total) < 1e-12
    assert dagum.total == pytest.approx(gini(values), abs=1e-12)
