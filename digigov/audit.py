"""The audit log (issue 18): who did what, when, to which dataset. Append-only JSON lines, each written with one
write() on an O_APPEND descriptor and fsync'd, so concurrent sessions and processes never interleave or lose a line;
rotated by size (audit.jsonl → audit.jsonl.1 … .KEEP).

An entry holds the user's id, the action, the dataset's id and name and the page: never a value from an uploaded
file (no cell, no column, no row), so the log itself needs no masking.

A sign-in is written once per login, not once per browser session: every page load and new tab of a signed-in user
opens a session with the same ID-token claims (Streamlit keeps them in its auth cookie for up to 30 days). The
login's identity is a hash of its issuer, subject, issue time (iat) and nonce; under the log's lock a marker file of
that hash is created exclusively (O_EXCL), so across sessions and the worker processes of `make serve` exactly one
sign-in entry is written. Markers sit in one folder per UTC day of iat and are removed after MARKER_DAYS (longer
than the cookie lives), so they stay bounded; they hold nothing but their name.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Action = Literal["sign_in", "sign_out", "upload", "save", "rename", "delete", "share", "export", "briefing", "denied"]
ACTIONS: tuple[str, ...] = (
    "sign_in",
    "sign_out",
    "upload",
    "save",
    "rename",
    "delete",
    "share",
    "export",
    "briefing",
    "denied",
)
FILE_NAME = "audit.jsonl"
MAX_BYTES = 10 * 1024 * 1024
KEEP = 5
TEXT_MAX = 200
MARKER_DIR = "sign_in_markers"
MARKER_DAYS = 32  # Streamlit's auth cookie (the claims every session of a login sees) lives 30 days


@dataclass(frozen=True)
class Entry:
    time: str  # ISO 8601, UTC
    user: str
    role: str
    action: str
    dataset: str = ""  # the stored dataset's id
    name: str = ""  # its display name (the analyst's text), or the export's file name
    page: str = ""


def _clip(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isprintable())[:TEXT_MAX]


@dataclass(frozen=True)
class Login:
    """One login, from its ID token: key is a hash of issuer, subject, iat and nonce (no claim in clear), day the
    UTC day it was issued."""

    key: str
    day: dt.date


def login_of(claims: Mapping[str, Any]) -> Login | None:
    """The login the claims belong to; None without a usable iat (every session is then logged as before)."""
    try:
        issued = dt.datetime.fromtimestamp(int(claims["iat"]), dt.UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    subject = claims.get("sub") or claims.get("email") or ""
    parts = [str(claims.get("iss") or ""), str(subject), str(int(claims["iat"])), str(claims.get("nonce") or "")]
    key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return Login(key=key, day=issued.date())


class AuditLog:
    def __init__(self, folder: Path | str, *, max_bytes: int = MAX_BYTES, keep: int = KEEP) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.keep = keep

    @property
    def path(self) -> Path:
        return self.folder / FILE_NAME

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / ".audit.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def record(self, user: str, role: str, action: str, *, dataset: str = "", name: str = "", page: str = "") -> Entry:
        entry = self._entry(user, role, action, dataset=dataset, name=name, page=page)
        with self._locked():
            self._append(entry)
        return entry

    def _entry(self, user: str, role: str, action: str, **texts: str) -> Entry:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        clipped = {k: _clip(v) for k, v in texts.items()}
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        return Entry(time=now, user=_clip(user), role=_clip(role), action=action, **clipped)

    def _append(self, entry: Entry) -> None:
        """Write one line; the caller holds the lock."""
        line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
        self._rotate_if_full(len(line))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def record_sign_in(self, user: str, role: str, claims: Mapping[str, Any], *, page: str = "") -> Entry | None:
        """A sign-in entry the first time the login these ID-token claims belong to is seen, from any session or
        process; None when it was already recorded. Claims without iat give an entry every time."""
        login = login_of(claims)
        if login is None:
            return self.record(user, role, "sign_in", page=page)
        entry = self._entry(user, role, "sign_in", page=page)
        with self._locked():
            if self._seen(login):
                return None
            self._append(entry)  # before the marker: a crash in between repeats an entry, never loses one
            self._mark(login)
        return entry

    def _markers(self) -> Path:
        return self.folder / MARKER_DIR

    def _marker(self, login: Login) -> Path:
        return self._markers() / login.day.isoformat() / login.key

    def _seen(self, login: Login) -> bool:
        return self._marker(login).exists()

    def _mark(self, login: Login) -> None:
        marker = self._marker(login)
        marker.parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileExistsError):
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._drop_old_markers(keep=marker.parent)

    def _drop_old_markers(self, keep: Path) -> None:
        """Remove the day folders of logins issued more than MARKER_DAYS ago (and anything else found there), but not
        keep, the folder just written to (a token issued that long ago cannot be in a live auth cookie anyway)."""
        oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=MARKER_DAYS)).date()
        for day in self._markers().iterdir():
            try:
                recent = dt.date.fromisoformat(day.name) >= oldest
            except ValueError:
                recent = False
            if recent or day == keep:
                continue
            if day.is_dir():
                shutil.rmtree(day, ignore_errors=True)
            else:
                day.unlink(missing_ok=True)

    def _rotate_if_full(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size + incoming <= self.max_bytes:
            return
        for number in range(self.keep - 1, 0, -1):
            older = self.folder / f"{FILE_NAME}.{number}"
            if older.exists():
                older.replace(self.folder / f"{FILE_NAME}.{number + 1}")
        self.path.replace(self.folder / f"{FILE_NAME}.1")
        (self.folder / f"{FILE_NAME}.{self.keep + 1}").unlink(missing_ok=True)
        dir_fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def entries(self, limit: int = 1000) -> list[Entry]:
        """The newest entries first, across the rotated files, at most limit; a damaged line is skipped."""
        out: list[Entry] = []
        files = [self.path, *(self.folder / f"{FILE_NAME}.{n}" for n in range(1, self.keep + 1))]
        for path in files:
            if not path.exists():
                continue
            for raw in reversed(path.read_text(encoding="utf-8", errors="replace").splitlines()):
                try:
                    out.append(Entry(**json.loads(raw)))
                except (ValueError, TypeError):
                    continue
                if len(out) >= limit:
                    return out
        return out
