"""The upload corpus (tests/data/uploads) through read_upload: exact report codes, rows and columns per file."""

from __future__ import annotations

import importlib.util

import polars as pl
import pytest

from digigov.ingest import read_upload
from tests.paths import ROOT

UPLOADS = ROOT / "tests" / "data" / "uploads"
GENERATOR = ROOT / "tests" / "data" / "make_upload_corpus.py"
REPORT_FIELDS = ("file", "sheet", "column", "value", "message_zh", "message_en")


def load_generator():
    spec = importlib.util.spec_from_file_location("make_upload_corpus", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# file -> (accepted, shape, errors as (code, row, column), warnings as (code, row, column))
EXPECTED: dict[str, tuple[bool, str, list, list]] = {
    "bad_binary_png.csv": (False, "unknown", [("binary_file", None, None)], []),
    "bad_doctype.xlsx": (False, "unknown", [("xlsx_dtd", None, None)], []),
    "bad_duplicates.csv": (
        False,
        "wide",
        [("duplicate_conflict", 5, "数字政府发展指数")],
        [("duplicate_identical", 6, None)],
    ),
    "bad_empty.csv": (False, "unknown", [("empty_file", None, None)], []),
    "bad_encoding.csv": (False, "unknown", [("decode_failed", 3, None)], []),
    "bad_header_only.csv": (False, "unknown", [("header_only", 1, None)], []),
    "bad_legacy.xls": (False, "unknown", [("legacy_xls", None, None)], []),
    "bad_non_numeric.csv": (
        False,
        "wide",
        [("not_a_number", 3, "数字政府发展指数")],  # 约86 is read as an approximate 86 (value_approximate)
        [],
    ),
    "bad_pii.csv": (
        True,
        "raw_channels",
        [],
        [
            ("pii_cells_redacted", None, "备注"),
            ("pii_column_hashed", None, "受访者编号"),
            ("pii_column_named", None, "姓名"),
            ("pii_column_removed", None, "联系电话"),
            ("pii_column_removed", None, "身份证号"),
        ],
    ),
    "bad_ragged.csv": (False, "wide", [("ragged_row", 4, None), ("ragged_row", 6, None)], []),
    "bad_scientific_code.csv": (
        False,
        "wide",
        [("scientific_notation", 3, "行政区划代码"), ("scientific_notation", 4, "行政区划代码")],
        [],
    ),
    "bad_share_120.csv": (False, "wide", [("share_above_100", 4, "线下办理偏好占比")], []),
    "bad_share_negative.csv": (False, "wide", [("share_negative", 3, "线下办理偏好占比")], []),
    "bad_unclosed_quote.csv": (False, "wide", [("unclosed_quote", 5, None)], []),
    "bad_unknown_region.csv": (False, "wide", [("unknown_region", 4, "地区")], []),
    "bad_year.csv": (False, "wide", [("year_unparseable", 3, "年份")], []),
    "bad_zip_ratio.xlsx": (False, "unknown", [("xlsx_ratio_too_high", None, None)], []),
    "excel_title_notes.xlsx": (True, "wide", [], []),
    "excel_two_sheets.xlsx": (True, "wide", [], []),
    "good_corps_rows.csv": (True, "wide", [], []),
    "good_long_format.csv": (True, "long", [], []),
    "good_parquet.parquet": (True, "wide", [], []),
    "good_percent_strings.csv": (True, "wide", [], []),
    "good_pipe.csv": (True, "wide", [], []),
    "good_rare_chars_gb18030.csv": (True, "wide", [], []),
    "good_rare_chars_utf8.csv": (True, "wide", [], []),
    "good_region_spellings.csv": (True, "wide", [], []),
    "good_semicolon.csv": (True, "wide", [], []),
    "good_thousands.csv": (True, "wide", [], []),
    "good_wide_gbk.csv": (True, "wide", [], []),
    "good_wide_utf16le_tab.txt": (True, "wide", [], []),
    "good_wide_utf8.csv": (True, "wide", [], []),
    "good_wide_utf8_bom.csv": (True, "wide", [], []),
    "hostile_text.csv": (False, "wide", [("unknown_region", 2, "地区"), ("unknown_region", 3, "地区")], []),
    "raw_channel_records.csv": (True, "raw_channels", [], []),
    "raw_demand_answers.csv": (True, "raw_demand", [], []),
}


def corpus_files() -> list[str]:
    return sorted(p.name for p in UPLOADS.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def results():
    return {name: read_upload(name, (UPLOADS / name).read_bytes()) for name in corpus_files()}


def test_corpus_has_at_least_25_files_and_every_file_has_an_expectation():
    files = corpus_files()
    assert len(files) >= 25
    assert set(files) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_matches_expectation(results, name):
    ok, shape, errors, warnings = EXPECTED[name]
    result = results[name]
    found_errors = sorted((i.code, i.row, i.column) for i in result.report.issues if i.severity == "error")
    found_warnings = sorted((i.code, i.row, i.column) for i in result.report.issues if i.severity == "warning")
    assert found_errors == sorted(errors, key=str)
    assert found_warnings == sorted(warnings, key=str)
    assert result.ok is ok
    assert result.shape == shape
    assert all(i.file == name for i in result.report.issues)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_frame_has_the_documented_columns_and_both_languages(results, name):
    frame = results[name].report.to_frame()
    assert frame.columns == ["severity", "code", "file", "sheet", "row", "column", "value", "message_zh", "message_en"]
    assert frame.filter(pl.col("message_zh").str.contains("⟦") | pl.col("message_en").str.contains("⟦")).height == 0
    assert "internal_error" not in frame["code"].to_list()


@pytest.mark.parametrize("name", [n for n, (ok, *_rest) in EXPECTED.items() if ok])
def test_accepted_files_give_a_normalised_frame(results, name):
    frame = results[name].frame
    assert frame is not None and frame.height > 0
    assert frame.columns[:4] == ["adcode", "level", "drawn", "year"]
    assert frame.schema["adcode"] == pl.String and frame.schema["year"] == pl.Int32
    assert frame["adcode"].str.contains(r"^\d{6}$").all()
    indicator_columns = [
        c for c in frame.columns if frame.schema[c] == pl.Float64 and c not in ("sample_size", "entities")
    ]
    assert indicator_columns


def test_rejected_bad_files_say_where_the_problem_is(results):
    ragged = results["bad_ragged.csv"].report.find("ragged_row")
    # the row number and field counts, and a masked excerpt of the row only (issue 18), never the whole row
    assert [(i.row, i.value) for i in ragged] == [(4, "北京,2023,…"), (6, "四川,2023")]
    assert "Row 4 has 4 fields but the header has 3 columns" in ragged[0].message_en
    assert "第 4 行有 4 个字段" in ragged[0].message_zh
    quote = results["bad_unclosed_quote.csv"].report.find("unclosed_quote")[0]
    assert "line 5" in quote.message_en
    share = results["bad_share_120.csv"].report.find("share_above_100")[0]
    assert (share.row, share.column, share.value) == (4, "线下办理偏好占比", "120%")
    year = results["bad_year.csv"].report.find("year_unparseable")[0]
    assert (year.row, year.value) == (3, "去年")
    number = results["bad_non_numeric.csv"].report.find("not_a_number")
    assert [(i.row, i.value) for i in number] == [(3, "abc")]  # N/A is a missing value, not an error
    approximate = results["bad_non_numeric.csv"].report.find("value_approximate")
    assert [(i.row, i.value) for i in approximate] == [(5, "约86")]
    region = results["bad_unknown_region.csv"].report.find("unknown_region")[0]
    assert region.value == "火星市" and "Closest: none" in region.message_en


def test_rows_with_errors_are_left_out_of_the_frame(results):
    frame = results["bad_year.csv"].frame
    assert sorted(frame["adcode"].to_list()) == ["110000", "310000", "440000"]  # 浙江 (去年) left out
    assert frame["year"].to_list() == [2023, 2023, 2023]


def test_title_rows_and_notes_are_skipped_in_excel(results):
    result = results["excel_title_notes.xlsx"]
    assert result.sheet == "城市渠道" and result.header_row == 4
    assert result.report.find("title_rows_skipped")[0].row == 1
    notes = result.report.find("notes_skipped")[0]
    assert (notes.row, notes.value) == (11, "注：数据为测试用虚构数据。")
    assert result.text_frame.height == 5
    assert result.source_rows.to_list() == [5, 6, 7, 8, 9]
    frame = result.frame
    assert frame.filter(pl.col("adcode") == "660000")["drawn"].to_list() == [False]
    assert frame.sort("adcode")["offline_pref_share"].to_list() == pytest.approx([0.213, 0.245, 0.287, 0.402, 0.455])


def test_region_spellings_all_resolve_to_shanghai(results):
    frame = results["good_region_spellings.csv"].frame
    assert frame["adcode"].unique().to_list() == ["310000"]
    assert frame["year"].to_list() == [2019, 2020, 2021, 2022, 2023, 2024]


def test_corps_rows_are_kept_and_marked_not_drawn(results):
    result = results["good_corps_rows.csv"]
    frame = result.frame.sort("adcode", "year")
    assert frame.select("adcode", "year", "drawn").rows() == [
        ("650000", 2023, True),
        ("650000", 2024, True),
        ("660000", 2023, False),
        ("660000", 2024, False),
    ]
    assert result.report.find("corps_not_drawn")[0].row == 3
    assert "not drawn on the map" in result.report.find("corps_not_drawn")[0].message_en


def test_percentages_and_thousands_separators(results):
    percent = results["good_percent_strings.csv"].frame.sort("adcode")
    assert percent["offline_pref_share"].to_list() == pytest.approx([0.213, 0.245, 0.28, 0.287])
    assert percent.filter(pl.col("adcode") == "330300")["channel_web_share"].item() == pytest.approx(0.301)
    thousands = results["good_thousands.csv"].frame.sort("adcode")
    assert thousands["entities"].to_list() == [1041806, 512330, 989716, 625084]
    assert thousands["sample_size"].to_list() == [1234, None, 1019, 729]
    assert thousands["actual_usage_rate"].to_list() == pytest.approx([0.616, None, 0.523, 0.45], nan_ok=True)


def test_long_format_is_pivoted_with_a_unit_per_indicator(results):
    result = results["good_long_format.csv"]
    frame = result.frame.sort("adcode")
    assert frame["adcode"].to_list() == ["320000", "330000", "510000"]
    assert frame["offline_pref_share"].to_list() == pytest.approx([0.241, 0.213, None], nan_ok=True)
    assert frame["dgi_index"].to_list() == pytest.approx([84.1, 89.25, None], nan_ok=True)
    assert frame.filter(pl.col("adcode") == "510000").select("awareness_rate", "potential_usage_rate").row(
        0
    ) == pytest.approx((0.615, 0.702))
    assert result.units["awareness_rate"].scale == "percent"  # header "知晓率(%)" with 61.5
    assert result.units["potential_usage_rate"].scale == "fraction"


def test_two_sheet_workbook_reads_the_first_table(results):
    result = results["excel_two_sheets.xlsx"]
    assert result.sheets == ["说明", "2023", "2022"]
    assert result.sheet == "2023"
    assert result.frame["year"].unique().to_list() == [2023]
    other = read_upload("excel_two_sheets.xlsx", (UPLOADS / "excel_two_sheets.xlsx").read_bytes(), sheet="2022")
    assert other.ok and other.sheet == "2022"
    assert other.frame.sort("adcode")["open_data_on_time_share"].to_list() == pytest.approx([0.55, 0.4, 0.38])
    missing = read_upload("excel_two_sheets.xlsx", (UPLOADS / "excel_two_sheets.xlsx").read_bytes(), sheet="2021")
    assert missing.report.codes == ["sheet_not_found"]


def test_raw_records_are_aggregated_by_the_analysis_modules(results):
    channels = results["raw_channel_records.csv"]
    assert channels.raw is not None and channels.raw.kind == "channels"
    assert channels.aggregated["respondents"].sum() == 40
    assert channels.frame["sample_size"].sum() == 40
    row = channels.frame.filter(pl.col("adcode") == "330100").row(0, named=True)
    assert row["channel_web_share"] + row["channel_mobile_share"] + row["channel_terminal_share"] + row[
        "channel_counter_share"
    ] == pytest.approx(1.0)
    demand = results["raw_demand_answers.csv"]
    assert demand.raw.kind == "demand"
    assert set(demand.raw.arguments) >= {"need_col", "aware_col", "used_col", "reason_col", "period_col"}
    assert demand.aggregated["respondents"].sum() == 36
    assert (demand.frame["actual_usage_rate"] <= demand.frame["awareness_rate"]).all()


def test_hostile_text_is_plain_text(results):
    result = results["hostile_text.csv"]
    values = {i.value for i in result.report.find("unknown_region")}
    assert values == {"<script>alert(1)</script>", '=HYPERLINK("http://x","y")'}
    notes = result.text_frame["备注"].to_list()
    assert notes == ["<b>bold</b>", '=HYPERLINK("http://x","y")', "@SUM(A1:A2)"]
    formula = {i.column: i for i in result.report.find("formula_like_text")}
    assert formula["备注"].severity == "info" and "never run" in formula["备注"].message_en
    csv = result.report.to_csv_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv


def test_every_value_in_every_report_is_masked_and_escaped(results):
    for result in results.values():
        for issue in result.report.issues:
            for name in REPORT_FIELDS:
                text = getattr(issue, name) or ""
                assert "\n" not in text and "\r" not in text
                assert not any(ch.isdigit() for ch in _long_digit_runs(text)), (result.name, name, text)


def _long_digit_runs(text: str) -> str:
    import re

    return "".join(re.findall(r"\d{15,}|1[3-9]\d{9}", text))


def test_generator_is_reproducible(tmp_path):
    pytest.importorskip("xlsxwriter")
    generator = load_generator()
    assert generator.main(["--out", str(tmp_path)]) == 0
    for name in corpus_files():
        assert (tmp_path / name).read_bytes() == (UPLOADS / name).read_bytes(), name
