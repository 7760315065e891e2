"""The region-resolution corpus (tests/data/real/regions_*, written by regions_make_files.py as analysts' tools
write files): each file's regions, aggregate rows and issues (row, column, value) through read_upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from digigov.ingest.pipeline import IngestResult, read_upload

REAL = Path(__file__).resolve().parents[2] / "data" / "real"


def load(name: str) -> IngestResult:
    return read_upload(name, (REAL / name).read_bytes())


def where(result: IngestResult, code: str) -> list[tuple[int | None, str | None, str | None]]:
    return [(i.row, i.column, i.value) for i in result.report.find(code)]


def adcodes(result: IngestResult) -> list[str]:
    assert result.frame is not None, result.report.codes
    return sorted(result.frame["adcode"].to_list())


def test_the_corpus_has_at_least_eight_files_in_analysts_formats():
    files = sorted(p.name for p in REAL.glob("regions_*") if p.suffix != ".py")
    assert len(files) >= 8
    assert {p.rsplit(".", 1)[1] for p in files} == {"csv", "xlsx"}
    assert (REAL / "regions_city_survey_gb18030.csv").read_bytes().startswith("省份".encode("gb18030"))
    assert (REAL / "regions_traditional_utf8bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_city_survey_keeps_the_corps_row_and_the_aggregates_apart():
    result = load("regions_city_survey_gb18030.csv")
    assert result.encoding in ("gb18030", "gbk")  # the decoder names the narrowest codec that read it
    assert not any(i.code.startswith("region") and i.severity == "error" for i in result.report.issues)
    assert where(result, "province_level_row") == [(11, "城市", "新疆生产建设兵团")]
    assert not result.report.find("region_missing")  # not "第 11 行“城市”列没有地区"
    assert result.regions.adcode("吉林") is not None
    expected = ["220100", "220200", "320100", "330100", "330200", "460100", "632500", "650100", "660000"]
    if result.frame is not None:  # saving also needs the header work of issue 19 (another part)
        assert adcodes(result) == expected
    aggregates = result.aggregates
    assert aggregates is not None
    assert aggregates.select("row", "label", "aggregate", "province").rows() == [
        (4, "全省", "provincial", "330000"),
        (12, "全国", "national", None),
    ]
    assert sorted(where(result, "aggregate_rows")) == [(4, "城市", "全省"), (12, "省份", "全国")]


def test_traditional_characters_resolve_and_the_national_row_is_kept_apart():
    result = load("regions_traditional_utf8bom.csv")
    assert result.ok, result.report.codes
    assert result.bom
    assert adcodes(result) == ["150000", "230000", "440000", "450000", "710000", "810000", "820000"]
    assert where(result, "aggregate_rows") == [(9, "地区", "全國")]


def test_official_english_names_in_an_xlsx_with_a_title_row():
    result = load("regions_english_official_names.xlsx")
    assert result.ok, result.report.codes
    assert result.header_row == 2
    assert adcodes(result) == ["110000", "150000", "440000", "450000", "540000", "650000", "810000", "820000"]
    assert where(result, "aggregate_rows") == [(11, "Province", "National")]


def test_historical_names_resolve_to_successors_with_notes():
    result = load("regions_historical_names_gbk.csv")
    assert result.ok, result.report.codes
    assert adcodes(result) == ["340100", "370100", "420100", "420600", "520600", "530800", "540200"]
    assert where(result, "region_renamed") == [
        (2, "城市", "襄樊"),
        (3, "城市", "思茅"),
        (6, "城市", "铜仁地区"),
        (7, "城市", "日喀则地区"),
    ]
    assert where(result, "region_merged") == [(4, "城市", "莱芜")]
    assert where(result, "region_split") == [(5, "城市", "巢湖")]
    merged = result.report.find("region_merged")[0]
    assert merged.severity == "warning" and "济南市" in merged.message_zh and "Jinan" in merged.message_en


def test_old_codes_resolve_to_the_successors_codes():
    result = load("regions_old_codes_gb18030.csv")
    assert result.ok, result.report.codes
    assert adcodes(result) == ["330100", "340100", "370100", "520600"]
    assert where(result, "region_merged") == [(2, "行政区划代码", "371200")]
    assert where(result, "region_renamed") == [(3, "行政区划代码", "522200")]
    assert where(result, "region_split") == [(4, "行政区划代码", "341400")]


def test_district_level_rows_are_reported_with_their_prefecture():
    result = load("regions_districts_utf8bom.csv")
    assert not result.ok
    assert where(result, "region_district_level") == [
        (2, "城市", "朝阳区"),
        (3, "城市", "浦东新区"),
        (4, "城市", "义乌市"),
    ]
    messages = [i.message_zh for i in result.report.find("region_district_level")]
    assert "北京市（110100）" in messages[0] and "辽宁" not in messages[0]
    assert "上海市（310100）" in messages[1] and "新疆" not in messages[1]
    assert "金华市（330700）" in messages[2]
    assert adcodes(result) == ["330100"]


def test_ambiguous_cities_show_both_readings():
    result = load("regions_ambiguous_cities_gb18030.csv")
    assert where(result, "ambiguous_region_column") == [(3, "城市", "吉林"), (4, "城市", "海南"), (5, "城市", "朝阳")]
    jilin, hainan, chaoyang = (i.message_en for i in result.report.find("ambiguous_region_column"))
    assert "220200" in jilin and "220000" in jilin
    assert "632500" in hainan and "460000" in hainan
    assert "211300" in chaoyang and "110105" in chaoyang
    assert adcodes(result) == ["210100", "220100", "330100"]


def test_typos_get_suggestions_within_their_province_only():
    result = load("regions_typos_gbk.csv")
    unknown = {i.value: i for i in result.report.find("unknown_region")}
    assert [(i.row, i.column) for i in unknown.values()] == [(2, "城市"), (6, "城市")]
    assert "杭州市" in unknown["杭洲"].message_zh and "株洲" not in unknown["杭洲"].message_zh
    assert where(result, "city_outside_province") == [(3, "城市", "杭州")]
    assert adcodes(result) == ["340100", "340200"]


def test_aggregate_rows_are_reference_values_not_errors():
    result = load("regions_aggregates_utf8bom.csv")
    assert result.ok, result.report.codes
    assert adcodes(result) == ["110000", "310000", "340000"]
    assert result.aggregates is not None
    assert result.aggregates.select("row", "label", "aggregate").rows() == [
        (5, "合计", "total"),
        (6, "平均", "average"),
        (7, "全国", "national"),
        (8, "总计", "total"),
    ]
    assert "合肥" not in " ".join(i.message_zh for i in result.report.issues)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_file_of_countries_gets_one_message(lang):
    result = load("regions_un_egov_survey.xlsx")
    errors = result.report.errors
    assert [(i.code, i.column) for i in errors] == [("regions_are_countries", "Country Name")]
    assert ("国家" if lang == "zh" else "countries") in errors[0].message(lang)
    assert not result.report.find("unknown_region")
