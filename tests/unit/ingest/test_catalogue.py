"""Reading open-data portal catalogues as portals export them (tests/data/real/catalogue_*): the header under a
title row, GB18030 and UTF-8 with BOM, .xlsx with date cells, mixed date formats, and errors that name file,
row, column and value."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from digigov.ingest import catalogue
from digigov.ingest.pipeline import read_upload
from digigov.upload_kinds import catalogue_frame, kind_frames
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"


def read(name: str) -> catalogue.CatalogueRead:
    return catalogue.read_catalogue(name, (REAL / name).read_bytes())


def test_gb18030_excel_export_with_title_row():
    result = read("catalogue_zhejiang_gb18030.csv")
    assert result.ok, result.report.to_frame()
    frame = result.frame
    assert frame is not None and frame.height == 6
    assert frame["adcode"].to_list() == ["330000", "330100", "330200", "330000", "330300", "330000"]
    assert frame["frequency"].to_list() == ["monthly", "quarterly", "annual", "daily", "irregular", "annual"]
    assert frame["last_updated"][0] == dt.date(2024, 12, 20) and frame["last_updated"][1] == dt.date(2024, 6, 3)
    assert frame["source_row"].to_list() == [3, 4, 5, 6, 7, 8]  # the title row and header are rows 1 and 2
    assert "龑" in frame["title"][3]  # outside GBK: the file must be read as GB18030
    assert frame["open_type"][3] == "conditional"


def test_utf8_bom_with_other_headers_and_timestamps():
    result = read("catalogue_guangdong_utf8_bom.csv")
    assert result.ok
    assert result.columns["department"] == "数源单位" and result.columns["frequency"] == "更新周期"
    frame = result.frame
    assert frame is not None
    assert frame["last_updated"].to_list()[:2] == [dt.date(2024, 12, 28), dt.date(2024, 10, 2)]
    assert frame["adcode"].to_list() == ["440300", "440100", "440000", "440600", "440000"]
    assert not result.report.warnings  # the table pipeline's mapping hints do not apply to a catalogue


def test_xlsx_with_date_cells_and_a_text_date():
    result = read("catalogue_sichuan.xlsx")
    assert result.ok
    frame = result.frame
    assert frame is not None
    assert frame["last_updated"].to_list() == [
        dt.date(2024, 11, 1),
        dt.date(2023, 3, 5),
        dt.date(2024, 12, 15),
        dt.date(2024, 12, 31),
    ]
    assert frame["frequency"].to_list() == ["quarterly", "annual", "monthly", "realtime"]
    assert frame["source_row"].to_list() == [3, 4, 5, 6]


def test_mixed_date_formats_and_a_bad_date_reported_with_row_column_value():
    result = read("catalogue_guizhou_mixed_dates.csv")
    assert not result.ok
    frame = result.frame
    assert frame is not None
    assert frame["last_updated"].to_list() == [
        dt.date(2024, 12, 30),
        dt.date(2024, 11, 5),
        dt.date(2024, 12, 20),
        dt.date(2023, 8, 1),
        None,
        dt.date(2024, 6, 30),
        None,
    ]
    errors = result.report.errors
    assert [(e.code, e.file, e.row, e.column, e.value) for e in errors] == [
        ("catalogue_bad_date", "catalogue_guizhou_mixed_dates.csv", 6, "最近更新时间", "2024-13-45")
    ]
    assert "第 6 行" in errors[0].message("zh") and "2024-13-45" in errors[0].message("zh")
    assert errors[0].message("en").startswith('Row 6, column "最近更新时间"')
    # the irregular dataset without a date is no problem; it is simply counted apart
    assert not result.report.find("catalogue_undated")


def test_parse_dates_is_vectorised_over_portal_formats():
    texts = [
        "2024-03-05",
        "2024/3/5",
        "2024年3月5日",
        "2024-03-05 10:22:01",
        "2024-03-05T10:22",
        "2024.3.5",
        "20240305",
        "45356",
        "2024-02-30",
        "五月",
        None,
    ]
    out = pl.DataFrame({"d": texts}).select(catalogue.parse_dates("d").alias("d"))["d"].to_list()
    assert out[:8] == [dt.date(2024, 3, 5)] * 8
    assert out[8:] == [None, None, None]


def test_frequency_words():
    words = [
        "每日",
        "每天",
        "实时",
        "每周",
        "每月",
        "月度",
        "每季度",
        "季度",
        "每半年",
        "每年",
        "年度",
        "不定期",
        "Monthly",
        "每月更新",
        "偶尔",
    ]
    codes = pl.DataFrame({"f": words}).select(catalogue.frequency_codes("f"))["f"].to_list()
    assert codes == [
        "daily",
        "daily",
        "realtime",
        "weekly",
        "monthly",
        "monthly",
        "quarterly",
        "quarterly",
        "semiannual",
        "annual",
        "annual",
        "irregular",
        "monthly",
        "monthly",
        None,
    ]


def test_unknown_region_and_frequency_and_missing_columns():
    text = "数据集名称,地区,更新频率,最近更新时间\n甲,火星市,每月,2024-01-01\n乙,北京市,偶尔,2024-01-01\n"
    result = catalogue.read_catalogue("bad.csv", text.encode("utf-8"))
    found = {(e.code, e.row, e.column, e.value) for e in result.report.errors}
    assert ("catalogue_unknown_region", 2, "地区", "火星市") in found
    assert ("catalogue_bad_frequency", 3, "更新频率", "偶尔") in found
    missing = catalogue.read_catalogue("x.csv", "数据集名称,地区\n甲,北京\n".encode())
    assert missing.frame is None and missing.report.errors[0].code == "catalogue_missing_columns"
    assert "更新频率" in missing.report.errors[0].message("zh")


def test_upload_kinds_registers_a_catalogue():
    data = (REAL / "catalogue_zhejiang_gb18030.csv").read_bytes()
    result = read_upload("catalogue_zhejiang_gb18030.csv", data)
    frames = kind_frames(result)
    assert set(frames) == {"open_data_catalogue"}
    assert frames["open_data_catalogue"].columns == list(catalogue.COLUMNS)
    bad = read_upload("catalogue_guizhou_mixed_dates.csv", (REAL / "catalogue_guizhou_mixed_dates.csv").read_bytes())
    assert catalogue_frame(bad) is None  # a catalogue with errors is not offered for saving


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("catalogue_*")))
def test_every_real_catalogue_reads_without_exception(name):
    result = read(name)
    assert result.frame is not None and result.frame.height >= 4
