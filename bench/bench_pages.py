"""Page script runs with AppTest on built-in data: cold (first run of a fresh app) and warm (reruns).

    python bench/bench_pages.py [--reruns 20] [--cold-repeats 3] [--pages overview channels] [--json out.json]

Every page runs in its own fresh interpreter. The libraries the pages use (streamlit, polars, plotly, numpy,
scipy and every module of digigov and components) are imported first and timed apart as `imports_s`, so that
`cold_s` is the page's first script run with its caches empty, as the first visitor after a server start pays
it. AppTest always runs the default page (the overview) first, so for every other page `cold_s` is its first
run on an app that has already served the overview (shared caches such as the gazetteer and the boundary
layers are then warm, as they are on a server). `p50_s` / `p95_s` are over `--reruns` warm reruns of the page
(nearest-rank percentiles). Cold runs are repeated in `--cold-repeats` fresh processes.
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


def registered_pages(app: Path = ROOT / "app.py") -> dict[str, str]:
    """{url_path or file stem: "views/x.py"} for every st.Page(...) in app.py, in order of registration."""
    pages: dict[str, str] = {}
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page" and node.args):
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        url = next((k.value.value for k in node.keywords
                    if k.arg == "url_path" and isinstance(k.value, ast.Constant)), None)
        pages[url or Path(first.value).stem] = first.value
    return pages


PAGES = {
    "overview": "views/overview.py",
    "regional": "views/regional.py",
    "channels": "views/channels.py",
    "demand": "views/demand.py",
}
# Pages registered in app.py after this list was written are measured too.
PAGES.update({name: path for name, path in registered_pages().items() if path not in PAGES.values()})
DEFAULT_PAGE = "views/overview.py"


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


def time_page(page: str, reruns: int) -> dict[str, float]:
    """Cold and warm runs of one page in this process (call preimport() first for a clean cold figure)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    start = time.perf_counter()
    at.run()
    boot = time.perf_counter() - start
    cold = boot
    if page != DEFAULT_PAGE:
        start = time.perf_counter()
        at.switch_page(page).run()
        cold = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    warm = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    if at.exception:
        raise RuntimeError(f"{page} (rerun): {at.exception[0].message}")
    out = {"cold_s": cold, "boot_s": boot, "reruns": reruns, "warm": warm}
    if warm:
        out.update({"p50_s": statistics.median(warm), "p95_s": percentile(warm, 0.95), "min_s": min(warm),
                    "max_s": max(warm)})
    return out


def _worker(page: str, reruns: int, out: Path) -> None:
    imports = preimport()
    result = time_page(page, reruns)
    result["imports_s"] = imports
    out.write_text(json.dumps(result))


def time_page_fresh(page: str, reruns: int, scratch: Path) -> dict:
    """time_page in a fresh interpreter (so that cold is cold)."""
    out = scratch / f"page_{Path(page).stem}.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", page, "--reruns", str(reruns),
                           "--json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{page} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def run(pages: dict[str, str] | None = None, reruns: int = 20, cold_repeats: int = 3, log=print) -> dict:
    import tempfile

    pages = pages or PAGES
    results = {}
    with tempfile.TemporaryDirectory(prefix="digigov-bench-pages-") as tmp:
        scratch = Path(tmp)
        for name, path in pages.items():
            first = time_page_fresh(path, reruns, scratch)
            colds = [first["cold_s"]]
            imports = [first["imports_s"]]
            for _ in range(cold_repeats - 1):
                extra = time_page_fresh(path, 0, scratch)
                colds.append(extra["cold_s"])
                imports.append(extra["imports_s"])
            r = {k: v for k, v in first.items() if k not in ("cold_s", "imports_s")}
            r.update({"path": path, "cold": summary(colds), "imports": summary(imports),
                      "cold_s": statistics.median(colds), "budget_s": BUDGET_S})
            results[name] = r
            log(f"  {name:16s} cold {r['cold_s'] * 1000:7.0f} ms   p50 {r.get('p50_s', 0) * 1000:6.0f} ms   "
                f"p95 {r.get('p95_s', 0) * 1000:6.0f} ms")
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
        _worker(args.worker, args.reruns, args.json)
        return 0
    pages = {name: PAGES[name] for name in args.pages} if args.pages else PAGES
    results = run(pages, args.reruns, args.cold_repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
