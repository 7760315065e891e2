"""A large-file import running in a background thread, so that it outlives the page's script run.

Read in the page's own script run, a one-minute import would be cancelled by any click (Streamlit stops a
running script to rerun it) and would block the page. As a job, it keeps going while the user looks elsewhere;
the page polls `progress` and shows `result` when `done`. `cancel()` stops it at the next block boundary, and the
temporary parts are removed as for any other exception.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from digigov.errors import UserFacingError
from digigov.ingest.chunked import ImportProgress, import_csv_file
from digigov.ingest.pipeline import IngestResult
from digigov.ingest.privacy import mask_text
from digigov.ingest.text import safe_text

log = logging.getLogger(__name__)


class ImportCancelled(Exception):
    """Raised inside the import when the job was cancelled."""


@dataclass
class ImportJob:
    path: Path
    options: dict
    progress: ImportProgress | None = None
    result: IngestResult | None = None
    error: str | None = None  # an unexpected failure, masked (the import reports file problems in result.report)
    cancelled: bool = False
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _failure: Exception | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (or timeout seconds pass); True when it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done

    def error_message(self, lang: str = "zh") -> str | None:
        """The failure as the page shows it, always masked: a UserFacingError's own message in lang (it names
        no server path), else only the kind of error."""
        if self._failure is None:
            return self.error
        if isinstance(self._failure, UserFacingError):
            return safe_text(self._failure.message(lang), limit=200)
        return self.error

    def _report(self, progress: ImportProgress) -> None:
        if self._cancel.is_set():
            raise ImportCancelled
        self.progress = progress

    def _run(self) -> None:
        try:
            self.result = import_csv_file(self.path, on_progress=self._report, **self.options)
        except ImportCancelled:
            self.cancelled = True
        except Exception as exc:  # never lost silently: the page shows its kind, the log the details
            # The message can name server paths or quote the file: the page gets the kind only.
            log.error("large-file import failed: %s", mask_text(traceback.format_exc(limit=8)))
            self._failure = exc
            self.error = safe_text(type(exc).__name__, limit=80)


def start_import(path: str | Path, **options) -> ImportJob:
    """Start import_csv_file(path, **options) in a daemon thread and return the job at once."""
    job = ImportJob(Path(path), dict(options))
    job._thread = threading.Thread(target=job._run, name=f"digigov-import-{Path(path).name}", daemon=True)
    job._thread.start()
    return job
