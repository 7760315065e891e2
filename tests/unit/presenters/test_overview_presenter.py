"""The overview page's presenter: one OverviewView per year, map indicator and language."""

import plotly.graph_objects as go
import polars as pl
import pytest

from digigov.analysis import overview
from digigov.datasets import load_builtin
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters.overview import Kpi, OverviewTables, OverviewView, overview_view
from tests.factories import latest_year, province_index

INDEX = province_index()
LATEST = latest_year(INDEX)


@pytest.fixture(scope="module")
def view_zh() -> OverviewView:
    return overview_view(
        INDEX,
        LATEST,
        "dgi_index",
        "zh",
        channels=load_builtin("city_channels"),
        open_data=load_builtin("open_data"),
        watermark=t("sample.watermark", "zh"),
    )


def test_cards_carry_the_headline_numbers(view_zh):
    head, previous = overview.headline(INDEX, LATEST), overview.headline(INDEX, LATEST - 1)
    points = get_indicator("dgi_index")
    assert [k.label for k in view_zh.kpis] == [
        t("overview.kpi_mean", "zh", provinces=31),
        t("overview.kpi_top", "zh", region="上海"),
        t("overview.kpi_bottom", "zh", region="西藏"),
        t("overview.kpi_ratio", "zh"),
        t("overview.kpi_east_west", "zh"),
    ]
    assert view_zh.kpis[0] == Kpi(
        t("overview.kpi_mean", "zh", provinces=31),
        points.format(head.national_mean, "zh"),
        delta=f"{head.national_mean - previous.national_mean:+.1f} 分",
    )
    assert view_zh.kpis[4].value == f"{head.east_west_gap:+.1f} 分"
    assert view_zh.kpis[3].value == f"{head.max_min_ratio:.2f}"
    assert all(k.delta is None for k in view_zh.kpis[1:])


def test_first_year_has_no_change_to_show():
    first = int(INDEX["year"].min())
    assert overview_view(INDEX, first, "dgi_index", "en").kpis[0].delta is None


def test_figures_findings_and_named_tables(view_zh):
    assert isinstance(view_zh.map, go.Figure) and isinstance(view_zh.macro, go.Figure)
    assert 5 <= len(view_zh.findings) <= 6  # with the channels and open-data sentences
    assert "上海" in view_zh.findings[0]
    assert isinstance(view_zh.tables, OverviewTables)
    assert view_zh.tables.ranking.height == 31
    assert view_zh.tables.ranking.columns[:2] == [t("column.rank", "zh"), t("column.region", "zh")]
    assert view_zh.tables.macro_regions[t("column.macro_region", "zh")].to_list() == [
        t(f"macro.{m}", "zh") for m in ("east", "central", "west", "northeast")
    ]


def test_map_indicator_changes_the_map_and_tables_but_not_the_cards(view_zh):
    effect = overview_view(INDEX, LATEST, "dgi_effect", "zh")
    assert effect.kpis == view_zh.kpis  # the cards always speak of the composite index
    assert get_indicator("dgi_effect").name("zh") in effect.tables.ranking.columns
    assert len(effect.findings) < len(view_zh.findings)  # no channels or open data given


def test_english_view_names_regions_in_english():
    view = overview_view(INDEX, LATEST, "dgi_index", "en")
    assert view.kpis[1].label == "Highest: Shanghai"
    assert view.tables.ranking["Region"][0] == "Shanghai"


def test_partial_upload_still_builds():
    partial = INDEX.filter(pl.col("year") >= LATEST - 1)
    view = overview_view(partial, LATEST, "dgi_index", "zh")
    assert view.kpis[0].delta is not None and view.tables.ranking.height == 31
