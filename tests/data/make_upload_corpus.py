"""Write the upload test corpus to tests/data/uploads/ (good and bad files as analysts really send them).

    .venv/bin/python tests/data/make_upload_corpus.py            # rewrite tests/data/uploads/
    .venv/bin/python tests/data/make_upload_corpus.py --out DIR  # write elsewhere

Deterministic: the same bytes on every run (fixed workbook dates, fixed ZIP timestamps). Needs xlsxwriter for the
realistic workbooks (dev-only; the hostile workbooks are assembled with zipfile by hand). The 150 MB zip bomb is
not committed: tests/unit/ingest/test_ingest_excel.py builds it at run time with `zip_bomb_xlsx()` from this file.
All numbers are invented test values, and the ID and phone numbers are synthetic (valid check digit, no person).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "uploads"
FIXED_DATE = dt.datetime(2024, 6, 1, 9, 0, 0)

# -- the base table: a wide province index (Chinese headers), shared by the encoding variants ---------------------
WIDE_HEADER = ["地区", "年份", "组织机构", "制度体系", "治理能力", "治理效果", "数字政府发展指数", "备注"]
WIDE_ROWS = [
    ["上海", "2023", "92.10", "90.40", "88.30", "91.20", "90.50", "排名第一"],
    ["浙江", "2023", "90.20", "89.10", "87.60", "90.10", "89.25", ""],
    ["北京", "2023", "93.00", "92.10", "84.00", "86.30", "88.85", "含“首都”说明"],
    ["广东", "2023", "88.10", "86.20", "86.90", "87.00", "87.05", "珠三角, 粤东西北"],
    ["四川", "2023", "84.00", "83.20", "85.10", "82.50", "83.70", ""],
    ["贵州", "2023", "80.10", "78.90", "86.40", "76.20", "80.40", "数博会"],
]
RARE_NOTES = ["䶮字测试", "𬌗字测试", "", "䶮 与 𬌗", "", ""]  # 䶮 (U+4DAE) and 𬌗 (U+2C317) are not in GBK


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(cell(v) for v in row) + newline for row in [header, *rows])


def base_text(delimiter: str = ",", newline: str = "\n") -> str:
    return csv_text(WIDE_HEADER, WIDE_ROWS, delimiter, newline)


def rare_text() -> str:
    rows = [[*r[:-1], note] for r, note in zip(WIDE_ROWS, RARE_NOTES, strict=True)]
    return csv_text(WIDE_HEADER, rows)


# -- synthetic personal identifiers -----------------------------------------------------------------------------
def id_number(area: str, birth: str, seq: str) -> str:
    body = area + birth + seq
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


# -- workbooks ------------------------------------------------------------------------------------------------
def _workbook(buffer: io.BytesIO):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": FIXED_DATE, "author": "digigov tests"})
    return workbook


def excel_title_notes() -> bytes:
    """A city table as offices send it: merged title, unit line, header on row 4, percent cells, notes."""
    buffer = io.BytesIO()
    workbook = _workbook(buffer)
    sheet = workbook.add_worksheet("城市渠道")
    title = workbook.add_format({"bold": True, "align": "center"})
    percent = workbook.add_format({"num_format": "0.0%"})
    sheet.merge_range("A1:E1", "2023年部分城市线下办理偏好调查", title)
    sheet.write("A2", "单位：%，家")
    sheet.write_row("A4", ["城市", "年份", "线下办理偏好占比", "样本量", "备注"])
    rows = [
        ("杭州市", 2023, 0.213, 412, ""),
        ("宁波", 2023, 0.245, 266, "含县市"),
        ("成都市", 2023, 0.287, 388, ""),
        ("遵义", 2023, 0.402, 150, ""),
        ("兵团", 2023, 0.455, 88, ""),
    ]
    for offset, (city, year, share, n, note) in enumerate(rows):
        row = 4 + offset
        sheet.write_string(row, 0, city)
        sheet.write_number(row, 1, year)
        sheet.write_number(row, 2, share, percent)
        sheet.write_number(row, 3, n)
        if note:
            sheet.write_string(row, 4, note)
    sheet.write("A11", "注：数据为测试用虚构数据。")
    sheet.write("A12", "数据来源：测试语料生成脚本")
    workbook.close()
    return buffer.getvalue()


def excel_two_sheets() -> bytes:
    """A notes sheet first, then two yearly tables; the first table is read unless a sheet is chosen."""
    buffer = io.BytesIO()
    workbook = _workbook(buffer)
    notes = workbook.add_worksheet("说明")
    notes.write("A1", "本工作簿包含 2023 年和 2022 年开放数据平台更新情况。")
    notes.write("A2", "数值为按时更新的平台占比。")
    for name, year, values in (("2023", 2023, (0.6, 0.5, 0.45)), ("2022", 2022, (0.55, 0.4, 0.38))):
        sheet = workbook.add_worksheet(name)
        sheet.write_row("A1", ["省份", "年份", "开放数据按时更新占比"])
        for i, (province, value) in enumerate(zip(("北京", "天津", "河北"), values, strict=True)):
            sheet.write_row(i + 1, 0, [province, year, value])
    workbook.close()
    return buffer.getvalue()


def _fixed_zip(entries: list[tuple[str, bytes]], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compress
            archive.writestr(info, payload)
    return buffer.getvalue()


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _sheet_xml(prolog: bytes = b"", extra_cell: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>region</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>year</t></is></c><c r="C1" t="inlineStr"><is><t>index</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + (extra_cell or b"Beijing") + b"</t></is></c>"
        b'<c r="B2"><v>2023</v></c><c r="C2"><v>88.5</v></c></row>'
        b"</sheetData></worksheet>"
    )


def minimal_xlsx(sheet_xml: bytes, extra: list[tuple[str, bytes]] | None = None) -> bytes:
    entries = [
        ("[Content_Types].xml", _CONTENT_TYPES),
        ("_rels/.rels", _RELS),
        ("xl/workbook.xml", _WORKBOOK),
        ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ]
    return _fixed_zip(entries + (extra or []))


def doctype_xlsx() -> bytes:
    """Billion-laughs style entity declarations in the sheet XML (small: the point is the DTD)."""
    prolog = (
        b'<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    )
    return minimal_xlsx(_sheet_xml(prolog, b"&lol3;"))


def ratio_bomb_xlsx(megabytes: int = 20) -> bytes:
    """A small file whose extra part inflates about 1000 times (over the ratio limit of 200)."""
    filler = b"<a/>" + b" " * (megabytes * 1024 * 1024)
    return minimal_xlsx(_sheet_xml(), [("xl/media/padding.xml", filler)])


def zip_bomb_xlsx(megabytes: int = 150) -> bytes:
    """Built at run time by the tests (not committed): one 150 MB entry of zeros."""
    filler = b"\x00" * (megabytes * 1024 * 1024)
    return minimal_xlsx(_sheet_xml(), [("xl/worksheets/sheet2.xml", filler)])


def parquet_wide() -> bytes:
    import polars as pl

    frame = pl.DataFrame(
        {
            "adcode": ["310000", "330000", "110000"],
            "year": [2023, 2023, 2023],
            "index": [90.5, 89.25, 88.85],
            "offline_pref_share": [0.213, 0.245, 0.262],
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer, statistics=False)
    return buffer.getvalue()


# -- the corpus ---------------------------------------------------------------------------------------------------
def corpus() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    text = base_text()
    files["good_wide_utf8.csv"] = text.encode("utf-8")
    files["good_wide_utf8_bom.csv"] = b"\xef\xbb\xbf" + text.encode("utf-8")
    files["good_wide_gbk.csv"] = text.encode("gbk")
    files["good_wide_utf16le_tab.txt"] = b"\xff\xfe" + base_text("\t", "\r\n").encode("utf-16-le")
    files["good_semicolon.csv"] = base_text(";").encode("utf-8")
    files["good_pipe.csv"] = base_text("|").encode("utf-8")
    files["good_rare_chars_utf8.csv"] = rare_text().encode("utf-8")
    files["good_rare_chars_gb18030.csv"] = rare_text().encode("gb18030")

    files["good_long_format.csv"] = csv_text(
        ["地区", "年份", "指标", "数值"],
        [
            ["浙江", "2023", "线下办理偏好占比", "21.3%"],
            ["浙江", "2023", "数字政府发展指数", "89.25"],
            ["Jiangsu", "2023", "Share preferring on-site handling", "24.1%"],
            ["Jiangsu", "2023", "dgi_index", "84.10"],
            ["四川省", "2022", "知晓率(%)", "61.5"],
            ["四川省", "2022", "potential_usage_rate", "0.702"],
        ],
    ).encode("utf-8")

    channels = ["网站", "App", "小程序", "自助终端", "窗口", "网站", "窗口", "柜台"]
    raw_rows = []
    for i in range(40):
        city = ("杭州", "宁波", "温州", "成都")[i % 4]
        raw_rows.append(
            [
                f"R{i + 1:04d}",
                city,
                "2024",
                ("企业", "个体工商户")[i % 2],
                ("税务", "社保")[(i // 2) % 2],
                channels[i % len(channels)],
                "是" if i % 3 == 0 else "否",
            ]
        )
    raw_header = ["受访者编号", "城市", "年份", "主体类型", "事项类别", "主要办理渠道", "是否偏好线下"]
    files["raw_channel_records.csv"] = csv_text(raw_header, raw_rows).encode("utf-8")

    demand_rows = []
    reasons = ["不知道可以网上办", "缺少指引", "问题无人解答", "偏好面对面", "系统故障", "其他"]
    for i in range(36):
        need = i % 7 != 3
        aware = need and i % 5 != 0
        used = aware and i % 4 != 0
        done = used and i % 7 != 0
        happy = done and i % 3 != 0
        reason = "" if used or not need else ("不知道可以网上办" if not aware else reasons[1 + i % 5])
        yes = {True: "是", False: "否"}
        demand_rows.append(
            [
                f"Q{i + 1:03d}",
                ("浙江", "四川", "贵州")[i % 3],
                "2024",
                ("税务", "社保")[i % 2],
                yes[need],
                yes[aware] if need else "",
                yes[used] if need else "",
                yes[done] if used else "",
                yes[happy] if done else "",
                reason,
            ]
        )
    files["raw_demand_answers.csv"] = csv_text(
        [
            "问卷编号",
            "省份",
            "年份",
            "事项类别",
            "是否有需求",
            "是否知晓",
            "是否使用",
            "是否办成",
            "是否满意",
            "未使用原因",
        ],
        demand_rows,
    ).encode("utf-8")

    files["good_percent_strings.csv"] = csv_text(
        ["城市", "年份", "网站办理占比", "移动端办理占比", "线下办理偏好占比"],
        [
            ["杭州", "2023", "35.2%", "41.0%", "21.3%"],
            ["宁波", "2023", "33.0%", "39.5%", "24.5%"],
            ["温州", "2023", "30.1 %", "38.2%", "28.0%"],
            ["成都", "2023", "29.4%", "40.3%", "28.7%"],
        ],
    ).encode("utf-8")
    files["good_thousands.csv"] = csv_text(
        ["省份", "年份", "市场主体数", "样本量", "潜在使用率", "实际使用率"],
        [
            ["浙江", "2024", "1,041,806", "1,234", "69.6", "61.6"],
            ["四川", "2024", "989,716", "1，019", "66.1", "52.3"],
            ["贵州", "2024", "625,084", "729", "61.0", "45.0"],
            ["江西", "2024", "512,330", "—", "58.2", "—"],
        ],
    ).encode("utf-8")
    files["good_region_spellings.csv"] = csv_text(
        ["地区", "年份", "数字政府发展指数"],
        [
            ["上海", "2019", "85.1"],
            ["上海市", "2020", "86.4"],
            ["Shanghai", "2021", "87.9"],
            ["310000", "2022", "89.0"],
            ["沪", "2023", "90.5"],
            ["SHANGHAI ", "2024", "91.2"],
        ],
    ).encode("utf-8")
    files["good_corps_rows.csv"] = csv_text(
        ["省份", "年份", "开放数据按时更新占比"],
        [
            ["新疆", "2023", "40%"],
            ["新疆生产建设兵团", "2023", "35%"],
            ["兵团", "2024", "38%"],
            ["新疆", "2024", "42%"],
        ],
    ).encode("utf-8")
    files["excel_title_notes.xlsx"] = excel_title_notes()
    files["excel_two_sheets.xlsx"] = excel_two_sheets()
    files["good_parquet.parquet"] = parquet_wide()

    # -- bad files ----------------------------------------------------------------------------------------------
    files["bad_empty.csv"] = b""
    files["bad_header_only.csv"] = "地区,年份,数字政府发展指数\n".encode()
    files["bad_binary_png.csv"] = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
        b"\x00\x00\x00\x1f\xf3\xffa\x00\x00\x00\x0bIDAT\x08\xd7c\xf8\x0f\x00\x01\x01\x01"
        b"\x00\x18\xdd\x8d\xb0\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    files["bad_ragged.csv"] = (
        "地区,年份,数字政府发展指数\n上海,2023,90.5\n浙江,2023,89.25\n北京,2023,88.85,多出来的值\n"
        "广东,2023,87.05\n四川,2023\n贵州,2023,80.40\n"
    ).encode()
    files["bad_unclosed_quote.csv"] = (
        "地区,年份,数字政府发展指数,备注\n上海,2023,90.5,正常\n浙江,2023,89.25,正常\n北京,2023,88.85,正常\n"
        '广东,2023,87.05,"引号没有闭合\n四川,2023,83.70,正常\n贵州,2023,80.40,正常\n'
    ).encode()
    files["bad_non_numeric.csv"] = (
        "地区,年份,数字政府发展指数,治理能力\n上海,2023,90.5,88.3\n浙江,2023,abc,87.6\n北京,2023,88.85,N/A\n"
        "广东,2023,87.05,约86\n"
    ).encode()
    files["bad_share_120.csv"] = (
        "城市,年份,线下办理偏好占比\n杭州,2023,21.3%\n宁波,2023,24.5%\n温州,2023,120%\n成都,2023,28.7%\n"
    ).encode()
    files["bad_share_negative.csv"] = (
        "城市,年份,线下办理偏好占比\n杭州,2023,21.3%\n宁波,2023,-5%\n温州,2023,28.0%\n"
    ).encode()
    files["bad_duplicates.csv"] = (
        "地区,年份,数字政府发展指数\n上海,2023,90.5\n浙江,2023,89.25\n北京,2023,88.85\n上海市,2023,91.0\n"
        "浙江省,2023,89.25\n"
    ).encode()
    files["bad_unknown_region.csv"] = (
        "地区,年份,数字政府发展指数\n上海,2023,90.5\n浙江,2023,89.25\n火星市,2023,50.0\n北京,2023,88.85\n"
    ).encode()
    files["bad_year.csv"] = (
        "地区,年份,数字政府发展指数\n上海,2023年,90.5\n浙江,去年,89.25\n北京,2023-06-30,88.85\n广东,2023.0,87.05\n"
    ).encode()
    phone_a, phone_b = "13812345678", "139 8765 4321"
    id_a = id_number("110101", "19900307", "123")
    id_b = id_number("330106", "19851120", "456")
    id_key = id_number("510104", "19770101", "789")
    files["bad_pii.csv"] = csv_text(
        ["受访者编号", "姓名", "身份证号", "联系电话", "城市", "年份", "主要办理渠道", "是否偏好线下", "备注"],
        [
            [id_key, "张三", id_a, phone_a, "杭州", "2024", "网站", "否", "已回访"],
            ["R0002", "李四", id_b, "+86 " + phone_b, "杭州", "2024", "窗口", "是", f"请回电 {phone_b}"],
            ["R0003", "王五", "", "", "宁波", "2024", "App", "否", f"代办人证件 {id_b}"],
            ["R0004", "赵六", "", "", "宁波", "2024", "自助终端", "否", "按时办结"],
        ],
    ).encode("utf-8")
    files["bad_scientific_code.csv"] = (
        "行政区划代码,年份,数字政府发展指数\n310000,2023,90.5\n1.1E+17,2023,89.25\n3.3E+05,2023,88.85\n"
    ).encode()
    files["bad_encoding.csv"] = (
        "地区,年份,数字政府发展指数\n上海,2023,90.5\n".encode() + b"Caf\xe9 \xff\xfe\xff,2023,1.0\n"
    )
    files["bad_legacy.xls"] = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + b"legacy workbook body"
    files["bad_doctype.xlsx"] = doctype_xlsx()
    files["bad_zip_ratio.xlsx"] = ratio_bomb_xlsx()
    files["hostile_text.csv"] = csv_text(
        ["地区", "年份", "数字政府发展指数", "备注"],
        [
            ["<script>alert(1)</script>", "2023", "50.0", "<b>bold</b>"],
            ['=HYPERLINK("http://x","y")', "2023", "51.0", '=HYPERLINK("http://x","y")'],
            ["上海", "2023", "90.5", "@SUM(A1:A2)"],
        ],
    ).encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = corpus()
    for name, payload in files.items():
        (args.out / name).write_bytes(payload)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
