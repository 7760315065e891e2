"""Hand-written uploads an analyst really makes (issue 12), each run through its pages in AppTest.

Each case is what a generated example might take long to hit: an NBS-style index for 3 provinces and one year,
a city-only channel table, a weighted table where one city has 3 records weighted 5,000 each, free-text entity
types only (with one label in two scripts and one label that looks like a markdown link), a province index that
includes 台湾 (710000), and a city-only demand table aggregated from raw answers (no level column).
"""

from __future__ import annotations

import polars as pl
import pytest

from digigov.regions import load_gazetteer
from digigov.storage import DatasetStore
from tests.app.helpers import open_tables
from tests.app.pagecheck import chart_texts, page_problems, run_view, save, table_strings, texts

GZ = load_gazetteer()
MAINLAND = [r.adcode for r in GZ.provinces(counted_in_31_only=True)]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return DatasetStore(tmp_path)


def run(store, page, kind, frame):
    at = run_view(page, save(store, kind, frame))
    problems = page_problems(page, at, frame)
    assert not problems, "\n".join(problems)
    return at


def index_frame(rows: list[tuple[str, int, float]]) -> pl.DataFrame:
    """An index table as _province_index stores it: four dimensions around the index (index = their mean)."""
    out = []
    for adcode, year, value in rows:
        dims = [round(value + d, 2) for d in (2.0, -1.0, -3.0, 2.0)]
        out.append((adcode, year, *dims, round(sum(dims) / 4, 2)))
    return pl.DataFrame(
        out,
        schema={
            "adcode": pl.String,
            "year": pl.Int64,
            "organisation": pl.Float64,
            "institutions": pl.Float64,
            "capacity": pl.Float64,
            "effect": pl.Float64,
            "index": pl.Float64,
        },
        orient="row",
    )


# ---------------------------------------------------------------------------------------------------------------
# province index
# ---------------------------------------------------------------------------------------------------------------
NBS_THREE = index_frame([("330000", 2023, 84.6), ("440000", 2023, 82.1), ("510000", 2023, 71.3)])


@pytest.mark.parametrize("page", ["overview", "regional"])
def test_index_for_three_provinces_and_one_year(store, page):
    at = run(store, page, "province_index", NBS_THREE)
    assert at.get("plotly_chart")
    if page == "regional":
        # No trend or convergence from one year: the page says so instead of drawing it.
        assert any("太少" in s or "无法" in s for s in texts(at)), texts(at)


def test_index_with_the_west_above_the_east_for_three_provinces(store):
    """The same upload with the sample's pattern reversed: no sentence may still say the East leads."""
    frame = index_frame([("330000", 2023, 61.0), ("440000", 2023, 63.5), ("510000", 2023, 80.2)])
    for page in ("overview", "regional"):
        run(store, page, "province_index", frame)


def test_index_including_taiwan(store):
    """台湾 in the data: drawn, but not one of the 31 provinces the national mean and the East/West means use."""
    rows = [(a, y, 50.0 + (i % 7) * 4 + (y - 2022)) for i, a in enumerate(MAINLAND) for y in (2022, 2023)]
    rows += [("710000", 2022, 95.0), ("710000", 2023, 96.0)]
    frame = index_frame(rows)
    at = run(store, "overview", "province_index", frame)
    mainland_mean = frame.filter((pl.col("year") == 2023) & pl.col("adcode").is_in(MAINLAND))["index"].mean()
    cards = {m.label: m.value for m in at.metric}
    mean_cards = [v for label, v in cards.items() if "31" in label]
    assert mean_cards, cards
    assert float(mean_cards[0].split()[0]) == pytest.approx(mainland_mean, abs=0.051), (mean_cards, mainland_mean)
    run(store, "regional", "province_index", frame)


# ---------------------------------------------------------------------------------------------------------------
# channel counts
# ---------------------------------------------------------------------------------------------------------------
def channel_rows(cells: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(cells)


ZHEJIANG_CITIES = [a for a in GZ.regions if GZ[a].parent == "330000"][:6]


def test_city_only_channel_table(store):
    """Six prefectures of one province, one year, no breakdown columns: the city map, the spread and the mix."""
    frame = pl.DataFrame(
        {
            "adcode": ZHEJIANG_CITIES,
            "year": [2024] * 6,
            "respondents": [420, 310, 280, 150, 95, 60],
            "web": [150, 100, 90, 40, 30, 15],
            "mobile_app": [170, 120, 100, 60, 35, 20],
            "self_service_terminal": [30, 30, 20, 10, 10, 5],
            "counter": [70, 60, 70, 40, 20, 20],
            "prefers_offline": [80, 75, 90, 50, 35, 25],
        }
    )
    at = run(store, "channels", "city_channels", frame)
    assert at.get("plotly_chart")
    assert not at.error, [e.value for e in at.error]


def test_weighted_city_with_three_records_is_hidden(store):
    """3 records weighted 5,000 each sum to 15,000 'respondents': the k rule must count the 3 records, and the
    hidden city must not be recoverable from the totals the page shows beside it (secondary suppression)."""
    small = ZHEJIANG_CITIES[0]
    cells = [
        {
            "adcode": small,
            "year": 2024,
            "respondents": 15000.0,
            "web": 0.0,
            "mobile_app": 5000.0,
            "self_service_terminal": 0.0,
            "counter": 10000.0,
            "prefers_offline": 10000.0,  # 2 of 3 records: 66.7 %
            "unweighted_n": 3,
            "sum_weight_sq": 3 * 5000.0**2,
        }
    ]
    for i, adcode in enumerate(ZHEJIANG_CITIES[1:]):
        n, w = 200 + 40 * i, 1.5
        cells.append(
            {
                "adcode": adcode,
                "year": 2024,
                "respondents": n * w,
                "web": 0.3 * n * w,
                "mobile_app": 0.4 * n * w,
                "self_service_terminal": 0.1 * n * w,
                "counter": 0.2 * n * w,
                "prefers_offline": (0.2 + 0.03 * i) * n * w,
                "unweighted_n": n,
                "sum_weight_sq": n * w * w,
            }
        )
    frame = pl.DataFrame(cells)
    at = run(store, "channels", "city_channels", frame)
    shown = texts(at) + table_strings(at) + chart_texts(at)
    assert not any("66.7" in s for s in shown), [s for s in shown if "66.7" in s][:3]
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    units = at.dataframe[0].value
    region_col, offline_col = units.columns[0], units.columns[2]
    hidden = units[units[offline_col].astype(str).isin(["—", "", "None", "nan"])]
    small_name = GZ[small].short_zh
    assert any(small_name in str(r) for r in hidden[region_col]), units
    assert len(hidden) >= 2, f"one hidden city beside a shown total can be recovered by subtraction:\n{units}"


def test_free_text_entity_types_only(store):
    """Entity types outside the catalog (one in simplified and traditional script), categories with a label that
    looks like a markdown link: nothing vanishes, the page does not stop, no link reaches markdown."""
    entities = ["农民专业合作社", "社会组织", "社會組織"]
    categories = ["公积金", "[点我](javascript:alert(1))"]
    cells = []
    for c_i, adcode in enumerate(ZHEJIANG_CITIES[:4]):
        for e_i, entity in enumerate(entities):
            for k_i, category in enumerate(categories):
                n = 60 + 10 * c_i + 5 * e_i + 3 * k_i
                cells.append(
                    {
                        "adcode": adcode,
                        "year": 2024,
                        "entity_type": entity,
                        "service_category": category,
                        "respondents": n,
                        "web": n // 4,
                        "mobile_app": n // 4,
                        "self_service_terminal": n // 4,
                        "counter": n - 3 * (n // 4),
                        "prefers_offline": n // 3 + e_i * 5,
                    }
                )
    frame = pl.DataFrame(cells)
    at = run(store, "channels", "city_channels", frame)
    assert not at.error, [e.value for e in at.error]
    everything = texts(at) + table_strings(at) + chart_texts(at)
    for label in ("农民专业合作社", "公积金"):
        assert any(label in s for s in everything), f"{label} vanished from the page"
    assert any("社会组织" in s or "社會組織" in s for s in everything)
    assert not any("](javascript" in str(m.value) for m in at.markdown)


# ---------------------------------------------------------------------------------------------------------------
# demand
# ---------------------------------------------------------------------------------------------------------------
def test_city_only_demand_table_without_level(store):
    """Raw answers aggregated per city carry no level column: the cities must not be worded as provinces."""
    cities = [a for a in GZ.regions if GZ[a].parent == "440000"][:5]
    cells = []
    for i, adcode in enumerate(cities):
        for j, category in enumerate(["tax", "social_insurance"]):
            n = 150 + 30 * i + 10 * j
            need = int(n * 0.8)
            aware = int(need * (0.6 + 0.05 * i))
            used = int(aware * 0.7)
            cells.append(
                {
                    "adcode": adcode,
                    "year": 2024,
                    "service_category": category,
                    "respondents": n,
                    "need": need,
                    "aware": aware,
                    "used": used,
                }
            )
    frame = pl.DataFrame(cells)
    at = run(store, "demand", "demand_funnel", frame)
    shown = texts(at)
    assert not any("省级单位" in s for s in shown), [s for s in shown if "省级单位" in s]
