"""Durable storage for accepted datasets: Parquet files plus a JSON manifest (DESIGN §6 "Durable saves").

Layout under the data directory ``root``::

    root/manifest.json                          the only source of truth for what exists
    root/.lock                                  flock target serialising manifest updates
    root/datasets/<dataset_id>/v<k>/data.parquet  one immutable folder per version

Why it is built this way:

* Every file is written to a temporary name in the same folder, fsynced, moved into place with ``os.replace``
  (atomic on POSIX) and the folder is fsynced, so a crash leaves either the old state or the new one, never a
  half-written file under a real name.
* The manifest is written last. A version folder that is not in the manifest is invisible, so a save killed
  half-way leaves no half dataset, only an orphan that :meth:`DatasetStore.gc` removes later.
* The slow part (serialising and writing the Parquet) runs without the lock; only the short manifest merge runs
  under an exclusive ``fcntl.flock``, re-reading the manifest inside the lock so that concurrent saves from
  several browser sessions (threads) or processes never lose each other's entries.
* Each version's SHA-256 is recorded and checked on every load, so silent corruption is reported, not shown.
* Names and file names are user text: they are stored in the manifest only and never used to build a path;
  folder names are generated ids.

Errors carry a catalog key (``error.message(lang)`` is the page's text) and never a server path: where a
path helps an administrator, it is logged instead.

This module is pure Python (no Streamlit) and POSIX-only (``fcntl``).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import fcntl
import hashlib
import io
import json
import logging
import os
import random
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from digigov import settings
from digigov.errors import UserFacingError

__all__ = [
    "MANIFEST_FORMAT",
    "SHAPES",
    "CorruptDatasetError",
    "CorruptManifestError",
    "DatasetNotFoundError",
    "DatasetRecord",
    "DatasetStore",
    "DatasetVersion",
    "StorageBusyError",
    "StorageError",
    "StorageFullError",
    "StoreProblem",
    "clean_user_text",
    "default_data_dir",
]

MANIFEST_FORMAT = 1
SHAPES: frozenset[str] = frozenset({"wide", "long", "raw"})
NAME_MAX = 200
SOURCE_FILE_MAX = 255

_MANIFEST = "manifest.json"
_LOCK = ".lock"
_DATASETS = "datasets"
_DATA_FILE = "data.parquet"
_TMP_PREFIX = ".tmp-"  # parquet being written, inside datasets/<id>/
_MANIFEST_TMP_PREFIX = ".manifest-"  # manifest being written, inside root/
_ID_RE = re.compile(r"[0-9a-f]{32}")
_VERSION_DIR_RE = re.compile(r"v([1-9][0-9]*)")
_CHUNK = 1 << 20
# errno values that mean "no room left": full disk, and a full quota on filesystems that have them.
_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
# Unicode bidi controls (category Cf) can make a name display as something else ("Trojan Source"),
# so they are removed together with the C0/C1 control characters (category Cc).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Data are government records: only the server's own user may read them.
_FILE_MODE = 0o600
_DIR_MODE = 0o700

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------- errors


class StorageError(UserFacingError):
    """Base class of every error raised by this module, so a page can catch one type and show
    ``message(lang)``."""


class StorageFullError(StorageError):
    """The disk (or quota) is full. Nothing was changed: earlier datasets and the manifest are intact."""


class StorageBusyError(StorageError):
    """The manifest lock could not be taken in time (another save holds it for too long)."""


class CorruptManifestError(StorageError):
    """manifest.json exists but cannot be read. The file is kept as it is for inspection."""


class CorruptDatasetError(StorageError):
    """A stored file is missing, does not match its recorded SHA-256, or cannot be parsed."""


class DatasetNotFoundError(StorageError, KeyError):
    """No dataset (or version) with that id in the manifest. Also a KeyError, like a dict lookup."""

    def __init__(self, key: str = "storage.not_found", **values: object) -> None:
        super().__init__(key, **values)


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class DatasetVersion:
    """One immutable stored version of a dataset."""

    version: int
    path: str  # relative to the store root, POSIX separators
    sha256: str
    bytes: int
    rows: int
    created: str  # ISO 8601, UTC
    source_file: str = ""
    shape: str = "raw"
    column_mapping: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetRecord:
    """A dataset as listed in the manifest. Top-level fields describe the latest (highest) version."""

    id: str
    name: str
    source_file: str
    shape: str
    column_mapping: dict[str, str]
    row_count: int
    created: str
    updated: str
    versions: tuple[DatasetVersion, ...]
    meta: dict[str, Any]

    @property
    def latest(self) -> DatasetVersion:
        """The highest version (versions are kept sorted by number)."""
        return self.versions[-1]

    def version(self, number: int) -> DatasetVersion:
        """The version with that number, or DatasetNotFoundError."""
        for v in self.versions:
            if v.version == number:
                return v
        raise DatasetNotFoundError("storage.no_version", name=self.name, version=number)


@dataclass(frozen=True)
class StoreProblem:
    """One finding of :meth:`DatasetStore.verify`."""

    dataset_id: str
    name: str
    version: int
    path: str
    problem: str

    def __str__(self) -> str:
        return f"dataset {self.name!r} ({self.dataset_id}) version {self.version}: {self.path}: {self.problem}"


# -------------------------------------------------------------------------------------------- helpers


def default_data_dir() -> Path:
    """The data directory: ``$DIGIGOV_DATA_DIR`` if set, else ``<cwd>/userdata`` (ignored by git)."""
    return settings.read("DIGIGOV_DATA_DIR") or Path.cwd() / "userdata"


def clean_user_text(text: str, max_len: int) -> str:
    """User text as stored: control and bidi characters removed, trimmed, at most ``max_len`` characters.

    Nothing else is escaped: the stored name is the user's text, and escaping is the job of whatever
    renders or exports it (HTML, CSV formula neutralisation).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    return kept.strip()[:max_len].strip()


def _now() -> str:
    # Fixed-width ISO 8601 in UTC so that string order is time order.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _fsync_dir(path: Path) -> None:
    """Make a rename or creation inside ``path`` durable (the directory entry lives in the directory)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path) -> None:
    """Create ``path`` and missing parents, fsyncing each parent so the new folder survives a crash."""
    if path.is_dir():
        return
    _ensure_dir(path.parent)
    try:
        path.mkdir(mode=_DIR_MODE)
    except FileExistsError:  # created by a concurrent save: fine
        return
    _fsync_dir(path.parent)


def _write_all(fd: int, data: memoryview) -> None:
    """Write every byte (os.write may write fewer than asked). Separate so tests can inject ENOSPC."""
    offset = 0
    while offset < len(data):
        offset += os.write(fd, data[offset : offset + _CHUNK])


def _write_temp(folder: Path, prefix: str, suffix: str, data: bytes | memoryview) -> Path:
    """Write ``data`` to a new uniquely named file in ``folder`` and fsync it; remove it on any failure."""
    tmp = folder / f"{prefix}{uuid.uuid4().hex}{suffix}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _FILE_MODE)
    done = False
    try:
        try:
            _write_all(fd, memoryview(data))
            os.fsync(fd)
        finally:
            os.close(fd)  # close can report a deferred write error too
        done = True
        return tmp
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _newest_mtime(path: Path) -> float:
    """Latest modification time of ``path`` or anything below it (a save in progress keeps touching it)."""
    try:
        newest = path.lstat().st_mtime
    except FileNotFoundError:
        return 0.0
    if path.is_dir() and not path.is_symlink():
        for dirpath, dirnames, filenames in os.walk(path):
            for n in (*dirnames, *filenames):
                with contextlib.suppress(FileNotFoundError):
                    newest = max(newest, os.lstat(os.path.join(dirpath, n)).st_mtime)
    return newest


def _full_error(exc: OSError) -> StorageFullError:
    log.warning("the data store's disk is full: %s", exc)  # with the file name, which the user is not shown
    return StorageFullError("storage.disk_full")


# ---------------------------------------------------------------------------------------------- store


class DatasetStore:
    """Datasets stored as Parquet with a manifest; safe against crashes and concurrent writers.

    Reads (``list``, ``get``, ``load``, ``verify``) take no lock: the manifest is only ever replaced atomically,
    so a reader sees either the old or the new manifest. Writes serialise the manifest update with ``flock``
    on ``root/.lock``; flock conflicts between separate ``open`` calls, so it also serialises threads of one
    process (Streamlit sessions) when each uses its own store object or the same one.
    """

    def __init__(self, root: Path | str, *, lock_timeout: float = 30.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout

    # ---- paths

    @property
    def manifest_path(self) -> Path:
        return self.root / _MANIFEST

    @property
    def _datasets_dir(self) -> Path:
        return self.root / _DATASETS

    def _resolve(self, dataset_id: str, rel: str) -> Path | None:
        """The absolute path of a manifest entry, or None when it points outside the dataset's folder."""
        base = (self._datasets_dir / dataset_id).resolve()
        p = (self.root / rel).resolve()
        return p if p.is_relative_to(base) and p != base else None

    # ---- manifest

    def _read(self) -> tuple[dict[str, Any], dict[str, DatasetRecord]]:
        """The manifest as a raw dict (for merging; keeps unknown keys) and as validated records."""
        doc = self._read_raw()
        return doc, self._records(doc)

    def _read_raw(self) -> dict[str, Any]:
        """The manifest as a dict (top level checked, entries not yet); a missing manifest is an empty store."""
        path = self.manifest_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {"format": MANIFEST_FORMAT, "datasets": {}}
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.error("the dataset manifest %s is damaged and cannot be read (%s)", path, exc)
            raise CorruptManifestError("storage.manifest_damaged") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("datasets"), dict):
            log.error("the dataset manifest %s has no 'datasets' table", path)
            raise CorruptManifestError("storage.manifest_damaged")
        fmt = doc.get("format")
        if fmt != MANIFEST_FORMAT:
            log.error("the dataset manifest %s has format %r, not %d", path, fmt, MANIFEST_FORMAT)
            raise CorruptManifestError("storage.manifest_format", found=repr(fmt), expected=MANIFEST_FORMAT)
        return doc

    def _records(self, doc: dict[str, Any]) -> dict[str, DatasetRecord]:
        """Build records from a manifest dict; any malformed entry makes the whole manifest corrupt."""
        out = {}
        for ds_id, entry in doc["datasets"].items():
            try:
                out[ds_id] = _record_from_entry(ds_id, entry)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                log.error("the dataset manifest %s has a malformed entry %r (%r)", self.manifest_path, ds_id, exc)
                raise CorruptManifestError("storage.manifest_damaged") from exc
        return out

    def _replace_manifest(self, doc: dict[str, Any]) -> None:
        """Stage the manifest in a temp file and os.replace it. After this returns, the new manifest is live."""
        data = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        tmp = _write_temp(self.root, _MANIFEST_TMP_PREFIX, ".tmp", data)
        try:
            os.replace(tmp, self.manifest_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _fsync_root_after_commit(self, done: str) -> None:
        """fsync the root folder after the manifest was replaced.

        The change is already visible at this point, so a failure must not be reported as "nothing changed"
        (StorageFullError promises that); it is a plain StorageError saying what happened.
        """
        try:
            _fsync_dir(self.root)
        except OSError as exc:
            log.error("the dataset was %s, but fsync of %s failed: %s", done, self.root, exc)
            raise StorageError(f"storage.unsynced.{done}") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive flock on root/.lock. The kernel drops it if the process dies, so a kill never wedges it."""
        _ensure_dir(self.root)
        fd = os.open(self.root / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, _FILE_MODE)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    # Polling (not a blocking flock) so that a stuck holder gives an error instead of a hung page.
                    if time.monotonic() >= deadline:
                        log.warning(
                            "the lock of the data store %s was held for over %.0f s", self.root, self.lock_timeout
                        )
                        raise StorageBusyError("storage.busy", seconds=f"{self.lock_timeout:.0f}") from None
                    time.sleep(random.uniform(0.001, 0.01))
            yield
        finally:
            os.close(fd)  # releases the lock

    # ---- reading

    def list(self) -> builtins.list[DatasetRecord]:
        """All datasets, most recently updated first."""
        recs = builtins.list(self._read()[1].values())
        recs.sort(key=lambda r: (r.updated, r.id), reverse=True)
        return recs

    def get(self, dataset_id: str) -> DatasetRecord:
        """One dataset's record, or DatasetNotFoundError."""
        recs = self._read()[1]
        if not isinstance(dataset_id, str) or dataset_id not in recs:
            raise DatasetNotFoundError()
        return recs[dataset_id]

    def load(self, dataset_id: str, version: int | None = None) -> pl.DataFrame:
        """The stored frame (latest version by default), after checking its SHA-256."""
        rec = self.get(dataset_id)
        ver = rec.latest if version is None else rec.version(version)
        where = {"name": rec.name, "version": ver.version}
        path = self._resolve(rec.id, ver.path)
        if path is None:
            log.error(
                "dataset %s version %d: manifest path %r points outside its folder", rec.id, ver.version, ver.path
            )
            raise CorruptDatasetError("storage.file_outside", **where)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            log.error("dataset %s version %d: file %s is missing", rec.id, ver.version, path)
            raise CorruptDatasetError("storage.file_missing", **where) from exc
        # Hash and parse the same bytes, so what is returned is exactly what was checked.
        digest = hashlib.sha256(data).hexdigest()
        if digest != ver.sha256:
            log.error(
                "dataset %s version %d: file %s is damaged (SHA-256 %s…, expected %s…)",
                rec.id,
                ver.version,
                path,
                digest[:12],
                ver.sha256[:12],
            )
            raise CorruptDatasetError("storage.file_damaged", **where)
        try:
            return pl.read_parquet(io.BytesIO(data))
        except Exception as exc:  # checksum matched but the writer produced something unreadable
            log.exception("dataset %s version %d: file %s cannot be read as Parquet", rec.id, ver.version, path)
            raise CorruptDatasetError("storage.file_unreadable", **where) from exc

    def verify(self) -> builtins.list[StoreProblem]:
        """Check that every file in the manifest exists with the recorded size and SHA-256. Empty = healthy."""
        problems: builtins.list[StoreProblem] = []
        for rec in self._read()[1].values():
            for ver in rec.versions:
                msg = self._check_version(rec.id, ver)
                if msg:
                    problems.append(StoreProblem(rec.id, rec.name, ver.version, ver.path, msg))
        return problems

    def _check_version(self, dataset_id: str, ver: DatasetVersion) -> str | None:
        """What is wrong with one stored version, or None."""
        path = self._resolve(dataset_id, ver.path)
        if path is None:
            return "path points outside the dataset folder"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return "file is missing"
        except OSError as exc:
            return f"file cannot be read ({exc})"
        if len(data) != ver.bytes:
            return f"size {len(data)} bytes, expected {ver.bytes}; SHA-256 does not match"
        if hashlib.sha256(data).hexdigest() != ver.sha256:
            return "SHA-256 does not match"
        return None

    # ---- writing

    # One durable write in its order (checks, temp file, fsync, replace, manifest under the lock) reads best in
    # one place: splitting it would scatter the crash-safety argument over helpers.
    def save(  # noqa: C901
        self,
        frame: pl.DataFrame,
        *,
        name: str,
        source_file: str,
        shape: str,
        column_mapping: dict[str, str],
        meta: dict[str, Any] | None = None,
        dataset_id: str | None = None,
    ) -> DatasetRecord:
        """Store ``frame`` as a new dataset, or as a new version of ``dataset_id``; return the updated record.

        Raises ValueError/TypeError for bad arguments (before anything is written), StorageFullError when the
        disk is full, DatasetNotFoundError when ``dataset_id`` is unknown or deleted meanwhile. On any failure
        nothing visible changes. In a race between two new versions of one dataset, the returned record's
        ``latest`` is the highest version, which may be the other writer's.
        """
        if not isinstance(frame, pl.DataFrame):
            raise TypeError(f"frame must be a polars DataFrame, got {type(frame).__name__}")
        clean_name = clean_user_text(name, NAME_MAX)
        if not clean_name:
            raise ValueError("dataset name is empty")
        clean_source = clean_user_text(source_file, SOURCE_FILE_MAX)
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {sorted(SHAPES)}, got {shape!r}")
        if not isinstance(column_mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in column_mapping.items()
        ):
            raise TypeError("column_mapping must be a dict of str to str")
        meta = {} if meta is None else meta
        if not isinstance(meta, dict):
            raise TypeError("meta must be a dict")
        json.dumps(meta, ensure_ascii=False)  # fail now, not halfway through the manifest write

        is_new = dataset_id is None
        known_max = 0
        if dataset_id is None:
            dataset_id = uuid.uuid4().hex  # generated: user text never reaches a path
        else:
            entry = self._read()[0]["datasets"].get(dataset_id) if isinstance(dataset_id, str) else None
            if entry is None or not _ID_RE.fullmatch(dataset_id):
                raise DatasetNotFoundError()
            known_max = max((int(v["version"]) for v in entry.get("versions", [])), default=0)

        buf = io.BytesIO()
        frame.write_parquet(buf, compression="zstd", statistics=True)
        payload = buf.getbuffer()  # no copy: the bytes are hashed and written straight from the buffer
        sha = hashlib.sha256(payload).hexdigest()
        created = _now()

        ds_dir = self._datasets_dir / dataset_id
        try:
            return self._save_payload(
                payload,
                sha,
                created,
                ds_dir,
                dataset_id,
                is_new,
                known_max,
                name=clean_name,
                source_file=clean_source,
                shape=shape,
                column_mapping=dict(column_mapping),
                meta=meta,
                rows=frame.height,
            )
        except FileNotFoundError as exc:
            # A concurrent delete removed the dataset folder under us.
            if not is_new and dataset_id not in self._read_raw()["datasets"]:
                raise DatasetNotFoundError("storage.deleted_while_saving") from exc
            raise
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                raise _full_error(exc) from exc
            raise

    def _save_payload(
        self,
        payload: memoryview,
        sha: str,
        created: str,
        ds_dir: Path,
        dataset_id: str,
        is_new: bool,
        known_max: int,
        **fields: Any,
    ) -> DatasetRecord:
        vdir: Path | None = None
        committed = False
        try:
            _ensure_dir(ds_dir)
            # 1. The data file, complete and fsynced, under a temp name next to the version folders.
            tmp = _write_temp(ds_dir, _TMP_PREFIX, ".parquet", payload)
            try:
                version, vdir = _claim_version_dir(ds_dir, known_max)
                os.replace(tmp, vdir / _DATA_FILE)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            _fsync_dir(vdir)
            _fsync_dir(ds_dir)

            # 2. The manifest, last, under the lock, merged into whatever other writers committed meanwhile.
            ver_entry = {
                "version": version,
                "path": f"{_DATASETS}/{dataset_id}/v{version}/{_DATA_FILE}",
                "sha256": sha,
                "bytes": len(payload),
                "rows": fields["rows"],
                "created": created,
                "source_file": fields["source_file"],
                "shape": fields["shape"],
                "column_mapping": fields["column_mapping"],
                "meta": fields["meta"],
            }
            with self._locked():
                doc, _ = self._read()  # validated: never merge into a broken manifest
                datasets = doc["datasets"]
                now = _now()
                if is_new:
                    entry = {"name": fields["name"], "created": created, "versions": []}
                    datasets[dataset_id] = entry
                else:
                    entry = datasets.get(dataset_id)
                    if entry is None:
                        raise DatasetNotFoundError("storage.deleted_while_saving")
                if any(int(v["version"]) == version for v in entry["versions"]):
                    # Cannot happen while folders are claimed with mkdir; refuse rather than shadow a version.
                    log.error("dataset %s: version %d is already in the manifest", dataset_id, version)
                    raise StorageError("storage.version_clash")
                entry["versions"] = sorted([*entry["versions"], ver_entry], key=lambda v: int(v["version"]))
                latest = entry["versions"][-1]
                if latest is ver_entry:
                    entry["name"] = fields["name"]
                entry.update(
                    source_file=latest["source_file"],
                    shape=latest["shape"],
                    column_mapping=latest["column_mapping"],
                    meta=latest["meta"],
                    row_count=latest["rows"],
                    updated=now,
                )
                self._replace_manifest(doc)
                committed = True
                self._fsync_root_after_commit("saved")
                return self._records(doc)[dataset_id]
        finally:
            if not committed:
                # Not in the manifest, so invisible anyway; tidy up now instead of waiting for gc().
                target = ds_dir if is_new else vdir
                if target is not None:
                    shutil.rmtree(target, ignore_errors=True)

    def rename(self, dataset_id: str, new_name: str) -> DatasetRecord:
        """Give a dataset a new display name (cleaned like in save); return the updated record."""
        clean = clean_user_text(new_name, NAME_MAX)
        if not clean:
            raise ValueError("dataset name is empty")
        try:
            with self._locked():
                doc, _ = self._read()  # validated: never merge into a broken manifest
                entry = doc["datasets"].get(dataset_id)
                if entry is None:
                    raise DatasetNotFoundError()
                entry["name"] = clean
                entry["updated"] = _now()
                self._replace_manifest(doc)
                self._fsync_root_after_commit("renamed")
                return self._records(doc)[dataset_id]
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                raise _full_error(exc) from exc
            raise

    def update_meta(self, dataset_id: str, **fields: object) -> DatasetRecord:
        """Set fields of a dataset's meta (its sharing: owner, visibility, group) in one atomic manifest write."""
        json.dumps(fields, ensure_ascii=False)  # fail now, not halfway through the manifest write
        try:
            with self._locked():
                doc, _ = self._read()  # validated: never merge into a broken manifest
                entry = doc["datasets"].get(dataset_id)
                if entry is None:
                    raise DatasetNotFoundError()
                entry["meta"] = {**entry.get("meta", {}), **fields}
                entry["updated"] = _now()
                self._replace_manifest(doc)
                self._fsync_root_after_commit("meta updated")
                return self._records(doc)[dataset_id]
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                raise _full_error(exc) from exc
            raise

    def delete(self, dataset_id: str) -> None:
        """Remove a dataset: from the manifest first (atomic, so it disappears at once), then its folder."""
        try:
            with self._locked():
                doc, _ = self._read()  # validated: never merge into a broken manifest
                if doc["datasets"].pop(dataset_id, None) is None:
                    raise DatasetNotFoundError()
                self._replace_manifest(doc)
                self._fsync_root_after_commit("deleted")
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                raise _full_error(exc) from exc
            raise
        if _ID_RE.fullmatch(dataset_id):  # ids from the manifest are ours, but never rmtree an odd path
            # A crash here leaves an unlisted folder: invisible, and removed by gc().
            shutil.rmtree(self._datasets_dir / dataset_id, ignore_errors=True)

    # Each branch is one kind of debris a crash can leave; kept together so the list of kinds is complete.
    def gc(self, min_age: float = 60.0) -> builtins.list[Path]:  # noqa: C901
        """Remove leftovers of interrupted saves and deletes; return what was removed.

        Only our own name patterns are touched, and only when nothing in them changed for ``min_age`` seconds,
        so a save still running in another process (which keeps writing) is left alone. Runs under the lock so
        that no manifest update happens while it decides what is orphaned.
        """
        removed: builtins.list[Path] = []
        if not self.root.is_dir():
            return removed
        cutoff = time.time() - min_age

        def old(p: Path) -> bool:
            return _newest_mtime(p) <= cutoff

        with self._locked():
            datasets = self._read()[0]["datasets"]
            for p in self.root.iterdir():
                if p.name.startswith(_MANIFEST_TMP_PREFIX) and p.is_file() and old(p):
                    p.unlink(missing_ok=True)
                    removed.append(p)
            if not self._datasets_dir.is_dir():
                return removed
            for ds_dir in self._datasets_dir.iterdir():
                if not _ID_RE.fullmatch(ds_dir.name) or not ds_dir.is_dir() or ds_dir.is_symlink():
                    continue
                entry = datasets.get(ds_dir.name)
                if entry is None:
                    if old(ds_dir):
                        shutil.rmtree(ds_dir, ignore_errors=True)
                        removed.append(ds_dir)
                    continue
                listed = {int(v["version"]) for v in entry.get("versions", [])}
                for p in ds_dir.iterdir():
                    m = _VERSION_DIR_RE.fullmatch(p.name)
                    if p.name.startswith(_TMP_PREFIX) and p.is_file() and old(p):
                        p.unlink(missing_ok=True)
                        removed.append(p)
                    elif m and int(m.group(1)) not in listed and p.is_dir() and not p.is_symlink() and old(p):
                        shutil.rmtree(p, ignore_errors=True)
                        removed.append(p)
        return removed


def _claim_version_dir(ds_dir: Path, known_max: int) -> tuple[int, Path]:
    """Create the next free ``v<k>`` folder. mkdir is atomic, so two concurrent writers never share a k."""
    existing = [int(m.group(1)) for p in ds_dir.iterdir() if (m := _VERSION_DIR_RE.fullmatch(p.name))]
    k = max(known_max, *existing, 0) + 1
    while True:
        vdir = ds_dir / f"v{k}"
        try:
            vdir.mkdir(mode=_DIR_MODE)
            return k, vdir
        except FileExistsError:
            k += 1


def _record_from_entry(ds_id: str, e: dict[str, Any]) -> DatasetRecord:
    if not _ID_RE.fullmatch(ds_id):  # ids become folder names: only ever our generated hex ids
        raise ValueError("dataset id is not a generated id")
    versions = tuple(
        DatasetVersion(
            version=int(v["version"]),
            path=str(v["path"]),
            sha256=str(v["sha256"]),
            bytes=int(v["bytes"]),
            rows=int(v["rows"]),
            created=str(v["created"]),
            source_file=str(v.get("source_file", e.get("source_file", ""))),
            shape=str(v.get("shape", e.get("shape", "raw"))),
            column_mapping=dict(v.get("column_mapping", e.get("column_mapping", {}))),
            meta=dict(v.get("meta", {})),
        )
        for v in sorted(e["versions"], key=lambda v: int(v["version"]))
    )
    if not versions:
        raise ValueError("dataset has no versions")
    return DatasetRecord(
        id=ds_id,
        name=str(e["name"]),
        source_file=str(e["source_file"]),
        shape=str(e["shape"]),
        column_mapping=dict(e["column_mapping"]),
        row_count=int(e["row_count"]),
        created=str(e["created"]),
        updated=str(e["updated"]),
        versions=versions,
        meta=dict(e.get("meta", {})),
    )
