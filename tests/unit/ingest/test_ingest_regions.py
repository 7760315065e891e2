"""Region columns through the gazetteer: every spelling, codes, manual mapping, 兵团; the wrapper never raises."""

from __future__ import annotations

import opencc
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.ingest import read_upload, resolve_region_values
from digigov.ingest.region_columns import COUNTRY_FILE_MIN
from digigov.ingest.regions_resolve import aggregate_kind, suggestion_text
from digigov.ingest.values import is_missing
from digigov.regions import load_gazetteer


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


# -- issue 19: region resolution an analyst can trust, aggregate rows -----------------------------------------
_G = load_gazetteer()
_S2T = opencc.OpenCC("s2t")


def _spellings(region):
    names = [region.name_zh, region.short_zh, region.name_en]
    row = _G.frame.filter(pl.col("adcode") == region.adcode).row(0, named=True)
    return names + [a for a in (row["aliases"] or "").split("|") if a and len(a) > 1]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(_G.regions)), st.data())
def test_every_spelling_its_traditional_form_and_its_code_resolve_to_the_same_adcode(adcode, data):
    region = _G[adcode]
    spelling = data.draw(st.sampled_from(_spellings(region)))
    forms = [spelling, _S2T.convert(spelling), adcode, adcode + "000000"]
    level, within = region.level, region.parent
    result = resolve_region_values(forms, level=level, within=within)
    assert {result.adcode(f) for f in forms} == {adcode}, (forms, result.unresolved)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(r.adcode for r in _G.provinces() if _G.children(r.adcode))),
    st.one_of(
        st.text(alphabet="杭州宁波合肥芜湖莱朝阳浦东新区吉林海南市县省江苏浙", min_size=1, max_size=5),
        st.sampled_from(["莱芜", "浦东新区", "朝阳区", "Denmark", "合计", "杭洲", "Shangai", "吉林", "广洲"]),
    ),
)
def test_suggestions_never_cross_a_known_province(province, text):
    result = resolve_region_values([text], level="prefecture", within=province)
    for region in result.resolved.values():
        assert _G.province_of(region.adcode).adcode == province or region.adcode == province
    for unresolved in result.unresolved.values():
        for region in unresolved.suggestions:
            assert region.adcode == province or region.parent == province


def test_traditional_characters_resolve():
    values = ["廣東省", "臺灣省", "內蒙古", "香港特別行政區", "澳門", "黑龍江省", "廣西壯族自治區"]
    result = resolve_region_values(values)
    assert result.ok, result.unresolved
    assert [result.adcode(v) for v in values] == ["440000", "710000", "150000", "810000", "820000", "230000", "450000"]


def test_simplified_names_that_opencc_would_change_are_tried_as_written_first():
    # OpenCC's t2s turns 乾安 into 干安: the text as written is looked up first, the conversion only after
    assert resolve_region_values(["吉林"], level="province").adcode("吉林") == "220000"
    assert resolve_region_values(["乾安县"], level="prefecture").unresolved["乾安县"].districts[0].adcode == "220723"


def test_official_english_names_with_sar_and_autonomous_region():
    values = {
        "Hong Kong SAR": "810000",
        "Macao SAR": "820000",
        "Macau SAR": "820000",
        "Xinjiang Uyghur Autonomous Region": "650000",
        "Inner Mongolia Autonomous Region": "150000",
        "Tibet Autonomous Region": "540000",
        "Guangxi Zhuang Autonomous Region": "450000",
        "Ningxia Hui Autonomous Region": "640000",
        "Beijing Municipality": "110000",
        "Guangdong Province": "440000",
        "Hangzhou City": "330100",
    }
    result = resolve_region_values(list(values))
    assert {v: result.adcode(v) for v in values} == values


def test_historical_names_and_codes_resolve_to_successors_with_a_note():
    values = ["襄樊", "思茅", "莱芜", "巢湖", "铜仁地区", "371200", "522200"]
    result = resolve_region_values(values, level="prefecture")
    assert [result.adcode(v) for v in values] == ["420600", "530800", "370100", "340100", "520600", "370100", "520600"]
    assert {result.notes[v].change for v in values} == {"rename", "merge", "split"}
    assert result.notes["莱芜"].year == 2019


def test_historical_name_through_read_upload_names_row_column_value_and_successor():
    text = "城市,年份,数字政府发展指数\n杭州,2018,80\n莱芜,2018,60\n襄樊,2009,55\n"
    result = read_upload("h.csv", text.encode())
    assert result.ok, result.report.codes
    merged = result.report.find("region_merged")[0]
    assert (merged.severity, merged.row, merged.column, merged.value) == ("warning", 3, "城市", "莱芜")
    assert "济南市" in merged.message_zh and "370100" in merged.message_en
    renamed = result.report.find("region_renamed")[0]
    assert (renamed.severity, renamed.row, renamed.value) == ("info", 4, "襄樊") and "襄阳市" in renamed.message_zh
    assert sorted(result.frame["adcode"].to_list()) == ["330100", "370100", "420600"]


def test_district_names_are_an_unsupported_level_with_their_parent():
    text = "省份,城市,年份,数字政府发展指数\n上海,浦东新区,2023,91\n北京,朝阳区,2023,88\n浙江,杭州,2023,86\n"
    result = read_upload("d.csv", text.encode())
    issues = result.report.find("region_district_level")
    assert [(i.row, i.column, i.value) for i in issues] == [(2, "城市", "浦东新区"), (3, "城市", "朝阳区")]
    assert "上海市（310100）" in issues[0].message_zh and "新疆" not in issues[0].message_zh
    assert "北京市" in issues[1].message_zh and "辽宁" not in issues[1].message_zh
    assert not result.report.find("unknown_region")


def test_no_reliable_suggestion_instead_of_a_look_alike():
    result = resolve_region_values(["莱芜市场", "Denmarc", "浦东"], level="prefecture")
    assert all(not u.suggestions for u in result.unresolved.values() if not u.districts)
    lookalike = resolve_region_values(["莱芜市场"], level="prefecture").unresolved["莱芜市场"]  # ~ 芜湖市: no
    assert lookalike.suggestions == () and suggestion_text(lookalike, "zh") == "无可靠建议"
    assert suggestion_text(lookalike, "en") == "no reliable suggestion"
    assert [r.adcode for r in resolve_region_values(["浙姜省"]).unresolved["浙姜省"].suggestions] == ["330000"]


def test_suggestions_stay_within_the_rows_province():
    text = "省份,城市,年份,数字政府发展指数\n浙江,杭洲,2023,86\n江苏,杭州,2023,86\n"
    result = read_upload("s.csv", text.encode())
    unknown = result.report.find("unknown_region")[0]
    assert (
        (unknown.row, unknown.value) == (2, "杭洲")
        and "杭州市" in unknown.message_zh
        and "株洲" not in unknown.message_zh
    )
    outside = result.report.find("city_outside_province")[0]
    assert (outside.row, outside.column, outside.value) == (3, "城市", "杭州") and "浙江省" in outside.message_zh
    assert result.frame is None or "330100" not in result.frame["adcode"].to_list()


def test_ambiguous_names_without_a_province_column_show_both_readings():
    text = "城市,年份,数字政府发展指数\n长春,2023,70\n吉林,2023,61\n海南,2023,48\n朝阳,2023,52\n杭州,2023,86\n"
    result = read_upload("a.csv", text.encode())
    issues = {i.value: i for i in result.report.find("ambiguous_region_column")}
    assert set(issues) == {"吉林", "海南", "朝阳"}
    assert "吉林市" in issues["吉林"].message_zh and "吉林省" in issues["吉林"].message_zh
    assert "海南藏族自治州" in issues["海南"].message_zh and "海南省" in issues["海南"].message_zh
    assert "朝阳市" in issues["朝阳"].message_zh and "北京市" in issues["朝阳"].message_zh
    assert issues["吉林"].row == 3


def test_a_region_column_of_cities_reads_jilin_as_ambiguous_but_a_province_table_does_not():
    cities = read_upload("c.csv", "地区,年份,数字政府发展指数\n长春,2023,1\n吉林,2023,2\n四平,2023,3\n".encode())
    assert [i.value for i in cities.report.find("ambiguous_region_column")] == ["吉林"]
    provinces = read_upload("p.csv", "地区,年份,数字政府发展指数\n辽宁,2023,1\n吉林,2023,2\n黑龙江,2023,3\n".encode())
    assert provinces.ok and sorted(provinces.frame["adcode"].to_list()) == ["210000", "220000", "230000"]


def test_a_file_of_countries_gets_one_message():
    names = ["Denmark", "Republic of Korea", "Finland", "Estonia", "Singapore", "China", "Viet Nam"]
    text = "地区,年份,数字政府发展指数\n" + "".join(f"{n},2022,0.9\n" for n in names)
    result = read_upload("un.csv", text.encode())
    assert [i.code for i in result.report.errors] == ["regions_are_countries"]
    assert "countries" in result.report.errors[0].message_en and len(names) >= COUNTRY_FILE_MIN
    assert not result.report.find("unknown_region")


def test_one_country_among_provinces_is_named_as_a_country_without_a_suggestion():
    text = "地区,年份,数字政府发展指数\n上海,2023,90\n浙江,2023,89\nDenmark,2023,97\n"
    result = read_upload("c.csv", text.encode())
    issue = result.report.find("region_is_country")[0]
    assert (issue.row, issue.column, issue.value) == (4, "地区", "Denmark") and "澄迈" not in issue.message_zh


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("全国", "national"),
        ("合计", "total"),
        ("总计", "total"),
        ("平均", "average"),
        ("全省", "provincial"),
        ("全國", "national"),
        (" 合 计 ", "total"),
        ("National", "national"),
        ("100000", "national"),
    ],
)
def test_aggregate_labels(label, kind):
    assert aggregate_kind(label) == kind
    assert not resolve_region_values([label]).unresolved[label].suggestions  # 合计 is never 合肥市


def test_aggregate_rows_are_kept_apart_not_errors():
    text = "地区,年份,数字政府发展指数\n北京,2023,92\n安徽,2023,75\n合计,2023,167\n全国,2023,70\n"
    result = read_upload("a.csv", text.encode())
    assert result.ok, result.report.codes
    assert sorted(result.frame["adcode"].to_list()) == ["110000", "340000"]
    assert result.aggregates.select("row", "label", "aggregate").rows() == [
        (4, "合计", "total"),
        (5, "全国", "national"),
    ]
    assert result.aggregates["数字政府发展指数"].to_list() == ["167", "70"]
    notes = result.report.find("aggregate_rows")
    assert [(i.severity, i.row, i.column, i.value) for i in notes] == [
        ("info", 4, "地区", "合计"),
        ("info", 5, "地区", "全国"),
    ]
    assert "合肥" not in " ".join(i.message_zh for i in result.report.issues)


def test_corps_row_with_an_empty_city_is_a_provincial_row():
    text = "省份,城市,年份,线下办理偏好占比\n浙江,杭州,2023,20%\n新疆生产建设兵团,,2023,41%\n"
    result = read_upload("b.csv", text.encode())
    assert result.ok, result.report.codes
    assert result.frame.filter(pl.col("adcode") == "660000").select("level", "drawn").rows() == [("province", False)]
    note = result.report.find("province_level_row")[0]
    assert (note.row, note.column) == (3, "城市")
    assert not result.report.find("region_missing")
