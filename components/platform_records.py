"""The upload page's tab for logs that live in the platform (DIGIGOV_RECORDS_TABLE or DIGIGOV_RECORDS_LOCATION):
aggregate them in place with the mapping a saved upload of the same log was confirmed with, look at the counts,
save them as a dataset the pages read. The engine does the work; only the counts come back (issue 14)."""

from __future__ import annotations

import streamlit as st

from components.auth import audit
from components.downloads import table
from digigov import settings
from digigov.access import can_upload, current_user
from digigov.engine import configured_records
from digigov.i18n import t
from digigov.platform_records import PlatformAggregate, aggregate_platform, records_source, templates
from digigov.sources import store
from digigov.storage import DatasetRecord, StorageError
from digigov.text import escape_markdown
from digigov.upload_kinds import kind_pages

KEY = "upload_platform"  # widget and session-state keys of the tab
PAGE = "upload"


def configured() -> bool:
    """The tab is offered when the platform's records are set: a table, or a location of Parquet parts."""
    return bool(settings.read("DIGIGOV_RECORDS_TABLE") or settings.read("DIGIGOV_RECORDS_LOCATION"))


def platform_tab(lang: str) -> None:
    user = current_user()
    if not can_upload(user):
        st.info(t("access.viewer_no_upload", lang))
        return
    source = records_source(configured_records())
    st.caption(t("platform.intro", lang, source=escape_markdown(source)))
    try:
        options = {record.id: record for record in templates(store())}
    except StorageError as err:
        st.error(t("source.store_error", lang, error=escape_markdown(err.message(lang))))
        return
    if not options:
        st.info(t("platform.no_templates", lang))
        return
    chosen = st.selectbox(
        t("platform.template", lang),
        list(options),
        key=f"{KEY}_template",
        format_func=lambda i: t("platform.template_option", lang, name=options[i].name, kind=_kind(options[i], lang)),
    )
    if st.button(t("platform.run", lang), key=f"{KEY}_run", type="primary"):
        with st.spinner(t("platform.running", lang, source=escape_markdown(source))):
            st.session_state[f"{KEY}_result"] = aggregate_platform(options[chosen])
    held: PlatformAggregate | None = st.session_state.get(f"{KEY}_result")
    if held is not None and held.template.id == chosen:
        _result(held, lang)


def _kind(record: DatasetRecord, lang: str) -> str:
    return kind_pages((record.meta or {}).get("kinds") or [], lang)


def _result(held: PlatformAggregate, lang: str) -> None:
    for issue in held.report.errors:
        st.error(escape_markdown(issue.message(lang)))
    if not held.ok or held.counts is None:
        return
    for issue in held.report.issues:
        if issue.severity != "error":
            st.caption(escape_markdown(issue.message(lang)))
    table(held.counts, key=f"{KEY}_counts", page=PAGE, name="platform_counts", lang=lang, sample=False)
    name = st.text_input(
        t("platform.name", lang),
        value=t("platform.default_name", lang, source=held.source),
        key=f"{KEY}_name",
        max_chars=120,
    )
    if st.button(t("platform.save", lang), key=f"{KEY}_save"):
        _save(held, name, lang)


def _save(held: PlatformAggregate, name: str, lang: str) -> None:
    user = current_user()
    if not can_upload(user) or held.counts is None:  # the button is only shown to analysts; this is the server's check
        st.error(t("access.viewer_no_upload", lang))
        return
    meta = {"kinds": [held.kind], "owner": user.id, "visibility": "private", "platform_template": held.template.id}
    try:
        saved = store().save(held.counts, name=name, source_file=held.source, shape="raw", column_mapping={}, meta=meta)
    except StorageError as err:
        st.error(t("source.store_error", lang, error=escape_markdown(err.message(lang))))
        return
    audit(user, "save", dataset=saved.id, name=saved.name, page=PAGE)
    st.success(t("platform.saved", lang, name=escape_markdown(saved.name)))
