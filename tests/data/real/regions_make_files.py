"""Write the region-resolution corpus (tests/data/real/regions_*): files in the shapes analysts' tools write.

Deterministic; run from the repository root to rebuild the committed files:

    .venv/bin/python tests/data/real/regions_make_files.py

CSV "from Excel" means what Excel's 另存为 CSV writes on a Chinese Windows: GB18030/GBK bytes with CRLF line ends;
"CSV UTF-8" means UTF-8 with a BOM. The .xlsx files carry a title row above the header, as exports do.
"""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode(encoding)


def xlsx_bytes(title: str, rows: list[list[object]], sheet: str = "Sheet1") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    ws.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if cell is not None:
                ws.write(r, c, cell)
    book.close()
    return buffer.getvalue()


def files() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # The city-level survey table of issue 19 (GB18030 from Excel): a 兵团 row with no city on line 11, a 全省 row
    # and a 全国 row.
    out["regions_city_survey_gb18030.csv"] = csv_bytes(
        [
            ["省份", "城市", "年份", "样本量", "线下办理偏好占比", "知晓率", "线上办理率"],
            ["浙江", "杭州", "2023", "820", "21.5%", "88.0%", "71.2%"],
            ["浙江", "宁波", "2023", "640", "23.1%", "85.2%", "69.8%"],
            ["浙江", "全省", "2023", "5200", "24.0%", "84.1%", "68.0%"],
            ["江苏", "南京", "2023", "700", "22.4%", "86.5%", "70.1%"],
            ["吉林", "吉林", "2023", "300", "38.2%", "70.3%", "51.0%"],
            ["吉林", "长春", "2023", "420", "35.0%", "74.8%", "55.6%"],
            ["海南", "海口", "2023", "260", "33.3%", "76.0%", "57.2%"],
            ["青海", "海南", "2023", "120", "45.8%", "60.2%", "40.3%"],
            ["新疆", "乌鲁木齐", "2023", "380", "36.1%", "72.4%", "52.9%"],
            ["新疆生产建设兵团", "", "2023", "150", "41.0%", "66.7%", "47.5%"],
            ["全国", "", "2023", "98000", "30.2%", "78.9%", "61.4%"],
        ],
        "gb18030",
    )
    # A provincial table typed in Hong Kong / Taiwan characters, saved as "CSV UTF-8" (with BOM); 全國 at the end.
    out["regions_traditional_utf8bom.csv"] = csv_bytes(
        [
            ["地区", "年份", "数字政府发展指数"],
            ["廣東省", "2023", "90.1"],
            ["臺灣省", "2023", "80.0"],
            ["內蒙古", "2023", "62.3"],
            ["香港特別行政區", "2023", "85.5"],
            ["澳門", "2023", "81.2"],
            ["黑龍江省", "2023", "60.4"],
            ["廣西壯族自治區", "2023", "64.0"],
            ["全國", "2023", "70.2"],
        ],
        "utf-8-sig",
    )
    # An English-language export with the official names, title row above the header.
    out["regions_english_official_names.xlsx"] = xlsx_bytes(
        "Digital government development index by province, 2023",
        [
            ["Province", "Year", "Digital government development index"],
            ["Hong Kong SAR", 2023, 85.5],
            ["Macao SAR", 2023, 81.2],
            ["Xinjiang Uyghur Autonomous Region", 2023, 58.3],
            ["Inner Mongolia Autonomous Region", 2023, 62.3],
            ["Guangxi Zhuang Autonomous Region", 2023, 64.0],
            ["Tibet Autonomous Region", 2023, 50.1],
            ["Beijing Municipality", 2023, 92.0],
            ["Guangdong Province", 2023, 90.1],
            ["National", 2023, 70.2],
        ],
    )
    # An older city table (GBK, from Excel) with names retired since 2000, under their provinces.
    out["regions_historical_names_gbk.csv"] = csv_bytes(
        [
            ["省份", "城市", "年份", "数字政府发展指数"],
            ["湖北", "襄樊", "2009", "55.0"],
            ["云南", "思茅", "2006", "41.2"],
            ["山东", "莱芜", "2018", "60.3"],
            ["安徽", "巢湖", "2010", "52.8"],
            ["贵州", "铜仁地区", "2010", "40.7"],
            ["西藏", "日喀则地区", "2013", "38.9"],
            ["湖北", "武汉", "2009", "70.4"],
        ],
        "gbk",
    )
    # Old GB/T 2260 codes of retired prefectures (GB18030 CSV): resolved to the successors' codes.
    out["regions_old_codes_gb18030.csv"] = csv_bytes(
        [
            ["行政区划代码", "城市", "年份", "数字政府发展指数"],
            ["371200", "莱芜市", "2017", "58.0"],
            ["522200", "铜仁地区", "2010", "40.7"],
            ["341400", "巢湖市", "2010", "52.8"],
            ["330100", "杭州市", "2010", "80.1"],
        ],
        "gb18030",
    )
    # District-level rows in a city column (UTF-8 BOM).
    out["regions_districts_utf8bom.csv"] = csv_bytes(
        [
            ["省份", "城市", "年份", "数字政府发展指数"],
            ["北京", "朝阳区", "2023", "88.0"],
            ["上海", "浦东新区", "2023", "91.0"],
            ["浙江", "义乌市", "2023", "79.5"],
            ["浙江", "杭州", "2023", "86.2"],
        ],
        "utf-8-sig",
    )
    # A city list without a province column (GB18030): 吉林, 海南 and 朝阳 each have two readings.
    out["regions_ambiguous_cities_gb18030.csv"] = csv_bytes(
        [
            ["城市", "年份", "数字政府发展指数"],
            ["长春", "2023", "70.1"],
            ["吉林", "2023", "61.0"],
            ["海南", "2023", "48.2"],
            ["朝阳", "2023", "52.3"],
            ["沈阳", "2023", "72.5"],
            ["杭州", "2023", "86.2"],
        ],
        "gb18030",
    )
    # Typos and look-alikes under a province column (GBK): suggestions stay inside the row's province.
    out["regions_typos_gbk.csv"] = csv_bytes(
        [
            ["省份", "城市", "年份", "数字政府发展指数"],
            ["浙江", "杭洲", "2023", "86.2"],
            ["江苏", "杭州", "2023", "86.2"],
            ["安徽", "合肥", "2023", "75.0"],
            ["安徽", "芜湖", "2023", "70.0"],
            ["浙江", "火星市", "2023", "1.0"],
        ],
        "gbk",
    )
    # Aggregate rows in a province table (UTF-8 BOM): 全国, 合计, 平均, 总计 are reference values.
    out["regions_aggregates_utf8bom.csv"] = csv_bytes(
        [
            ["地区", "年份", "数字政府发展指数"],
            ["北京", "2023", "92.0"],
            ["上海", "2023", "93.1"],
            ["安徽", "2023", "75.0"],
            ["合计", "2023", "260.1"],
            ["平均", "2023", "86.7"],
            ["全国", "2023", "70.2"],
            ["总计", "2023", "260.1"],
        ],
        "utf-8-sig",
    )
    # The UN E-Government Survey layout (xlsx with a title row): countries, not Chinese regions.
    out["regions_un_egov_survey.xlsx"] = xlsx_bytes(
        "UN E-Government Survey 2022 - E-Government Development Index (EGDI)",
        [
            ["Country Name", "Region", "Survey Year", "E-Government Index"],
            ["Denmark", "Europe", 2022, 0.9717],
            ["Republic of Korea", "Asia", 2022, 0.9529],
            ["Finland", "Europe", 2022, 0.9533],
            ["Estonia", "Europe", 2022, 0.9393],
            ["Singapore", "Asia", 2022, 0.9133],
            ["China", "Asia", 2022, 0.8119],
            ["Türkiye", "Asia", 2022, 0.7983],
            ["Viet Nam", "Asia", 2022, 0.6787],
        ],
        sheet="EGDI 2022",
    )
    return out


def main() -> None:
    for name, data in files().items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
