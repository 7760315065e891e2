import io
import zipfile

import polars as pl
import pytest

from digigov.export.tables import (
    FORMULA_TRIGGERS,
    neutralise_formula,
    safe_frame,
    sanitise,
    to_csv_bytes,
    to_xlsx_bytes,
    valid_sheet_name,
)

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "=cmd|' /C calc'!A0"]


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "地区": ["上海", "浙江", *HOSTILE, None, "<10"],
            "指数": [91.0, -2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, None, 12.0],
            "排名变化": [-1, 0, 2, -3, 1, 1, 1, 1, 1, 1, 1, 1],
        }
    )


@pytest.mark.parametrize("cell", HOSTILE)
def test_hostile_text_cells_are_prefixed_with_an_apostrophe(cell):
    assert neutralise_formula(cell) == "'" + cell


@pytest.mark.parametrize("value", [-2, -2.5, 0, 3.25, None, "上海", "<10", "*", "a=1", " =1", "'=1", ""])
def test_numbers_and_harmless_text_are_untouched(value):
    assert neutralise_formula(value) == value


def test_safe_frame_neutralises_text_and_column_names_but_keeps_numbers_and_suppression():
    hostile = frame().with_columns(pl.lit("x").alias("=1+2"))
    safe = safe_frame(hostile)
    assert safe.columns == ["地区", "指数", "排名变化", "'=1+2"]
    assert safe["地区"].to_list() == ["上海", "浙江", *("'" + c for c in HOSTILE), None, "<10"]
    assert safe.schema["指数"] == pl.Float64 and safe["指数"].to_list() == hostile["指数"].to_list()
    assert safe.schema["排名变化"] == pl.Int64 and safe["排名变化"].min() == -3
    for cell in safe["地区"].drop_nulls():
        assert not cell.startswith(FORMULA_TRIGGERS)


def test_categorical_and_list_cells_are_checked_too():
    cats = pl.DataFrame({"c": pl.Series(["=1+1", "ok"], dtype=pl.Categorical), "l": [["=2", "b"], ["c"]]})
    safe = safe_frame(cats)
    assert safe["c"].to_list() == ["'=1+1", "ok"]
    assert safe["l"].to_list() == ["'=2; b", "c"]


def test_csv_has_bom_crlf_and_round_trips_chinese_and_numbers():
    data = to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    back = pl.read_csv(io.BytesIO(data[3:]), schema_overrides={"地区": pl.String})
    assert back.columns == ["地区", "指数", "排名变化"]
    assert back["地区"][0] == "上海" and back["地区"][-1] == "<10" and back["地区"][-2] is None
    assert back["指数"][1] == -2.5 and back["排名变化"][3] == -3
    assert back["地区"][2] == "'" + HOSTILE[0]
    text = data.decode("utf-8-sig")
    for line in text.split("\r\n")[1:]:
        first = line.lstrip('"')
        assert not first.startswith(("=", "+", "@")), line


def test_xlsx_opens_and_shows_cells_as_text_without_formulas():
    data = to_xlsx_bytes(frame(), "指数/排名")
    back = pl.read_excel(io.BytesIO(data))
    assert back["地区"].to_list()[:3] == ["上海", "浙江", "'" + HOSTILE[0]]
    assert back["指数"][1] == -2.5 and back["排名变化"][3] == -3
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(book.read(n).decode() for n in sheets)
        assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
        assert not any(n.startswith("xl/externalLinks") for n in book.namelist())
        assert "hyperlink" not in xml.lower()
        assert "指数_排名" in book.read("xl/workbook.xml").decode()


def test_sheet_names_are_valid():
    assert valid_sheet_name("a/b:c*d?[e]") == "a_b_c_d__e_"
    assert len(valid_sheet_name("长" * 40)) == 31
    assert valid_sheet_name("''") == "data"


def test_personal_identifiers_are_never_exported():
    people = pl.DataFrame(
        {
            "地区": ["上海", "浙江", "北京"],
            "联系方式": ["13812345678", "+86 139-1234-5678", "15912345678"],  # a column of phone numbers
            "备注": ["身份证 11010519491231002X", "无", "无"],  # one ID number in free text
            "号码": [13812345678, 13912345678, 15912345678],  # phone numbers stored as numbers
            "mobile_app": [0.31, 0.42, 0.27],  # a channel share, not personal data
        }
    )
    table = sanitise(people)
    assert set(table.dropped) == {"联系方式", "号码"}
    assert table.redacted == {"备注": 1}
    assert table.frame.columns == ["地区", "备注", "mobile_app"]
    assert table.frame["备注"][0] == "身份证 ***"
    csv = to_csv_bytes(people).decode("utf-8-sig")
    assert "13812345678" not in csv and "11010519491231002X" not in csv and "0.31" in csv


def test_identifier_check():
    from digigov.ingest.privacy import contains_identifier as looks_like_identifier

    assert looks_like_identifier("11010519491231002X")
    assert not looks_like_identifier("110105194912310021")  # wrong check digit
    assert looks_like_identifier("call 138 1234 5678")
    assert not looks_like_identifier("310000") and not looks_like_identifier("2024")


def test_plain_tables_pass_through_unchanged():
    plain = pl.DataFrame({"adcode": ["310000", "330000"], "year": [2024, 2024], "index": [91.0, 88.2]})
    table = sanitise(plain)
    assert not table.changed
    assert table.frame.equals(plain)
