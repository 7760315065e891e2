"""Write the data-sharing corpus (tests/data/real/sharing_*): exchange tables and platform tables in the shapes
共享交换平台 and 政务服务平台 exports write them.

Deterministic; run from the repository root to rebuild the committed files:

    .venv/bin/python tests/data/real/sharing_make_files.py

CSV "from Excel" means GB18030 bytes with CRLF line ends (Excel's 另存为 CSV on a Chinese Windows); "CSV UTF-8"
means UTF-8 with a BOM. The .xlsx carries a merged title row above the header, as exports do.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent


def _cell(text: str) -> str:
    return f'"{text}"' if "," in text or '"' in text else text


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = "\r\n".join(",".join(_cell(c) for c in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(title: str, rows: list[list[object]], sheet: str = "调用统计") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": dt.datetime(2025, 1, 6, 9, 0, 0)})  # fixed: the same bytes on every run
    ws = book.add_worksheet(sheet)
    ws.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if cell is not None:
                ws.write(r, c, cell)
    book.close()
    return buffer.getvalue()


# Zhejiang's provincial exchange platform, 2024: rows provide, columns consume. 省档案馆 neither provides nor
# consumes (an island); 省统计局 only consumes; the 合计 row and column are the export's sums.
ZJ_DEPARTMENTS = ["省公安厅", "省市场监管局", "省税务局", "省人力社保厅", "省民政厅", "省统计局", "省档案馆"]
ZJ_CALLS = [
    [0, 48210, 30125, 12004, 8120, 2210, 0],
    [39877, 0, 22310, 0, 1250, 4318, 0],
    [15002, 9100, 0, 0, 0, 0, 0],
    [20330, 0, 0, 0, 6540, 0, 0],
    [7700, 0, 0, 3100, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
]


def matrix_rows(departments: list[str], calls: list[list[int]], corner: str) -> list[list[str]]:
    rows = [[corner, *departments, "合计"]]
    for name, row in zip(departments, calls, strict=True):
        rows.append([name, *(f"{v}" for v in row), f"{sum(row)}"])
    totals = [sum(col) for col in zip(*calls, strict=True)]
    rows.append(["合计", *(f"{v}" for v in totals), f"{sum(totals)}"])
    return rows


# Guizhou's exchange platform in .xlsx: 贵州省大数据局 provides most; 省林业局 is an island.
GZ_DEPARTMENTS = ["省大数据局", "省公安厅", "省卫生健康委", "省教育厅", "省林业局"]
GZ_CALLS = [
    [0, 61200, 35880, 20010, 0],
    [5210, 0, 3300, 0, 0],
    [1800, 0, 0, 900, 0],
    [2400, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
]


def files() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out["sharing_matrix_zhejiang_gb18030.csv"] = csv_bytes(
        [
            ["2024年浙江省公共数据共享交换平台部门间调用次数统计表", *[""] * (len(ZJ_DEPARTMENTS) + 1)],
            *matrix_rows(ZJ_DEPARTMENTS, ZJ_CALLS, "提供部门\\使用部门"),
        ],
        "gb18030",
    )
    gz = matrix_rows(GZ_DEPARTMENTS, GZ_CALLS, "数据提供方")
    out["sharing_matrix_guizhou.xlsx"] = xlsx_bytes(
        "贵州省数据共享交换平台2024年度部门间数据调用情况",
        [[cell if i == 0 or j == 0 else int(cell) for j, cell in enumerate(row)] for i, row in enumerate(gz)],
    )
    # A matrix with a count written in words (第 4 行 省税务局 → 省市场监管局) and a negative count.
    bad = matrix_rows(ZJ_DEPARTMENTS[:4], [r[:4] for r in ZJ_CALLS[:4]], "提供部门\\使用部门")
    bad[3][2] = "十二"
    bad[4][1] = "-5"
    out["sharing_matrix_bad_counts_gb18030.csv"] = csv_bytes(
        [["2024年浙江省部门间调用次数（错误示例）", *[""] * 5], *bad], "gb18030"
    )
    # The exchange log of Sichuan and Chongqing: one row per department pair and day.
    log = [["日期", "地区", "提供部门", "需求部门", "调用次数"]]
    pairs = [
        ("四川省", "省公安厅", "省民政厅", [120, 98, 133]),
        ("四川省", "省民政厅", "省公安厅", [12, 0, 7]),
        ("四川省", "省市场监管局", "省税务局", [410, 388, 402]),
        ("四川省", "省医保局", "省卫生健康委", [56, 61, 49]),
        ("重庆市", "市公安局", "市大数据发展局", [300, 280, 310]),
        ("重庆市", "市大数据发展局", "市公安局", [25, 30, 22]),
        ("重庆市", "市规划自然资源局", "市住房城乡建委", [14, 0, 9]),
    ]
    for region, provider, consumer, counts in pairs:
        for day, count in zip(("2024-11-01", "2024-11-02", "2024-11-03"), counts, strict=True):
            log.append([day, region, provider, consumer, f"{count}"])
    # a department listed with no calls: 省档案馆 (an island in the log)
    log.append(["2024-11-03", "四川省", "省档案馆", "省公安厅", "0"])
    out["sharing_log_sichuan_chongqing_utf8_bom.csv"] = csv_bytes(log, "utf-8-sig")
    # The operations table of provincial government-service platforms (投入 in 万元): 西藏 costs far more per
    # transaction (an outlier by Tukey's fences); 青海's app records no transactions yet.
    platforms = [
        ["平台名称", "地区", "建设运维投入（万元）", "办件量", "活跃用户"],
        ["浙里办", "浙江省", "8,520.5", "182,400,000", "9,820,000"],
        ["粤省事", "广东省", "9,100", "201,000,000", "12,300,000"],
        ["随申办", "上海市", "6,830", "150,200,000", "8,100,000"],
        ["苏服办", "江苏省", "5,960", "98,300,000", "6,200,000"],
        ["天府通办", "四川省", "4,210", "60,100,000", "4,900,000"],
        ["渝快办", "重庆市", "3,880", "72,500,000", "4,300,000"],
        ["西藏政务", "西藏自治区", "3,650", "410,000", "180,000"],
        ["青松办", "青海省", "1,120", "0", "21,000"],
    ]
    out["sharing_platforms_gb18030.csv"] = csv_bytes(platforms, "gb18030")
    return out


if __name__ == "__main__":
    for name, data in files().items():
        (HERE / name).write_bytes(data)
        print(name, len(data))
