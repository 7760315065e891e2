"""Briefing: pick a map and up to four charts, edit the text, export one page as PNG and A4 PDF."""

import datetime as dt

import streamlit as st

from components.briefing_filters import remembered
from components.downloads import lazy_download
from components.language import language_switch
from components.notices import sample_notice
from components.url_state import url_choice
from digigov.datasets import load_builtin
from digigov.export.briefing import html_to_pdf, html_to_png, render_briefing_html
from digigov.export.browser import ExportError
from digigov.export.images import chromium_available
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters import briefing as presenter
from digigov.text import escape_markdown

PAGE = "briefing"
PREVIEW_WIDTH = 900


@st.cache_data(show_spinner=False, max_entries=32)
def cached_form(year: int, indicator_id: str, lang: str) -> presenter.BriefingForm:
    return presenter.briefing_form(year, indicator_id, lang)


@st.cache_data(show_spinner=False, max_entries=8)
def build_html(
    map_choice: str | None,
    charts: tuple[str, ...],
    year: int,
    indicator_id: str,
    lang: str,
    title: str,
    subtitle: str,
    date: dt.date,
    scope: str,
    findings: tuple[str, ...],
    source: str,
    _filters: dict,
    filters_key: str,
) -> str:
    text = presenter.BriefingText(
        title=title, subtitle=subtitle, date=date, scope=scope, findings=findings, source=source
    )
    return render_briefing_html(
        presenter.briefing_document(map_choice, charts, year, indicator_id, lang, text, _filters)
    )


@st.cache_data(show_spinner=False, max_entries=8)
def preview_png(page_html: str) -> bytes:
    return html_to_png(page_html, width=PREVIEW_WIDTH)


lang = language_switch()
st.title(t("briefing.title", lang))
sample_notice(lang)
st.caption(t("briefing.intro", lang) + " " + t("briefing.filters_note", lang))
if not chromium_available():
    st.error(t("download.png_unavailable", lang))
    st.stop()

years = sorted(load_builtin("province_index")["year"].unique().to_list())
left, right = st.columns([2, 3])
with left:
    year = url_choice(PAGE, "year", years, default=years[-1], label=t("briefing.year", lang), cast=int)
    indicator_id = url_choice(
        PAGE,
        "ind",
        list(presenter.INDICATORS),
        default="dgi_index",
        label=t("briefing.indicator", lang),
        format_func=lambda i: get_indicator(i).name(lang),
    )
    form = cached_form(year, indicator_id, lang)
    map_choice = st.selectbox(
        t("briefing.map", lang),
        [None, *presenter.MAPS],
        index=1,
        key=f"{PAGE}_map",
        format_func=lambda m: t("briefing.no_map", lang) if m is None else form.headings[m],
    )
    charts = st.multiselect(
        t("briefing.charts", lang),
        list(presenter.CHARTS),
        default=list(presenter.DEFAULT_CHARTS),
        max_selections=presenter.MAX_CHARTS,
        key=f"{PAGE}_charts",
        format_func=lambda c: form.headings[c],
    )
with right:
    title = st.text_input(
        t("briefing.doc_title", lang), t("briefing.default_title", lang), key=f"{PAGE}_title_{lang}", max_chars=80
    )
    subtitle = st.text_input(
        t("briefing.doc_subtitle", lang),
        t("briefing.default_subtitle", lang),
        key=f"{PAGE}_subtitle_{lang}",
        max_chars=120,
    )
    cols = st.columns(2)
    date = cols[0].date_input(t("briefing.doc_date", lang), dt.date.today(), key=f"{PAGE}_date")
    scope = cols[1].text_input(
        t("briefing.doc_scope", lang),
        form.scope,
        key=f"{PAGE}_scope_{lang}_{year}",
        max_chars=120,
    )
    findings_text = st.text_area(
        t("briefing.doc_findings", lang),
        form.findings,
        key=f"{PAGE}_findings_{lang}_{year}",
        height=200,
        max_chars=2000,
    )
    source = st.text_input(
        t("briefing.doc_source", lang), t("briefing.default_source", lang), key=f"{PAGE}_source_{lang}", max_chars=200
    )

findings = presenter.findings_lines(findings_text)
page_filters = remembered()
# The leading underscore keeps the dict out of the cache key; filters_key (its repr) stands in for it.
inputs = (
    map_choice,
    tuple(charts),
    year,
    indicator_id,
    lang,
    title,
    subtitle,
    date,
    scope,
    findings,
    source,
    page_filters,
    repr(sorted(page_filters.items())),
)
if not map_choice and not charts:
    st.warning(t("briefing.nothing", lang))
    st.stop()

if st.button(t("briefing.generate", lang), type="primary", key=f"{PAGE}_generate"):
    with st.spinner(t("briefing.building", lang)):
        try:
            st.session_state[f"{PAGE}_built"] = (inputs, build_html(*inputs))
        except ExportError as err:
            st.error(escape_markdown(err.message(lang)))

built = st.session_state.get(f"{PAGE}_built")
if built:
    built_inputs, page_html = built
    if built_inputs != inputs:
        st.info(t("briefing.stale", lang))
    stem = presenter.download_stem(built_inputs[2], dt.date.today())
    cols = st.columns(2)
    lazy_download(
        t("briefing.download_png", lang), lambda: html_to_png(page_html), stem, "png", f"{PAGE}_png", where=cols[0]
    )
    lazy_download(
        t("briefing.download_pdf", lang), lambda: html_to_pdf(page_html), stem, "pdf", f"{PAGE}_pdf", where=cols[1]
    )
    st.header(t("briefing.preview", lang))
    try:
        st.image(preview_png(page_html), width=PREVIEW_WIDTH)
    except ExportError as err:
        st.error(escape_markdown(err.message(lang)))
