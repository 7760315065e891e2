"""Sharing between departments (islands, one-way flows, concentration) and cost per transaction with Tukey
outliers; expectations computed by hand."""

from __future__ import annotations

import polars as pl
import pytest

from digigov.analysis import sharing


def calls(rows: list[tuple[str, str, int]], adcode: str = "110000") -> pl.DataFrame:
    return sharing.clean_calls(
        pl.DataFrame(
            {
                "adcode": [adcode] * len(rows),
                "provider": [r[0] for r in rows],
                "consumer": [r[1] for r in rows],
                "calls": [r[2] for r in rows],
            }
        )
    )


# A provides 60 to B and 20 to C, B provides 20 to A; D appears only with zero calls (an island); C only consumes.
EXAMPLE = [("A", "B", 60), ("A", "C", 20), ("B", "A", 20), ("D", "A", 0), ("C", "D", 0), ("A", "A", 99)]


def test_islands_and_roles():
    roles = sharing.departments(calls(EXAMPLE))
    assert dict(zip(roles["department"], roles["role"], strict=True)) == {
        "A": "both",
        "B": "both",
        "C": "consumes_only",
        "D": "island",
    }
    a = roles.filter(pl.col("department") == "A").row(0, named=True)
    assert (a["provided"], a["consumed"]) == (80, 20)  # the self-call is dropped


def test_one_way_pairs_and_linked_pairs():
    data = calls(EXAMPLE)
    one_way = sharing.one_way_pairs(data)
    assert one_way.select("provider", "consumer").rows() == [("A", "C")]
    assert sharing.linked_pairs(data) == 2  # {A,B} both ways, {A,C} one way


def test_concentration_top_share_and_hhi():
    result = sharing.concentration(calls(EXAMPLE))
    # A 80 of 100 calls, B 20: HHI = 0.8² + 0.2² = 0.68
    assert result.total_calls == 100 and result.top_provider == "A" and result.top_tied == ("A",)
    assert result.top_share == pytest.approx(0.8)
    assert result.hhi == pytest.approx(0.68)
    assert sharing.hhi_band(result.hhi) == "high"
    assert sharing.hhi_band(0.2) == "moderate" and sharing.hhi_band(0.1) == "unconcentrated"


def test_concentration_with_a_tie_and_without_calls():
    tied = sharing.concentration(calls([("A", "B", 10), ("B", "A", 10)]))
    assert tied.top_tied == ("A", "B") and tied.top_share == pytest.approx(0.5) and tied.hhi == pytest.approx(0.5)
    empty = sharing.concentration(calls([("A", "B", 0)]))
    assert empty.top_share is None and empty.hhi is None and empty.total_calls == 0


def test_region_connectivity():
    both = pl.concat([calls(EXAMPLE, "110000"), calls([("X", "Y", 5), ("Y", "X", 5), ("Z", "X", 0)], "620000")])
    table = sharing.region_connectivity(both).sort("adcode")
    bj = table.row(0, named=True)
    assert (bj["departments"], bj["connected"], bj["islands"]) == (4, 3, 1)
    assert bj["connected_share"] == pytest.approx(0.75) and bj["one_way"] == 1 and bj["linked"] == 2
    assert bj["hhi"] == pytest.approx(0.68)
    gs = table.row(1, named=True)
    assert gs["connected_share"] == pytest.approx(2 / 3) and gs["one_way"] == 0 and gs["hhi"] == pytest.approx(0.5)


def test_matrix_from_a_provider_by_consumer_table():
    wide = pl.DataFrame({"提供部门": ["公安", "税务"], "公安": [0, 7], "税务": [3, 0]})
    long = sharing.from_matrix(wide, "330000")
    names, z = sharing.matrix(long)
    assert names == ["公安", "税务"] or names == ["税务", "公安"]
    index = {n: i for i, n in enumerate(names)}
    assert z[index["公安"]][index["税务"]] == 3 and z[index["税务"]][index["公安"]] == 7


def test_log_counts_one_row_per_call():
    log = pl.DataFrame({"adcode": ["110000"] * 3, "provider": ["A", "A", "B"], "consumer": ["B", "B", "A"]})
    counted = sharing.from_log(log)
    assert counted.select("provider", "consumer", "calls").rows() == [("A", "B", 2), ("B", "A", 1)]


def platforms(costs: list[tuple[str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "adcode": ["110000"] * len(costs),
            "platform": [c[0] for c in costs],
            "investment": [c[1] for c in costs],
            "transactions": [c[2] for c in costs],
            "active_users": [c[2] / 10 for c in costs],
        }
    )


def test_cost_per_transaction_and_tukey_outliers():
    # investment in 万元; costs (yuan per transaction) 1, 2, 3, 4, 100
    data = platforms([("a", 1, 10_000), ("b", 2, 10_000), ("c", 3, 10_000), ("d", 4, 10_000), ("e", 100, 10_000)])
    ops, fences = sharing.operations(data)
    assert ops["cost_per_transaction"].to_list() == pytest.approx([1, 2, 3, 4, 100])
    assert ops["cost_per_user"].to_list() == pytest.approx([10, 20, 30, 40, 1000])
    # linear quartiles of 1,2,3,4,100: Q1 = 2, Q3 = 4, IQR 2 -> fences -1 and 7
    assert fences is not None and (fences.q1, fences.q3, fences.low, fences.high) == pytest.approx((2, 4, -1, 7))
    assert ops["outlier"].to_list() == [None, None, None, None, "high"]


def test_no_outlier_among_even_costs_and_too_few_platforms():
    ops, fences = sharing.operations(platforms([(p, 5, 10_000) for p in "abcd"]))
    assert fences is not None and ops["outlier"].null_count() == 4
    few, none = sharing.operations(platforms([("a", 1, 100), ("b", 2, 100), ("c", 3, 0)]))
    assert none is None and few["no_use"].to_list() == [False, False, True]
    assert few["cost_per_transaction"].to_list()[2] is None
