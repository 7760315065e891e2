"""Browser: time from navigation to the map drawn, per page, in Debian's Chromium driven by Playwright.

    python bench/bench_browser.py [--repeats 5] [--pages overview channels] [--json out.json]
    python bench/bench_browser.py --anatomy [--prefecture] [--variants "" sidebar table ...]

The app runs as `streamlit run app.py` on a free port, and beside it the bare-stack floor (floor_app.py: a title
and one choropleth on the same boundary file and config, nothing of ours) as its peer. Each measurement uses a
fresh browser context (no cache, no cookies, a new Streamlit session): the clock starts before `page.goto` and
stops when the document holds at least as many `.js-plotly-plot .choroplethlocation` shapes as the page's first
map has regions (34 provinces; 367 prefectures on the channels page); on a page without a map, when its script
run has finished and its title is shown. Every visit of a page is followed by a visit of its floor (prefecture
layer for the channels page), so a slow patch of the machine meets both; ratios are page ÷ floor medians. In the
browser, an init script notes when the title, the sample notice, a chart placeholder and the complete map first
appear. The default page (overview) is opened at `/`: a deep link to its url_path makes Streamlit show "Page not
found" before it runs the main page. Rounds go over all pages in turn after one warm-up visit of each server, so
the first round meets the pages' caches cold; `first_s` is that visit and the median is over all rounds.
--anatomy times the floor with each piece a page adds (floor_app.py ?extras=).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
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
    ratio,
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


# Milestones of the visit on the browser's own clock (ms since navigation start). An init script watches the
# document from its first byte (MutationObserver) and notes when each thing first appears: the page's title
# (h1 in the main area), the sample notice, a chart's placeholder or element, the map complete. Resource timings
# add the Plotly chart code and the boundary files.
WATCH_JS = """(() => {
  const marks = (window.__digigovMarks = {});
  const note = (name, ok) => { if (!(name in marks) && ok) marks[name] = performance.now(); };
  const check = () => {
    const main = document.querySelector('[data-testid=stMain]');
    if (!main) return;
    note('heading', !!main.querySelector('h1'));
    note('notice', main.textContent.includes(window.__digigovNotice || '\u0000'));
    note('placeholder', !!main.querySelector('[data-testid=stPlotlyChart], [data-testid=stSkeleton], .stSkeleton'));
    const n = window.__digigovRegions;
    note('map', n > 0 && document.querySelectorAll('.js-plotly-plot .choroplethlocation').length >= n);
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, characterData: true});
  // The server's messages as they reach the page: the first one, and the one carrying the map's figure (its
  // choropleth), to tell the server's and the network's share from the browser's own work.
  const Native = window.WebSocket;
  if (Native) {
    const decoder = new TextDecoder();
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (event) => {
          note('ws_first', true);
          if (!('ws_map' in marks) && event.data instanceof ArrayBuffer) {
            note('ws_map', decoder.decode(event.data).includes('choropleth'));
          }
        });
      }
    };
  }
})();"""

MILESTONES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const pick = (re) => res.filter(r => re.test(r.name));
  const end = (re) => { const e = pick(re); return e.length ? Math.max(...e.map(x => x.responseEnd)) : null; };
  const begin = (re) => { const e = pick(re); return e.length ? Math.min(...e.map(x => x.startTime)) : null; };
  const geo = /boundaries[/][^/]*[.]geojson/;
  const m = window.__digigovMarks || {};
  return {dom_ready: nav ? nav.domContentLoadedEventEnd : null, heading: m.heading ?? null,
          notice: m.notice ?? null, placeholder: m.placeholder ?? null, ws_first: m.ws_first ?? null,
          ws_map: m.ws_map ?? null, plotly_js: end(/PlotlyChart[^/]*[.]js/),
          boundaries_requested: begin(geo), boundaries: end(geo), map: m.map ?? null, drawn: performance.now()};
}"""


def _watched_context(browser, regions: int | None, notice: str | None):
    """A fresh browser context (no cache, new session) whose pages note the milestones (WATCH_JS)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.add_init_script(
        f"window.__digigovRegions = {regions or 0}; window.__digigovNotice = {json.dumps(notice or chr(0))};"
    )
    context.add_init_script(WATCH_JS)
    return context


def time_visit(browser, url: str, regions: int | None, notice: str | None = None) -> tuple[float, dict]:
    """Seconds from page.goto to the map drawn (or the page rendered), and the browser's milestones (seconds)."""
    context = _watched_context(browser, regions, notice)
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


# Where the browser's main thread spends a visit (V8's sampling profiler, navigation to map drawn): each sample's
# innermost frame, by the script it runs in. "(program)" is the renderer's own work outside JavaScript (style,
# layout, paint, HTML parsing); "(idle)" the thread waiting (for the server, the network or the compositor).
PROFILE_BUCKETS = (
    ("plotly", "plotly (the chart module: its code, the figure, drawing)"),
    ("react", "React and styling (react-dom, emotion, styled-components)"),
    ("streamlit", "Streamlit's own modules (messages, elements)"),
    ("other", "other scripts (components, the bench's watcher)"),
    ("program", "renderer outside JavaScript (style, layout, paint)"),
    ("gc", "garbage collection"),
    ("idle", "idle (waiting for server, network, compositor)"),
)


def profile_bucket(url: str, function: str) -> str:
    if function in ("(idle)", "(program)", "(garbage collector)"):
        return {"(idle)": "idle", "(program)": "program", "(garbage collector)": "gc"}[function]
    if "PlotlyChart" in url:
        return "plotly"
    if "/static/js/" in url:
        name = url.rsplit("/", 1)[-1]
        return "react" if name.startswith(("react", "emotion", "styled-components", "scheduler")) else "streamlit"
    return "other"


def profile_seconds(profile: dict) -> dict[str, float]:
    """Seconds of samples per bucket from a CDP Profiler.stop profile (timeDeltas are microseconds; a sample's
    delta is the time since the previous one, counted for the sample's own node)."""
    nodes = {
        n["id"]: profile_bucket(n["callFrame"].get("url", ""), n["callFrame"]["functionName"]) for n in profile["nodes"]
    }
    out = dict.fromkeys((key for key, _ in PROFILE_BUCKETS), 0.0)
    for node, delta in zip(profile.get("samples", []), profile.get("timeDeltas", []), strict=False):
        out[nodes[node]] += delta / 1e6
    return out


def profile_visit(browser, url: str, regions: int | None, notice: str | None = None) -> dict[str, float]:
    """A visit like time_visit under V8's sampling profiler; seconds per PROFILE_BUCKETS key. The page first
    opens the server's health check, so that the visit stays in the renderer the profiler is attached to."""
    context = _watched_context(browser, regions, notice)
    try:
        page = context.new_page()
        origin = url.split("/", 3)
        page.goto("/".join(origin[:3]) + "/_stcore/health")
        cdp = context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
        cdp.send("Profiler.start")
        page.goto(url, wait_until="commit")
        wait_for_map(page, regions)
        return profile_seconds(cdp.send("Profiler.stop")["profile"])
    finally:
        context.close()


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def floor_url(base: str, regions: int | None) -> str:
    """The floor that matches a page: the prefecture layer for a prefecture map, the province layer otherwise
    (a page without a map is compared on its first heading only)."""
    return f"{base}/?level=prefecture" if regions == PREFECTURE_REGIONS else f"{base}/"


def _sample_notice() -> str:
    from digigov.i18n import t

    return t("sample.notice", "zh")


def _visits(browser, url: str, floor: str, pages: list[str], repeats: int, notice: str) -> tuple[dict, dict]:
    """Each round visits every page, each visit followed by one of the floor that matches it (alternating, so a
    slow patch of the machine hits both); returns {page: [(seconds, marks)]} for ours and for the floors."""
    ours: dict[str, list] = {name: [] for name in pages}
    floors: dict[str, list] = {name: [] for name in pages}
    for _ in range(repeats):
        for name in pages:
            regions = regions_for(name)
            ours[name].append(time_visit(browser, f"{url}/{url_path(name)}", regions, notice))
            floors[name].append(time_visit(browser, floor_url(floor, regions), regions or PROVINCE_REGIONS))
    return ours, floors


def _profiles(browser, url: str, floor: str, pages: list[str], rounds: int, notice: str) -> dict:
    """After the timed rounds (the profiler slows a visit): `rounds` profiled visits of each page and its floor,
    alternating; {page: ([ours per visit], [floor per visit])}."""
    out: dict[str, tuple[list, list]] = {name: ([], []) for name in pages}
    for _ in range(rounds):
        for name in pages:
            regions = regions_for(name)
            out[name][0].append(profile_visit(browser, f"{url}/{url_path(name)}", regions, notice))
            out[name][1].append(profile_visit(browser, floor_url(floor, regions), regions or PROVINCE_REGIONS))
    return out


def _page_result(name: str, ours: list, floors: list) -> dict:
    regions = regions_for(name)
    times = [s for s, _ in ours]
    floor_times = [s for s, _ in floors]
    marks = {k: _median([m[k] for _, m in ours]) for k in ours[0][1]}
    floor_marks = {k: _median([m[k] for _, m in floors]) for k in floors[0][1]}
    # ready = title, sample notice and the map's placeholder all shown (the latest of the three)
    ready = [
        max(m[k] for k in ("heading", "notice", "placeholder"))
        for _, m in ours
        if None not in (m["heading"], m["notice"], m["placeholder"])
    ]
    out = {
        "url": f"/{url_path(name)}",
        "regions": regions,
        "waited_for": waited_for(regions),
        "first_s": times[0],
        **summary(times),
        "warm_median": statistics.median(times[1:]) if len(times) > 1 else None,
        "milestones": marks,
        "ready_median": _median(ready),
        "floor": {
            "layer": "prefecture" if regions == PREFECTURE_REGIONS else "province",
            **summary(floor_times),
            "milestones": floor_marks,
        },
    }
    floor_map = statistics.median(floor_times)
    out["map_ratio"] = ratio(out["median"], floor_map) if regions else None
    out["heading_ratio"] = ratio(marks["heading"], floor_marks["heading"])
    out["ready_ratio"] = ratio(out["ready_median"], floor_marks["heading"])
    return out


@contextlib.contextmanager
def floor_script() -> Iterator[str]:
    """floor_app.py in a temporary folder beside a link to our ./static: Streamlit serves the static folder next
    to the main script, and the floor must fetch the same files from the same URLs as the app."""
    with tempfile.TemporaryDirectory(prefix="digigov-floor-") as folder:
        shutil.copy(ROOT / "bench" / "floor_app.py", Path(folder) / "floor_app.py")
        (Path(folder) / "static").symlink_to(ROOT / "static", target_is_directory=True)
        yield str(Path(folder) / "floor_app.py")


def run(
    pages: list[str] | None = None,
    repeats: int = 5,
    log=print,
    server_log: Path | None = None,
    profiles: int = 2,
) -> dict:
    from playwright.sync_api import sync_playwright

    pages = pages or list(PAGES)
    notice = _sample_notice()
    with (
        running_app(server_log) as (url, _),
        floor_script() as script,
        running_app(None, script=script) as (floor, _),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for warm in (url, floor):  # the servers' imports and first script run are not what a visit measures
                time_visit(browser, f"{warm}/", PROVINCE_REGIONS)
            ours, floors = _visits(browser, url, floor, pages, repeats, notice)
            profiled = _profiles(browser, url, floor, pages, profiles, notice)
        finally:
            browser.close()
    results = {}
    for name in pages:
        results[name] = r = _page_result(name, ours[name], floors[name])
        if profiled[name][0]:
            r["profile"] = {key: _median([p[key] for p in profiled[name][0]]) for key, _ in PROFILE_BUCKETS}
            r["floor"]["profile"] = {key: _median([p[key] for p in profiled[name][1]]) for key, _ in PROFILE_BUCKETS}
        log(
            f"  {name:16s} map {r['median']:5.2f} s (floor {r['floor']['median']:5.2f} s, "
            f"{_x(r['map_ratio'])})   heading {_x(r['heading_ratio'])}   title+notice+placeholder "
            f"{_x(r['ready_ratio'])} of the floor's heading   first {r['first_s']:5.2f} s"
        )
    return results


def _x(value: float | None) -> str:
    return f"{value:4.2f}x" if value is not None else "  -  "


ANATOMY = ("", "nav", "many", "sidebar,metrics,table,chart2,ourfig", "nav,many,sidebar,metrics,table,chart2,ourfig")


def anatomy(variants: Sequence[str] = ANATOMY, repeats: int = 5, prefecture: bool = False, log=print) -> dict:
    """The floor with what a page of ours adds, one piece at a time (floor_app.py ?extras=): each variant
    visited in turn, `repeats` rounds; medians of the map drawn and of the first heading (seconds)."""
    from playwright.sync_api import sync_playwright

    visits: dict[str, list] = {v: [] for v in variants}
    level = "level=prefecture&" if prefecture else ""
    with floor_script() as script, running_app(None, script=script) as (floor, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            time_visit(browser, f"{floor}/", PROVINCE_REGIONS)
            for _ in range(repeats):
                for extras in variants:
                    regions = PREFECTURE_REGIONS if prefecture else PROVINCE_REGIONS
                    visits[extras].append(time_visit(browser, f"{floor}/?{level}extras={extras}", regions))
        finally:
            browser.close()
    out = {}
    for extras, done in visits.items():
        marks = {k: _median([m[k] for _, m in done]) for k in done[0][1]}
        name = extras or "floor"
        out[name] = {**summary([s for s, _ in done]), "milestones": marks}
        log(f"  {name:32s} map {out[name]['median']:5.2f} s   heading {marks['heading']:5.2f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", nargs="+", choices=sorted(PAGES))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profiles", type=int, default=2, help="profiled visits per page after the timed ones")
    parser.add_argument("--anatomy", action="store_true", help="time the floor with each piece a page adds")
    parser.add_argument("--variants", nargs="+", help="with --anatomy: ?extras= values ('' is the floor)")
    parser.add_argument("--prefecture", action="store_true", help="with --anatomy: the prefecture layer")
    args = parser.parse_args(argv)
    if args.anatomy:
        results = anatomy(args.variants or ANATOMY, args.repeats, args.prefecture)
    else:
        results = run(args.pages, args.repeats, profiles=args.profiles)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
