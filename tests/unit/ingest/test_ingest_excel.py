"""Excel and Parquet: the ZIP is inspected before opening (bombs, DTDs), signatures beat names, sheets are chosen."""

from __future__ import annotations

import importlib.util
import io
import struct
import time
import zipfile

import polars as pl
import pytest

from digigov.ingest import read_upload, sniff
from digigov.ingest.excel_reader import inspect_xlsx, list_sheets
from tests.paths import ROOT

UPLOADS = ROOT / "tests" / "data" / "uploads"


def generator():
    spec = importlib.util.spec_from_file_location(
        "make_upload_corpus", ROOT / "tests" / "data" / "make_upload_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zip_bomb_of_150_mb_is_rejected_before_opening():
    bomb = generator().zip_bomb_xlsx(150)
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    result = read_upload("report.xlsx", bomb)
    assert time.perf_counter() - started < 5
    assert [(i.code, i.value) for i in result.report.errors] == [("xlsx_entry_too_large", "xl/worksheets/sheet2.xml")]
    assert "100 MB" in result.report.errors[0].message_en


def test_high_compression_ratio_is_rejected():
    rejection = inspect_xlsx((UPLOADS / "bad_zip_ratio.xlsx").read_bytes())
    assert rejection.code == "xlsx_ratio_too_high" and rejection.ratio > 200


def test_a_lying_zip_directory_is_not_trusted():
    """Declared sizes shrunk to 1 KB: the directory checks pass, the streamed bytes give the lie away."""
    data = bytearray(generator().zip_bomb_xlsx(5))
    name = b"xl/worksheets/sheet2.xml"
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            header_name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[header_name_at : header_name_at + len(name)] == name:
                data[start + offset : start + offset + 4] = struct.pack("<I", 1024)
            start += 4
    rejection = inspect_xlsx(bytes(data))
    assert rejection is not None and rejection.code in ("xlsx_entry_too_large", "xlsx_corrupt")
    result = read_upload("lie.xlsx", bytes(data))
    assert not result.ok and result.report.errors[0].code in ("xlsx_entry_too_large", "xlsx_corrupt")


def test_doctype_is_rejected_even_when_utf16_encoded():
    module = generator()
    assert inspect_xlsx((UPLOADS / "bad_doctype.xlsx").read_bytes()).code == "xlsx_dtd"
    sheet = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'
    data = module.minimal_xlsx(b"\xff\xfe" + sheet.encode("utf-16-le"))
    assert inspect_xlsx(data).code == "xlsx_dtd"


def test_clean_minimal_workbook_passes_inspection_and_reads():
    data = generator().minimal_xlsx(generator()._sheet_xml())
    assert inspect_xlsx(data) is None
    result = read_upload("m.xlsx", data)
    assert result.ok, result.report.codes
    assert result.frame.select("adcode", "year", "dgi_index").rows() == [("110000", 2023, 88.5)]


def test_encrypted_entries_and_broken_zips():
    assert read_upload("x.xlsx", b"PK\x03\x04garbage").report.codes == ["binary_file"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buffer.getvalue())
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag bit 0: encrypted
    assert inspect_xlsx(bytes(data)).code in ("xlsx_encrypted", "xlsx_corrupt")


def test_legacy_xls_gets_a_save_as_xlsx_message():
    result = read_upload("old.xls", (UPLOADS / "bad_legacy.xls").read_bytes())
    assert result.report.codes == ["legacy_xls"]
    assert "Save As .xlsx" in result.report.errors[0].message_en
    assert "另存为" in result.report.errors[0].message_zh


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "PNG"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "JPEG"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 8, "gzip"),
        (bytes(range(256)) * 4, ""),
    ],
)
def test_binary_content_with_a_csv_name_is_refused(data, detail):
    assert sniff(data).kind == "binary" and sniff(data).detail == detail
    result = read_upload("data.csv", data)
    assert result.report.codes == ["binary_file"]


def test_signature_wins_over_the_file_name():
    xlsx = (UPLOADS / "excel_two_sheets.xlsx").read_bytes()
    as_csv = read_upload("data.csv", xlsx)
    assert as_csv.ok and as_csv.kind == "xlsx"
    assert as_csv.report.find("extension_mismatch")[0].severity == "info"
    csv = (UPLOADS / "good_wide_utf8.csv").read_bytes()
    as_xlsx = read_upload("data.xlsx", csv)
    assert as_xlsx.ok and as_xlsx.kind == "text"
    assert "extension_mismatch" in as_xlsx.report.codes


def test_office_documents_and_plain_zips_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert read_upload("x.xlsx", buffer.getvalue()).report.codes == ["office_unsupported"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    assert read_upload("x.zip", buffer.getvalue()).report.codes == ["zip_unsupported"]


def test_list_sheets():
    assert list_sheets((UPLOADS / "excel_two_sheets.xlsx").read_bytes()) == ["说明", "2023", "2022"]
    assert list_sheets(b"not a workbook") == []


def test_sheet_by_index_and_header_row_override():
    data = (UPLOADS / "excel_two_sheets.xlsx").read_bytes()
    by_index = read_upload("w.xlsx", data, sheet=2)
    assert by_index.sheet == "2022" and by_index.ok
    notes_sheet = read_upload("w.xlsx", data, sheet="说明")
    assert not notes_sheet.ok  # a sheet of prose has no table: reported, not raised
    title = read_upload("t.xlsx", (UPLOADS / "excel_title_notes.xlsx").read_bytes(), header_row=4)
    assert title.ok and title.header_row == 4


def test_excel_numbers_dates_and_long_ids_as_text():
    xlsxwriter = pytest.importorskip("xlsxwriter")
    import datetime as dt

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("S")
    sheet.write_row("C3", ["地区", "年份", "数字政府发展指数", "编号"])
    sheet.write_row("C4", ["上海", 2023, 90.5, "110101199003071234"])
    sheet.write_string("C5", "浙江")
    sheet.write_datetime("D5", dt.datetime(2022, 6, 30), workbook.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_number("E5", 89)
    sheet.write_string("F5", "000123")
    workbook.close()
    result = read_upload("s.xlsx", buffer.getvalue())
    assert result.ok, result.report.codes
    assert result.header_row == 3 and result.source_rows.to_list() == [4, 5]
    assert result.frame.sort("adcode").select("adcode", "year").rows() == [("310000", 2023), ("330000", 2022)]
    assert result.text_frame["编号"][1] == "000123"


def test_parquet_columns_become_text_and_row_numbers_count_a_header():
    result = read_upload("p.parquet", (UPLOADS / "good_parquet.parquet").read_bytes())
    assert result.ok and result.kind == "parquet"
    assert set(result.text_frame.dtypes) == {pl.String}
    assert result.source_rows.to_list() == [2, 3, 4]
    assert result.text_frame["year"].to_list() == ["2023", "2023", "2023"]


def test_parquet_nested_columns_are_skipped_and_corrupt_parquet_reported():
    frame = pl.DataFrame({"adcode": ["310000"], "year": [2023], "index": [90.5], "tags": [["a", "b"]]})
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    result = read_upload("n.parquet", buffer.getvalue())
    assert result.ok and "parquet_unsupported_column" in result.report.codes
    broken = read_upload("b.parquet", b"PAR1" + b"\x00" * 64 + b"PAR1")
    assert broken.report.codes == ["parquet_corrupt"]


def test_title_rows_and_notes_of_an_nbs_like_workbook_are_kept():
    import io

    import xlsxwriter

    from digigov.ingest.excel_reader import read_xlsx
    from digigov.ingest.report import ValidationReport

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("分省年度数据")
    sheet.merge_range(0, 0, 0, 3, "数据库：分省年度数据")
    sheet.write(1, 0, "指标：宽带接入用户(万户)")
    sheet.write_row(2, 0, ["地区", 2022, 2021, 2020])
    sheet.write_row(3, 0, ["北京市", 867.1, 800.2, 740.3])
    sheet.write_row(4, 0, ["天津市", 612.0, 580.3, 550.0])
    sheet.write(6, 0, "数据来源：国家统计局")
    book.close()
    table, _ = read_xlsx(buffer.getvalue(), ValidationReport(file="nbs.xlsx"))
    assert table is not None and table.header_row == 3
    assert [c[:4] for c in table.columns] == ["地区", "2022", "2021", "2020"]
    assert table.title_lines == ["数据库：分省年度数据", "指标：宽带接入用户(万户)"] and table.title_rows == [1, 2]
    assert table.note_lines == ["数据来源：国家统计局"]
