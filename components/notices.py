"""Notices beside the data: the sample notice every page shows while built-in samples are on screen, and the
reference value an uploaded file states for itself."""

from __future__ import annotations

import streamlit as st

from digigov.i18n import t
from digigov.indicators import Indicator
from digigov.reference_values import META_KEY, own_references, reference_caption
from digigov.sources import stored_meta
from digigov.storage import StorageError
from digigov.text import escape_markdown


def sample_notice(lang: str) -> None:
    """A highlighted line, not st.warning: Streamlit's alerts are role="alert", which a screen reader announces on
    every page load (issue 18). The text is the catalog's, escaped all the same."""
    st.markdown(f":orange-background[:material/science: {escape_markdown(t('sample.notice', lang))}]")


def reference_note(source_id: str, indicator: Indicator, year: int, lang: str, *, own: bool = False) -> None:
    """The file's own national (or average) figure for the map's indicator and year, when the upload stated one
    (its 全国/平均 row); nothing for the samples or a file without one. own: source_id is the dataset of an
    analyst's own indicator. The row's label is the file's text: escaped."""
    try:
        references = stored_meta(source_id).get(META_KEY) or []
    except StorageError:
        return
    if own:
        references = own_references(references, indicator)
    caption = reference_caption(references, indicator, year, lang)
    if caption:
        st.caption(escape_markdown(caption))
