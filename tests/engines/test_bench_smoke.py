"""One small case of bench/bench_engines.py (as tests/unit/core/test_bench_smoke.py does for the other benches):
structure and agreement with the generator, never timings. Spark is left to tests/engines/test_spark.py."""

from __future__ import annotations

import sys

from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import bench_engines


def test_engines_agree_with_the_generator_and_render():
    engines = ("polars-inmemory", "polars-streaming", "duckdb", "sail")
    out = bench_engines.run(sizes=(20_000,), repeats=1, engines=engines, log=lambda *_: None, part_rows=7_000)
    (size,) = out["sizes"]
    assert size["rows"] == 20_000 and size["parts"] == 3
    assert set(size["engines"]) == set(engines)
    for name, measured in size["engines"].items():
        assert measured["agree"], name
        assert measured["seconds"]["median"] > 0 and measured["client_peak_rss"] > 10e6
    assert size["engines"]["sail"]["server_peak_rss"] > 1e6
    text = bench_engines.section(out)
    assert "### 20,000 records" in text and "every engine agrees with the generator: yes" in text
