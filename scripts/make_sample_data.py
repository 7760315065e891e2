"""Generate the dashboard's built-in ILLUSTRATIVE sample datasets (``data/samples/*.csv``).

示例数据 / sample data. Nothing written here is an official statistic. The numbers are drawn from a fixed-seed
random generator and shaped so that the pages show the patterns the source article reports (DESIGN.md §2):
the article's top-10 province ranking, East ahead of Central and West with a polarised West (四川 and 贵州
catching up), a spread of about 40 percentage points in the city-level preference for offline handling,
demand-matching shortfalls, and more than half of open-data platforms not updated on time.

Build-time tool; the app only reads the committed outputs::

    python scripts/make_sample_data.py              # rewrite data/samples/*.csv
    python scripts/make_sample_data.py --out DIR    # write elsewhere (the tests compare bytes)

The output is byte-identical on every run: each dataset draws from its own stream seeded with
(SEED, dataset number), so changing one dataset's recipe leaves the others' bytes untouched. The script
checks the calibration targets after generating and refuses to write data that miss them. Columns and
methods are documented in data/samples/README.md.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from digigov.codes import ENTITY_TYPES  # noqa: E402  (one home for the code lists; the script runs from anywhere)
from digigov.codes import SERVICE_CATEGORIES as CATEGORIES  # noqa: E402

GAZETTEER = ROOT / "data" / "gazetteer.csv"
DEFAULT_OUT = ROOT / "data" / "samples"
SEED = 20240601
CORPS = "660000"  # 新疆生产建设兵团: a reporting unit of its own, no prefectures under it in the gazetteer

INDEX_YEARS = tuple(range(2018, 2025))
CHANNEL_YEARS = (2022, 2023, 2024)
FUNNEL_YEARS = (2023, 2024)
OPEN_DATA_YEARS = (2021, 2022, 2023, 2024)
DIMENSIONS = ("organisation", "institutions", "capacity", "effect")
REASONS = ("reason_no_guidance", "reason_no_answer", "reason_prefers_face", "reason_tech_failure", "reason_other")
CITY_INDEX_PROVINCES = ("330000", "440000", "510000", "520000")  # 浙江, 广东, 四川, 贵州

# The article's ranking fixes places 1-10; the rest only need to sit plausibly below them with the
# East > Central > West pattern and a polarised West. Gaps around 四川 and 贵州 are wide enough that their
# faster growth does not reorder the top 10 in 2021.
TOP10 = ("上海", "浙江", "北京", "广东", "四川", "福建", "贵州", "山东", "江西", "江苏")
INDEX_2024: dict[str, float] = {
    "上海": 91.0,
    "浙江": 89.5,
    "北京": 88.0,
    "广东": 86.5,
    "四川": 85.0,
    "福建": 81.5,
    "贵州": 80.0,
    "山东": 76.5,
    "江西": 75.5,
    "江苏": 74.5,
    "天津": 72.5,
    "安徽": 72.0,
    "湖北": 71.5,
    "重庆": 71.0,
    "湖南": 69.5,
    "河南": 68.0,
    "海南": 67.5,
    "陕西": 66.5,
    "广西": 66.0,
    "河北": 65.0,
    "宁夏": 64.0,
    "辽宁": 63.5,
    "山西": 62.0,
    "吉林": 61.0,
    "内蒙古": 60.0,
    "云南": 59.5,
    "黑龙江": 58.5,
    "甘肃": 56.5,
    "新疆": 55.0,
    "青海": 52.0,
    "西藏": 47.5,
}
# (mean yearly growth 2018->2024, yearly growth 2021->2024): the catch-up was fastest before 2021, so the two
# are the fastest growers overall while keeping their 2021 places in the ranking.
CATCH_UP: dict[str, tuple[float, float]] = {"四川": (0.058, 0.044), "贵州": (0.060, 0.048)}
# Dimension stories (organisation, institutions, capacity, effect), in index points, on top of random profiles.
DIMENSION_STORIES: dict[str, tuple[float, float, float, float]] = {
    "北京": (4, 5, -2, -3),
    "浙江": (-2, -1, 0, 6),
    "广东": (-3, -2, 4, 3),
    "贵州": (0, -1, 7, -5),
    "江西": (2, 5, -2, -4),
    "上海": (1, 2, 1, 2),
    "西藏": (3, 1, -6, -2),
    "四川": (-1, 0, 3, 1),
}

# City-level development (within a province) by kind of prefecture; "big" are non-capital economic centres.
BIG_CITIES = frozenset(
    {
        "440300",
        "330200",
        "320500",
        "350200",
        "370200",
        "210200",
        "320200",
        "441900",
        "440600",
        "440400",
        "330300",
        "510700",
        "520300",
        "130200",
        "340200",
        "420500",
        "410300",
        "450200",
        "530300",
        "610300",
    }
)
LOCAL_DEV = {
    "municipality": 0.8,
    "capital": 1.0,
    "big": 0.7,
    "ordinary": 0.0,
    "remote": -0.8,
    "county": -0.4,
    "tiny": -0.6,
}
SIZE = {"municipality": 6.0, "capital": 3.0, "big": 2.2, "ordinary": 1.0, "remote": 0.5, "county": 0.3, "tiny": 0.02}
# Known within-province contrasts for the four provinces that have a city index (Pearl River Delta vs.
# the rest of 广东, the plateau prefectures of 四川, the mountain prefectures of 浙江 and 贵州).
LOCAL_ADJUST = {
    "440300": 0.3,
    "441900": -0.1,
    "440600": -0.1,
    "440400": -0.1,
    "442000": 0.3,
    "441300": 0.2,
    "440200": -0.3,
    "441600": -0.4,
    "441400": -0.4,
    "441500": -0.4,
    "441700": -0.3,
    "440800": -0.3,
    "440900": -0.3,
    "445300": -0.4,
    "441800": -0.3,
    "445100": -0.2,
    "445200": -0.3,
    "510600": 0.3,
    "510800": -0.3,
    "511900": -0.4,
    "330800": -0.3,
    "331100": -0.3,
    "520500": -0.2,
}
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
TINY = frozenset({"460300"})  # 三沙: a few thousand residents, so tiny samples

# Within-province spread of the city index, on the logit scale (浙江 even, 广东 and 四川 very uneven).
CITY_SPREAD = {"330000": 0.35, "440000": 0.55, "510000": 0.60, "520000": 0.42}

# Offline preference multipliers: individuals and permit/certificate matters stay offline more.
ENTITY_OFFLINE = {"enterprise": 0.80, "individual_business": 1.00, "individual": 1.20}
CATEGORY_OFFLINE = {
    "business_registration": 0.88,
    "tax": 0.80,
    "social_insurance": 1.00,
    "permits": 1.17,
    "certificates": 1.15,
}
YEAR_OFFLINE = {2022: 1.08, 2023: 1.04, 2024: 1.00}
ENTITY_SAMPLE = {"enterprise": 1.0, "individual_business": 0.9, "individual": 1.3}
CATEGORY_SAMPLE = {
    "business_registration": 0.9,
    "tax": 1.1,
    "social_insurance": 1.0,
    "permits": 0.9,
    "certificates": 1.0,
}
# Main online channel mix (web, mobile app / mini-program, self-service terminal) among online users.
ONLINE_MIX = {
    "enterprise": (0.45, 0.40, 0.15),
    "individual_business": (0.30, 0.55, 0.15),
    "individual": (0.15, 0.70, 0.15),
}

# Demand funnel: share of entities for which a category is relevant (every entity files annual reports
# through the registration system and pays taxes; fewer need permits).
AFFECTED = {"business_registration": 1.00, "tax": 0.95, "social_insurance": 0.60, "permits": 0.35, "certificates": 0.50}
POTENTIAL = {
    "business_registration": 0.72,
    "tax": 0.84,
    "social_insurance": 0.78,
    "permits": 0.66,
    "certificates": 0.70,
}
DEFICIT = {"business_registration": -0.03, "tax": -0.05, "social_insurance": 0.0, "permits": 0.06, "certificates": 0.04}
REASON_MIX = (0.30, 0.20, 0.25, 0.15, 0.10)  # no guidance, no answer, prefers face, tech failure, other


@dataclass(frozen=True)
class Area:
    adcode: str
    short_zh: str
    parent: str | None
    macro: str
    kind: str


@dataclass(frozen=True)
class Profile:
    dev: float  # digital development, roughly N(0, 1): drives offline preference, shortfalls, staleness
    local: float  # the within-province part of dev: ranks cities inside their province
    size: float  # relative size: 1 = an ordinary prefecture; drives entity counts and sample sizes


@dataclass(frozen=True)
class Regions:
    provinces: list[Area]  # the 31 mainland provinces, in adcode order
    prefectures: list[Area]  # all prefectures of the gazetteer, in adcode order
    corps: Area


def stream(dataset: int) -> np.random.Generator:
    return np.random.default_rng([SEED, dataset])


# -- regions ---------------------------------------------------------------------------------------------


def _kind(adcode: str, name_zh: str, parent: str) -> str:
    if parent in MUNICIPALITIES:
        return "municipality"
    if adcode in TINY:
        return "tiny"
    if adcode[2:] == "0100":
        return "capital"
    if adcode in BIG_CITIES:
        return "big"
    if adcode[2] == "9":  # 省直辖县级行政区划 (济源, 仙桃, 海南's counties, 兵团 cities)
        return "county"
    if name_zh.endswith(("自治州", "地区", "盟")):
        return "remote"
    return "ordinary"


def load_regions(path: Path = GAZETTEER) -> Regions:
    frame = pl.read_csv(path, infer_schema=False).sort("adcode")
    provinces, prefectures, corps = [], [], None
    for row in frame.iter_rows(named=True):
        if row["level"] == "province":
            area = Area(row["adcode"], row["short_zh"], None, row["macro_region"], "province")
            if row["adcode"] == CORPS:
                corps = area
            elif row["counted_in_31"] == "true":
                provinces.append(area)
        else:
            kind = _kind(row["adcode"], row["name_zh"], row["parent"])
            prefectures.append(Area(row["adcode"], row["short_zh"], row["parent"], row["macro_region"], kind))
    if corps is None or len(provinces) != 31:
        raise SystemExit(f"gazetteer {path}: expected 31 provinces and 兵团 {CORPS}")
    return Regions(provinces, prefectures, corps)


def province_z(regions: Regions) -> dict[str, float]:
    """Standardised 2024 index target: the provincial part of every city's development level."""
    values = np.array([INDEX_2024[p.short_zh] for p in regions.provinces])
    z = (values - values.mean()) / values.std()
    return {p.adcode: float(v) for p, v in zip(regions.provinces, z, strict=True)}


def profiles(regions: Regions) -> dict[str, Profile]:
    rng = stream(0)
    pz = province_z(regions)
    local = {
        a.adcode: LOCAL_DEV[a.kind] + LOCAL_ADJUST.get(a.adcode, 0.0) + 0.2 * rng.standard_normal()
        for a in regions.prefectures
    }
    # The capital leads its province (杭州, 广州, 成都, 贵阳 ...), also after the noise.
    for area in regions.prefectures:
        if area.kind == "capital":
            others = [
                local[a.adcode] for a in regions.prefectures if a.parent == area.parent and a.adcode != area.adcode
            ]
            local[area.adcode] = max([local[area.adcode], *[o + 0.15 for o in others]])
    result = {}
    for area in regions.prefectures:
        economy = math.exp(0.3 * pz[area.parent])  # richer provinces have more entities per city
        size = SIZE[area.kind] * economy * math.exp(0.25 * rng.standard_normal())
        result[area.adcode] = Profile(0.9 * pz[area.parent] + local[area.adcode], local[area.adcode], size)
    xinjiang = next(p.adcode for p in regions.provinces if p.short_zh == "新疆")
    result[CORPS] = Profile(0.9 * pz[xinjiang] + 0.1, 0.0, 3.0)  # a whole province-level unit
    return result


# -- 1. province index -----------------------------------------------------------------------------------


def _growth_path(v2024: float, g_early: float, g_late: float, rng: np.random.Generator) -> np.ndarray:
    """Index for 2018..2024: exact growth per 3-year period (so 2018, 2021, 2024 hit their anchors),
    unevenly spread over the years inside each period."""
    steps = []
    for g in (g_early, g_late):
        weights = np.clip(1 + 0.15 * rng.standard_normal(3), 0.6, None)
        steps.extend(3 * math.log1p(g) * weights / weights.sum())
    log_values = math.log(v2024) - np.concatenate([np.cumsum(steps[::-1])[::-1], [0.0]])
    return np.exp(log_values)


def _dimension_offsets(name: str, rng: np.random.Generator) -> np.ndarray:
    offsets = rng.normal(0.0, 3.0, 4) + np.array(DIMENSION_STORIES.get(name, (0, 0, 0, 0)), dtype=float)
    return offsets - offsets.mean()  # the profile moves dimensions, not the index


def to_cents(dimensions: np.ndarray) -> tuple[list[int], int]:
    """Dimension scores in hundredths, and the index as their mean.

    The last dimension is nudged by at most 0.03 so the four sum to a multiple of 4: the mean is then
    exact at two decimals and anyone recomputing it gets the same index, with no half-cent rounding tie.
    """
    cents = np.rint(np.clip(dimensions, 1.0, 99.8) * 100).astype(np.int64)
    cents[-1] -= int(cents.sum()) % 4
    return [int(c) for c in cents], int(cents.sum()) // 4


def province_index(regions: Regions) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """Rows of province_index.csv, plus each province's dimension offsets by year (cities inherit them)."""
    rng = stream(1)
    levels = np.array(list(INDEX_2024.values()))
    low, high = levels.min(), levels.max()
    rows, offsets_by_year = [], {}
    for area in regions.provinces:
        v2024 = INDEX_2024[area.short_zh]
        if area.short_zh in CATCH_UP:
            mean_g, g_late = CATCH_UP[area.short_zh]
            g_early = (1 + mean_g) ** 2 / (1 + g_late) - 1
        else:  # lower levels grow faster: beta and sigma convergence
            g_early = g_late = 0.054 - 0.030 * (v2024 - low) / (high - low) + 0.0015 * rng.standard_normal()
        path = _growth_path(v2024, g_early, g_late, rng)
        base = _dimension_offsets(area.short_zh, rng)
        yearly = np.empty((len(INDEX_YEARS), 4))
        for i, (year, value) in enumerate(zip(INDEX_YEARS, path, strict=True)):
            jitter = rng.normal(0.0, 0.5, 4)
            yearly[i] = base + jitter - jitter.mean()
            cents, index = to_cents(value + yearly[i])
            rows.append((area.adcode, year, *cents, index))
        offsets_by_year[area.adcode] = yearly
    return _index_frame(rows, ["adcode", "year"]), offsets_by_year


def _index_frame(rows: list[tuple], keys: list[str]) -> pl.DataFrame:
    columns = [*keys, *DIMENSIONS, "index"]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return frame.with_columns((pl.col(c) / 100).round(2) for c in [*DIMENSIONS, "index"])


# -- 2. city index ---------------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _centred_logits(logits: np.ndarray, target_mean: float) -> np.ndarray:
    """Shift logits so the cities' mean on the 0-100 scale equals the province index (bisection)."""
    lo, hi = -5.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if 100 * _sigmoid(logits + mid).mean() < target_mean:
            lo = mid
        else:
            hi = mid
    return logits + (lo + hi) / 2


def city_index(
    regions: Regions, prof: dict[str, Profile], provinces: pl.DataFrame, offsets: dict[str, np.ndarray]
) -> pl.DataFrame:
    rng = stream(2)
    rows = []
    for parent in CITY_INDEX_PROVINCES:
        cities = [a for a in regions.prefectures if a.parent == parent]
        local = np.array([prof[a.adcode].local for a in cities])
        z = (local - local.mean()) / local.std()
        own = rng.normal(0.0, 2.0, (len(cities), 4))
        own -= own.mean(axis=1, keepdims=True)
        series = provinces.filter(pl.col("adcode") == parent).sort("year")["index"].to_numpy()
        for i, (year, value) in enumerate(zip(INDEX_YEARS, series, strict=True)):
            shrink = 1 - 0.04 * (year - INDEX_YEARS[0])  # gaps inside a province narrow slowly
            p = value / 100
            logits = math.log(p / (1 - p)) + CITY_SPREAD[parent] * shrink * z + rng.normal(0, 0.04, len(z))
            city_values = 100 * _sigmoid(_centred_logits(logits, value))
            for area, city_value, city_own in zip(cities, city_values, own, strict=True):
                noise = rng.normal(0.0, 0.4, 4)
                dims = city_value + 0.7 * offsets[parent][i] + city_own + noise - noise.mean()
                cents, index = to_cents(dims)
                rows.append((area.adcode, year, parent, *cents, index))
    return _index_frame(rows, ["adcode", "year", "parent"]).sort(["adcode", "year"])


# -- 3. city channels ------------------------------------------------------------------------------------


def _channel_cell(
    n: int, p: float, entity: str, dev: float, rng: np.random.Generator
) -> tuple[int, int, int, int, int]:
    # Counter users are where the offline preference concentrates, so the counter share tracks it.
    counter_p = min(0.06 + 0.8 * p, 0.92)
    q_counter = min(0.85, 0.95 * p / counter_p)
    q_online = max(0.0, (p - counter_p * q_counter) / (1 - counter_p))
    counter = int(rng.binomial(n, counter_p))
    web, mobile, terminal = ONLINE_MIX[entity]
    terminal *= 1 - 0.15 * dev  # self-service halls matter more where fewer go online at home
    mix = np.array([web, mobile, terminal]) * np.exp(rng.normal(0.0, 0.1, 3))
    online = rng.multinomial(n - counter, mix / mix.sum())
    prefers = int(rng.binomial(counter, q_counter) + rng.binomial(n - counter, q_online))
    return int(online[0]), int(online[1]), int(online[2]), counter, prefers


def city_channels(regions: Regions, prof: dict[str, Profile]) -> pl.DataFrame:
    rng = stream(3)
    units = [a.adcode for a in regions.prefectures] + [CORPS]
    devs = np.array([prof[u].dev for u in units])
    d_low, d_high = devs.min(), devs.max()
    rows = []
    for unit in units:
        unit_prof = prof[unit]
        # 2024 city share of "prefers offline" spans about 19 %-57 %, lowest where development is highest.
        base = 0.19 + 0.38 * (d_high - unit_prof.dev) / (d_high - d_low) + 0.012 * rng.standard_normal()
        for year in CHANNEL_YEARS:
            for entity in ENTITY_TYPES:
                for category in CATEGORIES:
                    p = base * ENTITY_OFFLINE[entity] * CATEGORY_OFFLINE[category] * YEAR_OFFLINE[year]
                    p = min(max(p, 0.03), 0.95)
                    scale = 75 * unit_prof.size**0.6 * ENTITY_SAMPLE[entity] * CATEGORY_SAMPLE[category]
                    n = max(3, round(scale * math.exp(0.3 * rng.standard_normal())))
                    cell = _channel_cell(n, p, entity, unit_prof.dev, rng)
                    rows.append((unit, year, entity, category, n, *cell))
    schema = [
        "adcode",
        "year",
        "entity_type",
        "service_category",
        "respondents",
        "web",
        "mobile_app",
        "self_service_terminal",
        "counter",
        "prefers_offline",
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


# -- 4. demand funnel ------------------------------------------------------------------------------------


def _funnel_unit(unit: str, level: str, unit_prof: Profile, theta: float, rng: np.random.Generator) -> list[tuple]:
    """One region's rows; theta splits its deficit between the awareness and the conversion gap."""
    total_entities = 150_000 * unit_prof.size * math.exp(0.3 * rng.standard_normal())
    reason_mix = np.array(REASON_MIX) * np.exp(rng.normal(0.0, 0.3, 5))
    reason_mix[2] *= math.exp(-0.2 * unit_prof.dev)  # preferring face-to-face is commoner where less developed
    reason_mix /= reason_mix.sum()
    rows = []
    for year in FUNNEL_YEARS:
        growth = 1.0 if year == 2024 else 1 / 1.06
        for category in CATEGORIES:
            entities = round(total_entities * growth * AFFECTED[category])
            n = max(8, round(160 * unit_prof.size**0.6 * math.exp(0.25 * rng.standard_normal())))
            later = year - FUNNEL_YEARS[0]
            potential = POTENTIAL[category] + 0.02 * later + 0.03 * rng.standard_normal()
            potential = min(max(potential, 0.6), 0.9)
            deficit = 0.29 - 0.07 * unit_prof.dev + DEFICIT[category] - 0.015 * later
            deficit = min(max(deficit + 0.02 * rng.standard_normal(), 0.14), 0.48)
            aware_rate = (1 - deficit) ** theta
            conversion = (1 - deficit) ** (1 - theta)
            need = int(rng.binomial(n, potential))
            aware = int(rng.binomial(need, aware_rate))
            used = int(rng.binomial(aware, conversion))
            completed = int(rng.binomial(used, min(max(0.90 + 0.03 * unit_prof.dev, 0.75), 0.98)))
            satisfied = int(rng.binomial(completed, min(max(0.80 + 0.05 * unit_prof.dev, 0.6), 0.95)))
            reasons = rng.multinomial(aware - used, reason_mix)
            rows.append(
                (
                    unit,
                    level,
                    year,
                    category,
                    entities,
                    n,
                    need,
                    aware,
                    used,
                    completed,
                    satisfied,
                    need - aware,
                    *(int(r) for r in reasons),
                )
            )
    return rows


FUNNEL_COLUMNS = [
    "adcode",
    "level",
    "year",
    "service_category",
    "entities",
    "respondents",
    "need",
    "aware",
    "used",
    "completed",
    "satisfied",
    "reason_unaware",
    *REASONS,
]


def demand_funnel(regions: Regions, prof: dict[str, Profile]) -> pl.DataFrame:
    rng = stream(4)
    # Some provinces lose users mainly to the awareness gap, others to the conversion gap.
    province_theta = {p.adcode: 0.2 * rng.standard_normal() for p in regions.provinces}
    province_theta[CORPS] = 0.25
    rows = []
    for area in regions.prefectures:
        theta = min(max(0.5 + province_theta[area.parent] + 0.12 * rng.standard_normal(), 0.1), 0.9)
        rows += _funnel_unit(area.adcode, "prefecture", prof[area.adcode], theta, rng)
    rows += _funnel_unit(CORPS, "province", prof[CORPS], 0.5 + province_theta[CORPS], rng)
    prefectures = pl.DataFrame(rows, schema=FUNNEL_COLUMNS, orient="row")
    parents = {a.adcode: a.parent for a in regions.prefectures}
    counts = FUNNEL_COLUMNS[4:]
    # Province rows are the sums of their prefectures, so every invariant carries over exactly.
    provinces = (
        prefectures.filter(pl.col("level") == "prefecture")
        .with_columns(pl.col("adcode").replace_strict(parents, return_dtype=pl.String))
        .group_by(["adcode", "year", "service_category"], maintain_order=True)
        .agg(pl.col(c).sum() for c in counts)
        .with_columns(level=pl.lit("province"))
        .select(FUNNEL_COLUMNS)
    )
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return (
        pl.concat([provinces, prefectures])
        .with_columns(pl.col(c).cast(pl.Int64) for c in counts)
        .sort(["adcode", "year", pl.col("service_category").replace_strict(order, return_dtype=pl.Int8)])
    )


# -- 5. open data ----------------------------------------------------------------------------------------

MUNICIPAL_DISTRICT_PLATFORMS = {"110000": 6, "120000": 4, "310000": 8, "500000": 5}
PLATFORM_OVERRIDES = {"西藏": (0, 0, 1, 1), "青海": (0, 1, 1, 1)}  # western provinces with (almost) none
# National share of platforms updated on time: below one half every year (the article: more than half of
# governments do not update in time), slowly improving.
NATIONAL_ON_TIME = {2021: 0.36, 2022: 0.39, 2023: 0.42, 2024: 0.45}


def _apportion(weights: np.ndarray, total: int, caps: np.ndarray) -> np.ndarray:
    """Integers roughly proportional to weights that sum to total, none above its cap (largest remainder).

    Used instead of independent draws so the national on-time share hits its target exactly: with ~200
    platforms nationally, binomial noise alone could make the share fall from one year to the next.
    """
    exact = np.minimum(weights / weights.sum() * total, caps)
    result = np.floor(exact).astype(np.int64)
    while result.sum() < min(total, caps.sum()):
        room = np.where(result < caps, exact - result, -np.inf)
        result[int(np.argmax(room))] += 1
    return result


def open_data(regions: Regions) -> pl.DataFrame:
    rng = stream(5)
    pz = province_z(regions)
    counts = {p.adcode: sum(a.parent == p.adcode for a in regions.prefectures) for p in regions.provinces}
    frames = []
    for i, year in enumerate(OPEN_DATA_YEARS):
        rows = []
        for area in regions.provinces:
            dev = pz[area.adcode]
            # A province's platform count and catalogue size are fixed traits; draw them from the same
            # per-province seed every year so the series grow smoothly.
            trait = np.random.default_rng([SEED, 5, int(area.adcode)])
            coverage = min(max(0.55 + 0.2 * dev + 0.1 * trait.standard_normal(), 0.05), 0.95)
            full = 1 + MUNICIPAL_DISTRICT_PLATFORMS.get(area.adcode, round(counts[area.adcode] * coverage))
            per_platform = 900 * math.exp(0.4 * dev + 0.3 * trait.standard_normal())
            if area.short_zh in PLATFORM_OVERRIDES:
                platforms = PLATFORM_OVERRIDES[area.short_zh][i]
            else:
                platforms = min(20, max(1, round(full * (0.7 + 0.1 * i))))
            propensity = min(max(0.32 + 0.10 * dev + 0.05 * rng.standard_normal(), 0.05), 0.9)
            staleness = math.exp(math.log(200) - 0.35 * dev - 0.1 * i + 0.2 * rng.standard_normal())
            rows.append(
                {
                    "adcode": area.adcode,
                    "year": year,
                    "platforms": platforms,
                    "datasets": round(platforms * per_platform * 1.15**i),
                    "weight": platforms * propensity,
                    "median_staleness_days": min(max(round(staleness), 30), 720) if platforms else None,
                }
            )
        frame = pl.DataFrame(rows)
        platforms = frame["platforms"].to_numpy()
        on_time = _apportion(frame["weight"].to_numpy(), round(NATIONAL_ON_TIME[year] * platforms.sum()), platforms)
        frames.append(frame.with_columns(updated_on_time=pl.Series(on_time, dtype=pl.Int64)))
    return (
        pl.concat(frames)
        .sort(["adcode", "year"])
        .select(
            pl.col("adcode"),
            pl.col("year"),
            pl.col("platforms"),
            pl.col("datasets"),
            pl.col("updated_on_time"),
            pl.col("median_staleness_days").cast(pl.Int64),
        )
    )


# -- data sharing and openness page (issue 15): catalogue, sharing calls, platform operations ----------------

CATALOGUE_SNAPSHOT = "2024-12-31"  # the sample catalogue's listing date: the page's default reference date
CATALOGUE_CITY_PROVINCES = CITY_INDEX_PROVINCES  # city portals only where city data exist
CATALOGUE_FREQUENCIES = {  # stated frequency: (weight, period in days as the page counts it)
    "每日": (0.05, 1),
    "实时": (0.04, 1),
    "每周": (0.03, 7),
    "每月": (0.16, 31),
    "每季度": (0.15, 92),
    "每半年": (0.07, 184),
    "每年": (0.35, 366),
    "不定期": (0.15, None),
}
DEPARTMENTS = (  # code, catalogue name (zh) — the sample's department list, the same in every region
    ("public_security", "公安"),
    ("market_regulation", "市场监管"),
    ("taxation", "税务"),
    ("human_resources", "人力资源社会保障"),
    ("civil_affairs", "民政"),
    ("natural_resources", "自然资源"),
    ("housing", "住房城乡建设"),
    ("health", "卫生健康"),
    ("education", "教育"),
    ("transport", "交通运输"),
    ("ecology", "生态环境"),
    ("agriculture", "农业农村"),
)
CATALOGUE_TOPICS = ("基本信息", "统计数据", "许可信息", "名录", "监测数据", "服务事项", "设施分布", "办件信息")
FREQUENCY_CODES = {  # as the catalogue table stores them (digigov.analysis.open_data.FREQUENCIES)
    "每日": "daily",
    "实时": "realtime",
    "每周": "weekly",
    "每月": "monthly",
    "每季度": "quarterly",
    "每半年": "semiannual",
    "每年": "annual",
    "不定期": "irregular",
}
FORMAT_SETS = ("CSV,XLSX,JSON,XML", "CSV,XLSX", "XLSX", "JSON,API", "API", "CSV", "PDF", "DOC,PDF")


def open_data_catalogue(regions: Regions) -> pl.DataFrame:
    """One row per dataset of the provincial and (four provinces') city portals: stated frequency and the
    last-updated date as of CATALOGUE_SNAPSHOT. Lateness is more likely where development is lower, so that
    fewer than half of the datasets with a fixed frequency are on schedule nationally."""
    rng = stream(6)
    pz = province_z(regions)
    snapshot = np.datetime64(CATALOGUE_SNAPSHOT)
    names = list(CATALOGUE_FREQUENCIES)
    weights = np.array([w for w, _ in CATALOGUE_FREQUENCIES.values()])
    units = [(p.adcode, pz[p.adcode], 40 + round(20 * max(pz[p.adcode] + 1.5, 0))) for p in regions.provinces]
    units += [
        (a.adcode, pz[a.parent] + 0.3 * rng.standard_normal(), 8 + int(rng.integers(0, 14)))
        for a in regions.prefectures
        if a.parent in CATALOGUE_CITY_PROVINCES and a.kind != "county"
    ]
    rows = []
    for adcode, dev, n in units:
        on_time = min(max(0.40 + 0.13 * dev, 0.08), 0.85)
        machine = min(max(0.62 + 0.12 * dev, 0.2), 0.97)
        for i in range(n):
            frequency = names[int(rng.choice(len(names), p=weights / weights.sum()))]
            period = CATALOGUE_FREQUENCIES[frequency][1]
            if period is None:
                age = int(rng.integers(10, 1500))
            elif rng.random() < on_time:
                age = int(rng.integers(0, period + 1))
            else:
                age = period + 1 + int(rng.exponential(max(320 - 60 * dev, 60)))
            department = DEPARTMENTS[int(rng.integers(0, len(DEPARTMENTS)))][1]
            formats = (
                FORMAT_SETS[int(rng.integers(0, 6))] if rng.random() < machine else FORMAT_SETS[int(rng.integers(6, 8))]
            )
            rows.append(
                {
                    "adcode": adcode,
                    "title": f"{department}{CATALOGUE_TOPICS[int(rng.integers(0, len(CATALOGUE_TOPICS)))]}{i + 1:03d}",
                    "department": department,
                    "frequency": FREQUENCY_CODES[frequency],
                    "last_updated": str(snapshot - np.timedelta64(age, "D")),
                    "formats": formats,
                    "open_type": "unconditional" if rng.random() < 0.8 else "conditional",
                }
            )
    return pl.DataFrame(rows).sort("adcode", "title")


def sharing_calls(regions: Regions) -> pl.DataFrame:
    """Data-sharing calls between the twelve sample departments of every province in 2024 (zero pairs kept, so
    that departments with no calls show as islands). Busier and better connected where development is higher;
    a few departments supply most calls (public security, market regulation, civil affairs)."""
    rng = stream(7)
    pz = province_z(regions)
    supply = np.array([6.0, 4.0, 2.5, 2.5, 2.0, 1.2, 1.0, 1.0, 0.8, 0.6, 0.5, 0.4])
    demand = np.array([1.0, 1.5, 1.6, 1.4, 1.0, 1.0, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6])
    codes = [code for code, _ in DEPARTMENTS]
    rows = []
    for p in regions.provinces:
        dev = pz[p.adcode]
        islands = set(
            rng.choice(
                len(codes), size=int(max(0, round(2.2 - 1.4 * dev + 0.5 * rng.standard_normal()))), replace=False
            ).tolist()
        )
        density = min(max(0.45 + 0.15 * dev, 0.15), 0.9)
        scale = 2_000 * math.exp(0.6 * dev)
        for i, provider in enumerate(codes):
            for j, consumer in enumerate(codes):
                if i == j:
                    continue
                linked = i not in islands and j not in islands and rng.random() < density * min(supply[i], 3) / 3
                calls = int(rng.poisson(scale * supply[i] * demand[j])) if linked else 0
                rows.append(
                    {"adcode": p.adcode, "year": 2024, "provider": provider, "consumer": consumer, "calls": calls}
                )
    return pl.DataFrame(rows)


PLATFORM_TYPES = ("service_portal", "mobile_app")
PLATFORM_IDLE = {"青海": "mobile_app", "西藏": "mobile_app", "宁夏": "service_portal", "甘肃": "mobile_app"}


def platform_operations(regions: Regions) -> pl.DataFrame:
    """Investment (万元, cumulative build and operation) against use in 2024 of two platforms per province: the
    government-service portal and the mobile app. Use follows population-like size and development; a few
    platforms (PLATFORM_IDLE) were built at full cost and are little used, so they stand out as outliers."""
    rng = stream(8)
    pz = province_z(regions)
    rows = []
    for p in regions.provinces:
        dev = pz[p.adcode]
        for kind in PLATFORM_TYPES:
            investment = (
                3_000 * math.exp(0.25 * dev + 0.3 * rng.standard_normal()) * (1.0 if kind == "service_portal" else 0.7)
            )
            transactions = (
                2.0e7 * math.exp(0.8 * dev + 0.35 * rng.standard_normal()) * (1.0 if kind == "service_portal" else 1.4)
            )
            if PLATFORM_IDLE.get(p.short_zh) == kind:
                transactions *= 0.04
            rows.append(
                {
                    "adcode": p.adcode,
                    "year": 2024,
                    "platform": kind,
                    "investment": round(investment, 1),
                    "transactions": int(transactions),
                    "active_users": int(transactions / (12 + 4 * rng.random())),
                }
            )
    return pl.DataFrame(rows)


def check_sharing(frames: dict[str, pl.DataFrame]) -> None:
    """The sharing page's samples show the article's fact: fewer than half of the datasets with a fixed
    frequency were updated on schedule (period as counted by digigov.analysis.open_data)."""
    catalogue = frames["open_data_catalogue"].with_columns(
        age=(pl.lit(CATALOGUE_SNAPSHOT).str.to_date() - pl.col("last_updated").str.to_date()).dt.total_days(),
        period=pl.col("frequency").replace_strict(
            {FREQUENCY_CODES[k]: v for k, (_, v) in CATALOGUE_FREQUENCIES.items()}, default=None
        ),
    )
    scheduled = catalogue.filter(pl.col("period").is_not_null())
    share = (scheduled["age"] <= scheduled["period"]).mean()
    _require(share is not None and 0.3 < share < 0.5, f"catalogue on-schedule share {share}")
    calls = frames["sharing_calls"]
    provided = calls.group_by("adcode", "provider").agg(pl.col("calls").sum())
    _require(bool((provided["calls"] == 0).any()), "some island departments")


# -- calibration checks ----------------------------------------------------------------------------------


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise SystemExit(f"calibration missed: {message}")


def check(regions: Regions, frames: dict[str, pl.DataFrame]) -> None:
    """Refuse to write samples that no longer show what the article reports."""
    names = {p.adcode: p.short_zh for p in regions.provinces}
    macro = {p.adcode: p.macro for p in regions.provinces}
    index = frames["province_index"].with_columns(macro=pl.col("adcode").replace_strict(macro))
    for year in (2021, 2024):
        top = index.filter(pl.col("year") == year).sort("index", descending=True).head(10)["adcode"]
        _require(tuple(names[a] for a in top) == TOP10, f"top 10 in {year}")
    means = index.group_by("year", "macro").agg(pl.col("index").mean()).pivot("macro", index="year")
    _require(bool(((means["east"] > means["central"]) & (means["east"] > means["west"])).all()), "East leads")
    cv = index.group_by("year").agg(cv=pl.col("index").std() / pl.col("index").mean()).sort("year")["cv"]
    _require(bool((cv.diff().drop_nulls() < 0).all()), "CV falls every year")
    share = offline_share(frames["city_channels"], 2024)["share"]
    _require(0.37 <= share.max() - share.min() <= 0.43, f"offline spread {share.max() - share.min():.3f}")
    data = (
        frames["open_data"]
        .group_by("year")
        .agg(pl.col("updated_on_time").sum() / pl.col("platforms").sum())
        .sort("year")
    )
    _require(bool((data["updated_on_time"] < 0.5).all()), "on-time share below one half")
    _require(bool((data["updated_on_time"].diff().drop_nulls() > 0).all()), "on-time share improving")


def offline_share(channels: pl.DataFrame, year: int) -> pl.DataFrame:
    return (
        channels.filter(pl.col("year") == year)
        .group_by("adcode")
        .agg(share=pl.col("prefers_offline").sum() / pl.col("respondents").sum())
    )


# -- output ----------------------------------------------------------------------------------------------


def build(regions: Regions) -> dict[str, pl.DataFrame]:
    prof = profiles(regions)
    provinces, offsets = province_index(regions)
    return {
        "province_index": provinces,
        "city_index": city_index(regions, prof, provinces, offsets),
        "city_channels": city_channels(regions, prof),
        "demand_funnel": demand_funnel(regions, prof),
        "open_data": open_data(regions),
        "open_data_catalogue": open_data_catalogue(regions),
        "sharing_calls": sharing_calls(regions),
        "platform_operations": platform_operations(regions),
    }


def write(frames: dict[str, pl.DataFrame], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        # Fixed two decimals and "\n" line ends keep the bytes identical on every run and platform.
        frame.write_csv(path, float_precision=2, line_terminator="\n", null_value="")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--gazetteer", type=Path, default=GAZETTEER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    regions = load_regions(args.gazetteer)
    frames = build(regions)
    check(regions, frames)
    check_sharing(frames)
    for path in write(frames, args.out):
        print(f"{path}  {path.stat().st_size:>9,} bytes  {frames[path.stem].height:>6,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
