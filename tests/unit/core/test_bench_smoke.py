"""One small case of each benchmark under bench/, so that `make bench` cannot rot unnoticed.

Structure and sanity only (the engines agree, every registered page is measured, the payload variants are
ordered as expected), never timings. The peers (pandas, DuckDB, psutil) come with the `bench` extra and the
raw boundaries with the `build` extra; `make test` installs both, so a missing one fails here, never skips.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import bench_pages
import benchlib
import report


def wrap(name: str, result: dict) -> dict:
    """A results document holding one benchmark, as run_all writes it."""
    load = {"loadavg": [0.0, 0.0, 0.0], "cpu_pressure": None}
    return {
        "date": "2026-01-01T00:00:00+00:00",
        "quick": True,
        "machine": benchlib.machine_info(),
        "total_seconds": 1.0,
        "benchmarks": {
            name: {"status": "ok", "result": result, "seconds": 1.0, "load_before": load, "load_after": load}
        },
    }


def test_ingest_engines_agree_and_clean_up(tmp_path, monkeypatch):
    import bench_ingest

    scratch = tmp_path / "scratch"

    def mkdtemp(prefix: str = "") -> str:
        scratch.mkdir()
        return str(scratch)

    monkeypatch.setattr(bench_ingest.tempfile, "mkdtemp", mkdtemp)
    out = bench_ingest.run(sizes=(10_000,), repeats=1, log=lambda *_: None)

    assert not scratch.exists(), "the generated CSV must be deleted"
    (size,) = out["sizes"]
    assert size["rows"] == 10_000 and size["csv_bytes"] > 10_000 * 50
    assert size["agree"] and all(d <= bench_ingest.TOLERANCE for d in size["max_difference"].values())
    assert set(size["engines"]) == {"polars", "import", "pandas", "duckdb", "duckdb_validated"}
    for engine in size["engines"].values():
        assert engine["seconds"]["n"] == 1 and engine["seconds"]["median"] > 0
        assert engine["peak_rss"]["median"] >= engine["rss_after_import"]["median"] > 10e6
        assert engine["wall_s"]["median"] >= engine["seconds"]["median"]
    peers = ("pandas", "duckdb", "duckdb_validated")
    assert set(size["ratios"]) == {f"{ours}/{peer}" for ours in ("polars", "import") for peer in peers}
    text = report.render(wrap("ingest", out))
    assert "10,000 rows" in text and "Results agree: yes" in text
    both = wrap("ingest", out)
    both["benchmarks"]["ingest_large"] = {**both["benchmarks"]["ingest"], "result": {**out, "sizes": [size]}}
    large = report.render(both)
    assert large.count("### 10,000 rows") == 2 and "The large run" in large  # the opt-in run under the same heading


def test_generated_records_hold_every_label_kind(tmp_path):
    import bench_ingest
    import polars as pl

    truth = bench_ingest.generate_csv(tmp_path / "r.csv", 2_000, chunk_rows=700)
    frame = pl.read_csv(tmp_path / "r.csv", schema_overrides={"region": pl.String})
    assert frame.height == 2_000 and frame["record_id"].n_unique() == 2_000
    regions = set(frame["region"])
    assert any(r.isdigit() for r in regions) and any(r.endswith(("省", "市", "区")) for r in regions)
    assert set(frame["prefers_offline"]) <= {label for label, _ in bench_ingest.OFFLINE_LABELS}
    assert sum(truth["respondents"].values()) == 2_000


def test_every_registered_page_is_benchmarked():
    registered = bench_pages.registered_pages()
    assert registered, "no st.Page found in app.py"
    assert set(registered.values()) <= set(bench_pages.PAGES.values())


def test_page_run_cold_and_warm():
    out = bench_pages.run({"overview": bench_pages.PAGES["overview"]}, reruns=2, cold_repeats=1, log=lambda *_: None)
    r = out["overview"]
    assert r["reruns"] == 2 and len(r["warm"]) == 2
    assert r["cold_s"] > 0 and r["imports"]["median"] > 0
    assert r["after_map_s"] > 0  # the overview's first run stops after its map; the rest comes in a second run
    assert r["min_s"] <= r["p50_s"] <= r["p95_s"] <= r["max_s"]
    assert "| overview |" in report.render(wrap("pages", out))


def test_province_map_payload():
    import bench_payload

    out = bench_payload.bench_level("province", repeats=1)
    v = out["variants"]
    a, b, c = v["a_app"], v["b_embedded"], v["c_unsimplified"]
    assert a["bytes"] < b["bytes"] < c["bytes"]
    assert a["download_files"] == ["provinces.geojson", "south_china_sea.geojson"]
    assert a["download_bytes"] == sum((ROOT / "static" / "boundaries" / f).stat().st_size for f in a["download_files"])
    assert b["main_features"] == c["main_features"] == 34
    assert c["main_vertices"] > 10 * b["main_vertices"]
    assert out["ratios"]["c/b"] > 1 and out["ratios"]["b/a"] > 1
    assert "### Province map" in report.render(wrap("payload", {"province": out}))


def in_fresh_process(module: str, call: str) -> dict:
    """Run module.call in a new interpreter: Playwright's sync API refuses to start inside a process whose
    other tests (the e2e ones) already run a Playwright event loop."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import {module}; "
        f"print('RESULT' + json.dumps({module}.{call}, default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


@pytest.mark.e2e
def test_browser_timing_once():
    assert benchlib.chromium_available(), f"{benchlib.CHROMIUM} is missing: scripts/ensure_system_deps.sh installs it"
    out = in_fresh_process("bench_browser", "run(pages=['overview'], repeats=1, log=lambda *_: None, profiles=1)")
    assert out["overview"]["regions"] == benchlib.PROVINCE_REGIONS
    assert out["overview"]["url"] == "/"  # not /overview: Streamlit answers that with "Page not found"
    assert out["overview"]["n"] == 1 and out["overview"]["median"] > 0
    floor = out["overview"]["floor"]  # the bare-stack peer, visited after the page
    assert floor["layer"] == "province" and floor["n"] == 1 and floor["median"] > 0
    assert out["overview"]["map_ratio"] == pytest.approx(out["overview"]["median"] / floor["median"])
    assert out["overview"]["milestones"]["heading"] is not None and floor["milestones"]["map"] is not None
    # the profiled visit: both ran plotly and React; ours ran more of Streamlit's modules than the floor's one chart
    profile, floor_profile = out["overview"]["profile"], floor["profile"]
    assert profile["plotly"] > 0 and floor_profile["plotly"] > 0 and profile["react"] > 0
    assert profile["streamlit"] > floor_profile["streamlit"]
    assert sum(profile.values()) > 0.5  # about the visit's length: the profiler was attached to the page's renderer
    text = report.render(wrap("browser", out))  # renders from its JSON form, as run_all reads it
    assert "overview" in text and "The browser's main thread from navigation" in text


def test_profile_seconds_are_bucketed_by_script():
    import bench_browser

    frame = {"url": "", "functionName": ""}
    profile = {
        "nodes": [
            {"id": 1, "callFrame": {**frame, "functionName": "(root)"}},
            {"id": 2, "callFrame": {**frame, "functionName": "(idle)"}},
            {"id": 3, "callFrame": {"url": "http://h/static/js/PlotlyChart.X1.js", "functionName": "draw"}},
            {"id": 4, "callFrame": {"url": "http://h/static/js/index.Ab.js", "functionName": "render"}},
            {"id": 5, "callFrame": {"url": "http://h/static/js/react-dom.Q1.js", "functionName": "m"}},
            {"id": 6, "callFrame": {**frame, "functionName": "(program)"}},
        ],
        "samples": [2, 3, 3, 4, 5, 6, 1],
        "timeDeltas": [1000, 2000, 2000, 500, 250, 125, 125],
    }
    out = bench_browser.profile_seconds(profile)
    assert out["idle"] == 0.001 and out["plotly"] == 0.004 and out["streamlit"] == 0.0005
    assert out["react"] == 0.00025 and out["program"] == 0.000125 and out["other"] == 0.000125


@pytest.mark.e2e
def test_session_memory_with_two_sessions():
    out = in_fresh_process("bench_sessions", "run(repeats=1, sessions=2, log=lambda *_: None, settle_s=0.5)")
    s = out["stats"]
    assert out["views"][0] == "/" and len(set(out["views"])) == 2  # the default page at the root
    assert s["start"]["median"] > 50e6
    assert s["ten_peak"]["median"] >= s["ten"]["median"]
    assert "2 sessions" in report.render(wrap("sessions", out))


def test_import_block_sizes_report_seconds_and_memory():
    import bench_import_blocks

    out = bench_import_blocks.run(rows=20_000, blocks=(0.25,), log=lambda *_: None)
    measured = out["blocks"]["0.25"]
    assert measured["ok"] and measured["seconds"] > 0
    assert measured["peak"] >= measured["base"] > 10e6 and measured["grown"] == measured["peak"] - measured["base"]


def test_load_both_ways_of_serving_with_two_officials():
    import bench_load

    out = bench_load.run_modes(series=((2, 1),), log=lambda *_: None)
    for mode in ("single", "multi"):
        (entry,) = out[mode]["series"]
        (only,) = entry["runs"]
        assert only["views"] == 2 * len(bench_load.ROUTE) and only["failures"] == 0 and not only["hung"]
        assert set(only["per_page"]) == {"overview", "channels", "regional", "upload"}
        assert only["health_missed"] == 0 and only["cpu_cores_p50"] is not None and only["rss_peak"] > 50e6
    assert out["multi"]["series"][0]["runs"][0]["rss_peak"] > out["single"]["series"][0]["runs"][0]["rss_peak"]
    text = report.render(wrap("load", out))
    assert "## 6. Concurrent officials" in text and "`make serve`" in text


def test_a_section_says_how_fast_the_cpu_was_when_it_ran():
    doc = wrap("pages", {})
    doc["benchmarks"]["pages"]["load_before"] = {"loadavg": [0.5, 0, 0], "cpu_pressure": None, "yardstick_s": 1.234}
    assert "CPU yardstick (10 M additions in a Python loop) before: 1.23 s." in "\n".join(
        report.status_line(doc, "pages")
    )
    assert "yardstick" not in "\n".join(report.status_line(wrap("pages", {}), "pages"))  # older sections: none
