"""Upload and data management: read a file (uploaded, or a large one from the server's import folder), review
what was detected, fix mappings, accept, manage datasets."""

import hashlib

import streamlit as st

from components import platform_records
from components import upload_review as review
from components.auth import audit, audit_log
from components.downloads import table
from components.language import language_switch
from components.upload_progress import reading_progress
from components.user_indicator_form import user_indicator_specs
from digigov.access import VISIBILITIES, can_audit, can_change, can_upload, current_user, sharing_of, visible
from digigov.i18n import t
from digigov.ingest import MAX_UPLOAD_BYTES, IngestResult, ProgressCallback, read_upload
from digigov.ingest.chunked import preview_csv_file
from digigov.ingest.import_folder import ImportFileError, import_dir, import_file_path, list_import_files
from digigov.ingest.jobs import ImportJob, start_import
from digigov.ingest.limits import MIB
from digigov.presenters.upload import progress_text
from digigov.sources import store
from digigov.storage import StorageError
from digigov.text import escape_markdown
from digigov.upload_kinds import audit_table, stored_table

PAGE = "upload"
IMPORT = "upload_import"  # widget keys of the import-folder tab
JOB = f"{IMPORT}_job"  # session state: {"key": what was read with which options, "job": the ImportJob}


@st.cache_data(show_spinner=False, max_entries=16)
def ingest(
    name: str,
    digest: str,
    _data: bytes,
    encoding: str | None,
    sheet: str | None,
    header_row: int | None,
    mapping: tuple,
    units: tuple,
    regions: tuple,
    _progress: ProgressCallback | None = None,
):
    # digest keys the cache on the content, the options on what the user changed; _data (up to 50 MB) is left out
    # of the key, or st.cache_data would hash it again on every rerun. _progress (the progress bar of a large
    # file, components.upload_progress) is left out too: it draws only while the file is read, not on a hit.
    return read_upload(
        name,
        _data,
        encoding=encoding,
        sheet=sheet,
        header_row=header_row,
        mapping=dict(mapping) or None,
        units=dict(units) or None,
        region_overrides=dict(regions) or None,
        progress=_progress,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def preview_import(
    name: str, file_key: str, encoding: str | None, header_row: int | None, mapping: tuple, units: tuple, regions: tuple
):
    # file_key (name, size, modified time) keys the cache on the file's version.
    return preview_csv_file(
        import_file_path(name),
        encoding=encoding,
        header_row=header_row,
        mapping=dict(mapping) or None,
        units=dict(units) or None,
        region_overrides=dict(regions) or None,
    )


def same_reading(first: IngestResult, sheet: str | None, header_row: int | None, options: dict) -> bool:
    """Whether reading again with the page's choices would read what the first reading read: a text file
    (sheets come with a note about the sheet chosen), the header row it found (not a guess: a guessed header
    row is reported, a given one is not) and no corrections. Then the first result stands, and a large file is
    read once, not twice."""
    unchanged = not first.sheets and sheet is None and header_row == first.header_row
    return unchanged and not first.report.has("header_guessed") and not any(options.values())


def uploaded_file_tab(lang: str) -> None:
    if not can_upload(current_user()):  # a viewer: nothing to upload, and the save would be refused anyway
        st.info(t("access.viewer_no_upload", lang))
        return
    uploaded = st.file_uploader(
        t("upload.file", lang, mb=MAX_UPLOAD_BYTES // MIB),
        key=f"{PAGE}_file",
        # .xls and .xlsm are let through so that the page can say why they are refused (the uploader itself
        # only shows a red icon): read_upload refuses a legacy .xls (legacy_xls), the page a macro workbook.
        type=["csv", "tsv", "txt", "xlsx", "parquet", "xls", "xlsm"],
    )
    st.caption(t("upload.accepted_files", lang, mb=MAX_UPLOAD_BYTES // MIB))
    st.caption(t("upload.larger_files", lang, mb=MAX_UPLOAD_BYTES // MIB))
    if uploaded is None:
        return
    if uploaded.name.lower().endswith(".xlsm"):
        st.error(t("upload.xlsm_refused", lang, name=escape_markdown(uploaded.name)))
        return
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if st.session_state.get(f"{PAGE}_audited") != digest:  # one entry per file read, not per rerun
        audit(current_user(), "upload", name=uploaded.name, page=PAGE)
        st.session_state[f"{PAGE}_audited"] = digest
    choices = review.choices_for(f"{PAGE}_options", digest)
    st.header(t("upload.detected", lang))
    cols = st.columns([1, 1, 1, 2])  # the shape's name is long: "原始记录（办理渠道）"
    encoding = review.encoding_choice(cols[0], review.widget_key(PAGE, "enc", digest), lang)
    with reading_progress(len(data), lang) as progress:
        first = ingest(uploaded.name, digest, data, encoding, None, None, (), (), (), _progress=progress)
    sheet = None
    if first.sheets:
        sheet = cols[1].selectbox(t("upload.sheet", lang), first.sheets, key=review.widget_key(PAGE, "sheet", digest))
    header_row = cols[2].number_input(
        t("upload.header_row", lang),
        min_value=0,
        max_value=1000,
        value=first.header_row or 0,
        key=review.widget_key(PAGE, "header", digest),
    )
    options = review.read_options(choices)
    result = first
    if not same_reading(first, sheet, int(header_row) or None, options):
        with reading_progress(len(data), lang) as progress:
            result = ingest(
                uploaded.name, digest, data, encoding, sheet, int(header_row) or None, **options, _progress=progress
            )
    review.detected(result, cols[3], lang)
    review.corrections(result, choices, PAGE, digest, lang)
    review.report(result, PAGE, digest, lang)
    review.preview(result, lang)
    specs = user_indicator_specs(result, PAGE, digest, lang)
    review.accept(result, uploaded.name, PAGE, digest, lang, specs)


@st.fragment(run_every=0.5)
def import_progress(job: ImportJob, lang: str) -> None:
    """The running import's progress, redrawn twice a second; the whole page reruns when the job ends."""
    if job.done:
        st.rerun()
    progress = job.progress
    st.progress(
        progress.fraction if progress else 0.0,
        text=progress_text(progress, lang) if progress else t("upload.import_started", lang),
    )
    if st.button(t("upload.import_cancel", lang), key=f"{IMPORT}_cancel"):
        job.cancel()


def import_folder_tab(lang: str) -> None:
    if not can_upload(current_user()):
        st.info(t("access.viewer_no_upload", lang))
        return
    st.caption(t("upload.import_intro", lang))
    st.code(str(import_dir()), language=None)  # st.code shows the path as text, copyable
    files = {f.name: f for f in list_import_files()}
    if not files:
        st.info(t("upload.import_none", lang))
        return
    name = st.selectbox(
        t("upload.import_file", lang),
        list(files),
        key=f"{IMPORT}_file",
        format_func=lambda n: f"{n} · {files[n].size / MIB:,.1f} MB",
    )
    chosen = files[name]
    ident = hashlib.sha256(chosen.key.encode("utf-8")).hexdigest()[:16]
    choices = review.choices_for(f"{IMPORT}_options", ident)
    cols = st.columns([1, 1, 1, 2])
    encoding = review.encoding_choice(cols[0], review.widget_key(IMPORT, "enc", ident), lang)
    header_row = int(
        cols[1].number_input(
            t("upload.header_row", lang),
            min_value=0,
            max_value=1000,
            value=0,
            key=review.widget_key(IMPORT, "header", ident),
            help=t("upload.auto", lang),
        )
    )
    options = review.read_options(choices)
    try:
        sample = preview_import(name, chosen.key, encoding, header_row or None, **options)
    except (ImportFileError, OSError):
        st.error(t("upload.import_gone", lang, name=escape_markdown(name)))
        return
    run_key = (chosen.key, encoding, header_row, tuple(options.values()))
    entry = st.session_state.get(JOB)
    if entry and entry["key"] != run_key and not entry["job"].done:
        entry["job"].cancel()  # another file or other options: the running import no longer applies
    job: ImportJob | None = entry["job"] if entry and entry["key"] == run_key else None
    result = job.result if job is not None and job.done else None
    running = job is not None and not job.done
    review_slot = st.container()  # filled below, once it is known whether the whole file has been read
    if st.button(
        t("upload.import_run", lang, mb=f"{chosen.size / MIB:,.1f}"),
        disabled=running,
        key=review.widget_key(IMPORT, "run", ident),
        type="primary" if result is None else "secondary",
    ):
        job = start_import(
            import_file_path(name),
            encoding=encoding,
            header_row=header_row or None,
            mapping=dict(options["mapping"]) or None,
            units=dict(options["units"]) or None,
            region_overrides=dict(options["regions"]) or None,
        )
        st.session_state[JOB] = {"key": run_key, "job": job}
        running, result = True, None
    if running:
        import_progress(job, lang)
    with review_slot:
        review.detected(result or sample, cols[3], lang)
        review.corrections(result or sample, choices, IMPORT, ident, lang)
    if result is None:
        if job is not None and job.error:
            st.error(t("upload.import_failed", lang, error=escape_markdown(job.error_message(lang))))
        elif job is not None and job.cancelled:
            st.info(t("upload.import_cancelled", lang))
        rows = f"{sample.text_frame.height if sample.text_frame is not None else 0:,}"
        st.caption(t("upload.import_sample", lang, rows=rows))
        review.report(sample, IMPORT, f"{ident}_sample", lang, clean=t("upload.import_sample_clean", lang, rows=rows))
        return
    done = job.progress
    st.caption(
        t(
            "upload.import_done",
            lang,
            mb=f"{chosen.size / MIB:,.1f}",
            seconds=f"{done.seconds if done else 0:.0f}",
            rows=f"{done.rows if done else 0:,}",
        )
    )
    review.report(result, IMPORT, ident, lang)
    review.preview(result, lang)
    specs = user_indicator_specs(result, IMPORT, ident, lang)
    review.accept(result, name, IMPORT, ident, lang, specs)


def stored_datasets(lang: str) -> None:
    st.header(t("upload.stored_header", lang))
    user = current_user()
    try:
        records = visible(user, store().list())  # only what this user may see, checked on the server
    except StorageError as err:
        st.error(t("source.store_error", lang, error=escape_markdown(err.message(lang))))
        records = []
    if not records:
        st.caption(t("upload.none_stored", lang))
        return
    st.dataframe(stored_table(records, lang), hide_index=True)
    mine = {r.id: r for r in records if can_change(user, r.meta)}
    if mine:
        with st.expander(t("upload.manage", lang)):
            manage(mine, user, lang)


def manage(by_id: dict, user, lang: str) -> None:
    """Rename, delete and share the datasets this user may change (each action checked again when it runs)."""
    picked = st.selectbox(t("upload.pick", lang), list(by_id), key=f"{PAGE}_pick", format_func=lambda i: by_id[i].name)
    record = by_id[picked]
    new_name = st.text_input(
        t("upload.new_name", lang), value=record.name, max_chars=200, key=f"{PAGE}_new_name_{picked}"
    )
    cols = st.columns(3)
    if cols[0].button(t("upload.rename", lang), key=f"{PAGE}_rename"):
        act(user, "rename", picked, lambda: store().rename(picked, new_name), t("upload.renamed", lang), lang)
    confirm = cols[1].checkbox(t("upload.confirm_delete", lang), key=f"{PAGE}_confirm")
    if cols[2].button(t("upload.delete", lang), disabled=not confirm, key=f"{PAGE}_delete"):
        act(user, "delete", picked, lambda: store().delete(picked), t("upload.deleted", lang), lang)
    share = sharing_of(record.meta)
    left, right = st.columns(2)
    visibility = left.selectbox(
        t("access.visibility_label", lang),
        VISIBILITIES,
        index=VISIBILITIES.index(share.visibility),
        key=f"{PAGE}_visibility_{picked}",
        format_func=lambda v: t(f"access.visibility.{v}", lang),
    )
    groups = list(dict.fromkeys([*user.groups, *([share.group] if share.group else [])]))
    group = right.selectbox(t("access.group_label", lang), groups, key=f"{PAGE}_group_{picked}") if groups else ""
    if visibility == "group" and not group:
        st.caption(t("access.no_group", lang))
    elif st.button(t("access.share", lang), key=f"{PAGE}_share"):
        change = {"visibility": visibility, "group": group if visibility == "group" else ""}
        act(user, "share", picked, lambda: store().update_meta(picked, **change), t("access.shared", lang), lang)


def act(user, action: str, dataset_id: str, change, done: str, lang: str) -> None:
    """One change to a stored dataset: allowed only to its owner (analyst) or an admin, audited, then rerun."""
    try:
        record = store().get(dataset_id)
        if not can_change(user, record.meta):
            audit(user, "denied", dataset=dataset_id, name=record.name, page=PAGE)
            st.error(t("access.not_yours", lang))
            return
        change()
    except StorageError as err:
        st.error(t("source.store_error", lang, error=escape_markdown(err.message(lang))))
        return
    audit(user, action, dataset=dataset_id, name=record.name, page=PAGE)
    st.toast(escape_markdown(done))
    st.rerun()


def audit_section(lang: str) -> None:
    """The audit log, newest first, with its download: administrators only."""
    st.header(t("access.audit_header", lang))
    st.caption(t("access.audit_help", lang))
    frame = audit_table(audit_log().entries(limit=2000), lang)
    table(frame, key=f"{PAGE}_audit", page=PAGE, name="audit_log", lang=lang, sample=False)


lang = language_switch()
st.title(t("upload.title", lang))
st.caption(t("upload.intro", lang))
tab_names = [t("upload.tab_upload", lang), t("upload.tab_import", lang)]
if platform_records.configured():  # the platform's own logs, aggregated in place (DIGIGOV_RECORDS_TABLE)
    tab_names.append(t("upload.tab_platform", lang))
upload_tab, folder_tab, *platform = st.tabs(tab_names)
with upload_tab:
    uploaded_file_tab(lang)
with folder_tab:
    import_folder_tab(lang)
for platform_tab in platform:
    with platform_tab:
        platform_records.platform_tab(lang)
st.divider()
stored_datasets(lang)
if can_audit(current_user()):
    st.divider()
    audit_section(lang)
