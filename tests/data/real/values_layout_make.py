"""Write the values_* and layout_* files of tests/data/real/ (numbers as written, headers by meaning, periods as
columns), the way analysts' tools write them: NBS GBK CSV exports with title and notes lines, an NBS-like .xlsx
with title rows, GB18030 survey tables saved from Excel (CRLF), UTF-8 with BOM.

    .venv/bin/python tests/data/real/values_layout_make.py            # rewrite the files next to this script

Deterministic (fixed workbook dates). All numbers are invented test values, not official statistics.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

OUT = Path(__file__).resolve().parent
FIXED_DATE = dt.datetime(2024, 6, 1, 9, 0, 0)
PROVINCES = (
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
)
NBS_YEARS = list(range(2022, 2012, -1))  # NBS lists the latest year first


def broadband(province: int, year: int) -> str:
    """An invented broadband subscriber count (万户) with one decimal; 西藏 2013 is missing, as NBS leaves it."""
    if PROVINCES[province] == "西藏自治区" and year == 2013:
        return ""
    value = 150 + 37 * province + (year - 2013) * (12 + province % 7)
    return f"{value:.1f}"


def nbs_csv_text() -> str:
    lines = ["数据库：分省年度数据", "指标：宽带接入用户(万户)", "时间：最近10年"]
    lines.append(",".join(["地区", *[f"{y}年" for y in NBS_YEARS]]))
    for i, name in enumerate(PROVINCES):
        lines.append(",".join([name, *[broadband(i, y) for y in NBS_YEARS]]))
    lines += ["注：2022年数据为初步统计数。", "数据来源：国家统计局"]
    return "\r\n".join(lines) + "\r\n"


def nbs_xlsx() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": FIXED_DATE})
    sheet = book.add_worksheet("分省年度数据")
    bold = book.add_format({"bold": True})
    sheet.merge_range(0, 0, 0, len(NBS_YEARS), "数据库：分省年度数据", bold)
    sheet.merge_range(1, 0, 1, len(NBS_YEARS), "指标：宽带接入用户(万户)")
    sheet.write_row(2, 0, ["时间：最近10年"])
    sheet.write_row(3, 0, ["地区", *[f"{y}年" for y in NBS_YEARS]], bold)
    for i, name in enumerate(PROVINCES):
        sheet.write(4 + i, 0, name)
        for j, year in enumerate(NBS_YEARS):
            text = broadband(i, year)
            if text:
                sheet.write_number(4 + i, 1 + j, float(text))
    end = 4 + len(PROVINCES)
    sheet.write(end + 1, 0, "注：2022年数据为初步统计数。")
    sheet.write(end + 2, 0, "数据来源：国家统计局")
    book.close()
    return buffer.getvalue()


def index_by_year_csv() -> str:
    """A catalog indicator in the NBS layout: the index by province, years as columns (plain years), GBK."""
    lines = ["数据库：分省年度数据", "指标：数字政府发展指数(分)", "地区,2023,2022,2021"]
    rows = [("上海市", "90.5", "89.1", "87.0"), ("浙江省", "89.3", "88.0", "86.2"), ("贵州省", "80.4", "78.9", "")]
    lines += [",".join(r) for r in rows]
    lines += ["注：示例数值，非官方统计。", "数据来源：课题组测算"]
    return "\r\n".join(lines) + "\r\n"


def awareness_years_bom() -> str:
    """Years as 2021年度 columns, the unit in the title, UTF-8 with BOM (saved from a web tool)."""
    lines = ["指标：知晓率(%)", "省份,2021年度,2022年度,2023年度"]
    lines += ["广东,71.2,75.0,80.3", "四川,60.5,64.1,69.9", "甘肃,52.0,55.5,"]
    lines += ["数据来源：问卷调查"]
    return "\n".join(lines) + "\n"


def monthly_csv() -> str:
    """Months as columns: only the latest month of each year is kept."""
    lines = ["指标：数字政府发展指数", "地区,2023-10,2023-11,2023-12,2024-01,2024-02"]
    lines += ["北京,88.1,88.4,88.9,89.0,89.2", "天津,84.0,84.1,84.3,84.6,84.8"]
    return "\n".join(lines) + "\n"


def survey_city_gb18030() -> str:
    """The city survey table of issue 19 as Excel saves 'CSV' on a Chinese Windows: GB18030, CRLF."""
    header = "省份,城市,年份,样本量,倾向线下办理占比,知晓率,线上办理率"
    rows = [
        "广东省,广州市,2023,512,32.5%,81.2%,66.0%",
        "广东省,深圳市,2023,480,28.1%,85.0%,71.3%",
        "浙江省,杭州市,2023,约450,25.0%,88.1%,70.2%",
        '浙江省,宁波市,2023,"1,020",27.4%,84.3%,68.8%',
        "四川省,成都市,2023,600余,35.2%,79.9%,61.5%",
        "四川省,绵阳市,2023,３１０,41.0%,70.2%,52.4%",
    ]
    return "\r\n".join([header, *rows]) + "\r\n"


def chinese_units_gb18030() -> str:
    """Counts and scores with Chinese scale and unit words, as typed into a WPS sheet: GB18030."""
    header = "地区,年份,市场主体数,数字政府发展指数"
    rows = [
        "江苏,2023,1456.2万,88.3分",
        "广东,2023,1.6亿,８７．１",
        "河南,2023,约1000万,80.5分",
        '青海,2023,"52,300",71.2分',
    ]
    return "\r\n".join([header, *rows]) + "\r\n"


def shares_fullwidth_gb18030() -> str:
    """Full-width digits and signs, full-width thousands separators and per-mille cells: GB18030."""
    header = "地区,年份,样本量,线下办理偏好占比"
    rows = ['北京,2023,"１，２３４",４５．３％', "上海,2023,1，056,38.0%", "重庆,2023,980,350‰"]
    return "\r\n".join([header, *rows]) + "\r\n"


def bad_numbers_utf8() -> str:
    """Cells that cannot be read, each with its own hint (UTF-8, no BOM)."""
    header = "地区,年份,样本量,线下办理偏好占比,数字政府发展指数"
    rows = [
        "北京,2023,1200,32%,88.9",
        '天津,2023,"1,23",30%,84.1',
        "河北,2023,800,28%,80-85",
        "山西,2023,12公里,31%,79.0",
        "内蒙古,2023,700,35分,77.7",
        "辽宁,2023,650,29%,未统计",
    ]
    return "\n".join([header, *rows]) + "\n"


def headers_by_meaning_xlsx() -> bytes:
    """A survey workbook whose headers are written in the analyst's own words; shares as Excel fractions."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": FIXED_DATE})
    sheet = book.add_worksheet("调查结果")
    sheet.write(0, 0, "2023年市场主体政务服务渠道调查")
    header = ["省份", "年份", "有效样本", "习惯现场办理比例（%）", "网办率", "潜在使用率", "线下办理占比"]
    sheet.write_row(2, 0, header)
    rows = [
        ("江西", 2023, 420, 36.2, 0.581, 0.902, 0.40),
        ("湖南", 2023, 515, 31.8, 0.633, 0.915, 0.35),
        ("云南", 2023, 388, 40.5, 0.522, 0.881, 0.44),
    ]
    for i, row in enumerate(rows):
        sheet.write_row(3 + i, 0, row)
    book.close()
    return buffer.getvalue()


FILES: dict[str, bytes] = {}


def build() -> dict[str, bytes]:
    return {
        "layout_nbs_broadband_provinces.csv": nbs_csv_text().encode("gbk"),
        "layout_nbs_broadband_provinces.xlsx": nbs_xlsx(),
        "layout_nbs_index_by_year.csv": index_by_year_csv().encode("gbk"),
        "layout_awareness_years_bom.csv": b"\xef\xbb\xbf" + awareness_years_bom().encode("utf-8"),
        "layout_monthly_columns.csv": monthly_csv().encode("utf-8"),
        "values_survey_city_gb18030.csv": survey_city_gb18030().encode("gb18030"),
        "values_chinese_units_gb18030.csv": chinese_units_gb18030().encode("gb18030"),
        "values_shares_fullwidth_gb18030.csv": shares_fullwidth_gb18030().encode("gb18030"),
        "values_bad_numbers_utf8.csv": bad_numbers_utf8().encode("utf-8"),
        "values_headers_by_meaning.xlsx": headers_by_meaning_xlsx(),
    }


def main() -> None:
    for name, data in build().items():
        (OUT / name).write_bytes(data)


if __name__ == "__main__":
    main()
