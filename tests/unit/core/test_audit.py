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


# -- one sign-in entry per login ---------------------------------------------------------------------------------
CLAIMS = {"iss": "https://idp.example.gov.cn", "sub": "alice", "iat": 1_900_000_000, "nonce": "n1"}


def _sign_ins(folder) -> list[str]:
    return [e.user for e in AuditLog(folder).entries() if e.action == "sign_in"]


def test_two_sessions_of_one_login_write_one_sign_in(tmp_path):
    first = AuditLog(tmp_path).record_sign_in("alice", "analyst", CLAIMS)
    again = AuditLog(tmp_path).record_sign_in("alice", "analyst", dict(CLAIMS))  # a new tab: the same token
    assert first is not None and again is None
    assert _sign_ins(tmp_path) == ["alice"]


def test_a_new_login_writes_a_new_sign_in(tmp_path):
    log = AuditLog(tmp_path)
    log.record_sign_in("alice", "analyst", CLAIMS)
    assert log.record_sign_in("alice", "analyst", {**CLAIMS, "iat": CLAIMS["iat"] + 3600, "nonce": "n2"})
    assert log.record_sign_in("bob", "viewer", {**CLAIMS, "sub": "bob"})  # same second, another user
    assert _sign_ins(tmp_path) == ["bob", "alice", "alice"]


def test_claims_without_iat_are_logged_every_time(tmp_path):
    log = AuditLog(tmp_path)
    assert log.record_sign_in("alice", "analyst", {"sub": "alice"})
    assert log.record_sign_in("alice", "analyst", {"sub": "alice", "iat": "not a time"})
    assert _sign_ins(tmp_path) == ["alice", "alice"]


def test_markers_hold_no_claim_and_old_days_are_removed(tmp_path):
    import datetime as dt

    from digigov.audit import MARKER_DAYS, MARKER_DIR

    log = AuditLog(tmp_path)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=MARKER_DAYS + 2)
    log.record_sign_in("alice", "analyst", {**CLAIMS, "iat": int(old.timestamp())})
    markers = tmp_path / MARKER_DIR
    (stale,) = list(markers.iterdir())
    now = int(dt.datetime.now(dt.UTC).timestamp())
    log.record_sign_in("alice", "analyst", {**CLAIMS, "iat": now})
    days = [p.name for p in markers.iterdir()]
    assert stale.name not in days and days == [dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()]
    (marker,) = (markers / days[0]).iterdir()
    assert marker.stat().st_size == 0 and "alice" not in marker.name and len(marker.name) == 64


SIGNER = """
import sys
from digigov.audit import AuditLog
claims = {"iss": "https://idp.example.gov.cn", "sub": "alice", "iat": 1900000000, "nonce": "n1"}
sys.stdin.readline()  # all start together
for _ in range(20):  # each worker process opens several sessions of the same login
    AuditLog(sys.argv[1]).record_sign_in("alice", "analyst", claims)
"""


def test_worker_processes_racing_on_one_login_write_one_sign_in(tmp_path):
    workers = [
        subprocess.Popen([sys.executable, "-c", SIGNER, str(tmp_path)], cwd=ROOT, stdin=subprocess.PIPE)
        for _ in range(4)
    ]
    for w in workers:  # released at once, once every interpreter is up
        assert w.stdin is not None
        w.stdin.write(b"go\n")
        w.stdin.flush()
    for w in workers:
        assert w.stdin is not None
        w.stdin.close()
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    assert _sign_ins(tmp_path) == ["alice"]
