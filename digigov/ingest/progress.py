"""How far read_upload has got with one file: for a progress bar while a large upload is read and checked.

read_upload(progress=callback) calls callback(Progress) as it goes: once when it starts, after every chunk of
the text it parses (a few megabytes: bytes_read grows to bytes_total, rows_checked counts the rows read so far),
at the start of each later check (stage: identifiers, regions, values) and once at the end ("done", also when the
file was refused). bytes_read never decreases and ends at bytes_total; rows_checked ends at the rows of the table
as read (its data rows, without header, title, note or blank lines). The callback runs in read_upload's thread.
A BaseException it raises propagates (Streamlit stops a script run that way when the user moves on); an
Exception is logged and ignored: a progress display is never a reason for a file not to be read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Stage = Literal["reading", "identifiers", "regions", "values", "done"]
STAGES: tuple[Stage, ...] = ("reading", "identifiers", "regions", "values", "done")
# Share of the bar at the start of each stage: the parsing takes about half of a large CSV's time after the
# columnar reading (bench/bench_ingest.py --engines upload), the checks the rest.
_STARTS: dict[Stage, float] = {"reading": 0.0, "identifiers": 0.5, "regions": 0.65, "values": 0.8, "done": 1.0}


@dataclass(frozen=True)
class Progress:
    """One report of read_upload's: the stage it is in, the file's bytes read of its total and the table's rows
    checked so far (the rows as read: a long table made of a wide one counts its lines, not its values)."""

    stage: Stage
    bytes_read: int
    bytes_total: int
    rows_checked: int

    @property
    def fraction(self) -> float:
        """The share of the work done, 0..1 (for st.progress): reading moves from 0 to 0.5 with the bytes read."""
        if self.stage == "reading":
            read = self.bytes_read / self.bytes_total if self.bytes_total else 0.0
            return _STARTS["identifiers"] * min(read, 1.0)
        return _STARTS[self.stage]


ProgressCallback = Callable[[Progress], None]


class ProgressReporter:
    """What read_upload calls: keeps bytes_read monotonic and the rows of the table; silent without a callback."""

    def __init__(self, callback: ProgressCallback | None, bytes_total: int) -> None:
        self.callback = callback
        self.bytes_total = bytes_total
        self.bytes_read = 0
        self.rows = 0

    def reading(self, bytes_read: int, rows: int) -> None:
        self.bytes_read = min(max(self.bytes_read, bytes_read), self.bytes_total)
        self.rows = rows
        self._send("reading")

    def over_text(self, length: int) -> Callable[[int, int], None] | None:
        """A (characters read, rows) callback for the parsing of a decoded text of `length` characters, reported as
        the same share of the file's bytes (characters are not bytes in GB18030, UTF-16 or UTF-8 with Chinese);
        None when nobody listens."""
        if self.callback is None:
            return None

        def parsed(characters: int, rows: int) -> None:
            share = characters / length if length else 1.0
            self.reading(round(self.bytes_total * share), rows)

        return parsed

    def stage(self, stage: Stage, rows: int | None = None) -> None:
        """A later stage: every byte has been read; rows (when given) are the rows of the table as read."""
        self.bytes_read = self.bytes_total
        if rows is not None:
            self.rows = rows
        self._send(stage)

    def _send(self, stage: Stage) -> None:
        if self.callback is None:
            return
        try:
            self.callback(Progress(stage, self.bytes_read, self.bytes_total, self.rows))
        except Exception:
            log.warning("progress callback failed; reading on", exc_info=True)
