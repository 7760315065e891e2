"""Sidebar choice of the data a page shows: the built-in samples or a stored upload of the same kind."""

from __future__ import annotations

import re

import streamlit as st

from components.notices import sample_notice
from digigov.access import can_see, current_user
from digigov.i18n import t
from digigov.sources import BUILTIN, Source, list_sources, store
from digigov.storage import StorageError
from digigov.text import escape_markdown


def hidden_from_user(dataset_id: str) -> bool:
    """True when a link names a stored dataset this run's user may not see (nothing of it is shown)."""
    if dataset_id == BUILTIN:
        return False
    try:
        return not can_see(current_user(), store().get(dataset_id).meta)
    except StorageError:
        # An id of ours that is not there gets the same message as a hidden one, so a link cannot be used to
        # learn which datasets exist; any other text is a mistyped link.
        return re.fullmatch(r"[0-9a-f]{32}", str(dataset_id)) is not None


def data_source(page: str, kind: str, lang: str, param: str = "src") -> Source:
    """Selectbox in the sidebar, kept in the URL (?src=...); shows the sample notice while samples are on.

    A page with one source per section gives each section its own URL parameter (param), so a link keeps every
    section's choice; such a section still opens on a dataset named by ?src= (the upload page's link)."""
    try:
        sources = list_sources(kind)
    except StorageError as err:  # an unreadable store must not take the page down: fall back to samples
        st.sidebar.error(t("source.store_error", lang, error=escape_markdown(err.message(lang))))
        sources = [Source(BUILTIN, "", kind)]
    ids = [s.id for s in sources]
    key = f"{page}_src"
    if key not in st.session_state:
        wanted = st.query_params.get(param) or st.query_params.get("src", BUILTIN)
        if wanted not in ids:
            wanted = st.query_params.get("src", BUILTIN)
        # kept for the session's later runs too: the first page of a session reruns once its map is drawn
        st.session_state[f"{key}_refused"] = wanted not in ids and hidden_from_user(wanted)
        st.session_state[key] = wanted if wanted in ids else ids[0]
    if st.session_state[key] not in ids:
        st.session_state[key] = ids[0]
    by_id = {s.id: s for s in sources}
    chosen = st.sidebar.selectbox(
        t("source.label", lang),
        ids,
        key=key,
        format_func=lambda i: t("source.builtin", lang) if i == BUILTIN else by_id[i].name,
    )
    if st.session_state.get(f"{key}_refused") and chosen == ids[0]:  # until the user picks a source
        st.warning(t("access.link_not_allowed", lang), icon=":material/lock:")
    else:
        st.session_state[f"{key}_refused"] = False
    if chosen == BUILTIN:
        # A src naming another kind's dataset is left for the pages that use that kind.
        for name in dict.fromkeys((param, "src")):
            if st.query_params.get(name) in ids:
                st.query_params.pop(name, None)
    else:
        st.query_params[param] = chosen
    source = by_id[chosen]
    if source.is_sample:
        sample_notice(lang)
    else:
        st.info(t("source.uploaded_notice", lang, name=escape_markdown(source.name)), icon=":material/upload_file:")
    return source
