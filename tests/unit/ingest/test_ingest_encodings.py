"""Strict decoding: the same table in every encoding and delimiter gives identical frames; nothing is lossy."""

from __future__ import annotations

import codecs

import pytest
from polars.testing import assert_frame_equal

from digigov.ingest import DecodeError, decode_bytes, read_upload
from tests.paths import UPLOADS

SAME_TABLE = [
    "good_wide_utf8.csv",
    "good_wide_utf8_bom.csv",
    "good_wide_gbk.csv",
    "good_wide_utf16le_tab.txt",
    "good_semicolon.csv",
    "good_pipe.csv",
]
ENCODINGS = {
    "good_wide_utf8.csv": ("utf-8", False),
    "good_wide_utf8_bom.csv": ("utf-8", True),
    "good_wide_gbk.csv": ("gbk", False),
    "good_wide_utf16le_tab.txt": ("utf-16-le", True),
    "good_rare_chars_gb18030.csv": ("gb18030", False),
}


def read(name: str, **options):
    return read_upload(name, (UPLOADS / name).read_bytes(), **options)


@pytest.mark.parametrize("name", SAME_TABLE[1:])
def test_same_table_gives_identical_frames(name):
    base, other = read(SAME_TABLE[0]), read(name)
    assert other.ok
    assert_frame_equal(other.text_frame, base.text_frame)
    assert_frame_equal(other.frame, base.frame)
    assert other.source_rows.to_list() == base.source_rows.to_list()


def test_rare_characters_survive_gb18030():
    utf8, gb = read("good_rare_chars_utf8.csv"), read("good_rare_chars_gb18030.csv")
    assert_frame_equal(gb.text_frame, utf8.text_frame)
    notes = gb.text_frame["备注"].to_list()
    assert notes[0] == "䶮字测试" and notes[1] == "𬌗字测试" and notes[3] == "䶮 与 𬌗"


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_detected_encoding_is_reported(name):
    result = read(name)
    assert (result.encoding, result.bom) == ENCODINGS[name]
    detected = result.report.find("encoding_detected")[0]
    assert detected.severity == "info" and result.encoding in detected.message_en


def test_gbk_that_is_also_valid_gb18030_is_called_gbk_and_rare_chars_gb18030():
    assert decode_bytes("上海,浙江".encode("gbk")).encoding == "gbk"
    assert decode_bytes("䶮".encode("gb18030")).encoding == "gb18030"


def test_manual_override():
    data = (UPLOADS / "good_wide_gbk.csv").read_bytes()
    result = read_upload("x.csv", data, encoding="gb18030")
    assert result.ok and result.encoding == "gb18030"
    wrong = read_upload("x.csv", data, encoding="utf-8")
    assert wrong.report.codes == ["decode_override_failed"]
    assert wrong.report.errors[0].row == 1  # the header line already has a GBK byte
    unknown = read_upload("x.csv", data, encoding="no-such-codec")
    assert unknown.report.codes == ["decode_unknown_encoding"]
    not_text = read_upload("x.csv", data, encoding="rot13")
    assert not_text.report.codes == ["decode_unknown_encoding"]


def test_undecodable_bytes_name_the_line_and_never_decode_lossily():
    data = (UPLOADS / "bad_encoding.csv").read_bytes()
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert caught.value.line == 3 and caught.value.code == "decode_failed"
    assert caught.value.offset == data.index(b"\xe9")


def test_utf16_big_endian_and_without_bom_override():
    text = "地区\t年份\t数字政府发展指数\n上海\t2023\t90.5\n"
    big = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    assert decode_bytes(big).text == text and decode_bytes(big).encoding == "utf-16-be"
    result = read_upload("be.txt", big)
    assert result.ok and result.frame["dgi_index"].to_list() == [90.5]
    no_bom = text.encode("utf-16-le")
    assert read_upload("x.txt", no_bom).report.codes == ["binary_file"]  # NUL bytes, no BOM: not guessed
    assert read_upload("x.txt", no_bom, encoding="utf-16-le").ok


def test_utf8_bom_is_not_part_of_the_first_header():
    result = read("good_wide_utf8_bom.csv")
    assert result.text_frame.columns[0] == "地区"


def test_implausible_gb18030_text_is_flagged_uncertain():
    data = "地区,年份\n".encode("gbk") + b"\x81\x30\x81\x30" * 40 + b",2023\n"  # GB18030 for U+0080 controls
    decoded = decode_bytes(data)
    assert decoded.encoding == "gb18030" and decoded.uncertain
    result = read_upload("x.csv", data)
    assert "encoding_uncertain" in result.report.codes
