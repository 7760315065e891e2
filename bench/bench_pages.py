"""Page script runs with AppTest on built-in data: cold (first run of a fresh app) and warm (reruns).

    python bench/bench_pages.py [--reruns 20] [--json out.json]
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

from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = {
    "overview": "pages/overview.py",
    "regional": "pages/regional.py",
    "channels": "pages/channels.py",
    "demand": "pages/demand.py",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def time_page(page: str, reruns: int) -> dict[str, float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    start = time.perf_counter()
    at.run()
    if page != PAGES["overview"]:
        at.switch_page(page).run()
    cold = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    warm = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    return {"cold_s": cold, "p50_s": statistics.median(warm), "p95_s": percentile(warm, 0.95),
            "min_s": min(warm), "max_s": max(warm), "reruns": reruns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = {name: time_page(path, args.reruns) for name, path in PAGES.items()}
    for name, r in results.items():
        print(f"{name:16s} cold {r['cold_s'] * 1000:7.0f} ms   p50 {r['p50_s'] * 1000:6.0f} ms   "
              f"p95 {r['p95_s'] * 1000:6.0f} ms")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
