"""Data sharing and openness: open-data freshness from a portal's catalogue, the on-time trend, sharing calls
between departments, and investment against use per platform. Each section has its own data source."""

import datetime as dt

import streamlit as st

from components.china_map import china_map
from components.data_source import data_source
from components.downloads import table
from components.language import language_switch
from components.tabs import chart_with_table, tabbed
from components.url_state import url_choice
from digigov.i18n import t
from digigov.presenters import data_sharing as presenter
from digigov.regions import region_label
from digigov.sources import load_source, sample_watermark

PAGE = presenter.PAGE
# One data-source choice per section: each keeps its own sample notice and export labels (<page>_src).
CATALOGUE_PAGE, TREND_PAGE, CALLS_PAGE, PLATFORMS_PAGE = PAGE, f"{PAGE}_trend", f"{PAGE}_calls", f"{PAGE}_platforms"


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_freshness(source_id: str, reference: dt.date, level: presenter.Level, lang: str) -> presenter.FreshnessView:
    catalogue = load_source("open_data_catalogue", source_id)
    return presenter.present_freshness(catalogue, reference, level, lang, watermark=sample_watermark(source_id, lang))


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_levels(source_id: str) -> tuple[presenter.Level, ...]:
    return presenter.freshness_levels(presenter.prepare_catalogue(load_source("open_data_catalogue", source_id)))


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_trend(source_id: str, lang: str) -> presenter.TrendView:
    return presenter.present_trend(load_source("open_data", source_id), lang)


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_sharing(source_id: str, region: str | None, lang: str) -> presenter.SharingView:
    calls = load_source("sharing_calls", source_id)
    return presenter.present_sharing(calls, region, lang, watermark=sample_watermark(source_id, lang))


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_operations(source_id: str, lang: str) -> presenter.OperationsView:
    return presenter.present_operations(load_source("platform_operations", source_id), lang)


def findings(sentences: tuple[str, ...]) -> None:
    for sentence in sentences:
        st.markdown(f"- {sentence}")


def source_for(page: str, kind: str, label_key: str):
    """The section's data source, kept in the URL under its own parameter (src for the catalogue, src_calls …)
    so that a link keeps the choice of every section."""
    st.sidebar.caption(t(label_key, lang))
    param = "src" if page == PAGE else "src" + page.removeprefix(PAGE)
    return data_source(page, kind, lang, param=param)


lang = language_switch()
st.title(t("sharing.title", lang))
st.caption(t("sharing.intro", lang))

# -- 1. open-data freshness --------------------------------------------------------------------------------------
st.header(t("sharing.freshness_header", lang))
catalogue_source = source_for(CATALOGUE_PAGE, "open_data_catalogue", "sharing.source_catalogue")
st.caption(t("sharing.freshness_intro", lang))
levels: list[presenter.Level] = list(cached_levels(catalogue_source.id))
row = st.columns([1, 1, 2])
with row[0]:
    default_day = presenter.SAMPLE_REFERENCE if catalogue_source.is_sample else dt.date.today()
    reference = st.date_input(
        t("sharing.reference_date", lang),
        value=default_day,
        key=f"{PAGE}_reference_{catalogue_source.id}",
        help=t("sharing.reference_help", lang),
    )
with row[1]:
    level = url_choice(
        PAGE,
        "level",
        levels,
        default="province",
        label=t("sharing.level", lang),
        format_func=lambda v: t(f"sharing.level_{v}", lang),
    )
fresh = cached_freshness(catalogue_source.id, reference, level, lang)
for note in fresh.notes:
    st.caption(note)
left, right = st.columns([3, 2])
with left:
    st.subheader(t("sharing.map_header", lang))
    tabbed(
        lang,
        lambda: china_map(fresh.map, key=f"{PAGE}_map_{level}", page=PAGE, chart=f"map_{level}", lang=lang),
        lambda: table(fresh.regions_table, key=f"{PAGE}_regions", page=PAGE, name="open_data_freshness", lang=lang),
        key=f"{PAGE}_freshness_tabs",
    )
    st.caption(t("map.corps_note", lang))
with right:
    st.subheader(t("sharing.findings_header", lang))
    findings(fresh.findings)
cols = st.columns(2)
with cols[0]:
    st.subheader(t("sharing.status_header", lang))
    chart_with_table(
        fresh.status,
        fresh.status_table,
        page=PAGE,
        name="status_by_frequency",
        chart_key=f"{PAGE}_status_chart",
        table_name="status_by_frequency",
        lang=lang,
    )
with cols[1]:
    st.subheader(t("sharing.ranking_header", lang))
    chart_with_table(
        fresh.ranking,
        fresh.regions_table,
        page=PAGE,
        name="ranking",
        chart_key=f"{PAGE}_ranking_chart",
        table_name="open_data_ranking",
        lang=lang,
    )
with st.expander(t("sharing.overdue_header", lang)):
    table(fresh.datasets_table, key=f"{PAGE}_overdue", page=PAGE, name="overdue_datasets", lang=lang)

st.subheader(t("sharing.trend_header", lang))
trend_source = source_for(TREND_PAGE, "open_data", "sharing.source_trend")
trend = cached_trend(trend_source.id, lang)
st.caption(t("sharing.trend_caption", lang))
findings(trend.findings)
chart_with_table(
    trend.chart,
    trend.table,
    page=TREND_PAGE,
    name="trend",
    chart_key=f"{PAGE}_trend_chart",
    table_name="on_time_trend",
    lang=lang,
)

# -- 2. sharing between departments ------------------------------------------------------------------------------
st.divider()
st.header(t("sharing.calls_header", lang))
calls_source = source_for(CALLS_PAGE, "sharing_calls", "sharing.source_calls")
st.caption(t("sharing.calls_intro", lang))
overview = cached_sharing(calls_source.id, None, lang)
# A table of one region (an uploaded matrix) has nothing to pool: that region is the only choice.
options = list(overview.regions) if len(overview.regions) == 1 else ["all", *overview.regions]
if st.session_state.get(f"{PAGE}_region", options[0]) not in options:  # another source's region: start over
    del st.session_state[f"{PAGE}_region"]
region = url_choice(
    PAGE,
    "region",
    options,
    default=options[0],
    label=t("sharing.region", lang),
    format_func=lambda a: t("sharing.all_regions", lang) if a == "all" else region_label(a, lang),
)
shared = cached_sharing(calls_source.id, None if region == "all" else region, lang)
left, right = st.columns([3, 2])
with left:
    st.subheader(t("sharing.heatmap_header", lang))
    chart_with_table(
        shared.heatmap,
        shared.matrix_table,
        page=CALLS_PAGE,
        name="matrix",
        chart_key=f"{PAGE}_matrix_chart",
        table_name="sharing_matrix",
        lang=lang,
    )
with right:
    st.subheader(t("sharing.findings_header", lang))
    findings(shared.findings)
    with st.expander(t("sharing.departments_header", lang)):
        table(shared.departments_table, key=f"{PAGE}_roles", page=CALLS_PAGE, name="department_roles", lang=lang)
    with st.expander(t("sharing.one_way_header", lang)):
        table(shared.one_way_table, key=f"{PAGE}_one_way", page=CALLS_PAGE, name="one_way_flows", lang=lang)
cols = st.columns(2)
with cols[0]:
    st.subheader(t("sharing.connected_map_header", lang))
    tabbed(
        lang,
        lambda: china_map(shared.map, key=f"{PAGE}_connected_map", page=CALLS_PAGE, chart="connected_map", lang=lang),
        lambda: table(shared.regions_table, key=f"{PAGE}_connected", page=CALLS_PAGE, name="connectivity", lang=lang),
        key=f"{PAGE}_connected_tabs",
    )
with cols[1]:
    st.subheader(t("sharing.connected_ranking_header", lang))
    chart_with_table(
        shared.ranking,
        shared.regions_table,
        page=CALLS_PAGE,
        name="connected_ranking",
        chart_key=f"{PAGE}_connected_chart",
        table_name="connectivity_ranking",
        lang=lang,
    )

# -- 3. build versus operate -------------------------------------------------------------------------------------
st.divider()
st.header(t("sharing.operations_header", lang))
platforms_source = source_for(PLATFORMS_PAGE, "platform_operations", "sharing.source_platforms")
st.caption(t("sharing.operations_intro", lang))
ops = cached_operations(platforms_source.id, lang)
findings(ops.findings)
cols = st.columns(2)
with cols[0]:
    st.subheader(t("sharing.scatter_header", lang))
    chart_with_table(
        ops.scatter,
        ops.table,
        page=PLATFORMS_PAGE,
        name="investment_use",
        chart_key=f"{PAGE}_scatter_chart",
        table_name="platform_operations",
        lang=lang,
    )
with cols[1]:
    st.subheader(t("sharing.cost_header", lang))
    chart_with_table(
        ops.cost,
        ops.table,
        page=PLATFORMS_PAGE,
        name="cost_per_transaction",
        chart_key=f"{PAGE}_cost_chart",
        table_name="cost_per_transaction",
        lang=lang,
    )
