"""The upload page's progress bar while a large file is read and checked (bytes read, rows checked, the check
under way), fed by read_upload's progress callback (digigov.ingest.progress)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from digigov.ingest import Progress, ProgressCallback
from digigov.ingest.limits import MIB
from digigov.presenters.upload import reading_text

LARGE_UPLOAD = 2 * MIB  # above this, reading takes a second or more: show how far it has got


@contextmanager
def reading_progress(size: int, lang: str) -> Iterator[ProgressCallback | None]:
    """A callback that draws the progress of reading a file of `size` bytes (None for a small file), and the
    bar removed when the block ends.

    The callback is meant for a function cached with st.cache_data (as the page's `_progress` argument: not part
    of the key). Streamlit records every element drawn inside a cached function to replay it on a cache hit, and
    a replayed bar drawn into a placeholder from outside the function fails (CacheReplayClosureError). So the bar
    is drawn in the script's context as it was here, outside the cached function, where nothing is recorded: it
    shows while the function runs and a cache hit draws nothing. The placeholder is empty (invisible) until the
    first call, so a cache hit does not flash a bar either."""
    if size <= LARGE_UPLOAD:
        yield None
        return
    slot = st.empty()
    outside = contextvars.copy_context()

    def show(progress: Progress) -> None:
        outside.run(slot.progress, progress.fraction, text=reading_text(progress, lang))

    try:
        yield show
    finally:
        slot.empty()
