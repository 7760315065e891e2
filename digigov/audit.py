"""The audit log (issue 18): who did what, when, to which dataset. Append-only JSON lines, each written with one
write() on an O_APPEND descriptor and fsync'd, so concurrent sessions and processes never interleave or lose a line;
rotated by size (audit.jsonl → audit.jsonl.1 … .KEEP).

An entry holds the user's id, the action, the dataset's id and name and the page: never a value from an uploaded
file (no cell, no column, no row), so the log itself needs no masking.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

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
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        entry = Entry(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            user=_clip(user),
            role=_clip(role),
            action=action,
            dataset=_clip(dataset),
            name=_clip(name),
            page=_clip(page),
        )
        line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
        with self._locked():
            self._rotate_if_full(len(line))
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

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
