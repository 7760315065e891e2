"""Page script runs with AppTest on built-in data: cold (first run of a fresh app) and warm (reruns).

    python bench/bench_pages.py [--reruns 20] [--cold-repeats 3] [--pages overview channels] [--json out.json]

Pages run in fresh interpreters. The libraries the pages use (streamlit, polars, plotly, numpy, scipy and every
module of digigov and components) are imported first and timed apart as `imports`, so that `cold_s` is the
page's first script run with its caches empty, as the first visitor after a server start pays it. One process
visits every page in turn, the default page (overview; AppTest always starts there) first: a page's cold run
finds its own caches empty and the shared ones (gazetteer, boundary layers, samples) warm, as on a server.
`p50_s` / `p95_s` are over `--reruns` warm reruns of each page (nearest-rank percentiles), right after its cold
run. `--cold-repeats` fresh processes give that many cold runs per page (the first also does the reruns).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import PYTHON, percentile, summary  # noqa: E402

# Budget from DESIGN.md section 5: "each page's script run on built-in data well under a second".
BUDGET_S = 1.0


def _page_calls(app: Path) -> list[ast.Call]:
    calls = []
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "Page"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            calls.append(node)
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _keyword(call: ast.Call, name: str):
    return next((k.value.value for k in call.keywords if k.arg == name and isinstance(k.value, ast.Constant)), None)


def registered_pages(app: Path = ROOT / "app.py") -> dict[str, str]:
    """{url_path or file stem: "views/x.py"} for every st.Page(...) in app.py, in order of registration."""
    return {(_keyword(c, "url_path") or Path(c.args[0].value).stem): c.args[0].value for c in _page_calls(app)}


def default_page(app: Path = ROOT / "app.py") -> str:
    """The script of the st.Page(..., default=True) (else the first one): where AppTest's first run lands."""
    calls = _page_calls(app)
    chosen = next((c for c in calls if _keyword(c, "default") is True), calls[0] if calls else None)
    return chosen.args[0].value if chosen else "views/overview.py"


# Every page registered in app.py when the benchmark runs (so pages added later are measured too); the names
# are the URL paths.
PAGES = registered_pages() or {
    "overview": "views/overview.py",
    "regional": "views/regional.py",
    "channels": "views/channels.py",
    "demand": "views/demand.py",
}
DEFAULT_PAGE = default_page()


def preimport() -> float:
    """Import what the pages use, so that a page's cold run measures the page, not the interpreter."""
    import importlib
    import pkgutil

    start = time.perf_counter()
    for name in ("streamlit", "polars", "plotly.graph_objects", "plotly.express", "numpy", "scipy.stats"):
        importlib.import_module(name)
    for package in ("digigov", "components"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            try:
                importlib.import_module(info.name)
            except Exception:  # an optional module that cannot load here is the page's problem, not ours
                continue
    return time.perf_counter() - start


def time_pages(pages: list[str], reruns: int) -> dict[str, dict]:
    """Cold and warm runs of each page in this process, the default page first (call preimport() first).

    The default page's cold run is the app's first run; every other page's is its first run after the pages
    before it, i.e. with its own caches empty and the shared ones (gazetteer, boundaries, samples) warm.
    """
    from streamlit.testing.v1 import AppTest

    ordered = sorted(pages, key=lambda p: p != DEFAULT_PAGE)
    # Streamlit's own first script run in a process scans every installed package for components (about 0.35 s
    # here); a server does that once when it starts. A one-line script takes it, so that the default page's cold
    # run is the page's.
    start = time.perf_counter()
    AppTest.from_string("import streamlit as st\nst.write('')").run()
    streamlit_boot = time.perf_counter() - start
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    start = time.perf_counter()
    at.run()
    boot = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"app.py: {at.exception[0].message}")
    results = {}
    for page in ordered:
        cold = boot
        if page != DEFAULT_PAGE:
            start = time.perf_counter()
            at.switch_page(page).run()
            cold = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
        after_map = _rest_after_map(at)
        warm = []
        for _ in range(reruns):
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{page} (rerun): {at.exception[0].message}")
        r = {
            "cold_s": cold,
            "after_map_s": after_map,
            "boot_s": boot,
            "streamlit_boot_s": streamlit_boot,
            "reruns": reruns,
            "warm": warm,
        }
        if warm:
            r.update(
                {
                    "p50_s": statistics.median(warm),
                    "p95_s": percentile(warm, 0.95),
                    "min_s": min(warm),
                    "max_s": max(warm),
                }
            )
        results[page] = r
    return results


def _rest_after_map(at) -> float | None:
    """A session's first run stops after its map (components/first_map.py); the browser then asks for the rest.
    That rerun, still with the page's caches after the map empty, is timed as the cold run's second part (None
    on a page whose first run did not stop at a map)."""
    from components.first_map import DRAWN, PENDING

    if PENDING not in at.session_state or not at.session_state[PENDING] or DRAWN in at.session_state:
        return None
    at.session_state[DRAWN] = True  # what the browser's signal sets in the rerun it causes
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"after the map: {at.exception[0].message}")
    return seconds


def time_page(page: str, reruns: int) -> dict:
    """Cold and warm runs of one page in this process."""
    return time_pages([page], reruns)[page]


def _worker(pages: list[str], reruns: int, out: Path) -> None:
    imports = preimport()
    results = time_pages(pages, reruns)
    out.write_text(json.dumps({"imports_s": imports, "pages": results}))


def time_pages_fresh(pages: list[str], reruns: int, scratch: Path) -> dict:
    """time_pages in a fresh interpreter (so that cold is cold)."""
    out = scratch / "pages.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [
            PYTHON,
            str(Path(__file__).resolve()),
            "--worker",
            ",".join(pages),
            "--reruns",
            str(reruns),
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{pages} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def run(pages: dict[str, str] | None = None, reruns: int = 20, cold_repeats: int = 3, log=print) -> dict:
    """Every page: `cold_repeats` fresh processes each give one cold run per page; the first also the reruns."""
    import tempfile

    pages = pages or PAGES
    paths = list(pages.values())
    with tempfile.TemporaryDirectory(prefix="digigov-bench-pages-") as tmp:
        runs = [time_pages_fresh(paths, reruns if i == 0 else 0, Path(tmp)) for i in range(max(1, cold_repeats))]
    imports = summary([r["imports_s"] for r in runs])
    results = {}
    for name, path in pages.items():
        first = runs[0]["pages"][path]
        colds = [r["pages"][path]["cold_s"] for r in runs]
        rests = [v for r in runs if (v := r["pages"][path].get("after_map_s")) is not None]
        r = {k: v for k, v in first.items() if k not in ("cold_s", "after_map_s")}
        r.update(
            {
                "path": path,
                "cold": summary(colds),
                "after_map": summary(rests) if rests else None,
                "imports": imports,
                "cold_s": statistics.median(colds),
                "after_map_s": statistics.median(rests) if rests else None,
                "budget_s": BUDGET_S,
            }
        )
        results[name] = r
        rest = f" + {r['after_map_s'] * 1000:4.0f} ms after the map" if r["after_map_s"] is not None else ""
        log(
            f"  {name:16s} cold {r['cold_s'] * 1000:7.0f} ms{rest}   p50 {r.get('p50_s', 0) * 1000:6.0f} ms   "
            f"p95 {r.get('p95_s', 0) * 1000:6.0f} ms"
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--cold-repeats", type=int, default=3)
    parser.add_argument("--pages", nargs="+", choices=sorted(PAGES), help="default: every page")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker.split(","), args.reruns, args.json)
        return 0
    pages = {name: PAGES[name] for name in args.pages} if args.pages else PAGES
    results = run(pages, args.reruns, args.cold_repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
