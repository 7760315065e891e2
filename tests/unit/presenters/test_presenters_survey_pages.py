"""The channels and demand presenters: one frozen view per selection and language, whose figures, sentences and
tables agree with each other and with the statistics they come from."""

import dataclasses
import re

import plotly.graph_objects as go
import polars as pl
import pytest

from digigov.analysis import demand_units
from digigov.analysis.proportions import flagged_units, visible_rows
from digigov.datasets import load_builtin
from digigov.presenters import channels as channels_presenter
from digigov.presenters import demand as demand_presenter
from digigov.regions import region_label

CJK = re.compile(r"[\u4e00-\u9fff]")


# -- channels --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def city_channels() -> pl.DataFrame:
    return load_builtin("city_channels")


@pytest.fixture(scope="module")
def channels_view(city_channels) -> channels_presenter.ChannelsView:
    sel = channels_presenter.Selection(year=int(city_channels["year"].max()))
    return channels_presenter.present(city_channels, sel, "zh", watermark="示例数据")


def test_channels_view_holds_every_figure_and_table(channels_view):
    view = channels_view
    for figure in (view.map, view.distribution, view.entity, view.category, view.trend, view.relation):
        assert isinstance(figure, go.Figure)
    assert isinstance(view.tables, channels_presenter.ChannelsTables)
    assert view.tables.units.height == view.shares.height  # every unit, hidden ones too
    assert view.tables.entity["key"].to_list()[0] in {"enterprise", "individual_business", "individual"}
    # One point per province: cities share their province's index and are pooled first.
    assert view.tables.relation.height == 31
    assert set(view.tables.relation["adcode"].str.slice(2)) == {"0000"}
    # The samples are calibrated so that more developed provinces prefer on-site handling less, significantly.
    assert view.relation_sentence.startswith("2024 年发展指数较高的省份，线下偏好显著较低（r = -")
    assert "示例数据" in view.relation_caption
    assert len(view.findings) >= 3 and isinstance(view.findings, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.findings = ()  # type: ignore[misc]


def test_channels_spread_is_stated_once_for_the_chart_and_the_sentence(channels_view):
    view = channels_view
    numbers = channels_presenter.unit_findings(view.shares, view.selection)
    stated = f"{numbers.spread_pp:.1f}"
    assert f"高 {stated} 个百分点" in view.findings[0]
    annotations = [a.text for a in view.distribution.layout.annotations]
    assert f"最高 − 最低 = {stated} 个百分点" in annotations  # the page is in Chinese: so is the chart
    assert region_label(numbers.highest.id, "zh") in view.findings[0]


def test_channels_map_outlines_small_samples_and_hides_suppressed(city_channels):
    sel = channels_presenter.Selection(year=2024, entity_types=("individual",), categories=("permits",))
    view = channels_presenter.present(city_channels, sel, "en")
    small, hidden = flagged_units(view.shares)
    assert small and hidden
    names = {trace.name for trace in view.map.data}
    assert any("n&lt;30" in str(n) or "n<30" in str(n) for n in names)
    assert set(view.mix_options) == set(visible_rows(view.shares)["adcode"])
    assert not set(hidden) & set(view.mix_options)
    assert not [s for s in view.findings if CJK.search(s)]


def test_channel_mix_puts_the_nation_first(channels_view):
    regions = channels_view.mix_default[:2]
    mix = channels_presenter.channel_mix(channels_view, regions, "zh")
    assert isinstance(mix, channels_presenter.ChannelMix)
    labels = list(dict.fromkeys(mix.table["label"].to_list()))
    assert labels[0] == "全国" and len(labels) == 3
    assert mix.table.filter(pl.col("label") == "全国")["share"].sum() == pytest.approx(1.0)
    assert len(channels_view.mix_default) == 2 * channels_presenter.MIX_REGIONS_EACH_END


# -- demand ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demand_frame() -> pl.DataFrame:
    return demand_units.prepare(load_builtin("demand_funnel"))


def demand_view(frame: pl.DataFrame, sel: demand_units.Selection, lang: str) -> demand_presenter.DemandView:
    grid = demand_units.suppression_grid(frame, sel.year, sel.level, sel.k)
    rows = demand_units.units(frame, sel, grid=grid)
    return demand_presenter.present(frame, sel, rows, grid, lang)


def test_demand_view_holds_map_findings_and_tables(demand_frame):
    sel = demand_units.Selection(2024)
    view = demand_view(demand_frame, sel, "zh")
    assert isinstance(view.map, go.Figure) and isinstance(view.scatter, go.Figure)
    assert isinstance(view.tables, demand_presenter.DemandTables)
    assert view.tables.priorities.height == demand_presenter.PRIORITY_ROWS
    assert view.tables.units.height == view.rows.height
    assert 3 <= len(view.findings) <= 5 and view.findings[0].startswith("2024 年全国")
    assert view.default_region == "540000" and view.default_region in view.region_options
    assert view.national["shortfall"] == pytest.approx(view.national["awareness_gap"] + view.national["conversion_gap"])


def test_region_focus_and_province_drill(demand_frame):
    view = demand_view(demand_frame, demand_units.Selection(2024), "en")
    focus = demand_presenter.region_focus(demand_frame, view, "510000", "en")
    assert isinstance(focus, demand_presenter.RegionFocus)
    assert focus.title == "Sichuan" and not focus.reasons_none and not focus.reasons_hidden
    assert focus.funnel_table.columns[0] == "Stage" and focus.funnel_table.height >= 3
    prefectures = demand_units.units(demand_frame, demand_units.Selection(2024, level="prefecture"))
    drill = demand_presenter.province_drill(prefectures, view.selection, "510000", "en")
    assert isinstance(drill.map, go.Figure) and drill.note is None
    assert drill.table.height == prefectures.filter(pl.col("group") == "510000").height
    assert "Sichuan" in drill.title
    empty = demand_presenter.province_drill(prefectures.clear(), view.selection, "510000", "zh")
    assert empty.map is None and empty.table is None and "四川" in empty.note
