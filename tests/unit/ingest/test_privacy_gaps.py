"""The privacy gaps of issue 18: grouped ID numbers, more identifier column names, e-mail addresses and bank
cards, rejected rows shown as a masked excerpt only, import-job errors masked."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from digigov.ingest import read_upload
from digigov.ingest.privacy import (
    contains_identifier,
    drop_identifiers,
    find_bank_cards,
    find_emails,
    find_resident_ids,
    id_check_digit,
    is_bank_card,
    is_valid_resident_id,
    mask_text,
    pii_column_name,
    redact_text,
    scan_identifiers,
)
from digigov.ingest.report import RowFields, ValidationReport, row_excerpt


def make_id(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


NUMBER = make_id("110105", dt.date(1949, 12, 31), 2)  # 11010519491231002X, the standard's worked example
CARD = "6222021234567890128"  # 19 digits, Luhn-valid


@pytest.mark.parametrize(
    "written",
    [
        "110105 19491231 002X",
        "110105-19491231-002X",
        "110105 -19491231- 002x",
        "1101 0519 4912 3100 2X",
        "１１０１０５－１９４９１２３１－００２Ｘ",  # full-width, as typed in a Chinese input method
        "110105 491231 002",  # 15 digits, first generation
    ],
)
def test_id_numbers_written_in_groups_are_found_masked_and_redacted(written):
    assert find_resident_ids(f"证件号：{written}。")
    assert is_valid_resident_id(written)
    masked = mask_text(f"证件号：{written}。")
    assert written not in masked and "19491231" not in masked and "491231" not in masked
    assert redact_text(f"证件号 {written} 已核") == "证件号 *** 已核"


def test_grouped_numbers_that_are_not_ids_are_left_in_data_but_masked_in_messages():
    wrong = "110105 19491231 0021"  # check digit wrong
    assert not find_resident_ids(wrong) and redact_text(wrong) == wrong
    assert "19491231" not in mask_text(wrong)  # messages hide any run of 15+ digits anyway
    assert redact_text("2020-2023 年 上海 12 3") == "2020-2023 年 上海 12 3"


@pytest.mark.parametrize(
    "name",
    [
        "地址",
        "户籍地址",
        "家庭地址",
        "居住地址",
        "负责人",
        "经办人",
        "护照号码",
        "QQ号",
        "邮箱",
        "电子邮件",
        "银行卡号",
        "车牌号",
        "Address",
        "Home address",
        "Passport No.",
        "E-mail",
        "Bank card number",
        "bank_account",
        "Licence plate",
        "License plate",
    ],
)
def test_more_identifier_column_names(name):
    assert pii_column_name(name)


@pytest.mark.parametrize("name", ["IP地址", "网站地址", "接口地址", "平台地址", "Web address", "IP Address", "地区"])
def test_addresses_of_machines_are_not_personal(name):
    assert pii_column_name(name) is None


def test_emails_and_bank_cards_are_found_masked_and_redacted():
    card = f"{CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}"
    text = f"联系 zhang.san+gov@example.gov.cn 或 13812345678@qq.com，卡号 {card}"
    assert find_emails(text) == ["zhang.san+gov@example.gov.cn", "13812345678@qq.com"]
    assert is_bank_card(CARD) and find_bank_cards(text)
    assert not is_bank_card(CARD[:-1] + str((int(CARD[-1]) + 1) % 10))  # Luhn
    assert not is_bank_card("1" + CARD[1:])  # industry digit 1: not a bank card
    masked = mask_text(text)
    for secret in ("zhang.san+gov@example.gov.cn", "13812345678", CARD[4:12], "0212 3456"):
        assert secret not in masked, secret
    assert "z***@example.gov.cn" in masked
    assert redact_text(text) == "联系 *** 或 ***，卡号 ***"
    assert contains_identifier("a@b.cn") and contains_identifier(CARD) and not contains_identifier("2023-01-01")


def test_a_frame_scan_counts_emails_cards_and_grouped_ids_once_per_cell():
    frame = pl.DataFrame(
        {
            "备注": [
                f"证件 {NUMBER[:6]} {NUMBER[6:14]} {NUMBER[14:]}",
                "邮箱 a@b.cn，证件 " + NUMBER,
                "无",
                None,
                "正常",
            ],
            "卡": [CARD, CARD, "6222 0212 3456 7890 128", "-", "-"],
            "地区": ["上海", "浙江", "北京", "广东", "四川"],
        }
    )
    findings = scan_identifiers(frame)
    note, card = findings.get("备注"), findings.get("卡")
    assert (note.id_cells, note.email_cells, note.cells, note.action) == (2, 1, 2, "redact")
    assert (card.card_cells, card.cells, card.action) == (3, 3, "drop")
    assert findings.get("地区") is None
    cleaned, notice = drop_identifiers(frame, findings)
    assert cleaned.columns == ["备注", "地区"]
    assert cleaned["备注"].to_list() == ["证件 ***", "邮箱 ***，证件 ***", "无", None, "正常"]
    assert notice.redacted == {"备注": 2} and notice.dropped == ["卡"]


def test_emails_in_a_column_are_redacted_in_the_pipeline():
    text = "地区,年份,数字政府发展指数,备注\n上海,2023,90.5,联系 li.si@example.cn\n浙江,2023,89,\n北京,2023,88,正常\n"
    result = read_upload("w.csv", text.encode())
    assert result.ok
    assert result.text_frame["备注"].to_list() == ["联系 ***", None, "正常"]
    issue = result.report.find("pii_cells_redacted")[0]
    assert "li.si@example.cn" not in issue.message_zh + issue.message_en + (issue.value or "")


# -- rejected rows ---------------------------------------------------------------------------------------------
def test_a_ragged_row_is_reported_by_number_and_field_counts_with_a_masked_excerpt_only():
    secret_name, phone = "张三丰", "13912345678"
    text = (
        "地区,年份,数字政府发展指数,备注\n"
        "上海,2023,90.5,正常\n"
        f"浙江,2023,89,{secret_name},{phone},杭州市西湖区某路 12 号\n"
        "北京,2023,88,正常\n"
    )
    result = read_upload("r.csv", text.encode())
    issue = result.report.find("ragged_row")[0]
    assert issue.row == 3 and issue.value == "浙江,2023,…"
    assert "6 个字段" in issue.message_zh and "header has 4 columns" in issue.message_en
    shown = result.report.to_csv_bytes().decode("utf-8-sig") + result.report.to_frame().write_csv()
    for secret in (secret_name, phone, "西湖区"):
        assert secret not in shown, secret


def test_the_row_excerpt_masks_before_cutting_and_hides_fields_under_identifier_headers():
    row = RowFields((f"{NUMBER[:6]} {NUMBER[6:]}", "2023", "x"), ",", ("地区", "年份", "备注"))
    excerpt = row_excerpt(row)
    assert NUMBER[6:14] not in excerpt and excerpt.endswith(",2023,…")
    assert row_excerpt(RowFields(("李四", "上海"), ",", ("姓名", "地区"))) == "***,上海"
    long = row_excerpt(RowFields(("一" * 40,), ";"))
    assert len(long) <= 12 and long.endswith("…")
    report = ValidationReport(file="f.csv")
    report.add("ragged_row", "error", row=5, value=RowFields(("a", "b", "c", "d")), fields=4, expected=3)
    assert report.find("ragged_row")[0].value == "a,b,…"


def test_a_column_of_numeric_codes_is_not_taken_for_bank_cards():
    """Random 16-digit record numbers pass the Luhn check one time in ten: they stay; a card column is dropped."""
    import random

    from digigov.ingest.privacy import luhn_valid

    rng = random.Random(7)
    codes = [str(rng.randrange(4 * 10**15, 7 * 10**15)) for _ in range(200)]
    assert 5 < sum(luhn_valid(c) for c in codes) < 40  # some look like cards by chance
    cards = []
    while len(cards) < 30:
        body = "6222" + str(rng.randrange(10**11, 10**12))
        cards.append(next(body + d for d in "0123456789" if luhn_valid(body + d)))
    frame = pl.DataFrame({"记录号": codes, "卡": cards * 6 + cards[:20]})
    findings = scan_identifiers(frame)
    assert findings.get("记录号") is None
    assert findings.get("卡").card_cells == 200 and findings.get("卡").action == "drop"


def test_a_mobile_number_with_the_0086_prefix_and_no_separators_is_found():
    # Hypothesis found it in CI: 15 bare digits went down the code-column path and were never checked as a phone.
    frame = pl.DataFrame({"地区": ["008613000000000", "浙江", "北京"]})
    (finding,) = scan_identifiers(frame).columns
    assert finding.phone_cells == 1
