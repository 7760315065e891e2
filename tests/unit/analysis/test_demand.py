from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.analysis.demand import funnel, priorities, reasons, shortfall
from digigov.analysis.proportions import wilson_interval
from digigov.codes import REASONS
from digigov.ingest.demand_records import aggregate_raw_answers
from digigov.ingest.labels import UnknownLabelError
from tests.factories import demand_row, with_province_totals


def survey() -> pl.DataFrame:
    cities = [
        # 杭州: small awareness gap, large conversion gap
        demand_row("330100", "prefecture", 2024, "tax", 50_000, 200, 160, 150, 100, 90, 80, guidance=30, answer=10),
        # 宁波: large awareness gap
        demand_row("330200", "prefecture", 2024, "tax", 20_000, 100, 80, 40, 35, 30, 20, face=3),
        demand_row("330100", "prefecture", 2024, "permits", 10_000, 200, 60, 50, 45, 45, 40, tech=5),
        demand_row("330100", "prefecture", 2023, "tax", 48_000, 180, 150, 130, 80, 70, 60, guidance=40),
    ]
    # The province row is the exact sum of its cities, as in demand_funnel.csv.
    return with_province_totals(cities).sort("adcode", "year", "service_category")


def test_funnel_rates_and_intervals():
    out = funnel(survey(), year=2024, level="prefecture", by=("adcode",))
    hz = out.filter(pl.col("adcode") == "330100").row(0, named=True)
    assert (hz["respondents"], hz["need"], hz["aware"], hz["used"]) == (400, 220, 200, 145)
    assert hz["entities"] == 60_000
    assert hz["potential_rate"] == pytest.approx(220 / 400)
    assert hz["aware_rate"] == pytest.approx(200 / 400)
    assert hz["actual_rate"] == pytest.approx(145 / 400)
    assert hz["completion_rate"] == pytest.approx(135 / 400)
    assert hz["satisfaction_rate"] == pytest.approx(120 / 135)  # over those who completed
    assert (hz["satisfaction_low"], hz["satisfaction_high"]) == pytest.approx(wilson_interval(120, 135))
    assert (hz["potential_low"], hz["potential_high"]) == pytest.approx(wilson_interval(220, 400))
    assert hz["small_sample"] is False


def test_funnel_auto_level_does_not_double_count():
    national = funnel(survey(), by=("year",))
    assert national["respondents"].to_list() == [180, 500]  # province rows only
    assert funnel(survey(), by=("year",), level=None)["respondents"].to_list() == [360, 1000]
    per_unit = funnel(survey(), by=("adcode", "year"))
    assert per_unit.height == 5  # both levels, kept apart: 330000 ×2, 330100 ×2, 330200
    lazy = funnel(survey().lazy(), by=("year",))
    assert isinstance(lazy, pl.LazyFrame) and lazy.collect().equals(national)


def test_shortfall_split_and_dominant_gap():
    out = shortfall(funnel(survey(), year=2024, level="prefecture", by=("adcode", "service_category")))
    rows = {(r["adcode"], r["service_category"]): r for r in out.iter_rows(named=True)}
    hz = rows[("330100", "tax")]
    assert (hz["non_users"], hz["unaware"], hz["aware_non_users"]) == (60, 10, 50)
    assert hz["shortfall"] == pytest.approx(60 / 200)
    assert hz["awareness_gap"] == pytest.approx(10 / 200) and hz["conversion_gap"] == pytest.approx(50 / 200)
    assert hz["shortfall"] == pytest.approx(hz["potential_rate"] - hz["actual_rate"])
    assert hz["dominant_gap"] == "conversion"
    assert rows[("330200", "tax")]["dominant_gap"] == "awareness"
    assert (hz["shortfall_low"], hz["shortfall_high"]) == pytest.approx(wilson_interval(60, 200))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**6),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_shortfall_equals_awareness_plus_conversion_exactly(values):
    rows = []
    for a, b, c, d, e in values:
        respondents, need, aware, used = sorted((a, b, c, d), reverse=True)
        respondents = max(respondents, 1)
        rows.append({"respondents": respondents, "need": need, "aware": aware, "used": used, "extra": e})
    out = shortfall(pl.DataFrame(rows))
    for r in out.iter_rows(named=True):
        assert r["non_users"] == r["unaware"] + r["aware_non_users"]  # exact, integers
        n = r["respondents"]
        assert Fraction(r["non_users"], n) == Fraction(r["unaware"], n) + Fraction(r["aware_non_users"], n)
        assert Fraction(r["need"] - r["used"], n) == Fraction(r["need"], n) - Fraction(r["used"], n)
        # the float columns are those counts divided once: within one rounding of the exact fractions
        assert r["shortfall"] == float(Fraction(r["non_users"], n))
        assert r["awareness_gap"] + r["conversion_gap"] == pytest.approx(r["shortfall"], rel=1e-15, abs=1e-300)
        if r["non_users"] == 0:
            assert r["dominant_gap"] is None
        else:
            expected = "awareness" if r["unaware"] >= r["aware_non_users"] else "conversion"
            assert r["dominant_gap"] == expected


def test_reasons_long_format_sums_to_one():
    out = reasons(survey(), by=("adcode", "year"), year=2024)
    assert out.columns == [
        "adcode",
        "year",
        "reason",
        "gap",
        "count",
        "records",
        "non_users",
        "share",
        "share_low",
        "share_high",
    ]
    assert out["records"].to_list() == out["count"].cast(pl.Float64).to_list()  # unweighted: records are counts
    for (_adcode,), group in out.group_by("adcode"):
        assert group["reason"].to_list() == list(REASONS)
        assert group["share"].sum() == pytest.approx(1.0)
    hz = out.filter(pl.col("adcode") == "330100")
    assert hz.filter(pl.col("reason") == "unaware")["count"][0] == 20
    assert hz.filter(pl.col("reason") == "no_guidance")["share"][0] == pytest.approx(30 / 75)
    assert set(hz.filter(pl.col("reason") != "unaware")["gap"]) == {"conversion"}


def test_priorities_rank_by_shortfall_times_entities():
    out = priorities(survey())  # latest year, prefecture rows
    assert out["year"].unique().to_list() == [2024]
    keys = list(zip(out["adcode"], out["service_category"], strict=True))
    # 杭州 tax: 0.30 × 50 000 = 15 000; 宁波 tax: 0.45 × 20 000 = 9 000; 杭州 permits: 0.075 × 10 000 = 750
    assert keys == [("330100", "tax"), ("330200", "tax"), ("330100", "permits")]
    assert out["rank"].to_list() == [1, 2, 3]
    assert out["priority_score"].to_list() == pytest.approx([15_000, 9_000, 750])
    # 杭州 tax: 10 unaware vs 50 aware non-users; 宁波: 40 vs 5; 杭州 permits: 10 vs 5
    assert out["dominant_gap"].to_list() == ["conversion", "awareness", "awareness"]
    assert out["action"].to_list() == ["fix_guidance", "publicise", "publicise"]
    assert out["top_reason"].to_list() == ["no_guidance", "prefers_face", "tech_failure"]
    by_rate = priorities(survey(), weight=None)
    assert by_rate["adcode"].to_list()[0] == "330200"  # highest shortfall rate when entities do not count
    provinces = priorities(survey(), level="province", year=2023)
    assert provinces["adcode"].to_list() == ["330000"]


# -- raw answers ---------------------------------------------------------------------------------------------------
def answers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "地区": ["杭州", "Hangzhou", "330100", "杭州市", "杭州", "宁波", "宁波", "宁波", "宁波", "宁波"],
            "需要": ["是", "yes", "1", "是", "否", "是", "true", "√", "是", "是"],
            "知道": ["是", "yes", "0", "是", None, "否", "true", "×", "是", "是"],
            "使用": ["是", "no", "0", "是", None, "是", "false", "否", "否", None],
            "办结": ["是", None, None, "否", None, None, None, None, None, None],
            "原因": [None, "缺少指引", "不知道可网办", None, None, None, "系统故障", "偏好面对面", "", None],
        }
    )


def test_aggregate_raw_answers_counts_and_report():
    result = aggregate_raw_answers(answers(), "地区", "需要", "知道", "使用", completed_col="办结", reason_col="原因")
    out = result.counts
    assert out.columns == [
        "adcode",
        "respondents",
        "need",
        "aware",
        "used",
        "completed",
        "reason_unaware",
        "reason_no_guidance",
        "reason_no_answer",
        "reason_prefers_face",
        "reason_tech_failure",
        "reason_other",
    ]
    hz = out.filter(pl.col("adcode") == "330100").row(0, named=True)
    # rows 1-5: need yes ×4; aware yes rows 1,2,4; used yes rows 1,4; completed yes row 1
    assert (hz["respondents"], hz["need"], hz["aware"], hz["used"], hz["completed"]) == (5, 4, 3, 2, 1)
    assert hz["reason_unaware"] == 1 and hz["reason_no_guidance"] == 1
    nb = out.filter(pl.col("adcode") == "330200").row(0, named=True)
    # 宁波: row 6 used without aware -> not aware, not used (unaware); row 7 tech failure;
    # row 8 unaware but answered "prefers face" -> unaware; row 9 aware, blank reason -> other;
    # row 10 aware, used blank -> not used, no reason -> other
    assert (nb["respondents"], nb["need"], nb["aware"], nb["used"]) == (5, 5, 3, 0)
    assert nb["reason_unaware"] == 2 and nb["reason_tech_failure"] == 1 and nb["reason_other"] == 2
    reasons_total = sum(nb[c] for c in out.columns if c.startswith("reason_"))
    assert reasons_total == nb["need"] - nb["used"]

    report = result.report
    assert report.rows == 10 and report.respondents == 10 and not report.ok
    assert report.issues["used_without_aware"] == 1  # 宁波 row 6
    assert report.issues["aware_without_need"] == 0
    assert report.issues["missing_answer"] == 1  # row 10: aware, then "used" left blank
    assert report.issues["missing_reason"] == 2  # rows 9 and 10
    assert report.issues["reason_conflict"] == 1  # row 8
    assert report.issues["reason_from_user"] == 0


def test_aggregate_raw_answers_consistent_file_reports_ok_and_lazy_matches():
    frame = pl.DataFrame(
        {
            "region": ["330100"] * 4 + ["440100"] * 2,
            "year": [2024] * 6,
            "cat": ["税务", "tax", "tax", "社保", "tax", "tax"],
            "need": [1, 1, 1, 0, 1, 1],
            "aware": [1, 1, 0, 0, 1, 1],
            "used": [1, 0, 0, 0, 1, 1],
            "why": [None, "no answer", "unaware", None, None, None],
        }
    )
    args = ("region", "need", "aware", "used")
    kwargs = {"reason_col": "why", "period_col": "year", "category_col": "cat", "resolve_regions": False}
    eager = aggregate_raw_answers(frame, *args, **kwargs)
    lazy = aggregate_raw_answers(frame.lazy(), *args, **kwargs)
    assert eager.report.ok and eager.report == lazy.report
    assert lazy.counts.equals(eager.counts)
    assert eager.counts.select(
        "adcode",
        "year",
        "service_category",
        "respondents",
        "need",
        "aware",
        "used",
        "reason_unaware",
        "reason_no_answer",
    ).rows() == [
        ("330100", 2024, "social_insurance", 1, 0, 0, 0, 0, 0),
        ("330100", 2024, "tax", 3, 3, 2, 1, 1, 1),
        ("440100", 2024, "tax", 2, 2, 2, 2, 0, 0),
    ]
    # and it feeds the funnel
    assert funnel(eager.counts, by=("adcode",))["actual_rate"].to_list() == pytest.approx([1 / 4, 1.0])


def test_aggregate_raw_answers_unknown_labels_raise():
    frame = answers().with_columns(
        pl.Series("知道", ["是", "maybe", "否", "maybe", None, "否", "是", "否", "是", "是"])
    )
    with pytest.raises(UnknownLabelError) as info:
        aggregate_raw_answers(frame, "地区", "需要", "知道", "使用")
    assert info.value.unknown == {"maybe": 2}
    frame = answers().with_columns(pl.Series("原因", ["太贵"] + [None] * 9))
    with pytest.raises(UnknownLabelError, match="太贵"):
        aggregate_raw_answers(frame, "地区", "需要", "知道", "使用", reason_col="原因")
    with pytest.raises(ValueError, match="completed_col"):
        aggregate_raw_answers(answers(), "地区", "需要", "知道", "使用", satisfied_col="办结")
