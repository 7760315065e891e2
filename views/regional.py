"""Regional gaps: index map and ranking, macro-regions, inequality, convergence, clustering, re-weighting."""

import streamlit as st

from components.briefing_filters import remember
from components.china_map import chart, china_map
from components.data_source import data_source
from components.downloads import table
from components.drilldown import map_key, province_drilldown
from components.language import language_switch
from components.tabs import chart_with_table
from components.url_state import url_choice, url_weights, year_and_indicator
from digigov.analysis import composite, overview, regional
from digigov.datasets import load_builtin
from digigov.figures import regional as figures
from digigov.figures.china_map import build_category_map, build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import load_gazetteer
from digigov.sources import load_source, sample_watermark

PAGE = "regional"
INDICATORS = ["dgi_index", *regional.DIMENSION_INDICATORS.values()]


@st.cache_data(show_spinner=False)
def cached_summary(source_id: str, year: int, column: str) -> regional.InequalitySummary:
    return regional.inequality_summary(load_source("province_index", source_id), year, column)


@st.cache_data(show_spinner=False)
def cached_clustering(source_id: str, year: int, column: str) -> regional.Clustering:
    return regional.clustering(load_source("province_index", source_id), year, column)


@st.cache_data(show_spinner=False)
def cached_reweighting(
    source_id: str, year: int, weights: tuple[tuple[str, int], ...], norm: str
) -> regional.Reweighting:
    return regional.reweight(load_source("province_index", source_id), year, dict(weights), norm)


# Figures are cached as objects (cache_resource: no pickling, plotly's validation is the slow part) and
# st.plotly_chart only serialises them; keys are the page's plain inputs.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_figures(source_id: str, year: int, indicator_id: str, lang: str) -> dict:
    index = load_source("province_index", source_id)
    indicator = get_indicator(indicator_id)
    column = indicator.column
    sigma = regional.sigma_table(index, column)
    beta = regional.beta_result(index, column)
    summary = cached_summary(source_id, year, column)
    clusters = cached_clustering(source_id, year, column)
    lisa_labels = {c: t(f"regional.lisa.{c}", lang) for c in figures.LISA_ORDER}
    values = overview.values_for_year(index, year, column)
    watermark = sample_watermark(source_id, lang)
    return {
        "map": build_china_map(values, indicator, lang, watermark=watermark, geojson_base_url=BOUNDARY_URL),
        "ranking": figures.ranking_chart(overview.ranking(index, year, column), indicator, lang),
        "macro": figures.macro_strip(values, indicator, lang),
        "theil": figures.theil_bar(summary.theil.between, summary.theil.within, lang) if summary else None,
        "trend": figures.trend_chart(regional.macro_trend(index, column), indicator, lang),
        "sigma": figures.sigma_chart(sigma, lang) if sigma is not None else None,
        "beta": figures.beta_chart(beta.points, beta.beta, beta.intercept, lang) if beta else None,
        "lisa": None
        if clusters is None
        else build_category_map(
            clusters.lisa.select("adcode", "category"),
            figures.LISA_ORDER,
            figures.LISA_COLOURS,
            lisa_labels,
            lang,
            watermark=watermark,
            geojson_base_url=BOUNDARY_URL,
        ),
    }


@st.cache_resource(max_entries=256, show_spinner=False)
def cached_profile_figure(source_id: str, adcode: str, year: int, lang: str):
    return figures.profile_chart(regional.profile(load_source("province_index", source_id), adcode, year, lang), lang)


lang = language_switch()
gazetteer = load_gazetteer()

st.title(t("regional.title", lang))
source = data_source(PAGE, "province_index", lang)
index = load_source("province_index", source.id)
city_index = load_builtin("city_index") if source.is_sample else index.clear()
st.caption(t("regional.intro", lang))

year, indicator_id = year_and_indicator(PAGE, sorted(index["year"].unique().to_list()), INDICATORS,
                                        t("regional.year", lang), t("regional.indicator", lang), lang)
indicator = get_indicator(indicator_id)
remember(PAGE, year=year, indicator_id=indicator_id)
column = indicator.column

# --- map and ranking -------------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.subheader(t("regional.map_header", lang, indicator=indicator.name(lang), year=year))
    figs = cached_figures(source.id, year, indicator_id, lang)
    clicked = china_map(figs["map"], key=map_key(PAGE), page=PAGE, chart="map", lang=lang)
    st.caption(t("map.click_hint", lang) + " " + t("map.corps_note", lang))
with right:
    st.subheader(t("regional.ranking_header", lang))
    chart_with_table(figs["ranking"], overview.ranking_table(index, year, indicator_id, lang), page=PAGE,
                     name="ranking", chart_key="regional_ranking", table_name="table_1", lang=lang)
province_drilldown(PAGE, clicked, index, city_index, year, indicator, lang)

# --- macro-regions and inequality ------------------------------------------------------------------
st.divider()
left, right = st.columns(2)
with left:
    st.subheader(t("regional.macro_header", lang))
    chart_with_table(figs["macro"], overview.macro_region_table(index, year, indicator_id, lang), page=PAGE,
                     name="macro_regions", chart_key="regional_macro", table_name="table_2", lang=lang)
with right:
    st.subheader(t("regional.inequality_header", lang))
    summary = cached_summary(source.id, year, column)
if summary is None:
    with right:
        st.info(t("regional.not_enough", lang))
else:
    with right:
        figures_row = st.columns(4)
        figures_row[0].metric(t("regional.gini", lang), f"{summary.gini:.4f}")
        figures_row[1].metric(t("regional.theil", lang), f"{summary.theil.total:.4f}")
        figures_row[2].metric(t("regional.cv", lang), f"{summary.cv:.4f}")
        figures_row[3].metric(t("regional.max_min", lang), f"{summary.max_min:.2f}")
        st.markdown(regional.theil_sentence(summary, lang))
        chart(figs["theil"], key="regional_theil", page=PAGE, name="theil", lang=lang)
        st.markdown(f"**{t('regional.dagum_header', lang)}** — {regional.dagum_sentence(summary, lang)}")
        parts, pairs = regional.dagum_tables(summary, lang)
        table(parts, key=f"{PAGE}_table_3", page=PAGE, name="table_3", lang=lang)
        table(pairs, key=f"{PAGE}_table_4", page=PAGE, name="table_4", lang=lang)

# --- trend and convergence -------------------------------------------------------------------------
st.divider()
trend_col, sigma_col, beta_col = st.columns(3)
with trend_col:
    st.subheader(t("regional.trend_header", lang))
    trend = regional.macro_trend(index, column)
    chart_with_table(figs["trend"], trend, page=PAGE, name="trend", chart_key="regional_trend",
                     table_name="table_5", lang=lang)
sigma, beta = regional.sigma_table(index, column), regional.beta_result(index, column)
convergence = ((sigma_col, "sigma", sigma, regional.sigma_sentence, sigma, 6),
               (beta_col, "beta", beta, regional.beta_sentence, beta.points if beta else None, 7))
for slot, name, result, sentence, frame, table_no in convergence:
    with slot:
        st.subheader(t(f"regional.{name}_header", lang))
        if result is None:
            st.info(t("regional.not_enough", lang))
            continue
        st.markdown(sentence(result, lang))
        chart_with_table(figs[name], frame, page=PAGE, name=name, chart_key=f"regional_{name}",
                         table_name=f"table_{table_no}", lang=lang)

# --- spatial clustering ----------------------------------------------------------------------------
st.divider()
st.subheader(t("regional.lisa_header", lang))
clusters = cached_clustering(source.id, year, column)
if clusters is None:
    st.info(t("regional.not_enough", lang))
else:
    st.markdown(regional.moran_sentence(clusters, lang))
    islands = regional.islands_sentence(clusters, lang)
    if islands:
        st.caption(islands)
    chart_with_table(figs["lisa"], regional.lisa_table(clusters, indicator_id, lang), page=PAGE, name="lisa",
                     chart_key="regional_lisa", table_name="table_8", lang=lang)

# --- dimension profile -----------------------------------------------------------------------------
st.divider()
st.subheader(t("regional.profile_header", lang))
provinces = [r.adcode for r in gazetteer.provinces(counted_in_31_only=True)]
default_province = st.query_params.get("province") if st.query_params.get("province") in provinces else "510000"
profile_region = url_choice(
    PAGE,
    "profile",
    provinces,
    default=default_province,
    label=t("regional.profile_region", lang),
    format_func=lambda a: gazetteer[a].name(lang),
)
profile = regional.profile(index, profile_region, year, lang)
chart_with_table(cached_profile_figure(source.id, profile_region, year, lang), regional.profile_table(profile, lang),
                 page=PAGE, name="profile", chart_key="regional_profile_chart", table_name="table_9", lang=lang)

# --- re-weighting ----------------------------------------------------------------------------------
st.divider()
st.subheader(t("regional.weights_header", lang))
st.caption(t("regional.weights_help", lang))
slider_cols = st.columns([3, 2])
with slider_cols[0]:
    dimension_names = list(regional.DIMENSION_INDICATORS)
    weights = url_weights(
        PAGE, "w", dimension_names, [get_indicator(i).name(lang) for i in regional.DIMENSION_INDICATORS.values()]
    )
with slider_cols[1]:
    normalisation = url_choice(
        PAGE,
        "norm",
        list(composite.NORMALISATIONS),
        default="minmax",
        label=t("regional.normalisation", lang),
        format_func=lambda n: t(f"regional.norm.{n}", lang),
    )
if sum(weights.values()) == 0:
    st.error(t("regional.weights_error", lang))
else:
    reweighted = cached_reweighting(source.id, year, tuple(weights.items()), normalisation)
    st.markdown(regional.reweight_sentence(reweighted, lang))
    st.caption(t("regional.stability_header", lang, draws=regional.STABILITY_DRAWS))
    table(regional.reweight_table(reweighted, lang), key=f"{PAGE}_table_10", page=PAGE, name="table_10", lang=lang)
