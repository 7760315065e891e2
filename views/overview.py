"""Overview: headline figures, the national map of the development index, macro-regions, findings."""

import streamlit as st

from components.briefing_filters import remember
from components.china_map import china_map
from components.data_source import data_source
from components.downloads import table
from components.drilldown import map_key, province_drilldown
from components.language import language_switch
from components.notices import reference_note
from components.tabs import chart_with_table, tabbed
from components.url_state import year_and_indicator
from digigov.datasets import load_builtin
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters.overview import OverviewView, overview_view
from digigov.sources import load_source, sample_watermark

PAGE = "overview"
MAP_INDICATORS = ["dgi_index", "dgi_organisation", "dgi_institutions", "dgi_capacity", "dgi_effect"]


# Cached as an object (cache_resource: no pickling, plotly's validation is the slow part); keys are plain inputs.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_view(source_id: str, is_sample: bool, year: int, indicator_id: str, lang: str) -> OverviewView:
    # The other analyses' headline sentences come from the samples only while the samples are shown.
    return overview_view(
        load_source("province_index", source_id),
        year,
        indicator_id,
        lang,
        channels=load_builtin("city_channels") if is_sample else None,
        open_data=load_builtin("open_data") if is_sample else None,
        watermark=sample_watermark(source_id, lang),
    )


lang = language_switch()
st.title(t("overview.title", lang))
source = data_source(PAGE, "province_index", lang)
index = load_source("province_index", source.id)
city_index = load_builtin("city_index") if source.is_sample else index.clear()

years = sorted(index["year"].unique().to_list())
year, indicator_id = year_and_indicator(
    PAGE, years, MAP_INDICATORS, t("overview.year", lang), t("overview.indicator", lang), lang
)
remember(PAGE, year=year, indicator_id=indicator_id)
view = cached_view(source.id, source.is_sample, year, indicator_id, lang)

if view.kpis:
    for column, kpi in zip(st.columns(len(view.kpis)), view.kpis, strict=True):
        column.metric(kpi.label, kpi.value, delta=kpi.delta)
else:
    st.info(t("overview.no_values", lang, year=year))

left, right = st.columns([3, 2])
with left:
    st.header(t("overview.map_header", lang, year=year))

    def draw_map() -> str | None:
        region = china_map(view.map, key=map_key(PAGE), page=PAGE, chart="map", lang=lang)
        st.caption(t("map.click_hint", lang) + " " + t("map.corps_note", lang))
        reference_note(source.id, get_indicator(indicator_id), year, lang)
        return region

    clicked = tabbed(
        lang,
        draw_map,
        lambda: table(view.tables.ranking, key=f"{PAGE}_ranking", page=PAGE, name="ranking", lang=lang),
        key=f"{PAGE}_map_tabs",
    )

with right:
    st.header(t("overview.findings_header", lang))
    for sentence in view.findings:
        st.markdown(f"- {sentence}")
    if not view.findings:
        st.caption(t("overview.no_findings", lang))
    st.header(t("overview.macro_header", lang))
    chart_with_table(
        view.macro,
        view.tables.macro_regions,
        page=PAGE,
        name="macro_regions",
        chart_key="overview_macro",
        table_name="macro_regions",
        lang=lang,
    )

province_drilldown(PAGE, clicked, index, city_index, year, get_indicator(indicator_id), lang)

st.divider()
st.header(t("overview.cited_header", lang))
st.markdown(f"- {t('overview.cited_users', lang)}\n- {t('overview.cited_connected', lang)}")
