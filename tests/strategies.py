"""Hypothesis strategies for the stored dataset kinds the pages read (issue 12: pages on any dataset of their kind).

Each strategy draws a polars frame shaped like what ``digigov.upload_kinds.kind_frames`` stores for an accepted
upload (the built-in samples' columns, ``digigov.sources.KIND_COLUMNS``), with the variations a real upload has:
coverage from one unit to all of them, one year or several with gaps, unbalanced panels, nulls in value columns,
ties, patterns the samples never show (the West above the East, a decline), units that are in the gazetteer but
not on the 31-province map (台湾 710000, 香港 810000, 澳门 820000, 兵团 660000 with no boundary), city-only
tables, weighted counts (``unweighted_n``, ``sum_weight_sq``), free-text entity types and service categories,
and the same label written in simplified and traditional script.

The frames are valid input for ``DatasetStore.save``: every column has a concrete dtype (no ``Null`` dtype), codes
are text, counts are integers (weighted sums are floats, as ``channel_records`` writes them).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from hypothesis import strategies as st

from digigov.codes import ENTITY_TYPES, REASON_COLUMNS, SERVICE_CATEGORIES
from digigov.regions import CORPS_ADCODE, load_gazetteer

_GAZ = load_gazetteer()
MAINLAND: tuple[str, ...] = tuple(r.adcode for r in _GAZ.provinces(counted_in_31_only=True))
# In the gazetteer but not among the 31 mainland provinces of the map: HK, Macao, Taiwan (drawn as "no data")
# and the Corps, which reports like a province and has no boundary of its own.
OFF_MAP: tuple[str, ...] = tuple(a for a in ("710000", "810000", "820000", CORPS_ADCODE) if a in _GAZ)
PREFECTURES: tuple[str, ...] = tuple(a for a, r in _GAZ.regions.items() if r.level == "prefecture")
CORPS_CITIES: tuple[str, ...] = tuple(a for a in PREFECTURES if a.startswith("6590"))
MACRO = {a: r.macro_region for a, r in _GAZ.regions.items()}
EAST = tuple(a for a in MAINLAND if MACRO[a] == "east")
WEST = tuple(a for a in MAINLAND if MACRO[a] == "west")

# Labels a survey file carries in its breakdown columns: catalog codes, free text outside the catalog, and the
# same free text in traditional script (two spellings of one label that must not be merged silently or dropped).
FREE_ENTITY = ("农民专业合作社", "社会组织", "外资企业")
FREE_ENTITY_TRAD = ("農民專業合作社", "社會組織", "外資企業")
FREE_CATEGORY = ("公积金", "不动产登记", "医保报销")
FREE_CATEGORY_TRAD = ("公積金", "不動產登記", "醫保報銷")
# Labels that could break markdown if they reached it unescaped.
HOSTILE_LABELS = ("[点我](javascript:alert(1))", "**粗体**", "<b>x</b>")

PATTERNS = ("random", "east_high", "west_high", "tied", "few_values", "declining")


@dataclass(frozen=True)
class Generated:
    """A generated frame and the knobs it was drawn with (printed in Hypothesis's falsifying example)."""

    kind: str
    frame: pl.DataFrame
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:  # Hypothesis prints this: make the example reproducible by reading it
        with pl.Config(tbl_rows=40, tbl_cols=-1, tbl_width_chars=500, fmt_str_lengths=40):
            return f"Generated(kind={self.kind!r}, notes={self.notes!r}, frame=\n{self.frame!r}\n)"


# ---------------------------------------------------------------------------------------------------------------
# shared pieces
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def years(draw, max_years: int = 5) -> list[int]:
    """1..max_years distinct years, sorted, with gaps allowed (2018, 2021, 2022)."""
    start = draw(st.integers(2015, 2024))
    gaps = draw(st.lists(st.integers(1, 3), min_size=0, max_size=max_years - 1))
    out = [start]
    for g in gaps:
        out.append(out[-1] + g)
    return out


@st.composite
def province_units(draw, allow_off_map: bool = True) -> list[str]:
    """1..31 mainland provinces (sometimes all 31), plus sometimes units off the map."""
    mode = draw(st.sampled_from(["few", "some", "all", "east_only", "west_only"]))
    if mode == "all":
        units = list(MAINLAND)
    elif mode == "east_only":
        units = draw(st.lists(st.sampled_from(EAST), min_size=1, max_size=len(EAST), unique=True))
    elif mode == "west_only":
        units = draw(st.lists(st.sampled_from(WEST), min_size=1, max_size=len(WEST), unique=True))
    elif mode == "few":
        units = draw(st.lists(st.sampled_from(MAINLAND), min_size=1, max_size=3, unique=True))
    else:
        units = draw(st.lists(st.sampled_from(MAINLAND), min_size=4, max_size=30, unique=True))
    if allow_off_map:
        units += draw(st.lists(st.sampled_from(OFF_MAP), max_size=len(OFF_MAP), unique=True))
    if not units:
        units = [draw(st.sampled_from(MAINLAND))]
    return units


def _base(adcode: str, pattern: str, year_pos: int, draw) -> float:
    """A level for one unit and year following the pattern (before noise)."""
    macro = MACRO.get(adcode, "hmt")
    if pattern == "tied":
        return 60.0
    if pattern == "few_values":
        return draw(st.sampled_from([50.0, 70.0]))
    if pattern == "east_high":
        level = {"east": 80.0, "central": 65.0, "northeast": 62.0, "west": 50.0}.get(macro, 70.0)
    elif pattern == "west_high":
        level = {"east": 50.0, "central": 62.0, "northeast": 65.0, "west": 80.0}.get(macro, 55.0)
    elif pattern == "declining":
        return 85.0 - 4.0 * year_pos + draw(st.floats(-3, 3, allow_nan=False))
    else:
        return draw(st.floats(1.0, 100.0, allow_nan=False))
    return level + 1.5 * year_pos + draw(st.floats(-5, 5, allow_nan=False))


# ---------------------------------------------------------------------------------------------------------------
# province_index: adcode, year, organisation, institutions, capacity, effect, index
# ---------------------------------------------------------------------------------------------------------------
DIMENSIONS = ("organisation", "institutions", "capacity", "effect")


@st.composite
def province_index(draw) -> Generated:
    units = draw(province_units())
    yrs = draw(years(max_years=6))
    pattern = draw(st.sampled_from(PATTERNS))
    balanced = draw(st.booleans())
    null_rate = draw(st.sampled_from([0.0, 0.0, 0.05, 0.3]))
    index_mode = draw(st.sampled_from(["mean", "own"]))  # the index as the mean of its dimensions, or its own figure
    rows = []
    for adcode in units:
        for pos, year in enumerate(yrs):
            if not balanced and len(yrs) > 1 and draw(st.integers(0, 4)) == 0:
                continue  # this unit did not report this year
            base = _base(adcode, pattern, pos, draw)
            if pattern in ("tied", "few_values"):
                dims = [base] * 4
            else:
                dims = [min(100.0, max(0.0, base + draw(st.floats(-8, 8, allow_nan=False)))) for _ in DIMENSIONS]
            dims = [round(d, 2) for d in dims]
            index = round(sum(dims) / 4, 2) if index_mode == "mean" else round(min(100.0, max(0.0, base)), 2)
            values: list[float | None] = [*dims, index]
            if null_rate:
                values = [None if draw(st.floats(0, 1)) < null_rate else v for v in values]
            rows.append((adcode, year, *values))
    if not rows:  # every row dropped by the unbalanced draw: keep one
        rows.append((units[0], yrs[0], 60.0, 60.0, 60.0, 60.0, 60.0))
    frame = pl.DataFrame(
        rows,
        schema={"adcode": pl.String, "year": pl.Int64, **dict.fromkeys([*DIMENSIONS, "index"], pl.Float64)},
        orient="row",
    )
    notes = (f"pattern={pattern}", f"balanced={balanced}", f"null_rate={null_rate}", f"index={index_mode}")
    return Generated("province_index", frame, notes)


# ---------------------------------------------------------------------------------------------------------------
# city_channels: adcode, year, [entity_type, service_category], respondents, web, mobile_app,
#                self_service_terminal, counter, prefers_offline [, unweighted_n, sum_weight_sq]
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def channel_units(draw) -> list[str]:
    """City-only tables (a handful of prefectures or many), province-level tables, mixes, Corps cities."""
    mode = draw(st.sampled_from(["cities_few", "cities_many", "cities_one_province", "provinces", "mixed"]))
    if mode == "cities_few":
        units = draw(st.lists(st.sampled_from(PREFECTURES), min_size=1, max_size=3, unique=True))
    elif mode == "cities_many":
        units = draw(st.lists(st.sampled_from(PREFECTURES), min_size=4, max_size=40, unique=True))
    elif mode == "cities_one_province":
        province = draw(st.sampled_from(MAINLAND))
        children = [a for a in PREFECTURES if _GAZ[a].parent == province] or [province]
        units = draw(st.lists(st.sampled_from(children), min_size=1, max_size=len(children), unique=True))
    elif mode == "provinces":
        units = draw(province_units())
    else:
        units = draw(st.lists(st.sampled_from(PREFECTURES), min_size=1, max_size=10, unique=True))
        units += draw(st.lists(st.sampled_from(MAINLAND), min_size=1, max_size=5, unique=True))
    units += draw(st.lists(st.sampled_from((*OFF_MAP, *CORPS_CITIES)), max_size=2, unique=True))
    return list(dict.fromkeys(units))


def _label_pool(draw, codes: tuple[str, ...], free: tuple[str, ...], trad: tuple[str, ...]) -> list[str]:
    mode = draw(st.sampled_from(["catalog", "free_only", "mixed", "two_scripts", "hostile"]))
    if mode == "catalog":
        return draw(st.lists(st.sampled_from(codes), min_size=1, max_size=len(codes), unique=True))
    if mode == "free_only":
        return draw(st.lists(st.sampled_from(free), min_size=1, max_size=len(free), unique=True))
    if mode == "two_scripts":
        i = draw(st.integers(0, len(free) - 1))
        return [free[i], trad[i], *draw(st.lists(st.sampled_from(codes), max_size=2, unique=True))]
    if mode == "hostile":
        return [draw(st.sampled_from(HOSTILE_LABELS)), draw(st.sampled_from(codes))]
    return [
        *draw(st.lists(st.sampled_from(codes), min_size=1, max_size=2, unique=True)),
        *draw(st.lists(st.sampled_from(free), min_size=1, max_size=2, unique=True)),
    ]


@st.composite
def city_channels(draw) -> Generated:  # noqa: C901 - one draw per way real tables vary
    units = draw(channel_units())
    yrs = draw(years(max_years=3))
    breakdown = draw(st.sampled_from(["none", "entity", "category", "both"]))
    entities = _label_pool(draw, ENTITY_TYPES, FREE_ENTITY, FREE_ENTITY_TRAD) if breakdown in ("entity", "both") else []
    categories = (
        _label_pool(draw, SERVICE_CATEGORIES, FREE_CATEGORY, FREE_CATEGORY_TRAD)
        if breakdown in ("category", "both")
        else []
    )
    weighted = draw(st.booleans())
    pattern = draw(st.sampled_from(["random", "tied", "all_offline", "none_offline", "small_cells"]))
    with_offline_nulls = draw(st.sampled_from([False, False, True]))
    keys = [(a, y, e, c) for a in units for y in yrs for e in (entities or [None]) for c in (categories or [None])]
    if len(keys) > 400:  # keep each example cheap: a few hundred cells at most
        keys = keys[:400]
    rows = []
    for adcode, year, entity, category in keys:
        if pattern == "small_cells":
            n = draw(st.integers(0, 12))
        elif pattern == "tied":
            n = 100
        else:
            n = draw(st.integers(0, 400))
        if pattern == "tied":
            split = [25, 25, 25, 25]
            offline = 30
        else:
            a = draw(st.integers(0, n))
            b = draw(st.integers(0, n - a))
            c = draw(st.integers(0, n - a - b))
            split = [a, b, c, n - a - b - c]
            offline = n if pattern == "all_offline" else 0 if pattern == "none_offline" else draw(st.integers(0, n))
        w = draw(st.sampled_from([1.0, 2.5, 40.0, 5000.0])) if weighted else 1
        row: dict[str, object] = {"adcode": adcode, "year": year}
        if entities:
            row["entity_type"] = entity
        if categories:
            row["service_category"] = category
        row |= {
            "respondents": n * w,
            "web": split[0] * w,
            "mobile_app": split[1] * w,
            "self_service_terminal": split[2] * w,
            "counter": split[3] * w,
            "prefers_offline": None if with_offline_nulls and draw(st.integers(0, 5)) == 0 else offline * w,
        }
        if weighted:
            row |= {"unweighted_n": n, "sum_weight_sq": n * w * w}
        rows.append(row)
    count = pl.Float64 if weighted else pl.Int64
    schema: dict[str, pl.DataType] = {"adcode": pl.String, "year": pl.Int64}
    if entities:
        schema["entity_type"] = pl.String
    if categories:
        schema["service_category"] = pl.String
    schema |= dict.fromkeys(("respondents", "web", "mobile_app", "self_service_terminal", "counter"), count)
    schema["prefers_offline"] = count
    if weighted:
        schema |= {"unweighted_n": pl.Int64, "sum_weight_sq": pl.Float64}
    frame = pl.DataFrame(rows, schema=schema)
    notes = (
        f"breakdown={breakdown}",
        f"weighted={weighted}",
        f"pattern={pattern}",
        f"offline_nulls={with_offline_nulls}",
    )
    return Generated("city_channels", frame, notes)


# ---------------------------------------------------------------------------------------------------------------
# demand_funnel: adcode, year, service_category, respondents, need, aware, used
#                [, level, entities, completed, satisfied, reason_*]
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def demand_funnel(draw) -> Generated:  # noqa: C901 - one draw per way real tables vary
    mode = draw(st.sampled_from(["provinces", "cities", "both"]))
    units: list[str] = []
    if mode in ("provinces", "both"):
        units += draw(province_units())
    if mode in ("cities", "both"):
        units += draw(st.lists(st.sampled_from(PREFECTURES), min_size=1, max_size=25, unique=True))
    units = list(dict.fromkeys(units))
    yrs = draw(years(max_years=3))
    categories = _label_pool(draw, SERVICE_CATEGORIES, FREE_CATEGORY, FREE_CATEGORY_TRAD)
    with_level = draw(st.booleans())  # uploads aggregated from raw answers carry no level column
    with_entities = draw(st.sampled_from(["none", "counts", "some_null"]))
    with_late_stages = draw(st.booleans())
    with_reasons = draw(st.booleans())
    pattern = draw(st.sampled_from(["random", "tied", "small_cells", "inconsistent", "nobody_uses"]))
    keys = [(a, y, c) for a in units for y in yrs for c in categories][:400]
    rows = []
    for adcode, year, category in keys:
        n = (
            draw(st.integers(0, 12))
            if pattern == "small_cells"
            else 200
            if pattern == "tied"
            else draw(st.integers(0, 800))
        )
        if pattern == "tied":
            need, aware, used = 150, 100, 50
        else:
            need = draw(st.integers(0, n))
            aware = draw(st.integers(0, need))
            used = 0 if pattern == "nobody_uses" else draw(st.integers(0, aware))
            if pattern == "inconsistent" and draw(st.booleans()):
                used, aware = aware, used  # more users than aware: a file with an inconsistent funnel
        row: dict[str, object] = {"adcode": adcode, "year": year, "service_category": category}
        if with_level:
            row["level"] = _GAZ[adcode].level
        if with_entities != "none":
            row["entities"] = (
                None if with_entities == "some_null" and draw(st.booleans()) else draw(st.integers(0, 10**6))
            )
        row |= {"respondents": n, "need": need, "aware": aware, "used": used}
        if with_late_stages:
            completed = draw(st.integers(0, used)) if used >= 0 else 0
            row |= {"completed": completed, "satisfied": draw(st.integers(0, completed))}
        if with_reasons:
            left = max(aware - used, 0)
            for col in REASON_COLUMNS:
                share = draw(st.integers(0, left))
                row[col] = share
                left -= share
        rows.append(row)
    schema: dict[str, pl.DataType] = {"adcode": pl.String, "year": pl.Int64, "service_category": pl.String}
    if with_level:
        schema["level"] = pl.String
    if with_entities != "none":
        schema["entities"] = pl.Int64
    schema |= dict.fromkeys(("respondents", "need", "aware", "used"), pl.Int64)
    if with_late_stages:
        schema |= {"completed": pl.Int64, "satisfied": pl.Int64}
    if with_reasons:
        schema |= dict.fromkeys(REASON_COLUMNS, pl.Int64)
    frame = pl.DataFrame(rows, schema=schema)
    notes = (
        f"units={mode}",
        f"level_column={with_level}",
        f"entities={with_entities}",
        f"late_stages={with_late_stages}",
        f"reasons={with_reasons}",
        f"pattern={pattern}",
    )
    return Generated("demand_funnel", frame, notes)


STRATEGIES = {"province_index": province_index, "city_channels": city_channels, "demand_funnel": demand_funnel}
