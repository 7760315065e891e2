"""The columnar reading of a plain CSV body (no quotes) against the exact csv-module reading: the same table, the
same report, the same line numbers, whatever the body holds (ragged rows, blank lines, notes, extra empty fields,
CRLF, fields over the csv module's limit), in one chunk or in many."""

from __future__ import annotations

import csv
from contextlib import contextmanager
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import digigov.ingest.csv_reader as reader
from digigov.ingest import read_upload
from digigov.ingest.report import ValidationReport

HEADER = ["地区", "年份", "值"]


@contextmanager
def exact_only():
    """The csv module for every body (the reading before the columnar path existed)."""
    with mock.patch.object(reader, "_plain_start", lambda *_: None):
        yield


@contextmanager
def field_limit(limit: int):
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def both(text: str, **options):
    """read_csv_text by the columnar path (asserted taken) and by the exact path: (table, report) each."""
    plain_report, exact_report = ValidationReport("t.csv"), ValidationReport("t.csv")
    with mock.patch.object(reader._Records, "bulk", side_effect=AssertionError("csv module over the body")):
        plain = reader.read_csv_text(text, plain_report, **options)
    with exact_only():
        exact = reader.read_csv_text(text, exact_report, **options)
    return (plain, plain_report), (exact, exact_report)


def assert_same(text: str, **options) -> None:
    (plain, plain_report), (exact, exact_report) = both(text, **options)
    assert plain_report.issues == exact_report.issues
    assert (plain is None) == (exact is None)
    if plain is None or exact is None:
        return
    assert_frame_equal(plain.frame, exact.frame)
    assert (plain.header_row, plain.delimiter, plain.title_lines, plain.title_rows, plain.note_lines) == (
        exact.header_row,
        exact.delimiter,
        exact.title_lines,
        exact.title_rows,
        exact.note_lines,
    )


cells = st.one_of(
    st.sampled_from(["", " ", "上海", "310000", "2023", "45.3%", "注：初步数", "数据来源：国家统计局", "—", "  a  "]),
    st.text(alphabet="ab ,;|\t上", max_size=6),
)
lines = st.one_of(
    st.lists(cells, min_size=3, max_size=3),  # a data row (or a ragged one, when a cell holds the delimiter)
    st.lists(cells, min_size=0, max_size=5),  # too few or too many fields, a blank line, a single cell
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(lines, min_size=0, max_size=14),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.sampled_from([4 << 20, 7, 40]),
    st.sampled_from([131072, 3]),
    st.sampled_from([1 << 20, 12]),
    st.booleans(),
)
@example(  # polars takes extra fields on a last line without a line break: the columnar path must not
    [["", "", ""], ["", ""], [";\t\t\t"]], "\t", "\n", False, 4 << 20, 131072, 1 << 20, False
)
def test_columnar_and_exact_readings_agree(rows, delimiter, newline, final_newline, chunk, limit, head, detect):
    """chunk: characters per columnar step; limit: the csv module's field limit; head: characters the first
    records are read from (small: the exact reader reads on in the whole text); detect: find the header."""
    body = [delimiter.join(row) for row in rows]
    text = newline.join([delimiter.join(HEADER), *body]) + (newline if final_newline else "")
    patches = mock.patch.object(reader, "_PLAIN_CHUNK", chunk), mock.patch.object(reader, "_HEAD_CHARS", head)
    with patches[0], patches[1], field_limit(limit):
        assert_same(text, delimiter=delimiter, header_row=None if detect else 1)


@pytest.mark.parametrize(
    "text",
    [
        "数据库：分省年度数据\n指标：宽带接入用户(万户)\n地区,2022,2021\n北京市,1,2\n\n天津市,4,5\n注：初步数。\n数据来源：国家统计局\n",
        "地区,年份,值\n上海,2023,1\n上海,2023\n上海,2023,1,2\n上海,2023,1,,\n,,\n   \n浙江,2023,2",
        "地区,年份,值,\n上海,2023,1,\n浙江,2023,2,\n",  # a trailing delimiter: an empty generated column, dropped
        "地区,年份,值\r\n上海,2023,1\r\n\r\n浙江,2023,2\r\n\r\n",
        "地区,地区,\n上海,上海,\n",
        "地区,年份,值\n",
        "地区,年份,值",
        '"地区","年份","值"\n上海,2023,1\n浙江,2023,2\n',  # a quoted header above a plain body
    ],
)
def test_columnar_and_exact_readings_agree_on_layouts(text):
    assert_same(text)


def test_a_field_over_the_limit_stops_both_readings_at_its_line():
    text = "地区,年份,值\n上海,2023,1\n上海,2023,1234567890\n浙江,2023,2\n"
    with field_limit(5):
        assert_same(text, header_row=1)
        report = ValidationReport("t.csv")
        table = reader.read_csv_text(text, report, header_row=1)
    assert [(i.code, i.row) for i in report.errors] == [("field_too_long", 3)]
    assert table is not None and table.frame.get_column("__row__").to_list() == [2]


def test_text_with_quotes_or_a_lone_carriage_return_takes_the_exact_reader():
    quoted = '地区,年份,值\n上海,2023,"1"\n'
    lone_cr = "地区,年份,值\r上海,2023,1\r"
    for text in (quoted, lone_cr):
        with mock.patch.object(reader, "_plain_body", side_effect=AssertionError("columnar")):
            table = reader.read_csv_text(text, ValidationReport("t.csv"))
        assert table is not None and table.frame.height == 1


def test_a_large_plain_file_reads_the_same_upload_as_the_exact_reader():
    """The whole read_upload (report, text frame, normalised frame) on a file of several chunks with a ragged row,
    blank lines and trailing notes: the same either way."""
    rows = [f"{'310000' if i % 3 else '浙江省'},{2018 + i % 5},{i % 97}.5" for i in range(60_000)]
    rows[12_345] = "上海,2020"  # ragged
    rows[30_000] = ""  # a blank line inside
    text = "\n".join(["地区,年份,数字政府发展指数", *rows, "", "注：示例。", "数据来源：测试"]) + "\n"
    data = text.encode("utf-8")
    with mock.patch.object(reader, "_PLAIN_CHUNK", 256 << 10):
        plain = read_upload("t.csv", data)
    with exact_only():
        exact = read_upload("t.csv", data)
    assert plain.report.issues == exact.report.issues
    assert any(i.code == "ragged_row" and i.row == 12_347 for i in plain.report.issues)
    assert_frame_equal(plain.text_frame, exact.text_frame)
    assert plain.source_rows is not None and exact.source_rows is not None
    assert plain.source_rows.to_list() == exact.source_rows.to_list()
    assert plain.frame is not None and exact.frame is not None
    assert_frame_equal(plain.frame, exact.frame)
    assert not plain.ok  # the ragged row is an error


def test_whitespace_rows_are_blank_in_the_columnar_reading():
    text = "地区,年份,值\n上海,2023,1\n ,  ,\t\n浙江,2023,2\n"
    (plain, plain_report), _ = both(text)
    assert plain is not None and plain.frame.get_column("__row__").to_list() == [2, 4]
    assert [(i.code, i.row) for i in plain_report.issues if i.code == "blank_rows_skipped"] == [
        ("blank_rows_skipped", 3)
    ]
    assert plain.frame.schema == pl.Schema({"__row__": pl.Int64, "地区": pl.String, "年份": pl.String, "值": pl.String})
