"""The review of a file read by digigov.ingest, shared by uploads and the import folder: what was detected, the
column mapping, units and regions the user can correct, the validation report, the preview, and saving.

Corrections go into `choices` (a dict in session state: mapping, units, regions); a change reruns the page, which
reads the file again with them."""

from __future__ import annotations

import streamlit as st

from components.auth import audit
from digigov import platform_records, user_indicators
from digigov.access import can_upload, current_user
from digigov.i18n import t
from digigov.indicators import load_catalog
from digigov.ingest import ALL_ROLES, ENCODING_CHOICES, SCALES, IngestResult
from digigov.ingest.raw_records import platform_arguments
from digigov.presenters.upload import (
    NOT_MAPPED,
    detected_format,
    mapping_target_label,
    match_caption,
    preview_table,
    region_option_label,
    report_table,
)
from digigov.reference_values import META_KEY, own_reference_values, reference_values
from digigov.regions import load_gazetteer
from digigov.sources import store
from digigov.storage import StorageError
from digigov.text import escape_markdown
from digigov.upload_kinds import catalogue_report, kind_pages, saveable_kinds, sharing_report, uncovered_errors
from digigov.user_indicators import UserIndicatorSpec

# The codes by which a file is refused before anything in it is read (type, size, content).
REFUSALS = frozenset(
    {
        "file_too_large",
        "legacy_xls",
        "binary_file",
        "empty_file",
        "ods_unsupported",
        "office_unsupported",
        "zip_unsupported",
    }
)


def encoding_choice(column, key: str, lang: str) -> str | None:
    """The encoding override (None: detect)."""
    chosen = column.selectbox(
        t("upload.encoding", lang),
        ENCODING_CHOICES,
        key=key,
        format_func=lambda e: t("upload.auto", lang) if e == "auto" else e,
    )
    return None if chosen == "auto" else chosen


def choices_for(state_key: str, identity: str) -> dict:
    """The user's corrections for one file; forgotten when another file (or a changed one) is chosen."""
    state = st.session_state.setdefault(state_key, {})
    if state.get("identity") != identity:
        state.clear()
        state["identity"] = identity
    for part in ("mapping", "units", "regions"):
        state.setdefault(part, {})
    return state


def read_options(choices: dict) -> dict:
    """The corrections as hashable read options (for cached readers)."""
    return {part: tuple(sorted(choices[part].items())) for part in ("mapping", "units", "regions")}


def detected(result: IngestResult, column, lang: str) -> None:
    # Text, not st.metric: the shape's name ("原始记录（办理渠道）") is too long for a metric's large type.
    found = detected_format(result, lang)
    column.caption(t("upload.shape", lang))
    column.markdown(f"**{escape_markdown(found.shape)}**")
    st.caption(escape_markdown(found.details))
    privacy(result, lang)


def privacy(result: IngestResult, lang: str) -> None:
    # The notice lists the file's own column names: escaped, so a name like [x](javascript:…) stays text.
    if result.privacy is not None and result.privacy.any:
        st.warning(escape_markdown(result.privacy.text(lang)), icon=":material/shield:")


def widget_key(page: str, what: str, ident: str, index: int | None = None) -> str:
    """Widget keys carry the file's identity, so a new file starts with fresh widgets."""
    return f"{page}_{what}_{ident}" + (f"_{index}" if index is not None else "")


def corrections(result: IngestResult, choices: dict, page: str, ident: str, lang: str) -> None:
    """Mapping, units and unmatched regions, each editable; a change is stored in choices and reruns."""
    catalog = load_catalog()
    if result.mapping is not None:
        with st.expander(t("upload.mapping_header", lang), expanded=not result.ok):
            targets = [NOT_MAPPED, *ALL_ROLES, *catalog]
            grid = st.columns(3)
            for i, match in enumerate(result.mapping.matches):
                current = match.target or NOT_MAPPED
                cell = grid[i % 3]
                chosen = cell.selectbox(
                    escape_markdown(match.column),
                    targets,
                    index=targets.index(current) if current in targets else 0,
                    key=widget_key(page, "map", ident, i),
                    format_func=lambda v: mapping_target_label(v, lang),
                )
                cell.caption(escape_markdown(match_caption(match, lang)))
                if chosen != current:
                    choices["mapping"][match.column] = None if chosen == NOT_MAPPED else chosen
                    st.rerun()
    if result.units:
        with st.expander(t("upload.units_header", lang), expanded=True):
            st.caption(t("upload.units_help", lang))
            grid = st.columns(3)
            for i, (column, inference) in enumerate(result.units.items()):
                chosen = grid[i % 3].selectbox(
                    escape_markdown(column),
                    SCALES,
                    index=SCALES.index(inference.scale),
                    key=widget_key(page, "unit", ident, i),
                    format_func=lambda s: t(f"ingest.scale.{s}", lang),
                )
                if chosen != inference.scale:
                    choices["units"][column] = chosen
                    st.rerun()
    if result.regions.unresolved:
        _regions(result, choices, page, ident, lang)


def _regions(result: IngestResult, choices: dict, page: str, ident: str, lang: str) -> None:
    gazetteer = load_gazetteer()
    with st.expander(t("upload.regions_header", lang), expanded=True):
        suggested_all = {v: m.suggestions[0].adcode for v, m in result.regions.unresolved.items() if m.suggestions}
        if len(suggested_all) > 1 and st.button(
            t("upload.regions_accept_all", lang, count=len(suggested_all)), key=widget_key(page, "regions_all", ident)
        ):
            choices["regions"].update(suggested_all)  # one click for every name with a reliable suggestion
            st.rerun()
        units = sorted(gazetteer.regions.values(), key=lambda r: r.adcode)
        options = [NOT_MAPPED, *(r.adcode for r in units)]
        for i, (value, missing) in enumerate(list(result.regions.unresolved.items())[:30]):
            suggested = [r.adcode for r in missing.suggestions]
            ordered = [NOT_MAPPED, *suggested, *(o for o in options[1:] if o not in suggested)]
            chosen = st.selectbox(
                t("upload.region_choice", lang, value=escape_markdown(value)),
                ordered,
                key=widget_key(page, "region", ident, i),
                format_func=lambda a: region_option_label(a, lang),
            )
            if chosen != NOT_MAPPED:
                choices["regions"][value] = chosen
                st.rerun()


def report(result: IngestResult, page: str, ident: str, lang: str, clean: str | None = None) -> None:
    """The validation report as a table with its download; `clean` replaces the message shown when it is empty."""
    issues = result.report
    for issue in issues.errors:
        if issue.code in REFUSALS:  # the file was not read at all: say why where it cannot be missed
            st.error(escape_markdown(issue.message(lang)))
    if issues.errors or issues.warnings:
        st.subheader(t("upload.report_header", lang, errors=len(issues.errors), warnings=len(issues.warnings)))
        st.caption(t("upload.report_grouped_help", lang))
        frame = report_table(result, lang)
        message = frame.columns[0]  # the message first, wide enough to read at 1440 px; the rest narrow
        st.dataframe(frame, hide_index=True, column_config={message: st.column_config.TextColumn(width="large")})
    elif clean:
        st.info(clean)
    else:
        st.success(t("upload.report_clean", lang))
    st.download_button(
        t("upload.report_download", lang),
        data=issues.to_csv_bytes(lang),
        file_name="validation_report.csv",
        mime="text/csv",
        key=widget_key(page, "report", ident),
        on_click="ignore",
    )


def preview(result: IngestResult, lang: str) -> None:
    table = preview_table(result, lang)
    if table is not None:
        st.subheader(t("upload.preview_header", lang))
        st.dataframe(table, hide_index=True)


def accept(
    result: IngestResult,
    source_file: str,
    page: str,
    ident: str,
    lang: str,
    specs: dict[str, UserIndicatorSpec] | None = None,
) -> None:
    """Name the dataset and save it (only with no errors); the kinds say which pages can show it. specs: the
    indicators not in the catalog that the analyst confirmed (components.user_indicator_form), saved one dataset
    each."""
    own_indicators = user_indicators.saveable(result, specs or {})
    kinds = saveable_kinds(result, frozenset(own_indicators))
    if own_indicators:
        kinds = {**kinds, user_indicators.KIND: next(iter(own_indicators.values()))[1]}  # for the pages caption
    listing = catalogue_report(result)
    own = listing.report if listing is not None else None
    if own is None and (table := sharing_report(result)) is not None:
        own = table.report
    if own is not None:
        for issue in own.errors:
            st.error(escape_markdown(issue.message(lang)))
    if kinds:
        st.caption(t("upload.kinds", lang, pages=kind_pages(list(kinds), lang)))
    elif result.report.ok:
        st.warning(t("upload.no_kind", lang))
    name = st.text_input(
        t("upload.name", lang), value=source_file.rsplit(".", 1)[0], max_chars=200, key=widget_key(page, "name", ident)
    )
    if not kinds and not result.ok:
        _why_blocked(result, lang)
    if not st.button(
        t("upload.accept", lang),
        type="primary",
        disabled=not kinds,
        key=widget_key(page, "accept", ident),
    ):
        return
    try:
        _save(result, kinds, own_indicators, name, source_file)
        st.success(t("upload.saved", lang, name=escape_markdown(name), pages=kind_pages(list(kinds), lang)))
    except StorageError as err:
        st.error(t("upload.save_failed", lang, error=escape_markdown(err.message(lang))))


def _why_blocked(result: IngestResult, lang: str) -> None:
    every_label = frozenset(u.label for u in result.uncatalogued)
    if every_label and not uncovered_errors(result, every_label):
        st.info(t("user_indicator.confirm_to_save", lang))  # the form above answers the only errors
    else:
        st.error(t("upload.blocked", lang))


def _template(result: IngestResult, kind: str) -> dict:
    """A raw-record upload's mapping as the aggregator's arguments: the same log kept as a platform table can then
    be aggregated in place with it (digigov.platform_records)."""
    raw = result.raw
    if raw is None or result.mapping is None or platform_records.PAGE_KINDS.get(raw.kind) != kind:
        return {}
    return platform_records.template_meta(raw.kind, platform_arguments(raw, result.mapping))


def _save(
    result: IngestResult,
    kinds: dict,
    own_indicators: dict[str, tuple[UserIndicatorSpec, object]],
    name: str,
    source_file: str,
) -> None:
    """One dataset per page kind, and one per confirmed indicator of the analyst's own (named after it when the
    file held more than one)."""
    shape = result.shape if result.shape in ("wide", "long") else "raw"
    mapping = {k: v or "" for k, v in result.mapping.as_dict().items()} if result.mapping else {}
    user = current_user()
    if not can_upload(user):  # the page hides the button too; this is the server's check
        raise StorageError("access.viewer_no_upload")
    # A new dataset is its owner's alone until shared (digigov.access); the local analyst owns every dataset.
    read_meta: dict = {"encoding": result.encoding, "sheet": result.sheet, "owner": user.id, "visibility": "private"}
    if references := reference_values(result):  # the file's own 全国/平均 rows, shown beside the map
        read_meta[META_KEY] = references
    for kind, frame in kinds.items():
        if kind != user_indicators.KIND:
            meta = {"kinds": [kind], **read_meta, **_template(result, kind)}
            saved = store().save(
                frame, name=name, source_file=source_file, shape=shape, column_mapping=mapping, meta=meta
            )
            audit(user, "save", dataset=saved.id, name=saved.name, page="upload")
    handed = {h.label: h for h in result.uncatalogued}
    for label, (spec, frame) in own_indicators.items():
        title = name if len(own_indicators) == 1 else f"{name} · {spec.name_zh}"
        meta = {"kinds": [user_indicators.KIND], "indicator": spec.to_meta(), **read_meta}
        if label in handed and (own := own_reference_values(result, handed[label])):
            meta[META_KEY] = own  # the file's own 全国/平均 row of this indicator, beside its map
        saved = store().save(frame, name=title, source_file=source_file, shape=shape, column_mapping=mapping, meta=meta)
        audit(user, "save", dataset=saved.id, name=saved.name, page="upload")
