"""The audit log: one whole JSON line per action even from many processes at once, rotated, read newest first."""

import json
import subprocess
import sys

import pytest

from digigov.audit import FILE_NAME, AuditLog
from tests.paths import ROOT


def test_entries_are_read_back_newest_first_and_unknown_actions_refused(tmp_path):
    log = AuditLog(tmp_path)
    log.record("alice", "analyst", "save", dataset="ab" * 16, name="各省指数\u202e", page="upload")
    log.record("bob", "viewer", "export", name="overview_map_2026-12-01.png", page="overview")
    first, second = log.entries()
    assert (first.user, first.action) == ("bob", "export") and (second.user, second.name) == ("alice", "各省指数")
    with pytest.raises(ValueError):
        log.record("alice", "analyst", "drop_tables")


def test_rotation_keeps_the_newest_files(tmp_path):
    log = AuditLog(tmp_path, max_bytes=400, keep=2)
    for i in range(40):
        log.record(f"user{i}", "viewer", "export", name=f"file{i}.csv")
    files = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(FILE_NAME))
    assert files == [FILE_NAME, f"{FILE_NAME}.1", f"{FILE_NAME}.2"]
    assert all(p.stat().st_size <= 400 for p in tmp_path.iterdir() if p.name.startswith(FILE_NAME))
    assert log.entries(limit=1)[0].user == "user39"


WRITER = """
import sys
from digigov.audit import AuditLog
log = AuditLog(sys.argv[1])
worker = int(sys.argv[2])
for i in range(200):
    log.record(f"w{worker}", "analyst", "save", dataset=f"{worker:02d}{i:030d}", name="x" * 150)
"""


def test_concurrent_processes_never_interleave_or_lose_a_line(tmp_path):
    # Separate interpreters (not a multiprocessing pool: after AppTest, __main__ is the app script, which a spawned
    # child would import again).
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(w)], cwd=ROOT) for w in range(4)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    lines = (tmp_path / FILE_NAME).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 800
    parsed = [json.loads(line) for line in lines]
    assert {p["user"] for p in parsed} == {"w0", "w1", "w2", "w3"}
    assert len({p["dataset"] for p in parsed}) == 800
