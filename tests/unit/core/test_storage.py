"""digigov.storage: round trip, crash safety (SIGKILL loop), concurrency, disk full, corruption, hostile names."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from digigov import storage
from digigov.storage import (
    CorruptDatasetError,
    CorruptManifestError,
    DatasetNotFoundError,
    DatasetStore,
    StorageFullError,
    default_data_dir,
)
from tests.paths import ROOT

WRITER = Path(__file__).with_name("_storage_writer.py")
PROJECT_ROOT = ROOT
# Every path the store creates, relative to its root: generated ids and fixed names only.
SAFE_PATH = re.compile(r"manifest\.json|\.lock|datasets(/[0-9a-f]{32}(/v[1-9][0-9]*(/data\.parquet)?)?)?")


def sample_frame(n: int = 50, seed: int = 0) -> pl.DataFrame:
    rng = random.Random(seed)
    return pl.DataFrame(
        {
            "adcode": ["010100", "110000", "000001", *[f"{rng.randrange(10**6):06d}" for _ in range(n - 3)]],
            "name": ["北京", None, "Xi'an", *[f"地区{i}" for i in range(n - 3)]],
            "value": [1.5, None, -0.0, *[rng.random() for _ in range(n - 3)]],
            "count": [0, 7, None, *range(n - 3)],
        },
        schema={"adcode": pl.String, "name": pl.String, "value": pl.Float64, "count": pl.Int64},
    )


def save(store: DatasetStore, frame: pl.DataFrame, name: str = "ds", **kw) -> storage.DatasetRecord:
    return store.save(
        frame,
        name=name,
        source_file=kw.pop("source_file", "in.csv"),
        shape=kw.pop("shape", "wide"),
        column_mapping=kw.pop("column_mapping", {"adcode": "region"}),
        **kw,
    )


def leftovers(root: Path) -> list[Path]:
    """Temp files of any kind under root."""
    return [p for p in root.rglob("*") if p.name.startswith((".tmp-", ".manifest-"))]


def assert_store_healthy(store: DatasetStore) -> None:
    assert store.verify() == []
    for rec in store.list():
        assert rec.versions, rec
        for ver in rec.versions:
            path = store.root / ver.path
            assert hashlib.sha256(path.read_bytes()).hexdigest() == ver.sha256
            frame = store.load(rec.id, ver.version)
            assert frame.height == ver.rows
        assert store.load(rec.id).height == rec.row_count


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


# ------------------------------------------------------------------------------------------- basics


def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("DIGIGOV_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == tmp_path / "userdata"
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"


def test_missing_store_is_empty_and_untouched(tmp_path):
    store = DatasetStore(tmp_path / "nothing")
    assert store.list() == []
    assert store.verify() == []
    assert store.gc() == []
    assert not (tmp_path / "nothing").exists()  # reading creates nothing


def test_round_trip_versions_rename_delete(tmp_path):
    store = DatasetStore(tmp_path / "store")
    f1, f2 = sample_frame(50, 1), sample_frame(80, 2)
    rec = save(store, f1, "省级指数 2024", meta={"encoding": "gb18030"})
    assert re.fullmatch(r"[0-9a-f]{32}", rec.id)
    assert (rec.name, rec.source_file, rec.shape, rec.row_count) == ("省级指数 2024", "in.csv", "wide", 50)
    assert rec.column_mapping == {"adcode": "region"} and rec.meta == {"encoding": "gb18030"}
    assert [v.version for v in rec.versions] == [1] and rec.latest.rows == 50
    assert rec.latest.path == f"datasets/{rec.id}/v1/data.parquet"
    assert [r.id for r in store.list()] == [rec.id]
    loaded = store.load(rec.id)
    assert_frame_equal(loaded, f1)
    assert loaded["adcode"][0] == "010100"

    other = save(store, sample_frame(5, 3), "other", shape="raw")
    assert [r.id for r in store.list()] == [other.id, rec.id]  # most recently updated first

    rec2 = save(store, f2, "省级指数 2024", shape="long", dataset_id=rec.id, source_file="v2.xlsx")
    assert [v.version for v in rec2.versions] == [1, 2]
    assert (rec2.row_count, rec2.shape, rec2.source_file, rec2.created) == (80, "long", "v2.xlsx", rec.created)
    assert rec2.versions[0].shape == "wide"  # each version keeps how it was read
    assert_frame_equal(store.load(rec.id), f2)
    assert_frame_equal(store.load(rec.id, version=1), f1)
    with pytest.raises(DatasetNotFoundError):
        store.load(rec.id, version=3)
    assert [r.id for r in store.list()] == [rec.id, other.id]

    renamed = store.rename(rec.id, "  新名称  ")
    assert renamed.name == "新名称" and store.get(rec.id).name == "新名称"
    assert renamed.versions == rec2.versions

    store.delete(rec.id)
    assert [r.id for r in store.list()] == [other.id]
    assert not (store.root / "datasets" / rec.id).exists()
    for call in (
        lambda: store.get(rec.id),
        lambda: store.load(rec.id),
        lambda: store.delete(rec.id),
        lambda: store.rename(rec.id, "x"),
        lambda: save(store, f1, dataset_id=rec.id),
    ):
        with pytest.raises(DatasetNotFoundError):
            call()
    assert_store_healthy(store)
    assert leftovers(store.root) == []
    # The manifest is the documented JSON.
    doc = json.loads(store.manifest_path.read_text("utf-8"))
    assert doc["format"] == 1 and set(doc["datasets"]) == {other.id}
    entry = doc["datasets"][other.id]
    assert {
        "name",
        "source_file",
        "shape",
        "column_mapping",
        "row_count",
        "created",
        "updated",
        "versions",
        "meta",
    } <= set(entry)
    assert {"version", "path", "sha256", "bytes", "rows", "created"} <= set(entry["versions"][0])


def test_bad_arguments_write_nothing(tmp_path):
    store = DatasetStore(tmp_path)
    f = sample_frame(5)
    with pytest.raises(ValueError, match="shape"):
        save(store, f, shape="tall")
    with pytest.raises(ValueError, match="empty"):
        save(store, f, "  \x00\n ")
    with pytest.raises(TypeError):
        save(store, f, column_mapping={"a": 1})
    with pytest.raises(TypeError):
        save(store, f, meta={"when": object()})
    with pytest.raises(TypeError):
        save(store, f.to_dicts())
    with pytest.raises(DatasetNotFoundError):
        save(store, f, dataset_id="../../etc")
    assert store.list() == [] and not (tmp_path / "datasets").exists()


def test_empty_frame_round_trip(tmp_path):
    store = DatasetStore(tmp_path)
    empty = sample_frame(5).clear()
    rec = save(store, empty)
    assert rec.row_count == 0
    assert_frame_equal(store.load(rec.id), empty)


# ------------------------------------------------------------------------------------ hostile names

HOSTILE = [
    ("../../etc/passwd", "../../etc/passwd"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ('=HYPERLINK("http://evil.example","click")', '=HYPERLINK("http://evil.example","click")'),
    ("x" * 10_000, "x" * 200),
    ("  北京\x00\x1b[31m数据\r\n\u202egnp.exe  ", "北京[31m数据gnp.exe"),
    ("/abs/path\\..\\win", "/abs/path\\..\\win"),
    ("datasets", "datasets"),
]


@pytest.mark.parametrize(("given", "stored"), HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_names_are_stored_as_text_never_in_paths(tmp_path, given, stored):
    store = DatasetStore(tmp_path / "store")
    rec = save(store, sample_frame(5), given, source_file=given)
    assert rec.name == stored
    assert rec.source_file == storage.clean_user_text(given, storage.SOURCE_FILE_MAX)
    assert store.get(rec.id).name == stored
    renamed = store.rename(rec.id, given)
    assert renamed.name == stored
    for p in store.root.rglob("*"):
        rel = p.relative_to(store.root).as_posix()
        assert SAFE_PATH.fullmatch(rel), rel
    assert not (tmp_path / "etc").exists()
    assert_frame_equal(store.load(rec.id), sample_frame(5))


# ------------------------------------------------------------------------------------------- corruption


@pytest.mark.parametrize(
    "content",
    [
        b'{"format": 1, "datasets": {"ab',
        b"",
        b"\xff\xfe garbage",
        b"[]",
        b'{"format": 99, "datasets": {}}',
        b'{"format": 1, "datasets": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": {"name": "no versions"}}}',
        b'{"format": 1, "datasets": {"../../etc": {"name": "x", "versions": []}}}',
    ],
)
def test_corrupt_manifest_is_reported_and_kept(tmp_path, content):
    store = DatasetStore(tmp_path)
    save(store, sample_frame(5))
    store.manifest_path.write_bytes(content)
    for call in (store.list, store.verify, lambda: save(store, sample_frame(5)), store.gc):
        with pytest.raises(CorruptManifestError, match="manifest") as info:
            call()
        assert all(str(tmp_path) not in info.value.message(lang) for lang in ("zh", "en"))  # no server path
    assert store.manifest_path.read_bytes() == content  # never silently overwritten
    assert leftovers(tmp_path) == []


def test_tampered_parquet_is_detected(tmp_path, caplog):
    store = DatasetStore(tmp_path)
    good = save(store, sample_frame(20, 1), "good")
    bad = save(store, sample_frame(20, 2), "被篡改的数据")
    path = store.root / bad.latest.path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with caplog.at_level("ERROR", logger="digigov.storage"), pytest.raises(CorruptDatasetError) as info:
        store.load(bad.id)
    # The user reads which dataset is damaged, in their language; the administrator's log says where it is.
    for lang in ("zh", "en"):
        message = info.value.message(lang)
        assert "被篡改的数据" in message and str(tmp_path) not in message
    assert "damaged" in str(info.value) and "损坏" in info.value.message("zh")
    assert bad.id in caplog.text and str(path) in caplog.text
    assert_frame_equal(store.load(good.id), sample_frame(20, 1))
    problems = store.verify()
    assert [(p.dataset_id, p.version) for p in problems] == [(bad.id, 1)]
    assert "SHA-256" in str(problems[0])

    path.unlink()
    with pytest.raises(CorruptDatasetError, match="missing"):
        store.load(bad.id)
    assert [p.problem for p in store.verify()] == ["file is missing"]


def test_manifest_path_outside_dataset_folder_is_refused(tmp_path):
    store = DatasetStore(tmp_path / "store")
    rec = save(store, sample_frame(5))
    (tmp_path / "secret.parquet").write_bytes(b"x")
    doc = json.loads(store.manifest_path.read_text("utf-8"))
    doc["datasets"][rec.id]["versions"][0]["path"] = "../secret.parquet"
    store.manifest_path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(CorruptDatasetError, match="outside"):
        store.load(rec.id)
    assert "outside" in store.verify()[0].problem


# ------------------------------------------------------------------------------------------- disk full


def _fd_name(fd: int) -> str:
    return os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))


# Where the disk fills up: (function to break, which call). Writes leave half a file behind, like a real full disk.
FAULTS = {
    "parquet-write": ("_write_all", lambda fd, n: n == 1),
    "manifest-write": ("_write_all", lambda fd, n: n == 2),
    "parquet-fsync": ("fsync", lambda fd, n: _fd_name(fd).startswith(".tmp-")),
    "version-dir-fsync": ("fsync", lambda fd, n: re.fullmatch(r"v\d+", _fd_name(fd)) is not None),
    "manifest-fsync": ("fsync", lambda fd, n: _fd_name(fd).startswith(".manifest-")),
}


def _inject_enospc(monkeypatch, fault: str) -> list[int]:
    """Make the chosen call raise ENOSPC once; return a counter of faults raised."""
    target, hit = FAULTS[fault]
    real = storage._write_all if target == "_write_all" else os.fsync
    calls, raised = [0], [0]

    def fake(fd, *rest):
        calls[0] += 1
        if not raised[0] and hit(fd, calls[0]):
            raised[0] += 1
            if rest:
                os.write(fd, bytes(rest[0][: len(rest[0]) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, *rest)

    if target == "_write_all":
        monkeypatch.setattr(storage, "_write_all", fake)
    else:
        monkeypatch.setattr(storage.os, "fsync", fake)
    return raised


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
@pytest.mark.parametrize("new_version", [False, True], ids=["new-dataset", "new-version"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_disk_full_leaves_previous_state_intact(tmp_path, monkeypatch, fault, new_version):
    store = DatasetStore(tmp_path)
    first = save(store, sample_frame(30, 1), "first")
    manifest_before = store.manifest_path.read_bytes()
    tree_before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    raised = _inject_enospc(monkeypatch, fault)
    with pytest.raises(StorageFullError, match="disk is full") as info:
        save(store, sample_frame(40, 2), "second", dataset_id=first.id if new_version else None)
    assert raised == [1]  # the fault really was hit
    assert isinstance(info.value.__cause__, OSError) and info.value.__cause__.errno == errno.ENOSPC
    monkeypatch.undo()

    assert store.manifest_path.read_bytes() == manifest_before
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == tree_before  # no temp, no folder
    assert [r.id for r in store.list()] == [first.id]
    assert_frame_equal(store.load(first.id), sample_frame(30, 1))
    assert store.verify() == []
    # And once there is room again, saving works.
    again = save(store, sample_frame(40, 2), "second", dataset_id=first.id if new_version else None)
    assert_frame_equal(store.load(again.id), sample_frame(40, 2))


def test_error_after_commit_is_not_reported_as_nothing_changed(tmp_path, monkeypatch):
    """If only the final folder fsync fails, the save is already visible: say so, not "disk full, unchanged"."""
    store = DatasetStore(tmp_path)
    first = save(store, sample_frame(5), "first")
    real = os.fsync
    root_ino = os.stat(tmp_path).st_ino

    def fake(fd):
        if os.fstat(fd).st_ino == root_ino:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(fd)

    monkeypatch.setattr(storage.os, "fsync", fake)
    with pytest.raises(storage.StorageError, match="was saved") as info:
        save(store, sample_frame(8), "second")
    assert not isinstance(info.value, StorageFullError)
    assert "已保存" in info.value.message("zh") and str(tmp_path) not in info.value.message("en")
    monkeypatch.undo()
    assert {r.name for r in store.list()} == {"first", "second"}
    assert_store_healthy(store)
    assert first.id in {r.id for r in store.list()}


# ------------------------------------------------------------------------------------------------ gc


def test_gc_removes_only_old_orphans(tmp_path):
    store = DatasetStore(tmp_path)
    rec = save(store, sample_frame(5))
    ds_dir = tmp_path / "datasets" / rec.id
    orphans = [
        tmp_path / ".manifest-deadbeef.tmp",
        ds_dir / ".tmp-deadbeef.parquet",
        ds_dir / "v7",
        tmp_path / "datasets" / ("f" * 32),
    ]
    for p in orphans:
        if p.suffix:
            p.write_bytes(b"half")
        else:
            p.mkdir()
            (p / "data.parquet").write_bytes(b"half")
    foreign = tmp_path / "datasets" / "README"  # not our pattern: never touched
    foreign.write_text("keep")

    assert store.gc() == []  # all fresh: could be a save in progress elsewhere
    old = time.time() - 3600
    for p in [
        *orphans,
        ds_dir / "v7" / "data.parquet",
        tmp_path / "datasets" / ("f" * 32) / "data.parquet",
        ds_dir / "v1",
        ds_dir / "v1" / "data.parquet",
        foreign,
    ]:
        os.utime(p, (old, old))
    assert sorted(store.gc()) == sorted(orphans)
    assert not any(p.exists() for p in orphans)
    assert foreign.exists()
    assert_store_healthy(store)


# -------------------------------------------------------------------------------------------- SIGKILL


# One loop of kill rounds with its checks inline: the assertions read as the story of a round.
def test_sigkill_loop_never_loses_or_half_writes(tmp_path):  # noqa: C901
    root = tmp_path / "store"
    store = DatasetStore(root)
    before = {save(store, sample_frame(200, i), f"before-{i}").id: sample_frame(200, i) for i in range(3)}
    rng = random.Random(20240607)
    acked: set[str] = set()  # saves the child saw complete: they must survive
    deleting: set[str] = set()  # deletes that may or may not have happened
    mid_op = 0
    zygote = subprocess.Popen(
        [sys.executable, str(WRITER), "zygote", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=child_env(),
    )
    # A hung child fails the test instead of hanging it; generous, since 30 rounds on a loaded 2-core machine
    # took over 120 s once (the child was alive and saving, only slow).
    watchdog = threading.Timer(300, zygote.kill)
    watchdog.start()
    try:
        assert zygote.stdin is not None and zygote.stdout is not None
        assert zygote.stdout.readline().strip() == "zygote"
        for it in range(30):
            zygote.stdin.write(f"loop {it}\n")
            zygote.stdin.flush()
            ready, pid = zygote.stdout.readline().split()
            assert ready == "ready"
            time.sleep(rng.uniform(0.005, 0.080))
            os.kill(int(pid), signal.SIGKILL)  # our grandchild, reaped only by the zygote: no pid reuse
            lines = []
            while not (line := zygote.stdout.readline()).startswith("exited "):
                assert line, "zygote died"
                lines.append(line.strip())
            assert line.split() == ["exited", pid, str(int(signal.SIGKILL))], lines[-5:]  # killed, not crashed
            for line in lines:
                match line.split():
                    case ["saved", ds_id]:
                        acked.add(ds_id)
                    case ["deleting", ds_id]:
                        deleting.add(ds_id)
                    case [("saving" | "saved" | "versioning" | "versioned" | "renaming" | "renamed" | "deleted"), *_]:
                        pass
                    case _:
                        pytest.fail(f"unexpected output from the writer: {line!r}")
            if lines and lines[-1].split()[0].endswith("ing"):  # killed during an operation
                mid_op += 1
            # Between kills the store must already be consistent.
            assert store.verify() == []
    finally:
        watchdog.cancel()
        if zygote.stdin:
            zygote.stdin.close()
        zygote.wait(timeout=30)
        if zygote.stdout:
            zygote.stdout.close()
    assert zygote.returncode == 0

    listed = {r.id: r for r in store.list()}
    assert acked, "the child never completed a save: delays too short?"
    assert mid_op >= 1, "no kill landed during an operation"
    assert acked - deleting <= set(listed)
    for ds_id, frame in before.items():
        assert_frame_equal(store.load(ds_id), frame)
    assert_store_healthy(store)
    for rec in listed.values():
        if rec.id not in before:
            frame = store.load(rec.id)
            assert frame["n"].unique().to_list() == [frame.height]  # the complete frame the child wrote
    # Orphans of killed saves are invisible; gc clears them without touching listed data.
    store.gc(min_age=0)
    assert leftovers(root) == []
    assert {r.id for r in store.list()} == set(listed)
    assert_store_healthy(store)
    print(f"\n{len(acked)} acknowledged saves, {mid_op}/30 kills mid-operation, {len(listed)} datasets listed")


# ---------------------------------------------------------------------------------------- concurrency


def test_many_processes_save_at_once(tmp_path):
    root = tmp_path / "store"
    store = DatasetStore(root)
    shared = save(store, sample_frame(10), "shared")
    workers, per_worker = 6, 8
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), "batch", str(root), str(w), str(per_worker), shared.id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
            env=child_env(),
        )
        for w in range(workers)
    ]
    try:
        for p in procs:  # all imported and waiting
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:  # start together
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outputs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0] * workers, outputs
    saved = {line.split()[1] for out in outputs for line in out.splitlines() if line.startswith("saved ")}
    assert len(saved) == workers * per_worker
    recs = {r.id: r for r in store.list()}
    assert set(recs) == saved | {shared.id}
    assert {recs[i].name for i in saved} == {f"w{w}-{i}" for w in range(workers) for i in range(per_worker)}
    # Two versions from each worker on one dataset: all kept, numbers unique and without gaps.
    assert [v.version for v in recs[shared.id].versions] == list(range(1, 2 * workers + 2))
    assert_store_healthy(store)
    assert leftovers(root) == []


def test_threads_share_one_store(tmp_path):
    """Streamlit sessions are threads of one process: flock on separate opens must still serialise them."""
    stores = [DatasetStore(tmp_path)] * 2 + [DatasetStore(tmp_path) for _ in range(2)]
    first = save(stores[0], sample_frame(10), "base")
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(6):
                save(stores[k], sample_frame(500, 100 * k + i), f"t{k}-{i}")
                save(stores[k], sample_frame(20, k), "base", dataset_id=first.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    recs = stores[0].list()
    assert len(recs) == 1 + 4 * 6
    base = stores[0].get(first.id)
    assert [v.version for v in base.versions] == list(range(1, 2 + 4 * 6))
    for k in range(4):
        for i in range(6):
            match = [r for r in recs if r.name == f"t{k}-{i}"]
            assert len(match) == 1
            assert_frame_equal(stores[0].load(match[0].id), sample_frame(500, 100 * k + i))
    assert_store_healthy(stores[0])
