import json

import polars as pl
import pytest

from digigov.boundaries import layer_ids
from digigov.figures.china_map import build_china_map, selected_adcode
from digigov.figures.config import chart_config, export_filename
from digigov.indicators import get_indicator
from digigov.regions import load_gazetteer

G = load_gazetteer()
MAINLAND = [r.adcode for r in G.provinces(counted_in_31_only=True)]


def values(codes, start=40.0):
    return pl.DataFrame({"adcode": codes, "value": [start + i for i in range(len(codes))]})


@pytest.fixture(scope="module")
def national():
    return build_china_map(values(MAINLAND), get_indicator("dgi_index"), "zh", watermark="示例数据")


def test_every_province_is_drawn_once_and_missing_ones_are_grey_in_the_legend(national):
    main = [tr for tr in national.data if tr.type == "choropleth" and tr.geo in (None, "geo")]
    drawn = [loc for tr in main for loc in tr.locations]
    assert sorted(drawn) == sorted(layer_ids("province"))
    no_data = [tr for tr in main if tr.name == "无数据"]
    assert len(no_data) == 1 and no_data[0].showlegend
    assert set(no_data[0].locations) == {"710000", "810000", "820000"}


def test_hover_carries_name_and_formatted_value_aligned_with_locations(national):
    main = national.data[0]
    for location, custom in zip(main.locations, main.customdata, strict=True):
        assert custom[0] == location
    zhejiang = list(main.locations).index("330000")
    assert main.customdata[zhejiang][1] == "浙江"
    assert main.customdata[zhejiang][2].endswith(" 分")
    assert "%{customdata[1]}" in main.hovertemplate


def test_standard_layout_with_south_china_sea_inset(national):
    layout = national.layout
    assert layout.geo.projection.type == "conic equal area"
    assert layout.geo2.domain.x[0] >= 0.75 and layout.geo2.domain.y[1] <= 0.4  # lower right
    assert layout.geo2.showframe
    inset = [tr for tr in national.data if tr.geo == "geo2"]
    dash = [tr for tr in inset if tr.type == "scattergeo"]
    assert dash and sum(v is None for v in dash[0].lon) >= 10  # ten separate dashes
    texts = [a.text for a in layout.annotations]
    assert "南海诸岛" in texts and "示意图，边界以国家标准地图为准" in texts and "示例数据" in texts


def test_colour_scale_follows_polarity():
    higher = build_china_map(values(MAINLAND), get_indicator("dgi_index"), "en")
    lower = build_china_map(values(MAINLAND, 0.2), get_indicator("offline_pref_share"), "en")
    assert higher.layout.coloraxis.colorscale != lower.layout.coloraxis.colorscale


def test_prefecture_drill_down_shows_only_that_province():
    zhejiang = [r.adcode for r in G.children("330000")]
    fig = build_china_map(values(zhejiang[:5]), get_indicator("dgi_index"), "en", within="330000")
    drawn = {loc for tr in fig.data for loc in tr.locations}
    assert drawn == set(zhejiang)
    assert fig.layout.geo.fitbounds == "locations"
    assert len(fig.to_json()) < 150_000


def test_user_text_in_hover_is_escaped():
    fig = build_china_map(values(["110000"]), get_indicator("dgi_index"), "en")
    payload = fig.to_json()
    assert "<script" not in payload.lower()


def test_province_map_payload_is_a_few_hundred_kilobytes(national):
    size = len(national.to_json().encode())
    assert size < 800_000, size


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (None, None),
        ({"selection": {"points": []}}, None),
        ({"selection": {"points": [{"location": "330000", "curve_number": 0}]}}, "330000"),
        ({"selection": {"points": [{"customdata": ["510000", "四川", "70 分"]}]}}, "510000"),
        ({"selection": {"points": [{"location": "<b>x</b>"}]}}, None),
    ],
)
def test_selected_adcode(event, expected):
    assert selected_adcode(event) == expected


def test_chart_config_points_plotly_at_local_topojson_and_prints_at_scale():
    config = chart_config("overview", "map")
    assert config["topojsonURL"].startswith("/app/static/")
    assert config["toImageButtonOptions"]["scale"] >= 2
    assert config["toImageButtonOptions"]["filename"].startswith("overview_map_")
    assert export_filename("a b", "c/d").startswith("a-b_c-d_")
    json.dumps(config)


def test_app_maps_name_the_boundary_files_by_url_so_reruns_ship_only_values():
    fig = build_china_map(values(MAINLAND), get_indicator("dgi_index"), "zh", geojson_base_url="/app/static/boundaries")
    sources = {tr.geojson for tr in fig.data if tr.type == "choropleth"}
    assert sources == {"/app/static/boundaries/provinces.geojson", "/app/static/boundaries/south_china_sea.geojson"}
    assert len(fig.to_json()) < 40_000


def test_national_prefecture_map_draws_every_prefecture():
    prefectures = [r.adcode for r in G.regions.values() if r.level == "prefecture"]
    fig = build_china_map(values(prefectures[:100]), get_indicator("dgi_index"), "zh", level="prefecture")
    drawn = {loc for tr in fig.data if tr.geo in (None, "geo") for loc in tr.locations}
    assert drawn == set(layer_ids("prefecture"))
    assert len(fig.to_json().encode()) < 1_500_000


def test_the_toolbar_camera_is_removed_only_for_unmarked_sample_charts():
    """The camera saves what is on screen; an unmarked sample chart must go out through the watermarked button."""
    assert "toImage" not in chart_config("channels", "mix")["modeBarButtonsToRemove"]
    assert "toImage" in chart_config("channels", "mix", unmarked_sample=True)["modeBarButtonsToRemove"]


def test_a_single_value_gets_a_colour_range_without_negative_shares():
    """One region with a share of 0: the colour bar starts at 0 instead of being centred on it (-0.4 … 0.4)."""
    import polars as pl

    from digigov.figures.china_map import build_china_map
    from digigov.indicators import get_indicator

    one = pl.DataFrame({"adcode": ["330000"], "value": [0.0]})
    fig = build_china_map(one, get_indicator("offline_pref_share"), "zh")
    trace = next(t for t in fig.data if t.z is not None and len(t.z))
    assert trace.zmin is None or trace.zmin >= 0
    coloraxis = fig.layout.coloraxis if fig.layout.coloraxis.cmin is not None else trace
    assert coloraxis.cmin == 0 and coloraxis.cmax > 0
