"""Region columns through the gazetteer: every spelling, codes, manual mapping, 兵团; the wrapper never raises."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.ingest import read_upload, resolve_region_values
from digigov.ingest.values import is_missing


def test_every_spelling_of_shanghai():
    values = ["上海", "上海市", "Shanghai", "shanghai", "310000", "沪", " SHANGHAI ", "310000000", "310000.0"]
    result = resolve_region_values(values)
    assert result.ok
    assert {result.adcode(v) for v in values} == {"310000"}


def test_unknown_values_come_with_suggestions():
    result = resolve_region_values(["浙江", "浙姜省", "火星市"])
    assert result.adcode("浙江") == "330000"
    assert "浙姜省" in result.unresolved and "火星市" in result.unresolved
    assert result.unresolved["火星市"].suggestions == ()
    suggested = [r.adcode for r in result.unresolved["浙姜省"].suggestions]
    assert "330000" in suggested


def test_manual_mapping_is_applied_first_and_checked():
    result = resolve_region_values(
        ["火星市", "上海", "月球"], overrides={"火星市": "330100", "上海": "110000", "月球": "999999"}
    )
    assert result.adcode("火星市") == "330100"
    assert result.adcode("上海") == "110000"  # the user's answer wins over the gazetteer
    assert result.invalid_overrides == {"月球": "999999"}


def test_scientific_codes_are_unresolved_and_flagged():
    result = resolve_region_values(["1.1E+17"])
    assert result.unresolved["1.1E+17"].scientific


def test_prefecture_level_and_within():
    result = resolve_region_values(["北京", "兵团", "杭州"], level="prefecture")
    assert result.adcode("北京") == "110100" and result.adcode("杭州") == "330100"
    assert result.adcode("兵团") == "660000"  # no prefecture of that name: the province-level unit is accepted


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.none(),
            st.integers().map(str),
            st.sampled_from(
                [
                    "<script>alert(1)</script>",
                    '=HYPERLINK("http://x","y")',
                    "\x00",
                    "吉林",
                    "朝阳",
                    "1.1E+17",
                    "   ",
                    "—",
                ]
            ),
        ),
        max_size=8,
    ),
    st.sampled_from([None, "province", "prefecture"]),
    st.dictionaries(st.text(max_size=5), st.text(max_size=8), max_size=3),
)
def test_resolver_wrapper_never_raises(values, level, overrides):
    result = resolve_region_values(values, level=level, overrides=overrides)
    for value in values:
        if value is None:
            continue
        assert (
            value in result.resolved
            or value in result.unresolved
            or value in result.invalid_overrides
            or is_missing(value)
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=12).filter(lambda s: "\n" not in s and "\r" not in s), min_size=1, max_size=5)
)
def test_any_region_text_in_a_file_gives_a_report_not_an_exception(names):
    lines = ["地区,年份,数字政府发展指数"] + ['"' + n.replace('"', '""') + '",2023,50' for n in names]
    result = read_upload("r.csv", "\n".join(lines).encode("utf-8"))
    assert "internal_error" not in result.report.codes


def test_city_column_with_province_column():
    text = "省份,城市,年份,线下办理偏好占比\n吉林,吉林,2023,30%\n吉林省,长春,2023,25%\n浙江,杭州市,2023,20%\n"
    result = read_upload("c.csv", text.encode())
    assert result.ok, result.report.codes
    assert sorted(result.frame["adcode"].to_list()) == ["220100", "220200", "330100"]
    assert set(result.frame["level"].to_list()) == {"prefecture"}


def test_code_and_name_columns_that_disagree_are_warned():
    text = "行政区划代码,地区,年份,数字政府发展指数\n310000,上海,2023,90\n330000,北京,2023,88\n"
    result = read_upload("c.csv", text.encode())
    assert result.ok
    mismatch = result.report.find("region_name_code_mismatch")
    assert [(i.row, i.value) for i in mismatch] == [(3, "北京")]
    assert result.frame["adcode"].to_list() == ["310000", "330000"]


def test_overrides_through_read_upload():
    text = "地区,年份,数字政府发展指数\n上海,2023,90\n申城,2023,88\n"
    first = read_upload("o.csv", text.encode())
    assert [i.value for i in first.report.errors] == ["申城"]
    assert "申城" in first.regions.unresolved
    second = read_upload("o.csv", text.encode(), region_overrides={"申城": "310000"}, mapping=None)
    # 申城 is 上海 too: now a duplicate key with a different value
    assert [i.code for i in second.report.errors] == ["duplicate_conflict"]
    third = read_upload("o.csv", text.replace("2023,88", "2022,88").encode(), region_overrides={"申城": "310000"})
    assert third.ok and third.frame["adcode"].to_list() == ["310000", "310000"]


def test_missing_region_cells_are_errors_with_rows():
    text = "地区,年份,数字政府发展指数\n上海,2023,90\n,2023,88\n—,2023,87\n"
    result = read_upload("m.csv", text.encode())
    assert [(i.code, i.row) for i in result.report.errors] == [("region_missing", 3), ("region_missing", 4)]


def test_level_column_picks_province_or_prefecture():
    text = "地区,层级,年份,数字政府发展指数\n北京,province,2023,90\n北京,prefecture,2023,88\n"
    result = read_upload("l.csv", text.encode())
    assert result.ok
    assert result.frame.select("adcode", "level").rows() == [("110000", "province"), ("110100", "prefecture")]
    assert result.frame.schema["drawn"] == pl.Boolean


def test_many_distinct_unknown_values_stay_fast():
    import time

    values = [f"未知地区{i}" for i in range(3000)] + ["上海"]
    started = time.perf_counter()
    result = resolve_region_values(values)
    assert time.perf_counter() - started < 5
    assert result.adcode("上海") == "310000" and len(result.unresolved) == 3000
