"""The demand page tells the truth on any data: every finding is fed normal, reversed and tied data and its
facts are checked against numbers computed here from the frame with plain polars / Python; the page renders
(and says what it cannot show) on partial, odd and hostile uploads."""

from __future__ import annotations

import math
import re

import polars as pl
import pytest

from digigov.analysis import demand_units as du
from digigov.findings import Finding
from digigov.i18n import catalog
from digigov.presenters import demand as dp
from tests.factories import demand_row

YEAR = 2024
Z = 1.959964


def frame_of(units: list[tuple], category: str = "tax", year: int = YEAR) -> pl.DataFrame:
    """(adcode, respondents, need, aware, used) per province."""
    rows = [
        demand_row(a, "province", year, category, n * 10, n, need, aware, used, used, used)
        for a, n, need, aware, used in units
    ]
    return pl.DataFrame(rows)


def findings(frame: pl.DataFrame, lang: str = "en") -> dict[str, Finding]:
    out = dp.demand_findings(frame, lang)
    prefixes = ("national", "split", "largest", "dominance", "priority", "flags")
    by_kind: dict[str, Finding] = {}
    for f in out:
        kind = next(p for p in prefixes if f.key.startswith(f"demand.finding_{p}"))
        assert kind not in by_kind
        by_kind[kind] = f
    return by_kind


def totals(frame: pl.DataFrame) -> dict:
    return frame.select(pl.col("respondents", "need", "aware", "used").sum()).row(0, named=True)


def diff_ci(n: float, unaware: float, aware_non_users: float) -> tuple[float, float, float]:
    """awareness − conversion gap in pp with its 95% interval, from scratch (multinomial variance)."""
    p1, p2 = unaware / n, aware_non_users / n
    d = p1 - p2
    half = Z * math.sqrt(max(p1 + p2 - d * d, 0) / n)
    return d * 100, (d - half) * 100, (d + half) * 100


BIG = [("510000", 2000, 1500, 700, 600), ("440000", 2000, 1400, 1300, 900), ("330000", 2000, 1000, 900, 850)]


# ---------------------------------------------------------------------------------------------------------------
# National sentence and the national split
# ---------------------------------------------------------------------------------------------------------------
def test_national_facts_agree_with_the_frame():
    frame = frame_of(BIG)
    f = findings(frame)["national"]
    s = totals(frame)
    assert f.key == "demand.finding_national"
    assert f.facts.potential == pytest.approx(s["need"] / s["respondents"] * 100)
    assert f.facts.actual == pytest.approx(s["used"] / s["respondents"] * 100)
    assert abs(f.facts.shortfall - (s["need"] - s["used"]) / s["respondents"] * 100) <= 0.05 + 1e-9
    assert round(f.facts.awareness + f.facts.conversion, 1) == f.facts.shortfall


def test_no_shortfall_is_said_so():
    frame = frame_of([(a, n, need, need, need) for a, n, need, _, _ in BIG])
    found = findings(frame)
    assert found["national"].key == "demand.finding_national_none" and "no shortfall" in found["national"].text
    assert "split" not in found and "dominance" not in found  # nothing to split, no unit with a shortfall
    assert found["largest"].key == "demand.finding_largest_tie"  # every shortfall is 0


@pytest.mark.parametrize(
    ("units", "larger"),
    [
        ([("510000", 3000, 2000, 800, 700)], "awareness"),  # normal: unaware 1200 vs 100
        ([("510000", 3000, 2000, 1900, 700)], "conversion"),  # reversed: unaware 100 vs 1200
        ([("510000", 3000, 2000, 1350, 700)], None),  # tied: 650 vs 650
        ([("510000", 60, 40, 28, 18)], None),  # 12 vs 10 of 60: a difference within the interval
    ],
)
def test_split_claims_a_larger_gap_only_beyond_its_interval(units, larger):
    frame = frame_of([*units, ("440000", 50, 0, 0, 0)])
    f = findings(frame)["split"]
    s = totals(frame)
    d, low, high = diff_ci(s["respondents"], s["need"] - s["aware"], s["aware"] - s["used"])
    assert (f.facts.difference, f.facts.low, f.facts.high) == pytest.approx((d, low, high), abs=1e-6)
    expected = "awareness" if low > 0 else "conversion" if high < 0 else None
    assert f.facts.larger == expected == larger
    assert f.key == f"demand.finding_split_{larger or 'unclear'}"
    if larger == "awareness":
        assert "awareness gap is larger than the conversion gap" in f.text
    elif larger == "conversion":
        assert "conversion gap is larger than the awareness gap" in f.text
    else:
        assert "not clearly different" in f.text and "+-" not in f.text


# ---------------------------------------------------------------------------------------------------------------
# Largest and smallest shortfall
# ---------------------------------------------------------------------------------------------------------------
def shortfalls(frame: pl.DataFrame) -> dict[str, float]:
    return {r["adcode"]: (r["need"] - r["used"]) / r["respondents"] for r in frame.iter_rows(named=True)}


@pytest.mark.parametrize("reverse", [False, True])
def test_largest_names_the_computed_extremes(reverse):
    units = [("510000", 2000, 1500, 700, 500), ("440000", 2000, 1400, 1300, 1000), ("330000", 2000, 1000, 900, 900)]
    if reverse:  # the same shortfalls, the other way round
        units = [
            (a, n, need, aware, used) for (a, *_), (_, n, need, aware, used) in zip(units, units[::-1], strict=True)
        ]
    frame = frame_of(units)
    f = findings(frame)["largest"]
    values = shortfalls(frame)
    top, low = max(values, key=values.get), min(values, key=values.get)
    assert f.key == "demand.finding_largest"
    assert f.facts.top == (top,) and f.facts.low == (low,) and f.facts.separated
    assert f.facts.top_shortfall == pytest.approx(round(values[top] * 100, 1))
    assert ("Sichuan" if top == "510000" else "Zhejiang") in f.text.split(";")[0]


def test_largest_tied_and_within_interval():
    tied = findings(frame_of([("510000", 500, 300, 200, 100), ("440000", 1000, 600, 400, 200)]))["largest"]
    assert tied.key == "demand.finding_largest_tie" and tied.facts.top == tied.facts.low == ("440000", "510000")
    close = findings(frame_of([("510000", 40, 30, 20, 15), ("440000", 40, 30, 20, 17)]))["largest"]
    assert close.key == "demand.finding_largest_within" and not close.facts.separated
    assert "not clear" in close.text
    two_top = findings(
        frame_of([("510000", 2000, 1500, 700, 500), ("440000", 2000, 1500, 700, 500), ("330000", 2000, 900, 900, 900)])
    )["largest"]
    assert set(two_top.facts.top) == {"510000", "440000"} and "Sichuan" in two_top.text and "Guangdong" in two_top.text


# ---------------------------------------------------------------------------------------------------------------
# Units by their larger gap
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "units",
    [
        BIG,
        [
            (a, n, need, need - (aware - used), need - (aware - used) - (need - aware))
            for a, n, need, aware, used in BIG
        ],
        [("510000", 2000, 1000, 800, 600), ("440000", 2000, 1000, 750, 500)],  # tied gaps
    ],
    ids=["normal", "reversed", "tied"],
)
def test_dominance_counts_units_whose_gap_is_clearly_larger(units):
    frame = frame_of(units)
    f = findings(frame).get("dominance")
    awareness = conversion = 0
    for r in frame.iter_rows(named=True):
        _, low, high = diff_ci(r["respondents"], r["need"] - r["aware"], r["aware"] - r["used"])
        awareness += low > 0
        conversion += high < 0
    assert (f.facts.total, f.facts.awareness_n, f.facts.conversion_n) == (frame.height, awareness, conversion)
    assert f.facts.unclear_n == frame.height - awareness - conversion
    if awareness == conversion == 0:
        assert f.key == "demand.finding_dominance_none"


# ---------------------------------------------------------------------------------------------------------------
# Top priority
# ---------------------------------------------------------------------------------------------------------------
def test_priority_follows_the_score_and_the_clear_gap():
    frame = frame_of(BIG)
    f = findings(frame)["priority"]
    scores = {
        r["adcode"]: (r["need"] - r["used"]) / r["respondents"] * r["entities"] for r in frame.iter_rows(named=True)
    }
    top = max(scores, key=scores.get)
    r = frame.filter(pl.col("adcode") == top).row(0, named=True)
    _, low, high = diff_ci(r["respondents"], r["need"] - r["aware"], r["aware"] - r["used"])
    assert f.facts.adcode == top and f.facts.score == pytest.approx(scores[top])
    assert f.facts.larger == ("awareness" if low > 0 else "conversion" if high < 0 else None)
    assert f.facts.tied_with == 0


def test_priority_tie_and_unclear_gap_are_neutral():
    frame = frame_of([("510000", 1000, 600, 400, 200), ("440000", 1000, 600, 400, 200)])
    f = findings(frame)["priority"]
    assert f.facts.tied_with == 1 and "share the top score" in f.text
    assert f.facts.larger is None and f.facts.action is None and "neither clearly dominates" in f.text
    assert "Dominant gap" not in f.text


def test_priority_without_a_shortfall_is_left_out():
    frame = frame_of([(a, n, need, need, need) for a, n, need, _, _ in BIG])
    assert "priority" not in findings(frame)


def test_flags_count_small_and_hidden_units():
    frame = frame_of([*BIG, ("520000", 20, 10, 5, 2), ("530000", 5, 4, 3, 2)])
    f = findings(frame)["flags"]
    small = frame.filter((pl.col("respondents") >= 10) & (pl.col("respondents") < 30)).height
    assert f.facts.small <= small and f.facts.hidden >= 2  # 云南 (5) and, to protect it, the next smallest
    assert f.facts.small + f.facts.hidden == 2


# ---------------------------------------------------------------------------------------------------------------
# The catalog: every finding key exists in both languages, numbers carry one sign
# ---------------------------------------------------------------------------------------------------------------
def test_finding_keys_exist_and_numbers_are_signed_once():
    keys = {k for k in catalog() if k.startswith("demand.finding_")}
    cases = [
        BIG,
        [("510000", 3000, 2000, 1900, 700)],
        [("510000", 60, 40, 28, 18)],
        [("510000", 500, 300, 200, 100), ("440000", 1000, 600, 400, 200)],
    ]
    seen = set()
    for units in cases:
        for lang in ("zh", "en"):
            for f in dp.demand_findings(frame_of(units), lang):
                assert f.key in keys
                assert not re.search(r"\+-|-\+|\+\+", f.text)
                seen.add(f.key)
    assert {"demand.finding_split_conversion", "demand.finding_split_unclear", "demand.finding_largest_tie"} <= seen


# ---------------------------------------------------------------------------------------------------------------
# Any data: the page renders and says what it cannot show
# ---------------------------------------------------------------------------------------------------------------
def view_of(frame: pl.DataFrame, lang: str = "en", level: str | None = None):
    data = dp.prepare(frame)
    levels = du.levels_present(data)
    year = int(data["year"].max())
    sel = du.Selection(year, du.ALL, level or levels[0])
    grid = du.protection(data, year)
    rows = du.units(data, sel, grid=grid)
    view = dp.present(data, sel, rows, grid, lang, dropped_rows=du.incomplete_rows(frame))
    focus = [dp.region_focus(data, view, r, lang) for r in view.region_options]
    return data, view, focus


def test_partial_coverage_and_one_year():
    _data, view, focus = view_of(frame_of(BIG))
    assert view.tables.units.height == 3 and len(focus) == 3
    assert 3 <= len(view.findings) <= 6


def test_nulls_are_left_out_and_said():
    frame = frame_of(BIG).with_columns(
        pl.when(pl.col("adcode") == "330000").then(None).otherwise(pl.col("need")).alias("need"),
        pl.when(pl.col("adcode") == "440000").then(None).otherwise(pl.col("reason_other")).alias("reason_other"),
    )
    data, view, _ = view_of(frame)
    assert "330000" not in data["adcode"].to_list()
    assert any("1 rows lack" in n for n in view.notes)


def test_free_text_labels_and_two_scripts():
    frame = pl.concat(
        [
            frame_of(BIG, category="税务"),
            frame_of(BIG, category="Tax"),
            frame_of(BIG, category="**[点我](http://evil)** <img src=x>"),
        ]
    )
    data, _view, _ = view_of(frame, lang="zh")
    categories = du.categories_present(data)
    assert categories[:2] == ["all", "tax"] and len(categories) == 3  # 税务 and Tax are one category
    free = categories[2]
    assert dp.category_name(free, "en") == "**[点我](http://evil)** <img src=x>"  # shown with its own text
    sel = du.Selection(YEAR, free)
    rows = du.units(data, sel, grid=du.protection(data, YEAR))
    one = dp.present(data, sel, rows, du.protection(data, YEAR), "en")
    assert any(free in s for s in one.findings)
    merged = du.units(data, du.Selection(YEAR, "tax"))
    assert merged.filter(pl.col("adcode") == "510000")["respondents"][0] == 4000  # both scripts summed


def test_region_not_on_the_map_and_no_reasons():
    frame = pl.concat([frame_of(BIG), frame_of([("660000", 300, 200, 150, 100), ("999999", 300, 200, 150, 100)])])
    frame = frame.with_columns(pl.col(c) * 0 for c in du.REASON_COLUMNS)  # non-users who gave no reason
    _data, view, focus = view_of(frame)
    assert "999999" in view.tables.units["Code"].to_list()
    assert any("999999" in n for n in view.notes)  # not on the map, said so
    assert all(f.reasons_none for f in focus)


def test_weighted_upload_renders():
    frame = frame_of(BIG).with_columns(
        *(pl.col(c) * 1.37 for c in ("respondents", "need", "aware", "used", "completed", "satisfied")),
        pl.col("respondents").alias("unweighted_n"),
    )
    _data, view, focus = view_of(frame)
    assert view.tables.units["Respondents"].null_count() == 0 and focus


def test_demand_findings_defaults_and_empty():
    frame = pl.concat([frame_of(BIG, year=2023), frame_of(BIG)])
    found = dp.demand_findings(frame, "zh")
    assert found and found[0].text.startswith("2024 年所选 3 个地区")  # three provinces are not the nation
    assert found[0].text.endswith("这不是全国数字。") and not found[0].facts.national
    assert dp.demand_findings(frame, "en", year=2023)[0].text.startswith("2023, the 3 units shown")
    assert dp.demand_findings(frame.clear(), "en") == []
    assert all(isinstance(f.facts_dict(), dict) for f in found)
