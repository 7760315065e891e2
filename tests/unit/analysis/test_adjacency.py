"""The committed adjacency table stands in for the geometry: it must equal what the polygons give, for the full
layer and for any subset of provinces (queen contiguity within the subset, islands attached by distance)."""

from __future__ import annotations

import geopandas as gpd
import libpysal
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.analysis import adjacency, spatial
from digigov.boundaries import load_layer


@pytest.fixture(scope="module")
def computed() -> dict:
    return adjacency.compute()


def test_committed_table_is_what_the_boundaries_give(computed: dict) -> None:
    committed = adjacency.province_adjacency()
    fresh = adjacency.from_json(computed)
    assert committed.ids == fresh.ids
    assert committed.queen == fresh.queen
    for i in fresh.ids:
        assert committed.boundary[i] == pytest.approx(fresh.boundary[i], abs=0.01)
        assert committed.centroid[i] == pytest.approx(fresh.centroid[i], abs=0.01)


def test_table_knows_the_straits() -> None:
    table = adjacency.province_adjacency()
    assert not table.queen["460000"] and not table.queen["710000"]  # 海南 and 台湾 have no land neighbour
    assert "440000" in table.queen["450000"] and "450000" in table.queen["440000"]  # symmetric
    assert all(i in table.queen[n] for i in table.ids for n in table.queen[i])
    assert table.distances("460000", "boundary")["460000"] == 0.0


_FRAME: gpd.GeoDataFrame | None = None


def _geometry_neighbours(ids: tuple[str, ...], k: int, island_distance: str):
    """The former implementation on the polygons themselves (the reference)."""
    global _FRAME
    if _FRAME is None:
        features = load_layer("province")["features"]
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
        frame.index = [str(f["id"]) for f in features]
        _FRAME = frame.to_crs(adjacency.CHINA_ALBERS)
    layer = _FRAME.loc[list(ids)]
    queen = libpysal.weights.Queen.from_dataframe(layer, use_index=True, silence_warnings=True)
    neighbours = {i: set(map(str, queen.neighbors[i])) for i in ids}
    links = []
    for island in [i for i in ids if not neighbours[i]]:
        others = layer.drop(index=island)
        if island_distance == "boundary":
            distance = others.geometry.distance(layer.geometry[island])
        else:
            distance = others.geometry.centroid.distance(layer.geometry[island].centroid)
        nearest = sorted(zip(distance.tolist(), distance.index.tolist(), strict=True))[:k]
        for _, target in nearest:
            neighbours[island].add(target)
            neighbours[target].add(island)
        links.append((island, tuple(c for _, c in nearest), tuple(round(d / 1000, 1) for d, _ in nearest)))
    return {i: tuple(sorted(neighbours[i])) for i in ids}, links


IDS = adjacency.province_adjacency().ids


@settings(max_examples=40, deadline=None)
@given(
    subset=st.sets(st.sampled_from(IDS), min_size=3, max_size=len(IDS)),
    k=st.integers(1, 2),
    island_distance=st.sampled_from(["boundary", "centroid"]),
)
def test_weights_from_the_table_equal_the_geometry(subset: set[str], k: int, island_distance: str) -> None:
    ids = tuple(sorted(subset))
    neighbours, links = spatial._neighbours(ids, k, island_distance)
    expected_neighbours, expected_links = _geometry_neighbours(ids, k, island_distance)
    assert dict(neighbours) == expected_neighbours
    assert [(link.adcode, link.neighbours, link.distances_km) for link in links] == expected_links
