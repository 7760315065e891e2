"""Upload and data management: read a file, review what was detected, fix mappings, accept, manage datasets."""

import hashlib

import streamlit as st

from components.language import language_switch
from digigov.i18n import t
from digigov.indicators import load_catalog
from digigov.ingest import ALL_ROLES, ENCODING_CHOICES, MAX_UPLOAD_BYTES, SCALES, read_upload
from digigov.regions import load_gazetteer
from digigov.sources import store
from digigov.storage import StorageError
from digigov.text import escape_markdown
from digigov.upload_kinds import kind_frames, kind_pages, stored_table

PAGE = "upload"
NOT_MAPPED = "__none__"


@st.cache_data(show_spinner=False, max_entries=16)
def ingest(
    name: str,
    digest: str,
    data: bytes,
    encoding: str | None,
    sheet: str | None,
    header_row: int | None,
    mapping: tuple,
    units: tuple,
    overrides: tuple,
):
    # digest keys the cache on the content; the options on what the user changed.
    return read_upload(
        name,
        data,
        encoding=encoding,
        sheet=sheet,
        header_row=header_row,
        mapping=dict(mapping) or None,
        units=dict(units) or None,
        region_overrides=dict(overrides) or None,
    )


lang = language_switch()
st.title(t("upload.title", lang))
st.caption(t("upload.intro", lang))
gazetteer = load_gazetteer()
catalog = load_catalog()

uploaded = st.file_uploader(
    t("upload.file", lang, mb=MAX_UPLOAD_BYTES // 2**20),
    key=f"{PAGE}_file",
    type=["csv", "tsv", "txt", "xlsx", "parquet"],
)
if uploaded is not None:
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    state = st.session_state.setdefault(f"{PAGE}_options", {})
    if state.get("digest") != digest:  # a new file: forget choices made for the previous one
        state.clear()
        state["digest"] = digest

    st.subheader(t("upload.detected", lang))
    cols = st.columns(4)
    encoding = cols[0].selectbox(
        t("upload.encoding", lang),
        ENCODING_CHOICES,
        key=f"{PAGE}_enc_{digest}",
        format_func=lambda e: t("upload.auto", lang) if e == "auto" else e,
    )
    first = ingest(uploaded.name, digest, data, None if encoding == "auto" else encoding, None, None, (), (), ())
    sheet = None
    if first.sheets:
        sheet = cols[1].selectbox(t("upload.sheet", lang), first.sheets, key=f"{PAGE}_sheet_{digest}")
    header_row = cols[2].number_input(
        t("upload.header_row", lang),
        min_value=0,
        max_value=1000,
        value=first.header_row or 0,
        key=f"{PAGE}_header_{digest}",
    )

    mapping_choice = state.setdefault("mapping", {})
    unit_choice = state.setdefault("units", {})
    region_choice = state.setdefault("regions", {})
    result = ingest(
        uploaded.name,
        digest,
        data,
        None if encoding == "auto" else encoding,
        sheet,
        int(header_row) or None,
        tuple(sorted(mapping_choice.items())),
        tuple(sorted(unit_choice.items())),
        tuple(sorted(region_choice.items())),
    )
    cols[3].metric(t("upload.shape", lang), t(f"ingest.shape.{result.shape}", lang))
    st.caption(
        " · ".join(
            filter(
                None,
                [
                    f"{t('upload.encoding', lang)}: {result.encoding}" if result.encoding else "",
                    f"{t('upload.delimiter', lang)}: {result.delimiter!r}" if result.delimiter else "",
                ],
            )
        )
    )
    if result.privacy is not None and result.privacy.any:
        st.warning(result.privacy.text(lang), icon=":material/shield:")

    if result.mapping is not None:
        with st.expander(t("upload.mapping_header", lang), expanded=not result.ok):
            targets = [NOT_MAPPED, *ALL_ROLES, *catalog]
            grid = st.columns(3)
            for i, match in enumerate(result.mapping.matches):
                current = match.target or NOT_MAPPED
                chosen = grid[i % 3].selectbox(
                    escape_markdown(match.column),
                    targets,
                    index=targets.index(current) if current in targets else 0,
                    key=f"{PAGE}_map_{digest}_{i}",
                    format_func=lambda v: (
                        t("ingest.role.ignore", lang)
                        if v == NOT_MAPPED
                        else catalog[v].name(lang)
                        if v in catalog
                        else t(f"ingest.role.{v}", lang)
                    ),
                )
                if chosen != current:
                    mapping_choice[match.column] = None if chosen == NOT_MAPPED else chosen
                    st.rerun()

    if result.units:
        with st.expander(t("upload.units_header", lang), expanded=True):
            st.caption(t("upload.units_help", lang))
            grid = st.columns(3)
            for i, (column, inference) in enumerate(result.units.items()):
                chosen = grid[i % 3].selectbox(
                    column,
                    SCALES,
                    index=SCALES.index(inference.scale),
                    key=f"{PAGE}_unit_{digest}_{i}",
                    format_func=lambda s: t(f"ingest.scale.{s}", lang),
                )
                if chosen != inference.scale:
                    unit_choice[column] = chosen
                    st.rerun()

    if result.regions.unresolved:
        with st.expander(t("upload.regions_header", lang), expanded=True):
            units = sorted(gazetteer.regions.values(), key=lambda r: r.adcode)
            options = [NOT_MAPPED, *(r.adcode for r in units)]
            for i, (value, missing) in enumerate(list(result.regions.unresolved.items())[:30]):
                suggested = [r.adcode for r in missing.suggestions]
                ordered = [NOT_MAPPED, *suggested, *(o for o in options[1:] if o not in suggested)]
                chosen = st.selectbox(
                    t("upload.region_choice", lang, value=escape_markdown(value)),
                    ordered,
                    key=f"{PAGE}_region_{digest}_{i}",
                    format_func=lambda a: (
                        t("upload.region_skip", lang)
                        if a == NOT_MAPPED
                        else f"{gazetteer[a].name_zh} · {gazetteer[a].name_en} ({a})"
                    ),
                )
                if chosen != NOT_MAPPED:
                    region_choice[value] = chosen
                    st.rerun()

    report = result.report
    if report.errors or report.warnings:
        st.subheader(t("upload.report_header", lang, errors=len(report.errors), warnings=len(report.warnings)))
        st.dataframe(report.to_frame(), hide_index=True)
    else:
        st.success(t("upload.report_clean", lang))
    st.download_button(
        t("upload.report_download", lang),
        data=report.to_csv_bytes(lang),
        file_name="validation_report.csv",
        mime="text/csv",
        key=f"{PAGE}_report_{digest}",
        on_click="ignore",
    )

    if result.frame is not None and result.frame.height:
        st.subheader(t("upload.preview_header", lang))
        st.dataframe(result.frame.head(50), hide_index=True)

    kinds = kind_frames(result)
    if kinds:
        st.caption(t("upload.kinds", lang, pages=kind_pages(list(kinds), lang)))
    elif result.report.ok:
        st.warning(t("upload.no_kind", lang))
    name = st.text_input(
        t("upload.name", lang), value=uploaded.name.rsplit(".", 1)[0], max_chars=200, key=f"{PAGE}_name_{digest}"
    )
    if not result.ok:
        st.error(t("upload.blocked", lang))
    if st.button(
        t("upload.accept", lang), type="primary", disabled=not (result.ok and kinds), key=f"{PAGE}_accept_{digest}"
    ):
        try:
            for kind, frame in kinds.items():
                store().save(
                    frame,
                    name=name,
                    source_file=uploaded.name,
                    shape=result.shape if result.shape in ("wide", "long") else "raw",
                    column_mapping={k: v or "" for k, v in result.mapping.as_dict().items()},
                    meta={"kinds": [kind], "encoding": result.encoding, "sheet": result.sheet},
                )
            st.success(t("upload.saved", lang, name=escape_markdown(name), pages=kind_pages(list(kinds), lang)))
        except StorageError as err:
            st.error(t("upload.save_failed", lang, error=escape_markdown(err)))

st.divider()
st.subheader(t("upload.stored_header", lang))
try:
    records = store().list()
except StorageError as err:
    st.error(t("source.store_error", lang, error=escape_markdown(err)))
    records = []
if not records:
    st.caption(t("upload.none_stored", lang))
else:
    st.dataframe(stored_table(records, lang), hide_index=True)
    with st.expander(t("upload.manage", lang)):
        by_id = {r.id: r for r in records}
        picked = st.selectbox(
            t("upload.pick", lang), list(by_id), key=f"{PAGE}_pick", format_func=lambda i: by_id[i].name
        )
        new_name = st.text_input(
            t("upload.new_name", lang), value=by_id[picked].name, max_chars=200, key=f"{PAGE}_new_name_{picked}"
        )
        cols = st.columns(3)
        if cols[0].button(t("upload.rename", lang), key=f"{PAGE}_rename"):
            store().rename(picked, new_name)
            st.toast(t("upload.renamed", lang))
            st.rerun()
        confirm = cols[1].checkbox(t("upload.confirm_delete", lang), key=f"{PAGE}_confirm")
        if cols[2].button(t("upload.delete", lang), disabled=not confirm, key=f"{PAGE}_delete"):
            store().delete(picked)
            st.toast(t("upload.deleted", lang))
            st.rerun()
