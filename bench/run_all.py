"""Run every benchmark and write bench/results.json and bench/RESULTS.md (`make bench`).

    python bench/run_all.py [--only ingest pages browser payload sessions load engines ingest_large] [--quick]
                            [--out-dir bench] [--merge]

--quick runs each benchmark small (ingest 100k rows, 3 reruns, 2 browser rounds, 1 session repetition) to
check the machinery; its figures are not the ones to publish. --merge keeps the other sections of the existing
results.json (each section records when it ran) and replaces only those run now. ingest_large (the validated import
at 100 M rows, about 15 min and 10 GB of disk) runs only when named in --only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import report  # noqa: E402
from benchlib import chromium_available, machine_info  # noqa: E402

BENCHMARKS = ("ingest", "pages", "browser", "payload", "sessions", "load", "engines")
OPT_IN = ("ingest_large",)  # run only when named in --only


def cpu_pressure() -> dict | None:
    """Linux PSI for the CPU: the share of time runnable tasks waited (other work on the machine)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return {k: float(v) for k, v in (part.split("=") for part in line.split()[1:]) if k.startswith("avg")}


def cpu_yardstick() -> float:
    """Seconds for 10 million additions in a Python loop, in this process: how fast the machine's CPU was when a
    section ran (this virtual machine's speed varies between sessions: the same commit's page runs took about twice
    as long one day as the day before), so that absolute figures of sections run on different days can be told apart
    from changes in our code. Ratios against a peer in the same run do not need it."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def load() -> dict:
    return {"loadavg": list(os.getloadavg()), "cpu_pressure": cpu_pressure(), "yardstick_s": cpu_yardstick()}


def plan(quick: bool) -> dict[str, Callable[[], dict]]:
    import bench_browser
    import bench_engines
    import bench_ingest
    import bench_load
    import bench_pages
    import bench_payload
    import bench_sessions

    if quick:
        return {
            "ingest": lambda: bench_ingest.run(sizes=(100_000,), repeats=1),
            "pages": lambda: bench_pages.run(reruns=3, cold_repeats=1),
            "browser": lambda: bench_browser.run(repeats=2),
            "payload": lambda: bench_payload.run(repeats=1),
            "sessions": lambda: bench_sessions.run(repeats=1),
            "load": lambda: bench_load.run_modes(series=((2, 1),)),
            "engines": lambda: bench_engines.run(sizes=(100_000,), repeats=1),
            "ingest_large": lambda: bench_ingest.run(sizes=(200_000,), repeats=1, engines=("import",)),
        }
    return {
        "ingest": lambda: bench_ingest.run(sizes=(1_000_000, 10_000_000), repeats=3),
        "pages": lambda: bench_pages.run(reruns=20, cold_repeats=3),
        "browser": lambda: bench_browser.run(repeats=5),
        "payload": lambda: bench_payload.run(repeats=3),
        "sessions": lambda: bench_sessions.run(repeats=2),
        "load": bench_load.run_modes,
        "engines": lambda: bench_engines.run(sizes=(10_000_000,), repeats=2),
        # opt-in (about 15 min and 10 GB of disk): the validated import at 100 M rows against its peers
        "ingest_large": lambda: bench_ingest.run(
            sizes=(100_000_000,), repeats=1, engines=("polars", "import", "duckdb_validated")
        ),
    }


def render(results: dict) -> str:
    """RESULTS.md (report.py's sections, the engines section included)."""
    return report.render(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS + OPT_IN, default=list(BENCHMARKS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out-dir", type=Path, default=BENCH)
    parser.add_argument("--merge", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results: dict = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine_info(),
        "benchmarks": {},
    }
    steps = plan(args.quick)
    failed = []
    previous = args.out_dir / "results.json"
    if args.merge and previous.exists():
        kept = json.loads(previous.read_text())
        results.update(date=kept["date"], machine=kept["machine"], benchmarks=kept["benchmarks"])
        started -= kept.get("total_seconds", 0.0)  # the total is the original run's plus the sections rerun
    for name in args.only:
        entry: dict = {"load_before": load(), "date": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        if name in ("browser", "sessions") and not chromium_available():
            entry.update(status="skipped", reason="/usr/bin/chromium is missing")
            results["benchmarks"][name] = entry
            print(f"== {name}: skipped (no Chromium)", flush=True)
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            entry["result"] = steps[name]()
            entry["status"] = "ok"
        except Exception as error:  # one broken benchmark must not hide the others' figures
            entry.update(status="failed", error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc())
            failed.append(name)
            print(entry["traceback"], file=sys.stderr, flush=True)
        entry["seconds"] = time.perf_counter() - start
        entry["load_after"] = load()
        results["benchmarks"][name] = entry
        print(f"   {name}: {entry['status']} in {entry['seconds']:.0f} s", flush=True)
    results["total_seconds"] = time.perf_counter() - started

    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (args.out_dir / "RESULTS.md").write_text(render(results), encoding="utf-8")
    print(f"total {results['total_seconds'] / 60:.1f} min; wrote {args.out_dir / 'RESULTS.md'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
