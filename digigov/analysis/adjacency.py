"""The province layer's contiguity and distances, computed once from the committed boundaries and committed
beside them (data/province_adjacency.json), so that a page's spatial weights need no geometry work: reading the
polygons with geopandas and testing queen contiguity took about 0.45 s of the regional page's first run.

Queen contiguity is a relation between two polygons (they share a boundary point), so the neighbours among any
subset of provinces are the full layer's neighbours within that subset; the distances (boundary to boundary and
centroid to centroid, in metres of an equal-area projection) are what attaching an island needs. compute() is
the geometry itself, run by scripts/build_adjacency.py and by the test that checks the committed file against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from digigov.paths import DATA_DIR

ADJACENCY_FILE = DATA_DIR / "province_adjacency.json"
# Albers equal-area conic for China: distances in metres that are not distorted by latitude as
# degrees would be (a degree of longitude is 111 km at the equator, 78 km at 45°N).
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"


@dataclass(frozen=True)
class Adjacency:
    """ids: the provinces with a polygon, sorted; queen: each one's land neighbours; boundary and centroid: the
    distance in metres from each id to every id (in the order of ids)."""

    ids: tuple[str, ...]
    queen: dict[str, frozenset[str]]
    boundary: dict[str, tuple[float, ...]]
    centroid: dict[str, tuple[float, ...]]

    def distances(self, adcode: str, kind: str) -> dict[str, float]:
        row = self.boundary[adcode] if kind == "boundary" else self.centroid[adcode]
        return dict(zip(self.ids, row, strict=True))


@cache
def province_adjacency() -> Adjacency:
    """The committed table (cached: do not mutate)."""
    return from_json(json.loads(ADJACENCY_FILE.read_text(encoding="utf-8")))


def from_json(data: dict[str, Any]) -> Adjacency:
    ids = tuple(data["ids"])
    return Adjacency(
        ids=ids,
        queen={i: frozenset(data["queen"][i]) for i in ids},
        boundary={i: tuple(float(d) for d in data["boundary_m"][i]) for i in ids},
        centroid={i: tuple(float(d) for d in data["centroid_m"][i]) for i in ids},
    )


def compute() -> dict[str, Any]:
    """The table from the committed province polygons (geopandas and libpysal: build and test time only)."""
    import geopandas as gpd
    import libpysal

    from digigov.boundaries import load_layer

    features = load_layer("province")["features"]
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    frame.index = [str(f["id"]) for f in features]
    frame = frame.to_crs(CHINA_ALBERS).sort_index()
    ids = [str(i) for i in frame.index]
    queen = libpysal.weights.Queen.from_dataframe(frame, use_index=True, silence_warnings=True)
    centroids = frame.geometry.centroid
    return {
        "source": "data/boundaries/provinces.geojson; rebuilt by scripts/build_adjacency.py",
        "projection": CHINA_ALBERS,
        "ids": ids,
        "queen": {i: sorted(str(n) for n in queen.neighbors[i]) for i in ids},
        "boundary_m": {i: [float(d) for d in frame.geometry.distance(frame.geometry[i]).loc[ids]] for i in ids},
        "centroid_m": {i: [float(d) for d in centroids.distance(centroids[i]).loc[ids]] for i in ids},
    }
