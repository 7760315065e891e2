"""Block size of the large-file import: seconds and peak memory for several sizes on the same generated file.

    python bench/bench_import_blocks.py [--rows 2000000] [--blocks 32 16 8 4 2] [--json out.json]

Each block size runs in a fresh interpreter that first imports a small file (so that libraries, thread pools and
caches are warm) and then the generated CSV (bench_ingest's survey records); it reports the import's seconds and
how far its peak RSS rose above the warm process. Not part of `make bench`; it chose DIGIGOV_IMPORT_BLOCK_MB's
default (digigov/ingest/chunked.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from benchlib import PYTHON, ROOT  # noqa: E402

CHILD = """
import json, resource, sys, time
from pathlib import Path
from digigov.ingest.chunked import import_csv_file
csv, warm, block = Path(sys.argv[1]), Path(sys.argv[2]), int(float(sys.argv[3]) * 2**20)
import_csv_file(warm, block_bytes=2**20)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
start = time.perf_counter()
result = import_csv_file(csv, block_bytes=block)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"ok": result.ok, "seconds": seconds, "base": base, "peak": peak}))
"""


def run(rows: int = 2_000_000, blocks: tuple[float, ...] = (32, 16, 8, 4, 2), log=print) -> dict:
    import bench_ingest

    with tempfile.TemporaryDirectory(prefix="digigov-bench-blocks-") as tmp:
        csv, warm = Path(tmp) / "records.csv", Path(tmp) / "warm.csv"
        bench_ingest.generate_csv(csv, rows)
        bench_ingest.generate_csv(warm, 20_000)
        size = csv.stat().st_size
        log(f"  {rows:,} rows, {size / 1e6:,.0f} MB")
        out = {"rows": rows, "csv_bytes": size, "blocks": {}}
        for block in blocks:
            proc = subprocess.run(
                [PYTHON, "-c", CHILD, str(csv), str(warm), str(block)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            measured = json.loads(proc.stdout.strip().splitlines()[-1])
            if not measured["ok"]:
                raise RuntimeError(f"the import reported errors at {block} MB blocks")
            grown = measured["peak"] - measured["base"]
            out["blocks"][str(block)] = {**measured, "grown": grown}
            log(
                f"  {block:>5g} MB blocks: {measured['seconds']:6.1f} s, peak +{grown / 2**20:5.0f} MB "
                f"above the warm process ({measured['peak'] / 2**20:,.0f} MB in all)"
            )
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--blocks", type=float, nargs="+", default=[32, 16, 8, 4, 2])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(args.rows, tuple(args.blocks))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
