"""Service-transaction logs (one row per 办件, no preference question) are a fourth raw shape (issue 19): detected,
aggregated per region and year into channel counts, completion and satisfaction, and stored as city_transactions
with the share actually handled at counters, never as a stated preference."""

from __future__ import annotations

import polars as pl
import pytest

from digigov.ingest import read_upload
from digigov.ingest.channel_records import aggregate_transactions
from digigov.ingest.labels import UnknownLabelError, parse_completed, parse_satisfied
from digigov.presenters.channels import handling_view
from digigov.sources import KIND_COLUMNS, matching_kinds
from digigov.upload_kinds import saveable_kinds
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"
GUANGDONG = "transactions_guangdong_gb18030.csv"
RATED = "transactions_zhejiang_jiangsu_rating_utf8bom.csv"
COUNTS = ["adcode", "year", "records", "web", "mobile_app", "self_service_terminal", "counter"]
OUTCOMES = ["completed", "rated", "satisfied"]


def read(name: str):
    return read_upload(name, (REAL / name).read_bytes())


def rows(frame: pl.DataFrame, columns: list[str]) -> list[tuple]:
    return frame.sort("adcode", "year").select(columns).rows()


def test_gb18030_export_with_a_title_row_is_a_transaction_log():
    result = read(GUANGDONG)
    assert result.shape == "raw_transactions"
    assert result.shape_result is not None
    assert result.shape_result.channel == "办理渠道"
    assert result.shape_result.answers == {"completed": "办理状态", "satisfied": "满意度"}
    codes = [i.code for i in result.report.issues]
    assert "title_rows_skipped" in codes and "transaction_log" in codes
    assert result.ok, [i.message_zh for i in result.report.errors]
    note = next(i for i in result.report.issues if i.code == "transaction_log")
    assert "实际在窗口办理的占比" in note.message_zh and "偏好线下" in note.message_zh  # "not a stated preference"


def test_gb18030_export_counts_by_hand():
    # 广州 2023: 网上办理, 窗口, App, 窗口, 自助终端; 已办结 ×4, 未办结; 满意, 基本满意, 不满意, 满意, (unrated)
    # 深圳 2023: 小程序, 网站, 大厅; 已办结 ×2, 办理中; 满意, 满意, 不满意
    # 广州 2024: 网上办理, 窗口; 已办结 ×2; 满意, 不满意
    counts = read(GUANGDONG).aggregated
    assert counts is not None
    assert rows(counts, COUNTS + OUTCOMES) == [
        ("440100", 2023, 5, 1, 1, 1, 2, 4, 4, 3),
        ("440100", 2024, 2, 1, 0, 0, 1, 2, 2, 1),
        ("440300", 2023, 3, 1, 1, 0, 1, 2, 3, 2),
    ]
    assert rows(counts, ["handled_at_counter"]) == [(pytest.approx(2 / 5),), (0.5,), (pytest.approx(1 / 3),)]


def test_utf8_bom_log_with_scores_of_one_to_five_counts_by_hand():
    # 浙江 2023: 网上 ×2, 窗口 ×2, 自助终端, App; 是 ×4; scores 5,4,3,2,5,1 → 6 rated, 4 of 3 or more
    # 江苏 2023: 窗口 ×2, 网上, 小程序; 是 ×3; scores 4,5,(none),3 → 3 rated, 3 satisfied
    result = read(RATED)
    assert result.shape == "raw_transactions" and result.ok
    assert result.shape_result is not None and result.shape_result.answers == {
        "completed": "是否办结",
        "satisfied": "评价",
    }
    assert result.aggregated is not None
    assert rows(result.aggregated, COUNTS + OUTCOMES + ["handled_at_counter"]) == [
        ("320000", 2023, 4, 1, 1, 0, 2, 3, 3, 3, 0.5),
        ("330000", 2023, 6, 2, 1, 1, 2, 4, 6, 4, pytest.approx(2 / 6)),
    ]


@pytest.mark.parametrize("name", [GUANGDONG, RATED])
def test_a_log_is_saveable_as_city_transactions_only(name):
    result = read(name)
    kinds = saveable_kinds(result)
    assert list(kinds) == ["city_transactions"]  # never city_channels: there is no stated preference
    assert set(KIND_COLUMNS["city_transactions"]) <= set(kinds["city_transactions"].columns)
    assert "prefers_offline" not in kinds["city_transactions"].columns
    assert matching_kinds(kinds["city_transactions"].columns) == ["city_transactions"]
    assert not any(i.code == "kind_columns_missing" for i in result.report.issues)


def test_a_survey_with_a_preference_question_stays_raw_channels():
    text = "受访者编号,城市,年份,主要办理渠道,是否偏好线下\nR1,广州市,2023,网站,否\nR2,广州市,2023,窗口,是\n"
    result = read_upload("survey.csv", text.encode("utf-8"))
    assert result.shape == "raw_channels"


def test_unknown_status_and_rating_name_row_column_and_value():
    text = (
        "办件编号,城市,年份,办理渠道,办理状态,满意度\nB1,广州市,2023,窗口,已办结,满意\nB2,广州市,2023,网站,搁置,很好\n"
    )
    result = read_upload("log.csv", text.encode("utf-8"))
    assert result.shape == "raw_transactions" and not result.ok
    errors = {i.code: i for i in result.report.errors}
    assert set(errors) == {"transaction_unknown_status", "transaction_unknown_rating"}
    status, rating = errors["transaction_unknown_status"], errors["transaction_unknown_rating"]
    assert (status.row, status.column, status.value) == (3, "办理状态", "搁置")
    assert (rating.row, rating.column, rating.value) == (3, "满意度", "很好")
    assert "第 3 行“满意度”列的评价“很好”无法识别" in rating.message_zh
    assert 'Row 3, column "办理状态"' in status.message_en


def test_unknown_channel_in_a_log_names_the_channels_to_use():
    text = "办件编号,城市,年份,办理渠道,是否办结\nB1,广州市,2023,邮寄,是\nB2,广州市,2023,窗口,是\n"
    result = read_upload("log.csv", text.encode("utf-8"))
    error = next(i for i in result.report.errors)
    assert (error.code, error.row, error.column, error.value) == ("transaction_unknown_channel", 2, "办理渠道", "邮寄")
    assert "窗口/大厅" in error.message_zh


def test_aggregate_transactions_directly_without_outcome_columns():
    records = pl.DataFrame(
        {"地区": ["浙江", "浙江省", "江苏"], "年份": ["2023"] * 3, "渠道": ["网办", "窗口", "掌上办理"]}
    )
    out = aggregate_transactions(records, "地区", "渠道", period_col="年份")
    assert out.select(*COUNTS, *OUTCOMES).rows() == [
        ("320000", 2023, 1, 0, 1, 0, 0, None, None, None),
        ("330000", 2023, 2, 1, 0, 0, 1, None, None, None),
    ]
    assert out["handled_at_counter"].to_list() == [0.0, 0.5]


def test_aggregate_transactions_raises_on_unknown_labels():
    records = pl.DataFrame({"地区": ["浙江"], "渠道": ["窗口"], "评价": ["还行"]})
    with pytest.raises(UnknownLabelError):
        aggregate_transactions(records, "地区", "渠道", satisfied_col="评价")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("已办结", True), ("办结", True), ("是", True), ("未办结", False), ("办理中", False), ("否", False), ("?", None)],
)
def test_parse_completed(value, expected):
    assert parse_completed(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("非常满意", True),
        ("基本满意", True),
        ("不满意", False),
        ("非常不满意", False),
        ("好评", True),
        ("差评", False),
        ("5", True),
        ("3", True),
        ("2", False),
        ("1", False),
        ("4.0", True),
        ("6", None),
        ("0", None),
    ],
)
def test_parse_satisfied(value, expected):
    assert parse_satisfied(value) is expected


def test_handling_view_says_actual_handling_and_never_preference():
    counts = read(GUANGDONG).aggregated
    assert counts is not None
    zh, en = handling_view(counts, "zh"), handling_view(counts, "en")
    assert "实际在窗口办理的占比（%）" in zh.table.columns
    assert zh.table.row(0, named=True)["实际在窗口办理的占比（%）"] == 50.0  # 广州 2024 first (latest year)
    assert zh.table["满意率（%，有评价的办件）"].to_list() == [50.0, 75.0, 66.7]
    assert zh.table["地区"].to_list() == ["广州（广东）", "广州（广东）", "深圳（广东）"]
    assert zh.finding == "2024 年 1 个地区共 2 件办件，实际在窗口办理的占比为 50.0%。"
    for text in (zh.finding, zh.caption, *zh.table.columns):
        assert "偏好线下" not in text
    assert "actually handled at counters" in en.finding
