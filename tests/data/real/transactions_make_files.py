"""Write the transaction-log corpus (tests/data/real/transactions_*): service-transaction logs (one row per 办件)
as 政务服务 systems export them, with no preference question.

Deterministic; run from the repository root to rebuild the committed files:

    .venv/bin/python tests/data/real/transactions_make_files.py
"""

from pathlib import Path

OUT = Path(__file__).resolve().parent
# 1: GB18030, a title row, 办件编号, 城市, 办理日期, 办理渠道, 办理状态, 满意度 (words)
rows1 = [
    ("BJ2023000101", "广州市", "2023-01-05", "网上办理", "已办结", "满意"),
    ("BJ2023000102", "广州市", "2023-02-11", "窗口", "已办结", "基本满意"),
    ("BJ2023000103", "广州市", "2023-03-02", "App", "未办结", "不满意"),
    ("BJ2023000104", "广州市", "2023-03-09", "窗口", "已办结", "满意"),
    ("BJ2023000105", "广州市", "2023-04-20", "自助终端", "已办结", ""),
    ("BJ2023000106", "深圳市", "2023-01-15", "小程序", "已办结", "满意"),
    ("BJ2023000107", "深圳市", "2023-05-06", "网站", "已办结", "满意"),
    ("BJ2023000108", "深圳市", "2023-06-30", "大厅", "办理中", "不满意"),
    ("BJ2024000001", "广州市", "2024-01-03", "网上办理", "已办结", "满意"),
    ("BJ2024000002", "广州市", "2024-02-14", "窗口", "已办结", "不满意"),
]
text1 = "广东省政务服务网办件明细导出（2023-2024年）\n办件编号,城市,办理日期,办理渠道,办理状态,满意度\n"
text1 += "".join(",".join(r) + "\n" for r in rows1)
(OUT / "transactions_guangdong_gb18030.csv").write_bytes(text1.encode("gb18030"))
# 2: UTF-8 BOM, 地区 (province), 年份, 办理渠道, 是否办结, 评价 (1-5)
rows2 = [
    ("T0001", "浙江省", "2023", "网上", "是", "5"),
    ("T0002", "浙江省", "2023", "网上", "是", "4"),
    ("T0003", "浙江省", "2023", "窗口", "是", "3"),
    ("T0004", "浙江省", "2023", "自助终端", "否", "2"),
    ("T0005", "浙江省", "2023", "App", "是", "5"),
    ("T0006", "浙江省", "2023", "窗口", "否", "1"),
    ("T0007", "江苏省", "2023", "窗口", "是", "4"),
    ("T0008", "江苏省", "2023", "窗口", "是", "5"),
    ("T0009", "江苏省", "2023", "网上", "是", ""),
    ("T0010", "江苏省", "2023", "小程序", "否", "3"),
]
text2 = "办件编号,地区,年份,办理渠道,是否办结,评价\n" + "".join(",".join(r) + "\n" for r in rows2)
(OUT / "transactions_zhejiang_jiangsu_rating_utf8bom.csv").write_bytes(b"\xef\xbb\xbf" + text2.encode("utf-8"))
