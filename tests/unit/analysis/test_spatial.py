import esda
import numpy as np
import polars as pl
import pytest

from digigov.analysis.spatial import LISA_CATEGORIES, global_moran, local_lisa, queen_weights
from digigov.regions import load_gazetteer

PROVINCES = sorted(r.adcode for r in load_gazetteer().provinces(counted_in_31_only=True))
MACRO = {r.adcode: r.macro_region for r in load_gazetteer().provinces(counted_in_31_only=True)}


def east_high_west_low(seed=1):
    """A clustered pattern: East high, Central/Northeast middle, West low, plus small noise."""
    rng = np.random.default_rng(seed)
    level = {"east": 80.0, "central": 60.0, "northeast": 60.0, "west": 40.0}
    return pl.DataFrame(
        {
            "adcode": PROVINCES,
            "index": [level[MACRO[a]] + rng.normal(0, 3) for a in PROVINCES],
        }
    )


def random_pattern(seed=2):
    rng = np.random.default_rng(seed)
    return pl.DataFrame({"adcode": PROVINCES, "index": rng.uniform(40, 90, len(PROVINCES))})


def test_there_are_31_provinces():
    assert len(PROVINCES) == 31


def test_queen_neighbours_of_beijing():
    weights = queen_weights(PROVINCES)
    assert set(weights.neighbours["110000"]) == {"120000", "130000"}
    assert set(weights.w.neighbors["110000"]) == {"120000", "130000"}


def test_hainan_is_attached_to_guangdong():
    weights = queen_weights(PROVINCES)
    assert [link.adcode for link in weights.attached] == ["460000"]
    link = weights.attached[0]
    assert link.neighbours == ("440000",)
    assert link.distances_km[0] < 50  # the Qiongzhou Strait
    assert weights.neighbours["460000"] == ("440000",)
    assert "460000" in weights.neighbours["440000"]  # symmetric
    assert weights.w.islands == []


def test_weights_are_row_standardised_and_symmetric_in_structure():
    weights = queen_weights(PROVINCES)
    assert weights.w.transform.lower() == "r"
    for unit in PROVINCES:
        assert sum(weights.w.weights[unit]) == pytest.approx(1.0)
        for other in weights.neighbours[unit]:
            assert unit in weights.neighbours[other]


def test_centroid_rule_would_pick_guangxi_and_taiwan_goes_to_fujian():
    centroid = queen_weights(PROVINCES, island_distance="centroid")
    assert centroid.attached[0].neighbours == ("450000",)
    with_taiwan = queen_weights([*PROVINCES, "710000"])
    attached = {link.adcode: link.neighbours for link in with_taiwan.attached}
    assert attached == {"460000": ("440000",), "710000": ("350000",)}


def test_a_unit_whose_neighbours_lack_data_becomes_an_island():
    # Without 河北 and 天津, 北京 has no neighbour among the units and is attached to its nearest.
    subset = [a for a in PROVINCES if a not in {"120000", "130000"}]
    weights = queen_weights(subset)
    attached = {link.adcode for link in weights.attached}
    assert "110000" in attached and "460000" in attached
    assert weights.w.islands == []


def test_queen_weights_validation():
    with pytest.raises(ValueError, match="660000"):
        queen_weights([*PROVINCES, "660000"])
    with pytest.raises(ValueError, match="duplicate"):
        queen_weights(["110000", "110000", "120000"])


def test_global_moran_matches_esda_on_the_same_weights():
    frame = random_pattern()
    result = global_moran(frame, permutations=199, seed=7)
    weights = queen_weights(PROVINCES)
    np.random.seed(7)
    direct = esda.Moran(frame.sort("adcode")["index"].to_numpy(), weights.w, permutations=199)
    assert result.i == pytest.approx(direct.I, abs=1e-12)
    assert result.expected_i == pytest.approx(-1 / 30)
    assert result.z == pytest.approx(direct.z_norm, abs=1e-12)
    assert result.p_norm == pytest.approx(direct.p_norm, abs=1e-12)
    assert result.p_sim == pytest.approx(direct.p_sim)
    assert result.n == 31 and result.attached[0].adcode == "460000"


def test_clustered_pattern_gives_significant_positive_moran():
    result = global_moran(east_high_west_low())
    assert result.i > 0.3
    assert result.p_sim < 0.05 and result.p_norm < 0.05


def test_moran_is_deterministic_and_leaves_global_rng_alone():
    frame = random_pattern(seed=5)
    np.random.seed(99)
    expected_next = np.random.random()
    np.random.seed(99)
    first = global_moran(frame, seed=3)
    local_lisa(frame, seed=3)
    assert np.random.random() == expected_next  # global stream untouched
    second = global_moran(frame, seed=3)
    assert first == second
    assert local_lisa(frame, seed=3).equals(local_lisa(frame, seed=3))


def test_frame_rows_without_value_or_boundary_are_left_out():
    frame = pl.concat(
        [
            east_high_west_low(),
            pl.DataFrame({"adcode": ["660000"], "index": [50.0]}),
        ]
    ).with_columns(pl.when(pl.col("adcode") == "540000").then(None).otherwise(pl.col("index")).alias("index"))
    result = global_moran(frame, permutations=99)
    assert result.n == 30 and "540000" not in result.ids and "660000" not in result.ids
    with pytest.raises(ValueError, match="one year"):
        global_moran(pl.concat([frame, frame]))


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")  # the direct esda call
def test_lisa_categories_and_consistency_with_esda():
    frame = east_high_west_low()
    lisa = local_lisa(frame, permutations=499, seed=11, significance=0.05, correction="none")
    assert lisa.height == 31
    assert set(lisa["category"]) <= set(LISA_CATEGORIES)
    assert set(lisa["quadrant"]) <= set(LISA_CATEGORIES) - {"not_significant"}
    significant = lisa.filter(pl.col("p_sim") < 0.05)
    assert (significant["category"] == significant["quadrant"]).all()
    assert (lisa.filter(pl.col("p_sim") >= 0.05)["category"] == "not_significant").all()
    # the east is a significant high-high cluster somewhere, the west a low-low one
    assert "high_high" in set(lisa["category"]) and "low_low" in set(lisa["category"])
    # quadrant agrees with the signs of z and its spatial lag
    for row in lisa.iter_rows(named=True):
        expected = ("high" if row["z"] > 0 else "low") + "_" + ("high" if row["lag"] > 0 else "low")
        assert row["quadrant"] == expected
    weights = queen_weights(PROVINCES)
    direct = esda.Moran_Local(frame.sort("adcode")["index"].to_numpy(), weights.w, permutations=499, seed=11)
    np.testing.assert_allclose(lisa["local_i"].to_numpy(), direct.Is, atol=1e-12)
    np.testing.assert_allclose(lisa["p_sim"].to_numpy(), direct.p_sim)
    # esda scales local I by (n − 1)/Σz², global I by 1/Σz² (row-standardised): Σ I_i / (n − 1) = I
    assert lisa["local_i"].sum() / 30 == pytest.approx(global_moran(frame, permutations=9).i, abs=1e-12)


def test_lisa_controls_the_false_discovery_rate_by_default():
    """31 tests at 5 % each find about one or two "clusters" in pure noise; Benjamini-Hochberg must not."""
    rng = np.random.default_rng(7)
    adcodes = east_high_west_low()["adcode"].to_list()
    raw_hits = fdr_hits = 0
    for draw in range(20):
        frame = pl.DataFrame({"adcode": adcodes, "index": rng.normal(60, 10, len(adcodes))})
        raw = local_lisa(frame, permutations=199, seed=draw, correction="none")
        fdr = local_lisa(frame, permutations=199, seed=draw)
        raw_hits += (raw["category"] != "not_significant").sum()
        fdr_hits += (fdr["category"] != "not_significant").sum()
        # the adjusted p-values are Benjamini-Hochberg's: p_(i) * m / i, made monotone from the top
        order = np.argsort(fdr["p_sim"].to_numpy())
        p = fdr["p_sim"].to_numpy()[order]
        expected = np.minimum.accumulate((p * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1].clip(max=1)
        assert fdr["p_adjusted"].to_numpy()[order] == pytest.approx(expected)
        assert (fdr["p_adjusted"] >= fdr["p_sim"] - 1e-12).all()
    assert raw_hits >= 10  # uncorrected: false clusters in noise
    assert fdr_hits <= 2


def test_lisa_rejects_an_unknown_correction():
    with pytest.raises(ValueError, match="correction"):
        local_lisa(east_high_west_low(), permutations=9, correction="bonferroni")  # type: ignore[arg-type]
