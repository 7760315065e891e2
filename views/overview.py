"""Overview: headline figures, the national map of the development index, macro-regions, findings."""

import streamlit as st

from components.briefing_filters import remember
from components.china_map import china_map
from components.data_source import data_source
from components.downloads import table
from components.drilldown import map_key, province_drilldown
from components.language import language_switch
from components.tabs import chart_with_table
from components.url_state import year_and_indicator
from digigov.analysis import overview
from digigov.datasets import load_builtin
from digigov.figures.bars import macro_region_bar
from digigov.figures.china_map import build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import load_gazetteer
from digigov.sources import load_source, sample_watermark

PAGE = "overview"
MAP_INDICATORS = ["dgi_index", "dgi_organisation", "dgi_institutions", "dgi_capacity", "dgi_effect"]

lang = language_switch()
gazetteer = load_gazetteer()
st.title(t("overview.title", lang))
source = data_source(PAGE, "province_index", lang)
index = load_source("province_index", source.id)
# The other analyses' headline sentences come from the samples only while the samples are shown.
city_index = load_builtin("city_index") if source.is_sample else index.clear()
channels = load_builtin("city_channels") if source.is_sample else None
open_data = load_builtin("open_data") if source.is_sample else None

years = sorted(index["year"].unique().to_list())
year, indicator_id = year_and_indicator(PAGE, years, MAP_INDICATORS, t("overview.year", lang),
                                        t("overview.indicator", lang), lang)
indicator = get_indicator(indicator_id)
remember(PAGE, year=year, indicator_id=indicator_id)

head = overview.headline(index, year)
previous = overview.headline(index, year - 1) if year - 1 in years else None
points = get_indicator("dgi_index")
kpis = st.columns(5)
kpis[0].metric(
    t("overview.kpi_mean", lang),
    points.format(head.national_mean, lang),
    delta=points.format(head.national_mean - previous.national_mean, lang) if previous else None,
)
kpis[1].metric(
    t("overview.kpi_top", lang, region=gazetteer[head.top_adcode].name(lang)), points.format(head.top_value, lang)
)
kpis[2].metric(
    t("overview.kpi_bottom", lang, region=gazetteer[head.bottom_adcode].name(lang)),
    points.format(head.bottom_value, lang),
)
kpis[3].metric(t("overview.kpi_ratio", lang), f"{head.max_min_ratio:.2f}")
kpis[4].metric(t("overview.kpi_east_west", lang), points.format(head.east_west_gap, lang))

left, right = st.columns([3, 2])
with left:
    st.subheader(t("overview.map_header", lang, year=year))
    map_tab, table_tab = st.tabs([t("overview.chart_tab", lang), t("overview.table_tab", lang)])
    with map_tab:
        figure = build_china_map(
            overview.values_for_year(index, year, indicator.column),
            indicator,
            lang,
            watermark=sample_watermark(source.id, lang),
            geojson_base_url=BOUNDARY_URL,
        )
        clicked = china_map(figure, key=map_key(PAGE), page=PAGE, chart="map", lang=lang)
        st.caption(t("map.click_hint", lang) + " " + t("map.corps_note", lang))
    with table_tab:
        table(
            overview.ranking_table(index, year, indicator_id, lang),
            key=f"{PAGE}_table_1",
            page=PAGE,
            name="table_1",
            lang=lang,
        )

with right:
    st.subheader(t("overview.findings_header", lang))
    for sentence in overview.draft_findings(index, year, lang, channels=channels, open_data=open_data):
        st.markdown(f"- {sentence}")
    st.subheader(t("overview.macro_header", lang))
    chart_with_table(macro_region_bar(overview.macro_region_means(index, year, indicator.column), indicator, lang),
                     overview.macro_region_table(index, year, indicator_id, lang), page=PAGE, name="macro_regions",
                     chart_key="overview_macro", table_name="table_2", lang=lang)

province_drilldown(PAGE, clicked, index, city_index, year, indicator, lang)

st.divider()
st.subheader(t("overview.cited_header", lang))
st.markdown(f"- {t('overview.cited_users', lang)}\n- {t('overview.cited_connected', lang)}")
