"""One aggregation, many engines (issue 14): the channel aggregation of raw records from Parquet parts, with its
heavy first pass on each engine digigov.engine reaches, against the polars path it replaces.

    python bench/bench_engines.py [--rows 10000000 ...] [--repeats 2] [--engines polars-inmemory duckdb ...]
    python bench/bench_engines.py --rows 100000000 --engines duckdb spark --spark-url sc://cluster:15002 \
        --parts s3://bucket/records/        # the same benchmark against a cluster (parts it can read)

Engines: ``polars-inmemory`` (the path before digigov.engine: a lazy scan collected by polars' in-memory engine),
``polars-streaming`` (the same records as a lazy scan: what the large-file import does now), ``duckdb`` (the
embedded default for Parquet parts), ``sail`` (Sail, a Spark Connect server) and ``spark-1`` / ``spark-2``
(Spark's own Spark Connect server from the pyspark wheel with local[1] / local[2]). Each run is a fresh Python
process (client peak RSS = its ru_maxrss); a server's peak is its VmHWM at the end. Every engine's counts are
checked against the generator's: records and weights per region and year.

What this 2-core machine shows: correctness on every engine, bounded memory, and each engine's fixed overhead.
It cannot show a cluster's speed-up: Spark on two local cores pays for its JVM and shuffle and has nothing to
spread the work over.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from benchlib import PYTHON, summary  # noqa: E402

ENGINES = ("polars-inmemory", "polars-streaming", "duckdb", "sail", "spark-1", "spark-2")
SEED = 14
PART_ROWS = 1_000_000
# Raw labels as files write them: one region in several spellings, zh and en channel labels, 是/否 and yes/no.
REGIONS = (("北京", "110000"), ("北京市", "110000"), ("310000", "310000"), ("上海", "310000"), ("浙江省", "330000"))
REGIONS += (("440000", "440000"), ("广东", "440000"), ("四川省", "510000"), ("贵州", "520000"), ("重庆", "500000"))
CHANNEL_LABELS = ("网站", "web", "App", "小程序", "自助终端", "窗口", "counter")
OFFLINE_LABELS = ("是", "否", "yes", "no")
YEARS = (2021, 2022, 2023, 2024)
WEIGHTS = np.arange(1, 17) / 4  # a quarter grid: every sum is exact in any order, on every engine


def generate(folder: Path, rows: int, seed: int = SEED, part_rows: int = PART_ROWS) -> dict:
    """``rows`` records as Parquet parts, and the truth: records and weight sums per adcode and year."""
    import polars as pl

    rng = np.random.default_rng(seed)
    adcodes = sorted({a for _, a in REGIONS})
    n_truth = np.zeros((len(adcodes), len(YEARS)), dtype=np.int64)
    w_truth = np.zeros((len(adcodes), len(YEARS)))
    code_of = np.array([adcodes.index(a) for _, a in REGIONS])
    folder.mkdir(parents=True, exist_ok=True)
    for index, start in enumerate(range(0, rows, part_rows)):
        n = min(part_rows, rows - start)
        region, year, weight = rng.integers(0, len(REGIONS), n), rng.integers(0, len(YEARS), n), rng.integers(0, 16, n)
        cell = code_of[region] * len(YEARS) + year
        n_truth += np.bincount(cell, minlength=n_truth.size).reshape(n_truth.shape)
        w_truth += np.bincount(cell, weights=WEIGHTS[weight], minlength=n_truth.size).reshape(n_truth.shape)
        pl.DataFrame(
            {
                "region": pl.Series([r for r, _ in REGIONS]).gather(region),
                "year": pl.Series(YEARS, dtype=pl.Int32).gather(year),
                "channel": pl.Series(CHANNEL_LABELS).gather(rng.integers(0, len(CHANNEL_LABELS), n)),
                "prefers_offline": pl.Series(OFFLINE_LABELS).gather(rng.integers(0, len(OFFLINE_LABELS), n)),
                "weight": pl.Series(WEIGHTS).cast(pl.String).gather(weight),
            }
        ).write_parquet(folder / f"part-{index:05d}.parquet", compression="zstd")
    truth = {}
    for i, adcode in enumerate(adcodes):
        for j, year in enumerate(YEARS):
            truth[f"{adcode}/{year}"] = [int(n_truth[i, j]), float(w_truth[i, j])]
    return truth


# ---------------------------------------------------------------------------------------------------------------
# one run, in a fresh process
# ---------------------------------------------------------------------------------------------------------------
def worker(engine: str, parts: str, url: str | None) -> dict:
    """Aggregate the parts with ``engine``; seconds, own peak RSS and the counts per adcode/year."""
    import resource

    import polars as pl

    from digigov.engine import ParquetParts, polars_pass
    from digigov.ingest.channel_records import aggregate_raw_records

    if url:
        os.environ["DIGIGOV_ENGINE"] = url
    else:
        os.environ.pop("DIGIGOV_ENGINE", None)
    records: object
    if engine.startswith("polars"):
        records = pl.scan_parquet(ParquetParts(parts).glob())
        if engine == "polars-inmemory":  # the path before digigov.engine: a lazy scan, default (in-memory) engine
            polars_pass.run = lambda frame, spec: polars_pass.lazy_pass(frame.lazy(), spec).collect()
    else:
        records = ParquetParts(parts)
    start = time.perf_counter()
    counts = aggregate_raw_records(
        records, "region", "channel", offline_col="prefers_offline", weight_col="weight", period_col="year"
    )
    seconds = time.perf_counter() - start
    found = {
        f"{a}/{y}": [int(n), float(w)]
        for a, y, n, w in counts.select("adcode", "year", "unweighted_n", "respondents").iter_rows()
    }
    return {"seconds": seconds, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "counts": found}


def _run_worker(engine: str, parts: str, url: str | None) -> dict:
    code = (
        f"import json, sys; sys.path.insert(0, {str(BENCH)!r}); import bench_engines; "
        f"print('RESULT' + json.dumps(bench_engines.worker({engine!r}, {parts!r}, {url!r})))"
    )
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise RuntimeError(f"{engine}: {done.stderr[-2000:]}")
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("RESULT"))
    return {**json.loads(line[len("RESULT") :]), "wall_s": time.perf_counter() - start}


def _vm_hwm(pid: int) -> int | None:
    """A process's peak resident memory so far (VmHWM), in bytes."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


@contextlib.contextmanager
def server(engine: str, log_dir: Path) -> Iterator[tuple[str | None, int | None, float | None]]:
    """The engine's server for the run (URL, PID, seconds to start); nothing for the in-process engines."""
    from tests.engines import servers

    if engine == "sail":
        start = time.perf_counter()
        with servers.sail_server(log_dir) as url:
            yield url, _server_pid(url), time.perf_counter() - start
    elif engine.startswith("spark-"):
        cores = int(engine.split("-")[1])
        with servers.spark_connect_server(log_dir, cores=cores, memory="4g") as (url, seconds):
            yield url, _server_pid(url), seconds
    else:
        yield None, None, None


def _server_pid(url: str) -> int | None:
    """The PID listening on the URL's port (the server the fixture started)."""
    import psutil

    port = int(url.rsplit(":", 1)[1])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
            return conn.pid
    return None


def _check(found: dict, truth: dict) -> bool:
    return found.keys() == truth.keys() and all(
        found[k][0] == truth[k][0] and abs(found[k][1] - truth[k][1]) < 1e-6 for k in truth
    )


def bench_engine(engine: str, parts: str, truth: dict, repeats: int, log_dir: Path, url: str | None = None) -> dict:
    runs = []
    with server(engine, log_dir) if url is None else contextlib.nullcontext((url, None, None)) as (addr, pid, up):
        for _ in range(repeats):
            runs.append(_run_worker(engine, parts, addr))
        server_peak = _vm_hwm(pid) if pid else None
    return {
        "seconds": summary([r["seconds"] for r in runs]),
        "client_peak_rss": max(r["peak_rss"] for r in runs),
        "server_peak_rss": server_peak,
        "server_start_s": up,
        "agree": all(_check(r["counts"], truth) for r in runs),
    }


def run(
    sizes: tuple[int, ...] = (10_000_000,),
    repeats: int = 2,
    engines: tuple[str, ...] = ENGINES,
    log: Callable[..., None] = print,
    part_rows: int = PART_ROWS,
) -> dict:
    """Each size generated once into a scratch folder (deleted afterwards), then every engine on it."""
    out: dict = {"sizes": [], "engines": list(engines), "repeats": repeats}
    for rows in sizes:
        scratch = Path(tempfile.mkdtemp(prefix="digigov-bench-engines-"))
        try:
            start = time.perf_counter()
            truth = generate(scratch / "parts", rows, part_rows=part_rows)
            size = {
                "rows": rows,
                "parquet_bytes": sum(p.stat().st_size for p in (scratch / "parts").iterdir()),
                "parts": len(list((scratch / "parts").iterdir())),
                "generate_s": time.perf_counter() - start,
                "engines": {},
            }
            log(f"{rows:,} records: {size['parquet_bytes'] / 1e6:.0f} MB in {size['parts']} parts")
            for engine in engines:
                measured = bench_engine(engine, str(scratch / "parts"), truth, repeats, scratch)
                size["engines"][engine] = measured
                seconds, client = measured["seconds"]["median"], measured["client_peak_rss"] / 1e6
                log(f"  {engine}: {seconds:.2f} s, client {client:.0f} MB, agree {measured['agree']}")
            out["sizes"].append(size)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------------------------------------
# report (appended to bench/RESULTS.md by run_all.py)
# ---------------------------------------------------------------------------------------------------------------
LABELS = {
    "polars-inmemory": "polars, lazy scan, in-memory engine (before)",
    "polars-streaming": "polars, lazy scan, streaming engine (records held as polars)",
    "duckdb": "Ibis → DuckDB in-process (**embedded default** for parts and tables)",
    "sail": "Ibis → Sail (Spark Connect, Rust)",
    "spark-1": "Ibis → Spark Connect, local[1]",
    "spark-2": "Ibis → Spark Connect, local[2]",
}


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.0f} MB"


def section(result: dict, when: str = "") -> str:
    lines = [
        "## 7. One aggregation, many engines (`bench_engines.py`, issue 14)",
        "",
        f"`bench/bench_engines.py`{f', {when}' if when else ''}: the channel aggregation "
        "(`aggregate_raw_records`, weighted, by region × year × channel × offline answer) of raw records held as "
        "Parquet parts; its heavy first pass runs on each engine, the label mapping after it in polars. Each run "
        "is a fresh process; client = that process's peak RSS, server = the server's VmHWM (start included). "
        "*Agree* = records and weight sums per region and year equal the generator's. The machine is shared with "
        "other engineers' work (2 cores): read timings as ±50 %.",
        "",
    ]
    for size in result["sizes"]:
        lines += [
            f"### {size['rows']:,} records ({size['parquet_bytes'] / 1e6:,.0f} MB Parquet, {size['parts']} parts)",
            "",
            "| engine | seconds (median) | min–max | client peak | server peak | server start | agree |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, m in size["engines"].items():
            s = m["seconds"]
            start = "—" if m["server_start_s"] is None else f"{m['server_start_s']:.1f} s"
            lines.append(
                f"| {LABELS.get(name, name)} | {s['median']:.2f} s | {s['min']:.2f}–{s['max']:.2f} s | "
                f"{_mb(m['client_peak_rss'])} | {_mb(m['server_peak_rss'])} | {start} | "
                f"{'yes' if m['agree'] else '**no**'} |"
            )
        lines.append("")
        lines += [f"- {note}" for note in size.get("notes", [])] + ([""] if size.get("notes") else [])
    lines += [
        *_findings(result),
        "What this 2-core machine can show: equal results on every engine, bounded memory and each engine's fixed "
        "overhead (the Ibis import and first connection are inside the seconds; Spark pays a JVM and a shuffle and "
        "has nothing to spread the work over on two local cores). What it cannot show: a cluster's speed-up. "
        "Run the same benchmark "
        "against a cluster with `python bench/bench_engines.py --rows 100000000 --engines duckdb spark-2 "
        "--spark-url sc://HOST:15002 --parts s3://BUCKET/records/` (parts the cluster can read).",
        "",
    ]
    return "\n".join(lines)


def _findings(result: dict) -> list[str]:
    """The fastest and the leanest engine of the largest size, from the numbers (never written by hand)."""
    if not result["sizes"]:
        return []
    size = result["sizes"][-1]
    engines = size["engines"]
    fastest = min(engines, key=lambda e: engines[e]["seconds"]["median"])
    leanest = min(engines, key=lambda e: engines[e]["client_peak_rss"] + (engines[e]["server_peak_rss"] or 0))
    agree = all(m["agree"] for s in result["sizes"] for m in s["engines"].values())
    return [
        f"At {size['rows']:,} records: fastest {LABELS.get(fastest, fastest)}; least memory (client + server) "
        f"{LABELS.get(leanest, leanest)}; every engine agrees with the generator: {'yes' if agree else '**no**'}.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--spark-url", help="an existing Spark Connect server (a cluster) instead of a local one")
    parser.add_argument("--parts", help="existing Parquet parts (with --spark-url); no truth check then")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args(argv)
    if args.spark_url:
        parts = args.parts or sys.exit("--spark-url needs --parts (records the cluster can read)")
        for engine in args.engines:
            url = args.spark_url if engine.startswith(("spark", "sail")) else None
            runs = [_run_worker(engine, parts, url) for _ in range(args.repeats)]
            print(engine, [round(r["seconds"], 2) for r in runs], "s")
        return 0
    result = run(tuple(args.rows), args.repeats, tuple(args.engines))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(section(result))
    return 0 if all(m["agree"] for s in result["sizes"] for m in s["engines"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
