"""Server memory per browser session: RSS of the Streamlit server (with its children) under 0, 1 and 10 sessions.

    python bench/bench_sessions.py [--repeats 2] [--sessions 10] [--json out.json]

Per repetition, a fresh `streamlit run app.py`:

1. `start`: after /_stcore/health answers and a short settle;
2. `one_idle`: one browser session opened the overview, its map drawn, then left idle;
3. `ten`: nine more sessions (ten tabs in one Chromium, each its own context, each on a different view of the
   app: every page in zh, then in en, then other settings), opened one after the other, all maps drawn and
   all ten open at once; `ten_peak` is the highest RSS sampled (every 0.1 s) while they loaded;
4. `closed`: the browser closed (all sessions disconnected), after a short wait.

RSS is psutil's resident set size of the server process plus all its children.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_browser import VIEWPORT, regions_for, url_path  # noqa: E402
from bench_pages import PAGES  # noqa: E402
from benchlib import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PROVINCE_REGIONS,
    ratio,
    running_app,
    summary,
    wait_for_map,
)

SETTLE_S = 3.0
# Views beyond "every page in zh and en": (URL path and query, regions its first map draws).
EXTRA_VIEWS = [
    ("?ind=dgi_capacity", PROVINCE_REGIONS),
    ("channels?level=province", PROVINCE_REGIONS),
    ("regional?year=2022", PROVINCE_REGIONS),
    ("demand?level=prefecture", PROVINCE_REGIONS),
]


def views(count: int) -> list[tuple[str, int | None]]:
    """`count` different views of the app (URL path and query after the host), the default page first."""
    names = list(PAGES)
    out = [(url_path(name), regions_for(name)) for name in names]
    out += [(f"{url_path(name)}?lang=en", regions_for(name)) for name in names]
    out += EXTRA_VIEWS
    return out[:count]


def server_rss(pid: int) -> int:
    import psutil

    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


class PeakSampler:
    """Samples server_rss every `interval` seconds in a thread; `.peak` is the highest seen."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, server_rss(self.pid))
            except Exception:  # the process is going away
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def open_session(browser, url: str, regions: int | None):
    """A new tab (own context) on url, returned once its map is drawn (or, without a map, the page rendered)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(url, wait_until="commit")
    wait_for_map(page, regions, timeout_ms=180_000)
    return context, page


def one_repetition(sessions: int, log=print, settle_s: float = SETTLE_S) -> dict:
    from playwright.sync_api import sync_playwright

    chosen = views(sessions)
    with running_app() as (url, server), sync_playwright() as p:
        time.sleep(settle_s)
        start = server_rss(server.pid)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            first_view, first_regions = chosen[0]
            open_session(browser, f"{url}/{first_view}", first_regions)
            time.sleep(settle_s)
            one = server_rss(server.pid)
            with PeakSampler(server.pid) as sampler:
                # One after the other (each map drawn before the next tab opens): ten tabs loading at once on
                # two cores take minutes and measure the CPU, not the memory; all ten stay open together.
                for view, regions in chosen[1:]:
                    open_session(browser, f"{url}/{view}", regions)
                time.sleep(settle_s)
            ten = server_rss(server.pid)
            peak = max(sampler.peak, ten)
        finally:
            browser.close()
        time.sleep(2 * settle_s)
        closed = server_rss(server.pid)
    result = {
        "start": start,
        "one_idle": one,
        "ten": ten,
        "ten_peak": peak,
        "closed": closed,
        "views": [f"/{v}" for v, _ in chosen],
    }
    log(
        f"  start {start / 1e6:5.0f} MB   1 session {one / 1e6:5.0f} MB   {sessions} sessions {ten / 1e6:5.0f} MB "
        f"(peak {peak / 1e6:5.0f} MB)   closed {closed / 1e6:5.0f} MB"
    )
    return result


def run(repeats: int = 2, sessions: int = 10, log=print, settle_s: float = SETTLE_S) -> dict:
    """`settle_s`: the pause before each reading (and twice that after closing the browser)."""
    reps = [one_repetition(sessions, log, settle_s) for _ in range(repeats)]
    keys = ("start", "one_idle", "ten", "ten_peak", "closed")
    stats = {key: summary([r[key] for r in reps]) for key in keys}
    per_session = [(r["ten"] - r["one_idle"]) / max(1, sessions - 1) for r in reps]
    first_session = [r["one_idle"] - r["start"] for r in reps]
    stats["first_session_delta"] = summary(first_session)
    stats["per_extra_session"] = summary(per_session)
    return {
        "sessions": sessions,
        "repeats": repeats,
        "views": reps[0]["views"],
        "stats": stats,
        "ratios": {
            "ten/one_idle": ratio(stats["ten"]["median"], stats["one_idle"]["median"]),
            "one_idle/start": ratio(stats["one_idle"]["median"], stats["start"]["median"]),
        },
        "runs": reps,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(args.repeats, args.sessions)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
