"""The overview's map, ranking and macro-region means drawing an analyst's own provincial indicator (issue 19): its
values of the chosen year (its nearest year when it has none, said so), formatted with its unit, the provenance in
the caption; the cards and findings stay the index's."""

import json

import polars as pl
import pytest

from digigov.analysis import overview
from digigov.i18n import t
from digigov.presenters.overview import overview_view
from digigov.presenters.overview_user import UserMap, catalog_measure, user_choices, user_measure
from digigov.regions import load_gazetteer
from digigov.storage import DatasetStore
from digigov.user_indicators import KIND, UserIndicatorSpec
from tests.factories import broadband_spec, latest_year, province_index

INDEX = province_index()
LATEST = latest_year(INDEX)
PROVINCES = [r.adcode for r in load_gazetteer().provinces(counted_in_31_only=True)]
SPEC = broadband_spec()


def values(years: list[int]) -> pl.DataFrame:
    rows = [(a, y, 100.0 + 10 * i + (y - 2000)) for y in years for i, a in enumerate(PROVINCES)]
    return pl.DataFrame(rows, schema={"adcode": pl.String, "year": pl.Int32, "value": pl.Float64}, orient="row")


def user(years: list[int]) -> UserMap:
    return UserMap("d42", SPEC, values(years))


def test_the_indicator_of_the_chosen_year_is_mapped_ranked_and_averaged_with_its_unit():
    view = overview_view(INDEX, LATEST, "user:d42", "zh", user=user([LATEST - 1, LATEST]), watermark="示例")
    measure = view.measure
    assert measure is not None and measure.user and measure.year == LATEST
    assert measure.indicator.id == "user:d42"
    ranking = view.tables.ranking
    assert "宽带接入用户" in ranking.columns and ranking.height == 31
    top = PROVINCES[-1]  # the highest value: the last province of the frame
    assert ranking.row(0, named=True)["行政区划代码"] == top
    assert ranking["宽带接入用户"][0] == f"{100.0 + 10 * 30 + (LATEST - 2000):,.1f} 万户"
    assert ranking["排名变化"][0] == 0  # ranked in the previous year too, same place
    macro = view.tables.macro_regions
    expected = overview.macro_region_means(values([LATEST]), LATEST, "value")
    assert macro["平均值"].to_list() == [f"{m:,.1f} 万户" for m in expected["mean"]]
    assert macro["省份数"].sum() == 31
    spec = json.dumps(json.loads(view.map.to_json()), ensure_ascii=False)
    assert "宽带接入用户" in spec and "万户" in spec and "示例" not in spec  # the analyst's numbers: not marked
    assert view.map_header == "各省宽带接入用户（" + str(LATEST) + " 年）"
    # The cards and findings are the index's, as with any map indicator.
    index_view = overview_view(INDEX, LATEST, "dgi_index", "zh")
    assert view.kpis == index_view.kpis and view.findings == index_view.findings


def test_the_caption_says_uploaded_with_the_provenance_and_that_the_cards_are_the_index():
    measure = user_measure(user([LATEST]), LATEST, "zh")
    first = measure.notes[0]
    assert first.startswith(t("covariate.uploaded", "zh"))
    assert "来源：国家统计局" in first and "发布年份：2023" in first and "表/网址：分析年度数据" not in first
    assert "表/网址：分省年度数据" in first
    assert measure.notes[-1] == t("overview.kpis_are_index", "zh")
    assert not any("最接近" in n for n in measure.notes)


def test_a_year_without_values_uses_the_nearest_year_and_says_so():
    measure = user_measure(user([2015, 2020]), 2022, "en")
    assert measure.year == 2020
    assert t("overview.user_year_differs", "en", name="Broadband subscribers", year=2020, wanted=2022) in measure.notes
    view = overview_view(INDEX, 2022, "user:d42", "en", user=user([2015, 2020]))
    assert view.measure is not None and view.measure.year == 2020
    assert view.tables.ranking.height == 31
    assert view.tables.ranking["Broadband subscribers"][0] == f"{100.0 + 300 + 20:,.1f} 10,000 households"
    assert view.map_header == "Broadband subscribers by province, 2020"
    # equally close years: the earlier one
    assert user_measure(user([2018, 2022]), 2020, "zh").year == 2018


def test_an_indicator_without_any_values_draws_an_empty_map_and_says_so():
    empty = UserMap("d0", SPEC, values([]))
    view = overview_view(INDEX, LATEST, "user:d0", "zh", user=empty)
    assert view.tables.ranking.height == 0 and view.tables.macro_regions.height == 0
    assert view.measure is not None and view.measure.year == LATEST
    assert t("covariate.no_values", "zh", name="宽带接入用户") in view.measure.notes


def test_the_catalog_indicators_are_drawn_as_before():
    measure = catalog_measure(INDEX, "dgi_effect", LATEST)
    assert (measure.column, measure.year, measure.user, measure.notes) == ("effect", LATEST, False, ())
    view = overview_view(INDEX, LATEST, "dgi_effect", "zh")
    assert view.map_header == t("overview.map_header", "zh", year=LATEST)
    assert "治理效果" in view.tables.ranking.columns


@pytest.fixture
def stored(tmp_path) -> DatasetStore:
    store = DatasetStore(tmp_path)
    common = {"source_file": "nbs.csv", "shape": "wide", "column_mapping": {}}
    for name, level in (("宽带", "province"), ("城市", "prefecture")):
        spec = UserIndicatorSpec(label=name, name_zh=name, level=level)
        meta = {"kinds": [KIND], "indicator": spec.to_meta()}
        store.save(values([2023]), name=name, meta=meta, **common)
    store.save(INDEX, name="指数", meta={"kinds": ["province_index"]}, **common)
    return store


def test_the_picker_offers_the_provincial_user_indicators_only(stored):
    choices = user_choices(stored)
    (only,) = choices.values()
    assert list(choices) == [f"user:{only.dataset_id}"]
    assert only.item.spec.name_zh == "宽带" and only.version == stored.get(only.dataset_id).latest.version
    assert only.label("zh") == "宽带 · 宽带"
