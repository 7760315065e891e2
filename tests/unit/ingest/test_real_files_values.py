"""Realistic files (tests/data/real/values_* and layout_*) through read_upload: numbers as written, headers by
meaning, periods as columns. Each file's expected outcome: shape, mapping, values, issues with row and column.

The files are written by tests/data/real/values_layout_make.py (NBS GBK CSV with title and notes lines, an
NBS-like .xlsx with title rows, GB18030 survey tables saved from Excel, UTF-8 with BOM).
"""

from __future__ import annotations

import math

import pytest

from digigov.ingest import read_upload
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"


def read(name: str):
    return read_upload(name, (REAL / name).read_bytes())


def issues(result, code: str) -> list[tuple[int | None, str | None, str | None]]:
    return [(i.row, i.column, i.value) for i in result.report.find(code)]


def value(result, adcode: str, year: int, column: str) -> float | None:
    rows = result.frame.filter((result.frame["adcode"] == adcode) & (result.frame["year"] == year))
    return rows[column].item() if rows.height else None


def test_the_corpus_has_at_least_eight_files_and_the_generator_is_reproducible():
    import importlib.util

    spec = importlib.util.spec_from_file_location("values_layout_make", REAL / "values_layout_make.py")
    assert spec is not None and spec.loader is not None
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    built = maker.build()
    names = sorted(p.name for p in REAL.iterdir() if p.name.startswith(("values_", "layout_")) and p.suffix != ".py")
    assert len(names) >= 8 and set(built) <= set(names)
    for name, data in built.items():
        if name.endswith(".csv"):
            assert (REAL / name).read_bytes() == data, name


@pytest.mark.parametrize("name", ["layout_nbs_broadband_provinces.csv", "layout_nbs_broadband_provinces.xlsx"])
def test_nbs_export_is_read_and_stops_at_a_specific_catalog_message(name):
    result = read(name)
    assert result.shape == "long" and result.periods is not None
    assert result.periods.columns[0] == "2022年" and len(result.periods.columns) == 10
    assert result.mapping.as_dict() == {"地区": "region", "年份": "year", "指标": "indicator", "数值": "value"}
    assert (result.title.indicator, result.title.unit, result.title.database, result.title.source) == (
        "宽带接入用户",
        "万户",
        "分省年度数据",
        "国家统计局",
    )
    assert issues(result, "periods_reshaped") == [(4, None, "2022年 … 2013年")]
    assert [i.code for i in result.report.errors] == ["title_indicator_not_in_catalog"]
    error = result.report.errors[0]
    assert error.row == 2 and error.value == "宽带接入用户"
    assert "31 个地区、10 个年份，共 309 个数值" in error.message_zh and "(unit: 万户)" in error.message_en
    assert not result.report.find("unknown_indicator") and result.frame is None
    # handed over for a user-indicator feature: name, unit, column, source, values by region and year
    (handed,) = result.uncatalogued
    assert (handed.name, handed.unit, handed.column, handed.source) == ("宽带接入用户", "万户", "数值", "国家统计局")
    values = handed.values
    assert values.height == 310 and values["adcode"].n_unique() == 31
    beijing = values.filter((values["adcode"] == "110000") & (values["year"] == 2022))
    assert beijing["value"].item() == pytest.approx(150 + 9 * 12)
    tibet = values.filter((values["adcode"] == "540000") & (values["year"] == 2013))
    assert tibet["value"].item() is None


def test_nbs_layout_with_a_catalog_indicator_loads():
    result = read("layout_nbs_index_by_year.csv")
    assert result.ok and result.shape == "long" and result.encoding == "gbk"
    assert value(result, "310000", 2023, "dgi_index") == 90.5
    assert value(result, "520000", 2021, "dgi_index") is None
    assert result.frame.height == 9
    assert issues(result, "title_indicator") == [(2, None, "数字政府发展指数")]


def test_years_as_2021niandu_columns_with_the_unit_in_the_title():
    result = read("layout_awareness_years_bom.csv")
    assert result.ok and result.bom and result.periods.columns == ("2021年度", "2022年度", "2023年度")
    assert value(result, "440000", 2021, "awareness_rate") == pytest.approx(0.712)
    assert value(result, "620000", 2023, "awareness_rate") is None
    assert result.units["awareness_rate"].scale == "percent"


def test_monthly_columns_keep_the_latest_month_of_each_year_and_say_so():
    result = read("layout_monthly_columns.csv")
    assert result.ok and result.periods.months
    assert result.periods.columns == ("2023-12", "2024-02")
    assert issues(result, "period_months_dropped") == [(2, None, "2023-10、2023-11、2024-01")]
    assert value(result, "110000", 2023, "dgi_index") == 88.9 and value(result, "110000", 2024, "dgi_index") == 89.2


def test_city_survey_table_from_excel_in_gb18030():
    result = read("values_survey_city_gb18030.csv")
    assert result.ok and result.shape == "wide" and result.encoding in ("gbk", "gb18030")
    mapping = result.mapping
    assert mapping.as_dict() == {
        "省份": "region",
        "城市": "city",
        "年份": "year",
        "样本量": "sample_size",
        "倾向线下办理占比": "offline_pref_share",
        "知晓率": "awareness_rate",
        "线上办理率": "actual_usage_rate",
    }
    assert mapping.get("倾向线下办理占比").confidence == 0.85 and mapping.get("线上办理率").confidence == 0.75
    assert value(result, "440100", 2023, "offline_pref_share") == pytest.approx(0.325)
    assert value(result, "330200", 2023, "sample_size") == 1020  # "1,020"
    assert value(result, "510700", 2023, "sample_size") == 310  # full-width "３１０"
    assert issues(result, "value_approximate") == [(4, "样本量", "约450"), (6, "样本量", "600余")]
    assert value(result, "330100", 2023, "sample_size") == 450 and value(result, "510100", 2023, "sample_size") == 600
    missing = [i.message_en for i in result.report.find("kind_columns_missing")]
    assert any("Web portal share" in m and "Counter (on-site) share" in m for m in missing)


def test_chinese_scale_and_unit_words():
    result = read("values_chinese_units_gb18030.csv")
    assert result.ok
    assert value(result, "320000", 2023, "entities") == 14_562_000
    assert value(result, "440000", 2023, "entities") == 160_000_000
    assert value(result, "410000", 2023, "entities") == 10_000_000
    assert value(result, "630000", 2023, "entities") == 52_300
    assert value(result, "630000", 2023, "dgi_index") == 71.2  # "71.2分" for a points indicator
    assert value(result, "440000", 2023, "dgi_index") == 87.1  # full-width "８７．１"
    assert issues(result, "value_scaled") == [(2, "市场主体数", "1456.2万")]
    assert issues(result, "value_approximate") == [(4, "市场主体数", "约1000万")]
    assert issues(result, "value_unit_stripped") == [(2, "数字政府发展指数", "88.3分")]


def test_full_width_shares_separators_and_per_mille():
    result = read("values_shares_fullwidth_gb18030.csv")
    assert result.ok
    assert value(result, "110000", 2023, "offline_pref_share") == pytest.approx(0.453)
    assert value(result, "110000", 2023, "sample_size") == 1234
    assert value(result, "310000", 2023, "sample_size") == 1056
    assert math.isclose(value(result, "500000", 2023, "offline_pref_share"), 0.35)  # "350‰"


def test_cells_that_cannot_be_read_name_row_column_value_and_the_right_hint():
    result = read("values_bad_numbers_utf8.csv")
    assert not result.ok
    errors = sorted((i.code, i.row, i.column, i.value) for i in result.report.errors)
    assert errors == [
        ("not_a_number", 7, "数字政府发展指数", "未统计"),
        ("number_grouping", 3, "样本量", "1,23"),
        ("number_range", 4, "数字政府发展指数", "80-85"),
        ("number_unit_unknown", 5, "样本量", "12公里"),
        ("value_unit_mismatch", 6, "线下办理偏好占比", "35分"),
    ]
    messages = {i.code: i.message_zh for i in result.report.errors}
    assert "千位分隔符" in messages["number_grouping"] and "范围" in messages["number_range"]
    assert "单位" in messages["number_unit_unknown"] and "占比" in messages["value_unit_mismatch"]


def test_workbook_headers_matched_by_meaning_with_a_weak_one_left_unmapped():
    result = read("values_headers_by_meaning.xlsx")
    assert result.ok and result.sheet == "调查结果"
    targets = result.mapping.as_dict()
    assert targets["习惯现场办理比例（%）"] == "offline_pref_share"
    assert targets["网办率"] == "actual_usage_rate" and targets["有效样本"] == "sample_size"
    assert targets["线下办理占比"] is None
    assert issues(result, "column_suggestion") == [(None, "线下办理占比", "线下办理占比")]
    assert "channel_counter_share" not in result.frame.columns
    assert value(result, "360000", 2023, "offline_pref_share") == pytest.approx(0.362)
    assert value(result, "430000", 2023, "actual_usage_rate") == pytest.approx(0.633)
