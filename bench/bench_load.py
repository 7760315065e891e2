"""Load on the server alone: N officials at once through overview → channels → regional → upload.

    python bench/bench_load.py [--mode single|multi] [--sessions 5 10 25 50] [--runs 3 3 10 5] [--json out.json]
    python bench/bench_load.py --record single.json multi.json   # into bench/results.json and RESULTS.md

(`make bench` runs both modes as its "load" section; --record files the two modes run one after the other on
their own, which is how the published figures were made: a full `make bench` takes an hour more.)

Each simulated official is a headless Streamlit client (bench/stclient.py: the browser's websocket protocol,
no rendering): GET / (where a proxy sets its sticky cookie), open the websocket, then view the four pages one
after the other with THINK_S between them, as a sidebar click does. All N start within STAGGER_S (a meeting
where everyone opens the dashboard at once); half of them use the English interface.

Per run: every page view's time (request to script_finished), its status (ok / exception / timeout / closed),
/_stcore/health answered every 0.5 s (its latency: a server locked up stops answering), the server's CPU (all its
processes, in cores) and RSS sampled every 0.25 s. A run *hung* when a view timed out or the health check did not
answer within HEALTH_TIMEOUT_S after the run.

Modes: `single` is one `streamlit run` (as `make run`, file watcher off); `multi` is `make serve`'s stack
(digigov.serve: one Streamlit process per core behind haproxy with sticky sessions, health checks, a watchdog).
One server per (mode, N) series, warmed by one session first; runs of a series reuse it, as a real server would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import PYTHON, free_port, percentile, wait_healthy  # noqa: E402
from stclient import PageView, Session, run_sync  # noqa: E402

ROUTE = ("", "channels", "regional", "upload")  # "" is the default page, the overview
THINK_S = 1.0
STAGGER_S = 2.0
VIEW_TIMEOUT_S = 120.0
HEALTH_TIMEOUT_S = 10.0
TARGET_P95_S = 2.0
DEFAULT_SERIES = ((5, 3), (10, 3), (25, 10), (50, 5))


# ---------------------------------------------------------------------------------------------------------------
# the server under test
# ---------------------------------------------------------------------------------------------------------------
def _process_tree(pid: int) -> list[int]:
    import psutil

    try:
        root = psutil.Process(pid)
        return [root.pid, *(c.pid for c in root.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


class ServerSampler:
    """CPU (cores used, over each interval) and RSS of a process and its children, every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval = pid, interval
        self.cpu: list[float] = []
        self.rss: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _totals(self) -> tuple[float, int]:
        import psutil

        cpu = rss = 0
        for pid in _process_tree(self.pid):
            with contextlib.suppress(psutil.NoSuchProcess):
                proc = psutil.Process(pid)
                times = proc.cpu_times()
                cpu += times.user + times.system
                rss += proc.memory_info().rss
        return cpu, rss

    def _loop(self) -> None:
        last_cpu, _ = self._totals()
        last_t = time.monotonic()
        while not self._stop.wait(self.interval):
            cpu, rss = self._totals()
            now = time.monotonic()
            self.cpu.append(max(0.0, cpu - last_cpu) / (now - last_t))
            self.rss.append(rss)
            last_cpu, last_t = cpu, now

    def __enter__(self) -> ServerSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def single_server(log: Path | None = None, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """One `streamlit run app.py` with the command line `make serve` gives each worker (file watcher off);
    yields (url, pid). log: where its output goes (default: discarded)."""
    from digigov.serve.supervisor import worker_command

    port = free_port()
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        worker_command(ROOT / "app.py", port),
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, proc.pid
    finally:
        _stop_group(proc)
        if log:
            out.close()


@contextlib.contextmanager
def multi_server(workers: int | None = None) -> Iterator[tuple[str, int]]:
    """`make serve`'s stack on a free port (digigov.serve); yields (url, pid of the supervisor)."""
    port = free_port()
    args = [PYTHON, "-m", "digigov.serve", "--port", str(port), "--base-port", str(free_port() + 1000)]
    if workers:
        args += ["--workers", str(workers)]
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout=120)
        _wait_all_backends_up(url)
        yield url, proc.pid
    finally:
        _stop_group(proc)


def _wait_all_backends_up(url: str, timeout: float = 90) -> None:
    # The proxy answers once one backend is up; a series must start with all of them in rotation.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = set()
        for _ in range(8):
            with contextlib.suppress(OSError), urllib.request.urlopen(url + "/", timeout=5) as response:
                seen.add(response.headers.get("X-Served-By"))
        if len(seen - {None}) >= (os.cpu_count() or 1):
            return
        time.sleep(1)


def _stop_group(proc: subprocess.Popen) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ---------------------------------------------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------------------------------------------
def _health_once(url: str, timeout: float) -> float | None:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            response.read()
            return time.perf_counter() - started if response.status == 200 else None
    except OSError:
        return None


async def _official(url: str, index: int, rng: random.Random) -> list[PageView]:
    await asyncio.sleep(rng.uniform(0, STAGGER_S))
    session = Session(url, timeout=VIEW_TIMEOUT_S)
    query = "lang=en" if index % 2 else ""
    try:
        await session.connect()
    except Exception as error:  # a refused or failed connection is a failed view, counted, not a crash
        return [PageView(ROUTE[0], 0.0, 0, 0, 0, f"connect failed: {type(error).__name__}")]
    views = []
    try:
        for position, page in enumerate(ROUTE):
            if position:
                await asyncio.sleep(THINK_S)
            view = await session.view(page, query)
            views.append(view)
            if view.status in ("timeout", "closed"):
                break
    finally:
        with contextlib.suppress(Exception):
            await session.close()
    return views


async def _run(url: str, sessions: int, seed: int) -> tuple[list[list[PageView]], list[float | None]]:
    rng = random.Random(seed)
    health: list[float | None] = []
    done = asyncio.Event()

    async def poll_health() -> None:
        while not done.is_set():
            health.append(await asyncio.to_thread(_health_once, url, HEALTH_TIMEOUT_S))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 0.5)

    poller = asyncio.create_task(poll_health())
    officials = await asyncio.gather(*(_official(url, i, rng) for i in range(sessions)))
    done.set()
    await poller
    return officials, health


def one_run(url: str, pid: int, sessions: int, seed: int) -> dict:
    with ServerSampler(pid) as sampler:
        started = time.perf_counter()
        officials, health = run_sync(_run(url, sessions, seed))
        wall = time.perf_counter() - started
    after = _health_once(url, HEALTH_TIMEOUT_S)
    views = [v for views in officials for v in views]
    times = [v.seconds for v in views if v.status == "ok"]
    failures = [v.status for v in views if v.status != "ok"] + ["incomplete"] * sum(
        len(ROUTE) - len(v) for v in officials if len(v) < len(ROUTE) and v and v[-1].status == "ok"
    )
    answered = [h for h in health if h is not None]
    hung = after is None or any(v.status == "timeout" for v in views)
    per_page = {}
    for page in ROUTE:
        page_times = [v.seconds for v in views if v.page == page and v.status == "ok"]
        if page_times:
            per_page[page or "overview"] = {"p50": percentile(page_times, 0.5), "p95": percentile(page_times, 0.95)}
    return {
        "sessions": sessions,
        "views": len(views),
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
        "hung": hung,
        "wall_s": wall,
        "p50_s": percentile(times, 0.5) if times else None,
        "p95_s": percentile(times, 0.95) if times else None,
        "max_s": max(times) if times else None,
        "per_page": per_page,
        "health_checks": len(health),
        "health_missed": len(health) - len(answered),
        "health_p95_s": percentile(answered, 0.95) if answered else None,
        "health_max_s": max(answered) if answered else None,
        "cpu_cores_p50": percentile(sampler.cpu, 0.5) if sampler.cpu else None,
        "cpu_cores_max": max(sampler.cpu) if sampler.cpu else None,
        "rss_peak": max(sampler.rss) if sampler.rss else None,
        "bytes_received": sum(v.bytes for v in views),
        "times": times,
    }


# ---------------------------------------------------------------------------------------------------------------
# series
# ---------------------------------------------------------------------------------------------------------------
def _log(text: str) -> None:
    print(text, flush=True)


def run(
    mode: str = "single", series: tuple[tuple[int, int], ...] = DEFAULT_SERIES, log=_log, *, cold: bool = False
) -> dict:
    """cold: a fresh server for every run and no warm-up, so every session of a run fills the caches at once
    (officials opening the dashboard just after a restart: the case that locked up in issue 17)."""
    server = single_server if mode == "single" else multi_server
    out: dict = {
        "mode": mode,
        "route": [p or "overview" for p in ROUTE],
        "think_s": THINK_S,
        "stagger_s": STAGGER_S,
        "cores": os.cpu_count(),
        "cold": cold,
        "series": [],
    }
    for sessions, runs in series:
        entry: dict = {"sessions": sessions, "runs": []}
        for index, result in enumerate(_series_runs(server, mode, sessions, runs, cold)):
            entry["runs"].append(result)
            log(
                f"   {mode}{' cold' if cold else ''} {sessions:>3} sessions run {index + 1}/{runs}: "
                f"p50 {result['p50_s'] or 0:.2f} s, p95 {result['p95_s'] or 0:.2f} s, failures {result['failures']}, "
                f"hung {result['hung']}, cpu p50 {result['cpu_cores_p50'] or 0:.2f} cores, "
                f"health max {result['health_max_s'] or 0:.2f} s"
            )
        entry.update(summarise(entry["runs"]))
        out["series"].append(entry)
    out["held_sessions"] = held(out["series"])
    return out


def _series_runs(server, mode: str, sessions: int, runs: int, cold: bool):
    if cold:
        for index in range(runs):
            with server() as (url, pid):
                yield one_run(url, pid, sessions, seed=1000 * sessions + index)
        return
    with server() as (url, pid):
        # Warm the caches, as on a server that has been up for a while: one session per worker process, at once,
        # so that the proxy gives each worker one (leastconn).
        one_run(url, pid, 1 if mode == "single" else (os.cpu_count() or 1), seed=0)
        for index in range(runs):
            result = one_run(url, pid, sessions, seed=1000 * sessions + index)
            yield result
            if result["hung"]:
                return  # the server is gone; the series says so


def run_modes(series: tuple[tuple[int, int], ...] = DEFAULT_SERIES, log=_log) -> dict:
    """Both ways of serving, one after the other, on the same series: what run_all records as "load"."""
    return {"single": run("single", series, log), "multi": run("multi", series, log)}


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["p95_s"] is not None]
    pooled = [t for r in runs for t in r["times"]]
    return {
        "hangs": sum(r["hung"] for r in runs),
        "failures": sum(r["failures"] for r in runs),
        "views": sum(r["views"] for r in runs),
        "p50_s": percentile(pooled, 0.5) if pooled else None,
        "p95_s": percentile(pooled, 0.95) if pooled else None,  # over every view of every run
        "p95_worst_s": max(r["p95_s"] for r in ok) if ok else None,
        "health_max_s": max((r["health_max_s"] or 0) for r in runs) if runs else None,
        "cpu_cores_p50": percentile([r["cpu_cores_p50"] for r in ok], 0.5) if ok else None,
        "rss_peak": max((r["rss_peak"] or 0) for r in runs) if runs else None,
    }


def held(series: list[dict]) -> int:
    """The largest N whose every run had 0 failures and whose p95 page time over all its views was ≤ TARGET_P95_S."""
    best = 0
    for entry in sorted(series, key=lambda e: e["sessions"]):
        if entry["failures"] == 0 and entry["hangs"] == 0 and (entry["p95_s"] or 1e9) <= TARGET_P95_S:
            best = entry["sessions"]
        else:
            break
    return best


def record(
    single: Path,
    multi: Path,
    results_path: Path = ROOT / "bench" / "results.json",
    *,
    before_fix: Path | None = None,
    before_fix_commit: str = "",
    cold_after: Path | None = None,
) -> None:
    """File two runs of this script (one per mode) as the "load" section of results.json; re-render RESULTS.md."""
    import datetime as dt

    import report

    results = json.loads(results_path.read_text())
    stamp = dt.datetime.fromtimestamp(single.stat().st_mtime).astimezone().isoformat(timespec="seconds")
    data = {"single": json.loads(single.read_text()), "multi": json.loads(multi.read_text())}
    if before_fix:
        data.update(before_fix=json.loads(before_fix.read_text()), before_fix_commit=before_fix_commit)
    if cold_after:
        data["cold_after"] = json.loads(cold_after.read_text())
    for mode in data.values():  # the per-view times stay in the run's own JSON; the summaries hold their stats
        for entry in mode["series"] if isinstance(mode, dict) else ():
            for run in entry["runs"]:
                run.pop("times", None)
    seconds = sum(
        r["wall_s"] for mode in data.values() if isinstance(mode, dict) for e in mode["series"] for r in e["runs"]
    )
    results["benchmarks"]["load"] = {"status": "ok", "result": data, "date": stamp, "seconds": seconds}
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    results_path.with_name("RESULTS.md").write_text(report.render(results), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("single", "multi"), default="single")
    parser.add_argument("--sessions", type=int, nargs="+", default=[s for s, _ in DEFAULT_SERIES])
    parser.add_argument("--runs", type=int, nargs="+", default=[r for _, r in DEFAULT_SERIES])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cold", action="store_true", help="a fresh, unwarmed server for every run")
    parser.add_argument("--record", type=Path, nargs=2, metavar=("SINGLE_JSON", "MULTI_JSON"))
    parser.add_argument("--before-fix", type=Path, help="with --record: a --cold run of the code before the fix")
    parser.add_argument("--before-fix-commit", default="")
    parser.add_argument("--cold-after", type=Path, help="with --record: the same --cold run after the fix")
    args = parser.parse_args(argv)
    if args.record:
        record(
            *args.record,
            before_fix=args.before_fix,
            before_fix_commit=args.before_fix_commit,
            cold_after=args.cold_after,
        )
        return 0
    result = run(args.mode, tuple(zip(args.sessions, args.runs, strict=True)), cold=args.cold)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
