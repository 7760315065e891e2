import numpy as np
import polars as pl
import pytest
from scipy import stats

from digigov.analysis.composite import (
    DIMENSIONS,
    _min_ranks,
    composite_index,
    normalise_weights,
    rank_changes_vs_equal,
    rank_stability,
)

EQUAL = dict.fromkeys(DIMENSIONS, 1.0)


def panel(units=12, years=(2022, 2023, 2024), seed=3):
    """Dimension scores with different spreads per dimension, so normalisations genuinely differ."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for i in range(units):
            rows.append(
                {
                    "adcode": f"{110000 + 10000 * i}",
                    "year": year,
                    "organisation": rng.uniform(40, 95),
                    "institutions": rng.uniform(60, 70),
                    "capacity": rng.normal(60, 15),
                    "effect": rng.uniform(20, 90),
                }
            )
    return pl.DataFrame(rows)


def ranks_by(frame, year, column):
    one = frame.filter(pl.col("year") == year)
    return dict(zip(one["adcode"], one[column].rank(method="min", descending=True).cast(pl.Int32), strict=True))


def test_equal_weights_without_normalisation_is_the_mean():
    frame = panel()
    result = composite_index(frame, EQUAL, "none").join(frame, on=["adcode", "year"])
    expected = result.select(pl.mean_horizontal(DIMENSIONS))[:, 0]
    np.testing.assert_allclose(result["composite"].to_numpy(), expected.to_numpy(), atol=1e-12)
    # scaling all weights changes nothing
    scaled = composite_index(frame, dict.fromkeys(DIMENSIONS, 7.5), "none").join(frame, on=["adcode", "year"])
    np.testing.assert_allclose(scaled["composite"].to_numpy(), expected.to_numpy(), atol=1e-12)


@pytest.mark.parametrize("normalisation", ["none", "minmax", "zscore"])
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_all_weight_on_one_dimension_ranks_by_that_dimension(normalisation, dimension):
    frame = panel()
    result = composite_index(frame, {dimension: 1.0}, normalisation)
    for year in (2022, 2024):
        got = dict(zip(*result.filter(pl.col("year") == year).select("adcode", "rank"), strict=True))
        assert got == ranks_by(frame, year, dimension)


def test_normalisations_differ_and_minmax_spans_0_to_100():
    frame = panel()
    minmax = composite_index(frame, {"capacity": 1.0}, "minmax")
    by_year = minmax.group_by("year").agg(pl.col("composite").min().alias("lo"), pl.col("composite").max().alias("hi"))
    assert by_year["lo"].to_list() == pytest.approx([0.0] * 3)
    assert by_year["hi"].to_list() == pytest.approx([100.0] * 3)
    zscore = composite_index(frame, {"capacity": 1.0}, "zscore")
    assert zscore.group_by("year").agg(pl.col("composite").mean())["composite"].to_list() == pytest.approx(
        [0.0] * 3, abs=1e-12
    )
    # institutions varies little, so with equal weights minmax (which stretches it) ranks differently from raw
    raw = composite_index(frame, EQUAL, "none").filter(pl.col("year") == 2024).sort("adcode")["rank"]
    stretched = composite_index(frame, EQUAL, "minmax").filter(pl.col("year") == 2024).sort("adcode")["rank"]
    assert raw.to_list() != stretched.to_list()


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"organisation": -0.1, "capacity": 1.0}, "non-negative"),
        (dict.fromkeys(DIMENSIONS, 0.0), "all zero"),
        ({}, "all zero"),
        ({"capacity": float("nan")}, "finite"),
        ({"speed": 1.0}, "unknown dimension"),
    ],
)
def test_invalid_weights_raise(weights, message):
    with pytest.raises(ValueError, match=message):
        composite_index(panel(), weights, "minmax")
    with pytest.raises(ValueError, match=message):
        rank_stability(panel(), 2024, weights, "minmax")


def test_invalid_normalisation_and_duplicates_raise():
    with pytest.raises(ValueError, match="normalisation"):
        composite_index(panel(), EQUAL, "rank")
    frame = panel()
    with pytest.raises(ValueError, match="several rows"):
        composite_index(pl.concat([frame, frame.head(1)]), EQUAL, "none")


def test_normalise_weights():
    assert normalise_weights({"organisation": 2, "capacity": 6}) == {
        "organisation": 0.25,
        "institutions": 0.0,
        "capacity": 0.75,
        "effect": 0.0,
    }


def test_rank_ties_and_rank_change():
    frame = pl.DataFrame(
        {
            "adcode": ["a", "b", "c", "a", "b", "c"],
            "year": [2023, 2023, 2023, 2024, 2024, 2024],
            "organisation": [3.0, 2.0, 1.0, 1.0, 3.0, 3.0],
        }
    )
    result = composite_index(frame, {"organisation": 1}, "none", dimensions=("organisation",))
    ranks = {(r["adcode"], r["year"]): (r["rank"], r["rank_change"]) for r in result.iter_rows(named=True)}
    assert ranks[("a", 2023)] == (1, None)
    assert ranks[("b", 2024)] == (1, 1)  # 2 → 1: moved up one
    assert ranks[("c", 2024)] == (1, 2)  # tied for first ("min"), up from 3
    assert ranks[("a", 2024)] == (3, -2)
    assert result.columns == ["adcode", "year", "composite", "rank", "rank_change"]


def test_float_noise_does_not_split_ties():
    # 0.1 + 0.2 and 0.3 differ in the last bit; as equal-weight means they must tie.
    frame = pl.DataFrame({"adcode": ["a", "b"], "year": [2024, 2024], "x": [0.1, 0.3], "y": [0.2, 0.0]})
    result = composite_index(frame, {"x": 1, "y": 1}, "none", dimensions=("x", "y"))
    assert result["rank"].to_list() == [1, 1]


def test_missing_dimension_voids_only_weighted_composites():
    frame = panel(units=5, years=(2024,)).with_columns(
        pl.when(pl.col("adcode") == "110000").then(None).otherwise(pl.col("effect")).alias("effect")
    )
    with_effect = composite_index(frame, EQUAL, "minmax")
    row = with_effect.filter(pl.col("adcode") == "110000")
    assert row["composite"][0] is None and row["rank"][0] is None
    assert with_effect.drop_nulls("rank")["rank"].sort().to_list() == [1, 2, 3, 4]
    without_effect = composite_index(frame, {"capacity": 1, "organisation": 1}, "minmax")
    assert without_effect.filter(pl.col("adcode") == "110000")["composite"][0] is not None


def test_rank_changes_vs_equal():
    frame = panel()
    same = rank_changes_vs_equal(frame, EQUAL, "minmax", 2024)
    assert (same["change"] == 0).all()
    changed = rank_changes_vs_equal(frame, {"effect": 1.0}, "minmax", 2024)
    assert changed.columns == ["adcode", "rank_equal", "rank_weighted", "change"]
    assert (changed["change"] == changed["rank_equal"] - changed["rank_weighted"]).all()
    assert dict(zip(changed["adcode"], changed["rank_weighted"], strict=True)) == ranks_by(frame, 2024, "effect")
    assert (changed["change"] != 0).any()
    assert changed["rank_weighted"].to_list() == sorted(changed["rank_weighted"].to_list())


def test_rank_stability_with_huge_concentration_keeps_every_rank():
    frame = panel(units=31)
    result = rank_stability(
        frame,
        2024,
        {"organisation": 0.4, "capacity": 0.3, "effect": 0.3},
        "minmax",
        draws=300,
        concentration=1e12,
        seed=1,
    )
    assert result.height == 31
    assert (result["share_base_rank"] == 1.0).all()
    assert (result["min_rank"] == result["base_rank"]).all() and (result["max_rank"] == result["base_rank"]).all()


def test_rank_stability_bounds_and_base_rank():
    frame = panel(units=31)
    weights = {"organisation": 0.4, "institutions": 0.1, "capacity": 0.25, "effect": 0.25}
    result = rank_stability(frame, 2024, weights, "zscore", draws=500, concentration=5.0, seed=2)
    assert result.columns == ["adcode", "base_rank", "min_rank", "max_rank", "median_rank", "share_base_rank"]
    share = result["share_base_rank"]
    assert ((share >= 0) & (share <= 1)).all()
    assert (share < 1).any()  # a loose Dirichlet does move some ranks
    assert (result["min_rank"] <= result["base_rank"]).all() and (result["base_rank"] <= result["max_rank"]).all()
    assert (result["min_rank"] <= result["median_rank"]).all() and (result["median_rank"] <= result["max_rank"]).all()
    base = composite_index(frame, weights, "zscore").filter(pl.col("year") == 2024)
    assert dict(zip(result["adcode"], result["base_rank"], strict=True)) == dict(
        zip(base["adcode"], base["rank"], strict=True)
    )
    again = rank_stability(frame, 2024, weights, "zscore", draws=500, concentration=5.0, seed=2)
    assert result.equals(again)
    other_seed = rank_stability(frame, 2024, weights, "zscore", draws=500, concentration=5.0, seed=3)
    assert not result.equals(other_seed)


def test_rank_stability_validation():
    with pytest.raises(ValueError, match="concentration"):
        rank_stability(panel(), 2024, EQUAL, concentration=0)
    with pytest.raises(ValueError, match="no rows"):
        rank_stability(panel(), 1999, EQUAL)


def test_vectorised_min_ranks_match_scipy():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, size=(50, 31)).astype(float)  # many ties
    ranks = _min_ranks(scores)
    for row, expected in zip(ranks, scores, strict=True):
        np.testing.assert_array_equal(row, stats.rankdata(-expected, method="min"))
