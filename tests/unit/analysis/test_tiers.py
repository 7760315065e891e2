"""Tiers by score bands, stated tiers, competition ranks with ties, gaps, and the ranking-against-scores check."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.analysis import overview, tiers
from tests.factories import latest_year, province_index


def frame(values: dict[str, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"adcode": list(values), "value": list(values.values())}, schema={"adcode": pl.String, "value": pl.Float64}
    )


EDGES = (80.0, 70.0, 60.0, 50.0)


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (100.0, 1),
        (80.0, 1),  # on an edge: the higher tier
        (79.99, 2),
        (70.0, 2),
        (69.9, 3),
        (60.0, 3),
        (50.0, 4),
        (49.99, 5),
        (-5.0, 5),
    ],
)
def test_a_score_on_an_edge_joins_the_higher_tier(value, tier):
    assert tiers.assign_tiers(frame({"a": value}), EDGES)["tier"].to_list() == [tier]


def test_missing_and_nan_scores_get_no_tier():
    assigned = tiers.assign_tiers(frame({"a": 90.0, "b": None, "c": math.nan}), EDGES)
    assert assigned["adcode"].to_list() == ["a"]


def test_no_edges_put_everyone_in_the_first_tier_and_order_does_not_matter():
    data = frame({"a": 1.0, "b": 2.0})
    assert tiers.assign_tiers(data, [])["tier"].to_list() == [1, 1]
    assert (
        tiers.assign_tiers(data, [1.5, 0.0, 3.0, 2.5])["tier"].to_list()
        == tiers.assign_tiers(data, [3.0, 2.5, 1.5, 0.0])["tier"].to_list()
    )


def test_quantile_edges_are_the_quintiles_highest_first():
    values = pl.Series([float(v) for v in range(1, 11)])
    assert tiers.quantile_edges(values) == pytest.approx((8.2, 6.4, 4.6, 2.8))
    assert tiers.quantile_edges(pl.Series([], dtype=pl.Float64)) == ()
    assigned = tiers.assign_tiers(frame({str(v): float(v) for v in range(1, 11)}), tiers.quantile_edges(values))
    assert assigned.group_by("tier").len().sort("tier")["len"].to_list() == [2, 2, 2, 2, 2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("85,75,65,55", (85.0, 75.0, 65.0, 55.0)), ("55,85,65,75", (85.0, 75.0, 65.0, 55.0)), ("1,2,3", None)],
)
def test_edges_from_text_sorts_and_rejects_the_wrong_count(raw, expected):
    assert tiers.edges_from_text(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "a,b,c,d", "1,2,3,nan", "1,2,3,inf"])
def test_edges_from_text_rejects_unreadable_values(raw):
    assert tiers.edges_from_text(raw) is None


@pytest.mark.parametrize(
    ("written", "tier"),
    [
        ("引领型", 1),
        ("引领", 1),
        ("Leading", 1),
        ("1", 1),
        ("第一梯队", 1),
        ("优质型", 2),
        ("High-quality", 2),
        ("Tier 2", 2),
        ("特色型", 3),
        ("3.0", 3),
        ("发展型", 4),
        ("developing", 4),
        ("追赶型", 5),
        ("Catching-up", 5),
        (" 5 ", 5),
        ("第五梯队", 5),
        ("6", None),
        ("10", None),
        ("其他", None),
        (None, None),
    ],
)
def test_stated_tiers_in_zh_en_or_numbers(written, tier):
    parsed = pl.DataFrame({"t": [written]}, schema={"t": pl.String}).select(tiers.tier_expression("t"))
    assert parsed.item() == tier


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    ranks = tiers.competition_ranks(frame({"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0, "e": None}))
    assert dict(ranks.select("adcode", "rank").iter_rows()) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ranking_detail_gaps_and_peer_ranks_on_hand_made_data():
    data = pl.DataFrame(
        {
            "adcode": ["310000", "330000", "110000", "510000", "520000", "620000"],
            "year": [2024] * 6,
            "index": [90.0, 80.0, 80.0, 70.0, 60.0, 60.0],
        }
    )
    detail = overview.ranking_detail(data, 2024).sort("adcode")
    rows = {r["adcode"]: r for r in detail.iter_rows(named=True)}
    assert [rows[a]["rank"] for a in ("310000", "330000", "110000", "510000", "520000", "620000")] == [1, 2, 2, 4, 5, 5]
    assert rows["310000"]["gap_leader"] == 0 and rows["520000"]["gap_leader"] == -30
    mean = sum(data["index"]) / 6
    assert rows["510000"]["gap_mean"] == pytest.approx(70 - mean)
    # peers: the East (上海 90, 浙江 80, 北京 80) and the West (四川 70, 贵州 60, 甘肃 60), each ranked on its own
    assert [rows[a]["peer_rank"] for a in ("310000", "330000", "110000")] == [1, 2, 2]
    assert [rows[a]["peer_rank"] for a in ("510000", "520000", "620000")] == [1, 2, 2]
    assert rows["510000"]["gap_peer_mean"] == pytest.approx(70 - (70 + 60 + 60) / 3)


def test_ranking_detail_keeps_the_overview_ranking():
    index = province_index()
    year = latest_year(index)
    detail = overview.ranking_detail(index, year)
    plain = overview.ranking(index, year)
    assert detail.select("adcode", "rank", "rank_change").equals(plain.select("adcode", "rank", "rank_change"))
    assert detail["gap_leader"].max() == 0


def test_rank_contradictions_name_every_pair_ranked_above_a_higher_score():
    stated = pl.DataFrame(
        {
            "adcode": ["a", "b", "c", "d"],
            "rank": [1, 2, 3, 4],
            "value": [80.0, 90.0, 85.0, 70.0],
            "row": [2, 3, 4, 5],
        }
    )
    pairs = tiers.rank_contradictions(stated)
    assert pairs.select("adcode_a", "adcode_b").rows() == [("a", "b"), ("a", "c")]
    assert pairs.row(0, named=True) == {
        "year": None,
        "adcode_a": "a",
        "rank_a": 1.0,
        "value_a": 80.0,
        "row_a": 2,
        "adcode_b": "b",
        "rank_b": 2.0,
        "value_b": 90.0,
        "row_b": 3,
    }


def test_a_consistent_ranking_ties_and_other_years_raise_nothing():
    stated = pl.DataFrame(
        {
            "adcode": ["a", "b", "c", "a", "b"],
            "year": [2023, 2023, 2023, 2024, 2024],
            "rank": [1, 2, 2, 1, 2],
            "value": [90.0, 80.0, 80.0, 50.0, 40.0],
        }
    )
    assert tiers.rank_contradictions(stated).is_empty()  # 2023's 90 is not compared with 2024's ranks
    tied = stated.with_columns(pl.Series("value", [90.0, 80.0, 80.0, 50.0, 50.0]))
    assert tiers.rank_contradictions(tied).is_empty()  # equal scores with different ranks: not flagged


def test_rank_contradictions_compare_within_each_year():
    stated = pl.DataFrame(
        {
            "adcode": ["a", "b", "a", "b"],
            "year": [2023, 2023, 2024, 2024],
            "rank": [1, 2, 1, 2],
            "value": [1.0, 2.0, 2.0, 1.0],
        }
    )
    assert tiers.rank_contradictions(stated).select("year", "adcode_a").rows() == [(2023, "a")]


scores = st.lists(
    st.one_of(st.none(), st.floats(min_value=-1000, max_value=1000, allow_nan=False)), min_size=1, max_size=40
)
edges = st.lists(st.floats(min_value=-1000, max_value=1000, allow_nan=False), min_size=0, max_size=6)


@settings(max_examples=200, deadline=None)
@given(values=scores, bands=edges)
def test_tiers_are_monotone_in_score_and_every_scored_unit_gets_exactly_one(values, bands):
    data = frame({f"u{i}": v for i, v in enumerate(values)})
    assigned = tiers.assign_tiers(data, bands)
    scored = [f"u{i}" for i, v in enumerate(values) if v is not None]
    assert sorted(assigned["adcode"].to_list()) == sorted(scored)  # exactly one row, one tier each
    assert assigned["tier"].is_between(1, len(bands) + 1).all()
    by_score = assigned.sort("value")
    assert (by_score["tier"].diff().drop_nulls() <= 0).all()  # a higher score never has a lower tier


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=34))
def test_default_quantile_bands_are_monotone_and_cover_every_unit(values):
    data = frame({f"u{i}": v for i, v in enumerate(values)})
    assigned = tiers.assign_tiers(data, tiers.quantile_edges(data["value"]))
    assert assigned.height == len(values)
    assert assigned["tier"].is_between(1, tiers.TIER_COUNT).all()
    by_score = assigned.sort("value")
    assert (by_score["tier"].diff().drop_nulls() <= 0).all()
