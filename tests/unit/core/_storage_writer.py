"""Child process for the storage crash and concurrency tests (not collected by pytest: no test_ prefix).

python _storage_writer.py zygote ROOT
    import everything once, print "zygote", then for each line "loop SEED" on stdin fork a worker that
    prints "ready <pid>" and saves / adds versions / renames / deletes forever, logging each step on stdout
    (flushed), until the test SIGKILLs it; then print "exited <pid> <signal>". Forking from a warm process
    makes each of the many kill rounds cost milliseconds instead of a Python + polars start-up.
python _storage_writer.py batch ROOT WORKER COUNT [SHARED_ID]
    print "ready", wait for a line on stdin (so that all workers start together), then save COUNT new
    datasets named "w<WORKER>-<i>" and, with SHARED_ID, two new versions of that dataset.
"""

from __future__ import annotations

import os
import random
import sys
import warnings
from pathlib import Path

import polars as pl

from digigov.storage import DatasetStore


def make_frame(rng: random.Random, rows: int, tag: str) -> pl.DataFrame:
    """Some thousands of rows, so that a save takes a few milliseconds; codes keep leading zeros."""
    base = rng.randrange(1_000_000)
    return pl.DataFrame(
        {
            "adcode": [f"{(base + i) % 1_000_000:06d}" for i in range(rows)],
            "value": [rng.random() for _ in range(rows)],
            "tag": [tag] * rows,
            "n": [rows] * rows,  # lets the test check that the loaded frame is complete
        }
    )


def say(*parts: object) -> None:
    print(*parts, flush=True)


def loop(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = DatasetStore(root)
    mine: list[str] = []
    say("ready", os.getpid())
    i = 0
    while True:
        i += 1
        op = rng.random()
        if op < 0.6 or not mine:
            say("saving")
            rec = store.save(
                make_frame(rng, rng.randrange(2000, 6000), f"kill-{seed}-{i}"),
                name=f"kill-{seed}-{i}",
                source_file="loop.csv",
                shape="long",
                column_mapping={"adcode": "region"},
                meta={"seed": seed, "i": i},
            )
            mine.append(rec.id)
            say("saved", rec.id)
        elif op < 0.85:
            ds = rng.choice(mine)
            say("versioning", ds)
            rec = store.save(
                make_frame(rng, rng.randrange(2000, 6000), f"kill-{seed}-{i}"),
                name=f"kill-{seed}-{i}",
                source_file="loop.csv",
                shape="long",
                column_mapping={"adcode": "region"},
                dataset_id=ds,
            )
            say("versioned", ds, rec.latest.version)
        elif op < 0.95:
            ds = rng.choice(mine)
            say("renaming", ds)
            store.rename(ds, f"renamed-{seed}-{i}")
            say("renamed", ds)
        else:
            ds = mine.pop(rng.randrange(len(mine)))
            say("deleting", ds)
            store.delete(ds)
            say("deleted", ds)


def zygote(root: Path) -> None:
    # Polars warns that fork() may deadlock if its thread pool is already running; this process never runs a
    # polars operation (only the forked workers do), so the pool does not exist yet when it forks.
    warnings.filterwarnings("ignore", message=".*fork.*")
    say("zygote")
    for line in sys.stdin:
        cmd, seed = line.split()
        assert cmd == "loop", cmd
        pid = os.fork()
        if pid == 0:
            try:
                loop(root, int(seed))
            finally:
                os._exit(1)  # never run the zygote's own exit handlers in the worker
        _, status = os.waitpid(pid, 0)
        say("exited", pid, os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status))


def batch(root: Path, worker: int, count: int, shared: str | None) -> None:
    rng = random.Random(worker)
    store = DatasetStore(root)
    say("ready")
    sys.stdin.readline()
    for i in range(count):
        rec = store.save(
            make_frame(rng, 3000, f"w{worker}-{i}"),
            name=f"w{worker}-{i}",
            source_file="b.csv",
            shape="wide",
            column_mapping={"adcode": "region"},
        )
        say("saved", rec.id)
        if shared and i < 2:
            store.save(
                make_frame(rng, 3000, f"shared-{worker}-{i}"),
                name="shared",
                source_file="b.csv",
                shape="wide",
                column_mapping={},
                dataset_id=shared,
            )
            say("versioned", shared)


if __name__ == "__main__":
    mode, root = sys.argv[1], Path(sys.argv[2])
    if mode == "zygote":
        zygote(root)
    elif mode == "batch":
        batch(root, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
