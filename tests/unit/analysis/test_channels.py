import numpy as np
import polars as pl
import pytest

from digigov.analysis.channels import (
    breakdown,
    channel_shares,
    findings_numbers,
    province_rollup,
    relation_to_index,
    trend,
    with_region_columns,
)
from digigov.analysis.proportions import wilson_interval
from digigov.analysis.shares import spread
from digigov.codes import CHANNELS
from digigov.ingest.channel_records import aggregate_raw_records
from digigov.ingest.labels import CHANNEL_LABELS, UnknownLabelError, map_label, parse_yes_no

COUNTS = ["respondents", *CHANNELS, "prefers_offline"]


def cell(adcode, year, entity, category, web, app, term, counter, offline):
    return {
        "adcode": adcode,
        "year": year,
        "entity_type": entity,
        "service_category": category,
        "respondents": web + app + term + counter,
        "web": web,
        "mobile_app": app,
        "self_service_terminal": term,
        "counter": counter,
        "prefers_offline": offline,
    }


def survey() -> pl.DataFrame:
    # 杭州 330100, 宁波 330200 (浙江, east), 广州 440100 (广东, east), 成都 510100 (四川, west), 兵团 660000 (west)
    return pl.DataFrame(
        [
            cell("330100", 2024, "enterprise", "tax", 40, 30, 10, 20, 15),
            cell("330100", 2024, "individual", "tax", 10, 50, 5, 35, 30),
            cell("330100", 2023, "enterprise", "tax", 30, 30, 10, 30, 25),
            cell("330200", 2024, "enterprise", "permits", 20, 20, 5, 15, 20),
            cell("440100", 2024, "individual", "permits", 25, 25, 10, 40, 45),
            cell("510100", 2024, "enterprise", "tax", 5, 5, 2, 8, 9),
            cell("660000", 2024, "individual", "tax", 30, 40, 10, 20, 40),
        ]
    )


# -- channel_shares ------------------------------------------------------------------------------------------------
def test_channel_shares_sums_and_shares_with_wilson():
    out = channel_shares(survey(), year=2024)
    hz = out.filter(pl.col("adcode") == "330100").row(0, named=True)
    assert hz["respondents"] == 200 and hz["web"] == 50 and hz["counter"] == 55 and hz["prefers_offline"] == 45
    assert hz["offline_share"] == pytest.approx(45 / 200)
    assert (hz["offline_low"], hz["offline_high"]) == pytest.approx(wilson_interval(45, 200))
    assert hz["mobile_app_share"] == pytest.approx(80 / 200)
    assert sum(hz[f"{c}_share"] for c in CHANNELS) == pytest.approx(1.0)
    cd = out.filter(pl.col("adcode") == "510100").row(0, named=True)
    assert cd["respondents"] == 20 and cd["small_sample"] is True
    assert out["adcode"].to_list() == ["330100", "330200", "440100", "510100", "660000"]


def test_channel_shares_filters_totals_and_lazy():
    frame = survey()
    only = channel_shares(frame, by=("entity_type",), year=[2024], service_categories=["tax"])
    assert only["entity_type"].to_list() == ["enterprise", "individual"]
    assert only["respondents"].to_list() == [100 + 20, 100 + 100]
    total = channel_shares(frame, by=())
    assert total.height == 1 and total["respondents"][0] == frame["respondents"].sum()
    lazy = channel_shares(frame.lazy(), entity_types=["enterprise"])
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(channel_shares(frame, entity_types=["enterprise"]))


def test_province_rollup_uses_gazetteer_parent_and_keeps_corps():
    out = province_rollup(survey(), year=2024)
    assert out["adcode"].to_list() == ["330000", "440000", "510000", "660000"]
    zj = out.filter(pl.col("adcode") == "330000").row(0, named=True)
    assert zj["respondents"] == 200 + 60 and zj["prefers_offline"] == 45 + 20
    assert zj["offline_share"] == pytest.approx(65 / 260)
    assert set(out.columns) == set(channel_shares(survey(), year=2024).columns)


def test_with_region_columns_falls_back_to_code_structure():
    frame = pl.DataFrame({"adcode": ["330100", "660000", "330199", "110000"]})
    out = with_region_columns(frame)
    assert out["province"].to_list() == ["330000", "660000", "330000", "110000"]
    assert out["macro_region"].to_list() == ["east", "west", "east", "east"]


def test_breakdown_by_entity_type_national_and_for_a_region():
    out = breakdown(survey(), "entity_type", year=2024)
    assert out["entity_type"].to_list() == ["enterprise", "individual"]  # code-list order
    assert out["respondents"].to_list() == [100 + 60 + 20, 100 + 100 + 100]
    west = breakdown(survey(), "entity_type", region="west", year=2024)
    assert west["respondents"].to_list() == [20, 100]
    zj = breakdown(survey(), "service_category", region="330000")
    assert zj.select("year", "service_category", "respondents").rows() == [
        (2023, "tax", 100),
        (2024, "tax", 200),
        (2024, "permits", 60),
    ]


def test_trend_national_and_macro_regions():
    out = trend(survey())
    nat = out.filter(pl.col("scope") == "national")
    assert nat["year"].to_list() == [2023, 2024]
    assert nat["prefers_offline"].to_list() == [25, 15 + 30 + 20 + 45 + 9 + 40]
    assert out["scope"].unique(maintain_order=True).to_list() == ["national", "east", "west"]
    west = out.filter(pl.col("scope") == "west", pl.col("year") == 2024).row(0, named=True)
    assert west["offline_share"] == pytest.approx((9 + 40) / (20 + 100))


# -- raw records ---------------------------------------------------------------------------------------------------
def raw() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "城市": ["杭州", "杭州市", "Hangzhou", "330100", "宁波", "宁波", "宁波", "杭州"],
            "年份": ["2024", "2024", "2024", "2024", "2024", "2024", "2024", "2023"],
            "渠道": ["网站", "App", "小程序", "窗口", "web/PC", "自助终端", "柜台", "Mobile App"],
            "偏好线下": ["否", "no", "0", "是", "False", "yes", "√", "1"],
            "权重": [1.0, 2.0, 1.0, 3.0, 1.5, 1.0, 0.5, 2.0],
            "主体": ["企业", "enterprise", "企业", "个体工商户", "企业", "个人", "个人", "企业"],
        }
    )


def test_aggregate_raw_records_maps_mixed_labels():
    out = aggregate_raw_records(raw(), "城市", "渠道", offline_col="偏好线下", period_col="年份")
    assert out.columns == ["adcode", "year", *COUNTS]
    assert out.schema["year"] == pl.Int64
    assert out.rows() == [
        ("330100", 2023, 1, 0, 1, 0, 0, 1),
        ("330100", 2024, 4, 1, 2, 0, 1, 1),
        ("330200", 2024, 3, 1, 0, 1, 1, 2),
    ]


def test_aggregate_raw_records_entity_labels_and_weights():
    out = aggregate_raw_records(
        raw(), "城市", "渠道", "偏好线下", weight_col="权重", period_col="年份", entity_col="主体"
    )
    row = out.filter(pl.col("adcode") == "330100", pl.col("year") == 2024, pl.col("entity_type") == "enterprise")
    r = row.row(0, named=True)
    assert r["respondents"] == pytest.approx(4.0) and r["web"] == pytest.approx(1.0)
    assert r["mobile_app"] == pytest.approx(3.0) and r["prefers_offline"] == 0
    assert r["unweighted_n"] == 3 and r["sum_weight_sq"] == pytest.approx(1 + 4 + 1)
    assert set(out["entity_type"]) == {"enterprise", "individual_business", "individual"}
    shares = channel_shares(out, by=("adcode",), year=2024).filter(pl.col("adcode") == "330100").row(0, named=True)
    # weighted share 3/7 offline; interval from Kish effective n = 7² / (1+4+1+9)
    assert shares["offline_share"] == pytest.approx(3 / 7)
    assert shares["effective_n"] == pytest.approx(49 / 15)
    assert shares["small_sample"] is True  # 4 records


def test_aggregate_raw_records_lazy_equals_eager():
    kwargs = {"offline_col": "偏好线下", "weight_col": "权重", "period_col": "年份", "entity_col": "主体"}
    eager = aggregate_raw_records(raw(), "城市", "渠道", **kwargs)
    lazy = aggregate_raw_records(raw().lazy(), "城市", "渠道", **kwargs)
    assert isinstance(lazy, pl.DataFrame)
    assert lazy.equals(eager)


def test_unknown_channel_labels_are_listed_with_counts():
    frame = raw().with_columns(pl.Series("渠道", ["传真", "传真", "网站", "邮寄", "App", None, "窗口", "窗口"]))
    with pytest.raises(UnknownLabelError) as info:
        aggregate_raw_records(frame, "城市", "渠道")
    assert info.value.unknown == {"传真": 2, "邮寄": 1, None: 1}
    assert "'传真' (2 rows)" in str(info.value) and "(missing) (1 rows)" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_offline_answers_and_regions_raise():
    frame = raw().with_columns(pl.Series("偏好线下", ["否", "maybe", "0", "是", "no", "yes", "1", "0"]))
    with pytest.raises(UnknownLabelError, match="maybe"):
        aggregate_raw_records(frame, "城市", "渠道", offline_col="偏好线下")
    frame = raw().with_columns(pl.Series("城市", ["杭州", "Atlantis", "杭州", "杭州", "杭州", "杭州", "杭州", "杭州"]))
    with pytest.raises(UnknownLabelError, match="Atlantis"):
        aggregate_raw_records(frame, "城市", "渠道")
    with pytest.raises(ValueError, match="columns not found"):
        aggregate_raw_records(raw(), "城市", "channel")


def test_negative_or_missing_weights_raise():
    frame = raw().with_columns(pl.Series("权重", [1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="negative"):
        aggregate_raw_records(frame, "城市", "渠道", weight_col="权重")
    frame = raw().with_columns(pl.Series("权重", ["1", "x", "1", "1", "1", "1", "1", None]))
    with pytest.raises(ValueError, match="2 rows have a missing or non-numeric weight"):
        aggregate_raw_records(frame, "城市", "渠道", weight_col="权重")


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("网站/web/PC", "web"),
        ("App/小程序/mobile", "mobile_app"),
        ("自助终端/terminal", "self_service_terminal"),
        ("窗口/柜台/counter/现场", "counter"),
        ("ＷＥＢ", "web"),
        ("Self-Service Terminal", "self_service_terminal"),
        ("web/counter", None),
        ("fax", None),
    ],
)
def test_map_label(label, code):
    assert map_label(label, CHANNEL_LABELS) == code


def test_parse_yes_no():
    assert [parse_yes_no(v) for v in ("是", "YES", "1", "true", "√", True)] == [True] * 6
    assert [parse_yes_no(v) for v in ("否", "No", "0", "FALSE", "×", False)] == [False] * 6
    assert parse_yes_no("maybe") is None and parse_yes_no(None) is None


# -- spread --------------------------------------------------------------------------------------------------------
def five_cities() -> pl.DataFrame:
    # 330100 has the highest share but only 20 respondents: it must not be "the highest".
    return pl.DataFrame(
        {
            "adcode": ["330100", "330200", "440100", "510100", "650100"],
            "respondents": [20, 100, 200, 150, 80],
            "offline_share": [0.60, 0.50, 0.40, 0.30, 0.20],
        }
    )


def test_spread_hand_computed_and_small_samples_excluded():
    result = spread(five_cities())
    assert result.units == 4 and result.excluded == 1 and result.excluded_ids == ("330100",)
    assert (result.max_id, result.min_id) == ("330200", "650100")
    assert result.range == pytest.approx(0.30)
    # Linear (type 7) quantiles of [0.2, 0.3, 0.4, 0.5]: position q·(n−1)
    assert result.p90 == pytest.approx(0.47)  # 2.7 -> 0.4 + 0.7·0.1
    assert result.p10 == pytest.approx(0.23)  # 0.3 -> 0.2 + 0.3·0.1
    assert result.p90_p10 == pytest.approx(0.24)
    assert (result.q1, result.median, result.q3) == pytest.approx((0.275, 0.35, 0.425))
    assert result.iqr == pytest.approx(0.15)
    assert result.quantile_method == "linear"
    everything = spread(five_cities(), min_n=0)
    assert everything.max_id == "330100" and everything.range == pytest.approx(0.40)


def test_spread_with_no_eligible_units():
    result = spread(five_cities(), min_n=10_000)
    assert result.units == 0 and result.excluded == 5 and result.range is None and result.max_id is None


# -- relation to the index -----------------------------------------------------------------------------------------
def test_relation_to_index_uses_province_index_for_cities_and_flags_outliers():
    index = pl.DataFrame(
        {
            "adcode": [f"{p}0000" for p in range(11, 21)] + ["330100"],
            "year": [2024] * 11,
            "index": [50.0, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99.0],
        }
    )
    cities = [f"{p}0100" for p in range(11, 21)]
    shares = [0.8 - 0.005 * x for x in (50, 55, 60, 65, 70, 75, 80, 85, 90, 95)]
    noise = [0.01, -0.01, 0.005, -0.005, 0.0, 0.01, -0.01, 0.005, 0.25, -0.005]  # 190100 is far off the line
    frame = pl.DataFrame(
        {
            "adcode": cities,
            "year": [2024] * 10,
            "respondents": [100] * 10,
            "offline_share": [s + e for s, e in zip(shares, noise, strict=True)],
        }
    )
    result = relation_to_index(frame, index, 2024)
    assert result.n == 10 and result.r < 0 and result.slope < 0
    assert result.outliers == ("190100",)
    assert set(result.points["index_source"]) == {"province"}
    pts = result.points
    assert pts.filter(pl.col("adcode") == "110100")["index"][0] == 50.0
    # Pearson r matches numpy
    assert result.r == pytest.approx(np.corrcoef(pts["index"], pts["value"])[0, 1])
    # a unit present in the index table uses its own index
    own = relation_to_index(frame.with_columns(pl.lit("330100").alias("adcode")).head(1).vstack(frame), index, 2024)
    assert own.points.filter(pl.col("adcode") == "330100")["index_source"][0] == "own"


# -- findings ------------------------------------------------------------------------------------------------------
def test_findings_numbers():
    frame = pl.DataFrame(
        {
            "adcode": ["A", "B", "C", "D", "E"],
            "year": [2024] * 5,
            "respondents": [1000, 40, 1000, 1000, 20],
            "prefers_offline": [600, 22, 400, 200, 2],
        }
    )
    shares = channel_shares(
        pl.DataFrame(
            {
                **frame.to_dict(),
                "web": frame["respondents"],
                "mobile_app": [0] * 5,
                "self_service_terminal": [0] * 5,
                "counter": [0] * 5,
            }
        )
    )
    f = findings_numbers(shares, year=2024, top_k=2)
    assert f.highest.id == "A" and f.lowest.id == "D"  # E (2/20) is a small sample
    assert f.spread_pp == pytest.approx(40.0)
    assert f.highest_vs_lowest_within_ci is False
    # B (22/40 = 55 %) has a wide interval that overlaps A's: it could equally be the highest.
    assert f.tied_with_highest == ("B",)
    assert f.tied_with_lowest == ()
    pairs = {(c.higher, c.lower): c for c in f.comparisons}
    assert pairs[("A", "D")].difference_pp == pytest.approx(40.0) and not pairs[("A", "D")].within_ci
    assert pairs[("B", "C")].within_ci  # 55 % of 40 vs 40 % of 1000: not distinguishable
    assert f.national_share == pytest.approx(1224 / 3060)
    assert f.spread.excluded_ids == ("E",)


def test_a_unit_tied_with_both_ends_is_named_once_in_the_findings():
    from digigov.presenters import channels as cp

    # Four provinces with overlapping intervals: the middle ones are tied with the highest and the lowest.
    frame = pl.DataFrame(
        {
            "adcode": ["330000", "510000", "520000", "440000"],
            "year": [2024] * 4,
            "entity_type": ["enterprise"] * 4,
            "service_category": ["tax"] * 4,
            "respondents": [400] * 4,
            "web": [100] * 4,
            "mobile_app": [100] * 4,
            "self_service_terminal": [100] * 4,
            "counter": [100] * 4,
            "prefers_offline": [190, 198, 202, 210],
        }
    )
    sel = cp.Selection(year=2024, entity_types=("enterprise",), categories=("tax",), level="province")
    ties = next(s for s in cp.present(frame, sel, "zh").findings if s.startswith("另有"))
    named = ties[ties.index("（如") + 2 : ties.index("）")].split("、")
    assert len(named) == len(set(named)) >= 2, ties


# -- rows that can be counted; independence of relation points -----------------------------------------------------
def test_clean_counts_leaves_out_missing_and_impossible_counts():
    from digigov.analysis.channels import clean_counts

    frame = survey().with_columns(
        pl.when(pl.col("adcode") == "330200").then(None).otherwise(pl.col("prefers_offline")).alias("prefers_offline"),
        pl.when(pl.col("adcode") == "510100").then(999).otherwise(pl.col("web")).alias("web"),
    )
    kept, dropped = clean_counts(frame)
    assert dropped == 2 and set(kept["adcode"]) == {"330100", "440100", "660000"}
    shares = channel_shares(kept, year=2024)
    assert (shares["offline_share"] <= 1).all() and shares["offline_share"].null_count() == 0


def test_relation_counts_how_many_points_share_an_index():
    index = pl.DataFrame({"adcode": ["330000", "440000", "510000"], "year": [2024] * 3, "index": [80.0, 70.0, 50.0]})
    cities = pl.DataFrame(
        {
            "adcode": ["330100", "330200", "440100", "510100"],
            "year": [2024] * 4,
            "respondents": [100] * 4,
            "offline_share": [0.2, 0.25, 0.3, 0.5],
        }
    )
    borrowed = relation_to_index(cities, index, 2024)
    assert borrowed.n == 4 and borrowed.index_units == 3 and not borrowed.independent
    provinces = cities.with_columns((pl.col("adcode").str.slice(0, 2) + "0000").alias("adcode")).unique(
        "adcode", keep="first"
    )
    own = relation_to_index(provinces, index, 2024)
    assert own.n == own.index_units == 3 and own.independent
