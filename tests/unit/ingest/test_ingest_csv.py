"""CSV structure: delimiter detection, strict parsing with line numbers, title rows, notes, text-first cells."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from digigov.ingest import read_upload
from digigov.ingest.csv_reader import _python_frame, detect_delimiter, read_csv_text
from digigov.ingest.report import ValidationReport

HEADER = "地区,年份,数字政府发展指数"


def upload(text: str, **options):
    return read_upload("t.csv", text.encode("utf-8"), **options)


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_delimiter_detection(delimiter, name):
    rows = [["地区", "年份", "线下办理偏好占比"], ["上海", "2023", "21,3"], ["浙江", "2023", "24.5"]]
    quoted = [[f'"{c}"' if delimiter in c else c for c in row] for row in rows]
    text = "\n".join(delimiter.join(row) for row in quoted) + "\n"
    assert detect_delimiter(text) == delimiter
    result = read_upload("t.csv", text.encode())
    assert result.delimiter == delimiter
    assert result.report.find("delimiter_detected")[0].value == name


def test_commas_inside_quotes_do_not_fool_the_detector():
    text = 'a;b;c\n"1,2";"3,4";"5,6"\n"7,8";"9,1";"2,3"\n'
    assert detect_delimiter(text) == ";"


def test_single_column_file_defaults_to_comma():
    assert detect_delimiter("地区\n上海\n浙江\n") == ","


def test_ragged_rows_are_reported_with_their_line_numbers_and_not_truncated():
    text = f"{HEADER}\n上海,2023,90.5\n浙江,2023,89.2,x\n北京,2023\n广东,2023,87.0\n"
    result = upload(text)
    assert [(i.code, i.row) for i in result.report.errors] == [("ragged_row", 3), ("ragged_row", 4)]
    assert result.text_frame["地区"].to_list() == ["上海", "广东"]


def test_line_numbers_count_physical_lines_of_multiline_fields():
    text = f'{HEADER},备注\n上海,2023,90.5,"第一行\n第二行"\n浙江,2023,abc,x\n'
    result = upload(text)
    assert result.source_rows.to_list() == [2, 4]
    error = result.report.find("not_a_number")[0]
    assert error.row == 4
    assert result.text_frame["备注"][0] == "第一行\n第二行"


def test_unclosed_quote_names_the_line_where_it_opened():
    text = f'{HEADER},备注\n上海,2023,90.5,ok\n浙江,2023,89.2,"open\n北京,2023,88.8,ok\n'
    result = upload(text)
    quote = result.report.find("unclosed_quote")
    assert len(quote) == 1 and quote[0].row == 3
    assert result.text_frame["地区"].to_list() == ["上海"]


def test_text_after_a_closing_quote_is_an_error_with_its_line():
    result = upload(f'{HEADER}\n上海,2023,90.5\n"浙江"x,2023,89.2\n')
    assert [(i.code, i.row) for i in result.report.errors] == [("text_after_quote", 3)]


def test_title_rows_above_the_header_are_skipped():
    text = f"2023年各省数字政府发展指数,,\n单位：分,,\n\n{HEADER}\n上海,2023,90.5\n浙江,2023,89.2\n"
    result = upload(text)
    assert result.ok and result.header_row == 4
    skipped = result.report.find("title_rows_skipped")[0]
    assert skipped.row == 1 and skipped.value == "2023年各省数字政府发展指数"
    assert result.source_rows.to_list() == [5, 6]


def test_trailing_notes_are_skipped_not_reported_as_ragged():
    text = f"{HEADER}\n上海,2023,90.5\n浙江,2023,89.2\n\n注：测试数据\n数据来源：测试,,\n"
    result = upload(text)
    assert result.ok, result.report.codes
    notes = result.report.find("notes_skipped")[0]
    assert (notes.row, notes.value) == (5, "注：测试数据")


def test_single_cell_rows_that_are_not_notes_stay_errors():
    result = upload(f"{HEADER}\n上海,2023,90.5\n浙江\n")
    assert [(i.code, i.row) for i in result.report.errors] == [("ragged_row", 3)]


def test_trailing_delimiters_are_dropped_and_extra_empty_fields_warned():
    result = upload(f"{HEADER},\n上海,2023,90.5,\n浙江,2023,89.2,,\n")
    assert result.ok
    assert result.text_frame.columns == ["地区", "年份", "数字政府发展指数"]
    assert [(i.code, i.row) for i in result.report.warnings] == [("extra_empty_fields", 3)]


def test_blank_rows_inside_the_table_are_noted():
    result = upload(f"{HEADER}\n上海,2023,90.5\n,,\n\n浙江,2023,89.2\n\n\n")
    assert result.ok
    blank = result.report.find("blank_rows_skipped")[0]
    assert (blank.row, blank.severity) == (3, "info") and "2" in blank.message_en


def test_duplicate_and_empty_headers_are_renamed_and_reported():
    result = upload("地区,年份,数字政府发展指数,备注,备注,\n上海,2023,90.5,a,b,c\n")
    assert result.text_frame.columns == ["地区", "年份", "数字政府发展指数", "备注", "备注_2", "column_6"]
    assert sorted(i.code for i in result.report.warnings) == ["duplicate_header", "empty_header"]


def test_every_cell_stays_text_codes_keep_leading_zeros_and_long_ids_never_become_floats():
    text = "行政区划代码,年份,数字政府发展指数,编号\n110000,2023,90.5,000123\n310000,2023,88,123456789012345678\n"
    result = upload(text)
    assert result.ok
    frame = result.text_frame
    assert all(dtype == "String" or str(dtype) == "String" for dtype in frame.dtypes)
    assert frame["编号"].to_list() == ["000123", "123456789012345678"]
    assert frame["行政区划代码"].to_list() == ["110000", "310000"]


def test_scientific_notation_in_an_id_column_is_flagged():
    text = "编号,地区,年份,数字政府发展指数\n1.1E+17,上海,2023,90.5\n2,浙江,2023,89.0\n"
    result = upload(text)
    sci = result.report.find("scientific_notation")
    assert [(i.row, i.column, i.value) for i in sci] == [(2, "编号", "1.1E+17")]


def test_header_row_override():
    text = f"something,else,here\n{HEADER}\n上海,2023,90.5\n"
    result = upload(text, header_row=2)
    assert result.ok and result.header_row == 2
    bad = upload(text, header_row=9)
    assert [i.code for i in bad.report.errors] == ["header_row_invalid"]


def test_read_csv_text_on_nothing_but_blank_lines():
    report = ValidationReport("t.csv")
    assert read_csv_text("\n\n\n", report) is None
    assert report.codes == ["empty_file"]


def test_crlf_line_endings():
    result = read_upload("t.csv", f"{HEADER}\r\n上海,2023,90.5\r\n浙江,2023,89.2\r\n".encode())
    assert result.ok and result.frame.height == 2


def test_many_bad_rows_are_listed_up_to_a_limit_then_counted():
    lines = [HEADER] + [f"上海,{2000 + i},x" for i in range(120)]
    result = upload("\n".join(lines) + "\n")
    listed = result.report.find("not_a_number")
    assert len(listed) == 50
    summary = [i for i in result.report.issues if i.code == "more_issues"]
    assert len(summary) == 1 and summary[0].value == "not_a_number" and "70" in summary[0].message_en
    assert result.report.counts()["not_a_number"] == 120


cells = st.one_of(
    st.sampled_from(["", " ", "上海", "2023", "45.3%", "1,234", 'a"b', "x\ny", "—", "\t", "  a  "]),
    st.text(alphabet='ab ,;|"\n\r\t上', max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=12),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_fast_polars_path_and_exact_python_path_agree(rows, delimiter, newline):
    def quote(value):
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")) or value != value.strip():
            return '"' + value.replace('"', '""') + '"'
        return value

    text = newline.join(delimiter.join(quote(v) for v in row) for row in [["地区", "年份", "值"], *rows]) + newline
    fast = read_csv_text(text, ValidationReport("f.csv"), delimiter=delimiter, header_row=1)
    names = ["地区", "年份", "值"]
    slow = _python_frame(text, delimiter, names, 1)
    slow = slow.filter(~pl.all_horizontal(pl.col(n).is_null() | (pl.col(n).str.strip_chars() == "") for n in names))
    assert fast is not None
    assert_frame_equal(fast.frame.select(slow.columns), slow)


def test_fast_path_is_taken_for_a_clean_file(monkeypatch):
    import digigov.ingest.csv_reader as reader

    calls = []
    monkeypatch.setattr(reader, "_python_frame", lambda *a: calls.append(a) or pl.DataFrame())
    lines = [HEADER] + [f"上海,{2000 + i},{i}.5" for i in range(500)]
    table = read_csv_text("\n".join(lines) + "\n", ValidationReport("t.csv"))
    assert calls == [] and table.frame.height == 500
    assert table.frame.get_column("__row__").to_list() == list(range(2, 502))


def test_quoted_empty_cells_are_missing_in_both_paths():
    lines = [HEADER + ",备注"] + [f'上海,{2000 + i},{i},"{"" if i == 300 else "x"}"' for i in range(600)]
    table = read_csv_text("\n".join(lines) + "\n", ValidationReport("t.csv"))
    assert table.frame["备注"].null_count() == 1


def test_title_and_note_lines_are_kept_and_a_header_of_plain_years_is_found():
    from digigov.ingest.csv_reader import read_csv_text
    from digigov.ingest.layout import parse_title
    from digigov.ingest.report import ValidationReport

    text = (
        "数据库：分省年度数据\n指标：宽带接入用户(万户)\n地区,2022,2021,2020\n"
        "北京市,1,2,3\n天津市,4,5,6\n注：初步数。\n数据来源：国家统计局\n"
    )
    table = read_csv_text(text, ValidationReport(file="nbs.csv"))
    assert table is not None and table.header_row == 3
    assert table.columns == ["地区", "2022", "2021", "2020"]
    assert table.title_lines == ["数据库：分省年度数据", "指标：宽带接入用户(万户)"] and table.title_rows == [1, 2]
    assert table.note_lines == ["注：初步数。", "数据来源：国家统计局"]
    title = parse_title(table.title_lines, table.note_lines, table.title_rows)
    assert (title.indicator, title.unit, title.database, title.source, title.indicator_row) == (
        "宽带接入用户",
        "万户",
        "分省年度数据",
        "国家统计局",
        2,
    )
