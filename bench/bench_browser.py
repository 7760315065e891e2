"""Browser: time from navigation to the map drawn, per page, in Debian's Chromium driven by Playwright.

    python bench/bench_browser.py [--repeats 5] [--pages overview channels] [--json out.json]

The app runs as `streamlit run app.py` on a free port. Each measurement uses a fresh browser context (no
cache, no cookies, a new Streamlit session): the clock starts before `page.goto` and stops when the document
holds at least as many `.js-plotly-plot .choroplethlocation` shapes as the page's first map has regions (34
provinces; 367 prefectures on the channels page); on a page without a map, when its script run has finished
and its title is shown. The default page (overview) is opened at `/`: a deep link to its url_path makes
Streamlit show "Page not found" before it runs the main page. Rounds go over all pages in turn, so the first
round meets the server's caches cold; `first_s` is that visit and the median is over all rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import DEFAULT_PAGE, PAGES  # noqa: E402
from benchlib import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PREFECTURE_REGIONS,
    PROVINCE_REGIONS,
    running_app,
    summary,
    wait_for_map,
)

# Regions drawn by each page's first map on built-in data with default settings: the prefecture map on the
# channels page, the province map on any other page that draws a China map, None for pages without one.
MAP_REGIONS = {"channels": PREFECTURE_REGIONS}
VIEWPORT = {"width": 1440, "height": 1100}


def regions_for(name: str) -> int | None:
    if name in MAP_REGIONS:
        return MAP_REGIONS[name]
    script = (ROOT / PAGES[name]).read_text(encoding="utf-8") if name in PAGES else ""
    return PROVINCE_REGIONS if "china_map(" in script else None


def url_path(name: str) -> str:
    """The page's path in the URL: the default page lives at the root (a deep link to its url_path shows
    Streamlit's "Page not found" dialog before running the main page)."""
    return "" if PAGES.get(name) == DEFAULT_PAGE else name


def waited_for(regions: int | None) -> str:
    return f"{regions} map regions" if regions else "page rendered (no map)"


# Milestones of the visit from the browser's own clock (ms since navigation start): the document parsed, the
# Plotly chart code downloaded, the boundary files requested and downloaded.
MILESTONES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const pick = (re) => res.filter(r => re.test(r.name));
  const end = (re) => { const e = pick(re); return e.length ? Math.max(...e.map(x => x.responseEnd)) : null; };
  const begin = (re) => { const e = pick(re); return e.length ? Math.min(...e.map(x => x.startTime)) : null; };
  const geo = /boundaries[/][^/]*[.]geojson/;
  return {dom_ready: nav ? nav.domContentLoadedEventEnd : null, plotly_js: end(/PlotlyChart[^/]*[.]js/),
          boundaries_requested: begin(geo), boundaries: end(geo), drawn: performance.now()};
}"""


def time_visit(browser, url: str, regions: int | None) -> tuple[float, dict]:
    """Seconds from page.goto to the map drawn, and the browser's milestones (seconds) of that visit."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        wait_for_map(page, regions)
        seconds = time.perf_counter() - start
        marks = {k: (v / 1000 if v is not None else None) for k, v in page.evaluate(MILESTONES_JS).items()}
        return seconds, marks
    finally:
        context.close()


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def run(pages: list[str] | None = None, repeats: int = 5, log=print, server_log: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    pages = pages or list(PAGES)
    times: dict[str, list[float]] = {name: [] for name in pages}
    marks: dict[str, list[dict]] = {name: [] for name in pages}
    with running_app(server_log) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(repeats):
                for name in pages:
                    seconds, milestones = time_visit(browser, f"{url}/{url_path(name)}", regions_for(name))
                    times[name].append(seconds)
                    marks[name].append(milestones)
        finally:
            browser.close()
    results = {}
    for name in pages:
        regions = regions_for(name)
        results[name] = {
            "url": f"/{url_path(name)}",
            "regions": regions,
            "waited_for": waited_for(regions),
            "first_s": times[name][0],
            **summary(times[name]),
            "warm_median": statistics.median(times[name][1:]) if len(times[name]) > 1 else None,
            "milestones": {k: _median([m[k] for m in marks[name]]) for k in marks[name][0]},
        }
        log(
            f"  {name:16s} median {results[name]['median']:5.2f} s   first {results[name]['first_s']:5.2f} s   "
            f"min {results[name]['min']:5.2f} s   max {results[name]['max']:5.2f} s"
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", nargs="+", choices=sorted(PAGES))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(args.pages, args.repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
