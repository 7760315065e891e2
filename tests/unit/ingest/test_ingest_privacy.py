"""Personal identifiers: GB 11643 check digits, mobile numbers, masking, dropping, hashing; never in messages."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.ingest import read_upload
from digigov.ingest.privacy import (
    ID_PROVINCE_PREFIXES,
    drop_identifiers,
    find_mobiles,
    find_resident_ids,
    id_check_digit,
    is_valid_resident_id,
    mask_text,
    pii_column_name,
    redact_text,
    salted_hash,
    scan_identifiers,
)
from tests.paths import UPLOADS


def make_id(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


# The worked example of GB 11643-1999 (appendix): 11010519491231002X.
def test_standard_example():
    assert id_check_digit("11010519491231002") == "X"
    assert is_valid_resident_id("11010519491231002X")
    assert is_valid_resident_id("11010519491231002x")
    assert not is_valid_resident_id("110105194912310021")


ids = st.builds(
    make_id,
    st.sampled_from(sorted(ID_PROVINCE_PREFIXES)).flatmap(lambda p: st.integers(0, 9999).map(lambda n: f"{p}{n:04d}")),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(0, 999),
)


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(ids)
def test_valid_generated_ids_pass(number):
    assert is_valid_resident_id(number)
    assert find_resident_ids(f"证件号{number}。") == [number]


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(ids, st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_change_fails(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        new = alphabet[(alphabet.index(old) + 1) % len(alphabet)]
    changed = number[:position] + new + number[position + 1 :]
    assert not is_valid_resident_id(changed)


def test_old_15_digit_ids_and_non_ids():
    assert is_valid_resident_id("110105491231002")
    assert not is_valid_resident_id("110105491331002")  # month 13
    assert not is_valid_resident_id("999999199001011234")
    assert not is_valid_resident_id("")


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "+86 138 1234 5678",
        "86-138-1234-5678",
        "138-1234-5678",
        "电话:13912345678。",
        "００８６13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_numbers_are_found(text):
    assert find_mobiles(text)


@pytest.mark.parametrize("text", ["12812345678", "1381234567", "138123456789", "310000", "2023"])
def test_non_mobiles(text):
    assert not find_mobiles(text)


def test_masking_keeps_only_the_ends():
    number = make_id("110101", dt.date(1990, 3, 7), 123)
    masked = mask_text(f"身份证 {number}，手机 13812345678，+86 139-8765-4321")
    assert number not in masked and "13812345678" not in masked and "8765" not in masked
    assert f"{number[:4]}**********{number[-4:]}" in masked
    assert "138****5678" in masked and "139****4321" in masked


def test_redaction_removes_identifiers_completely():
    number = make_id("330106", dt.date(1985, 11, 20), 456)
    assert redact_text(f"代办人 {number} 电话 13812345678") == "代办人 *** 电话 ***"


@pytest.mark.parametrize(
    ("name", "pii"),
    [
        ("姓名", True),
        ("身份证号码", True),
        ("证件号", True),
        ("手机", True),
        ("联系电话", True),
        ("联系方式", True),
        ("Name", True),
        ("ID Number", True),
        ("phone", True),
        ("Mobile No.", True),
        ("地区", False),
        ("年份", False),
        ("样本量", False),
        ("region_name", False),
    ],
)
def test_identifier_column_names(name, pii):
    assert bool(pii_column_name(name)) is pii


def test_scan_and_drop():
    number = make_id("510104", dt.date(1977, 1, 1), 789)
    frame = pl.DataFrame(
        {
            "姓名": ["张三", "李四"],
            "备注": [f"证件 {number}", "无"],
            "地区": ["上海", "浙江"],
            "号码": ["13812345678", "13912345678"],
        }
    )
    findings = scan_identifiers(frame)
    assert {f.column: f.action for f in findings.columns} == {"姓名": "drop", "备注": "redact", "号码": "drop"}
    assert findings.get("号码").phone_cells == 2 and findings.get("备注").id_cells == 1
    cleaned, notice = drop_identifiers(frame, findings)
    assert cleaned.columns == ["备注", "地区"]
    assert cleaned["备注"].to_list() == ["证件 ***", "无"]
    assert notice.dropped == ["姓名", "号码"] and notice.redacted == {"备注": 1}
    text = notice.text("zh") + notice.text("en")
    assert number not in text and "13812345678" not in text
    assert "No ID numbers" in drop_identifiers(frame.select("地区"))[1].text("en")


def test_salted_hash_is_stable_keyed_and_null_safe():
    series = pl.Series("id", ["11010519491231002X", None, "11010519491231002x", "abc"])
    one = salted_hash(series, b"salt-1")
    assert one[0] == one[2] and one[1] is None and len(one[0]) == 32
    assert one.to_list() == salted_hash(series, b"salt-1").to_list()
    assert one[0] != salted_hash(series, b"salt-2")[0]
    with pytest.raises(ValueError):
        salted_hash(series, b"")


def test_pii_never_leaves_the_pipeline_raw():
    data = (UPLOADS / "bad_pii.csv").read_bytes()
    text = data.decode("utf-8")
    secrets = set(re.findall(r"\d{17}[\dXx]", text)) | {"13812345678", "139 8765 4321", "13987654321"}
    names = {"张三", "李四", "王五", "赵六"}
    result = read_upload("bad_pii.csv", data, salt=b"test-salt")
    assert result.ok
    shown: list[str] = []
    for issue in result.report.issues:
        shown += [str(getattr(issue, f)) for f in ("file", "sheet", "column", "value", "message_zh", "message_en")]
    shown.append(result.report.to_csv_bytes().decode("utf-8-sig"))
    shown.append(result.privacy.text("zh") + result.privacy.text("en"))
    for frame in (result.text_frame, result.frame, result.aggregated, result.raw.frame):
        shown.append(frame.write_csv())
    blob = "\n".join(shown)
    for secret in secrets | names:
        assert secret not in blob, secret
    assert "5101**********7896" in blob  # masked examples are allowed in messages
    assert set(result.text_frame.columns) == {"受访者编号", "城市", "年份", "主要办理渠道", "是否偏好线下", "备注"}


def test_the_same_salt_gives_the_same_keys():
    data = (UPLOADS / "bad_pii.csv").read_bytes()
    one = read_upload("a.csv", data, salt="s")
    two = read_upload("a.csv", data, salt="s")
    assert one.text_frame["受访者编号"].to_list() == two.text_frame["受访者编号"].to_list()
    three = read_upload("a.csv", data)  # a fresh random salt each time when none is given
    assert three.text_frame["受访者编号"][0] != one.text_frame["受访者编号"][0]


def test_ids_in_unrelated_columns_of_a_wide_table_are_redacted_and_reported_masked():
    number = make_id("110101", dt.date(1990, 3, 7), 123)
    text = f"地区,年份,数字政府发展指数,备注\n上海,2023,90.5,负责人 {number}\n浙江,2023,89,\n北京,2023,88,正常\n"
    result = read_upload("w.csv", text.encode())
    assert result.ok
    issue = result.report.find("pii_cells_redacted")[0]
    assert number not in issue.message_zh + issue.message_en + (issue.value or "")
    assert result.text_frame["备注"][0] == "负责人 ***"
