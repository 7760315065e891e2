"""Rebuild data/province_adjacency.json (queen neighbours and distances of the province layer) from the
committed data/boundaries/provinces.geojson; run after scripts/build_boundaries.py (make data does)."""

from __future__ import annotations

import json

from digigov.analysis.adjacency import ADJACENCY_FILE, compute


def main() -> None:
    ADJACENCY_FILE.write_text(json.dumps(compute(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {ADJACENCY_FILE}")


if __name__ == "__main__":
    main()
