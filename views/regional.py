"""Regional gaps: index map and ranking, macro-regions, inequality, convergence, clustering, re-weighting."""

import plotly.graph_objects as go
import streamlit as st

from components.briefing_filters import remember
from components.china_map import chart, china_map
from components.covariate import covariate_section
from components.data_source import data_source
from components.downloads import table
from components.drilldown import map_key, province_drilldown
from components.language import language_switch
from components.notices import reference_note
from components.tabs import chart_with_table
from components.url_state import url_choice, url_weights, year_and_indicator
from digigov.analysis.tiers import edges_from_text
from digigov.datasets import load_builtin
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters import regional as presenter
from digigov.regions import load_gazetteer, region_name
from digigov.sources import load_source, sample_watermark

PAGE = "regional"


# Views are cached as objects (cache_resource: no pickling, plotly's validation is the slow part) and
# st.plotly_chart only serialises them; keys are the page's plain inputs. The profile and the re-weighting follow
# their own widgets, so they are cached apart and a slider move does not rebuild the maps.
# The map is cached apart: a session's first run draws it and stops (components/first_map.py) before the rest of
# the view is built.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_map(source_id: str, year: int, indicator_id: str, lang: str) -> go.Figure:
    return presenter.regional_map(
        load_source("province_index", source_id), year, indicator_id, lang, watermark=sample_watermark(source_id, lang)
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_view(source_id: str, year: int, indicator_id: str, lang: str) -> presenter.RegionalView:
    return presenter.regional_view(
        load_source("province_index", source_id),
        year,
        indicator_id,
        lang,
        watermark=sample_watermark(source_id, lang),
        map_figure=cached_map(source_id, year, indicator_id, lang),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_tiers(
    source_id: str, year: int, indicator_id: str, edges: tuple[float, ...] | None, lang: str
) -> presenter.TierView:
    return presenter.tier_view(
        load_source("province_index", source_id),
        year,
        indicator_id,
        lang,
        edges,
        watermark=sample_watermark(source_id, lang),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_stated_tiers(source_id: str, year: int, lang: str) -> presenter.TiersOnlyView:
    return presenter.stated_tiers_view(load_source("province_tiers", source_id), year, lang)


@st.cache_resource(max_entries=256, show_spinner=False)
def cached_profile(source_id: str, adcode: str, year: int, lang: str) -> presenter.ProfileView:
    return presenter.profile_view(load_source("province_index", source_id), adcode, year, lang)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_reweighting(
    source_id: str, year: int, weights: tuple[tuple[str, int], ...], normalisation: str, lang: str
) -> presenter.ReweightingView:
    return presenter.reweighting_view(
        load_source("province_index", source_id), year, dict(weights), normalisation, lang
    )


def enough_data(figure: object, lang: str) -> bool:
    """False, with a note in the section's place, when the presenter left the figure out (too few provinces or
    years)."""
    if figure is None:
        st.info(t("regional.not_enough", lang))
    return figure is not None


def url_bands(defaults: tuple[float, ...], lang: str) -> tuple[float, ...]:
    """One number input per band edge (the lowest score of each tier but the last), kept in the URL as
    ?bands=a,b,c,d; a missing or unreadable URL value starts from defaults."""
    keys = [f"{PAGE}_band_{i}" for i in range(1, len(defaults) + 1)]
    if any(key not in st.session_state for key in keys):
        values = edges_from_text(st.query_params.get("bands"), len(defaults)) or defaults
        for key, value in zip(keys, values, strict=True):
            st.session_state.setdefault(key, float(value))
    labels = list(presenter.tier_labels(lang).values())
    chosen = tuple(
        float(st.number_input(t("regional.tier_floor", lang, tier=label), key=key, step=0.5, format="%.1f"))
        for label, key in zip(labels, keys, strict=False)
    )
    st.query_params["bands"] = presenter.edges_to_text(chosen)
    return chosen


def tier_section(view: presenter.TierView, lang: str) -> None:
    st.caption(view.caption)
    if view.map is None:
        st.info(t("regional.tiers_error", lang))
        return
    st.markdown(view.counts)
    chart_with_table(
        view.map, view.table, page=PAGE, name="tiers", chart_key="regional_tiers", table_name="tiers", lang=lang
    )


def rank_check_section(check: presenter.RankCheck | None, lang: str) -> None:
    if check is not None:
        st.warning(check.sentence, icon=":material/warning:")
        table(check.table, key=f"{PAGE}_rank_check", page=PAGE, name="rank_check", lang=lang)


def tiers_only_page(source_id: str, lang: str) -> None:
    """A dataset with tiers and no scores: the tier map and table; every other section says what it needs."""
    frame = load_source("province_tiers", source_id)
    years = sorted(frame["year"].unique().to_list())
    year = url_choice(PAGE, "year", years, default=years[-1], label=t("regional.year", lang), cast=int)
    st.info(t("regional.tiers_only_notice", lang))
    stated = cached_stated_tiers(source_id, year, lang)
    st.header(t("regional.tiers_header", lang))
    tier_section(stated.tiers, lang)
    rank_check_section(stated.rank_check, lang)
    for section in presenter.SCORE_SECTIONS:
        st.header(t(f"regional.{section}", lang))
        st.info(t("regional.needs_scores", lang))


lang = language_switch()

st.title(t("regional.title", lang))
source = data_source(PAGE, "province_scores_or_tiers", lang)
if source.kind == "province_tiers":
    tiers_only_page(source.id, lang)
    st.stop()
index = load_source("province_index", source.id)
city_index = load_builtin("city_index") if source.is_sample else index.clear()
st.caption(t("regional.intro", lang))

year, indicator_id = year_and_indicator(
    PAGE,
    sorted(index["year"].unique().to_list()),
    presenter.INDICATORS,
    t("regional.year", lang),
    t("regional.indicator", lang),
    lang,
)
indicator = get_indicator(indicator_id)
remember(PAGE, year=year, indicator_id=indicator_id)

# --- map and ranking -------------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.header(t("regional.map_header", lang, indicator=indicator.name(lang), year=year))
    clicked = china_map(
        cached_map(source.id, year, indicator_id, lang), key=map_key(PAGE), page=PAGE, chart="map", lang=lang
    )
    view = cached_view(source.id, year, indicator_id, lang)
    sentences, tables = view.sentences, view.tables
    st.caption(t("map.click_hint", lang) + " " + t("map.corps_note", lang))
    reference_note(source.id, indicator, year, lang)
with right:
    st.header(t("regional.ranking_header", lang))
    chart_with_table(
        view.ranking,
        tables.ranking,
        page=PAGE,
        name="ranking",
        chart_key="regional_ranking",
        table_name="ranking",
        lang=lang,
    )
    st.caption(t("regional.ranking_convention", lang))
rank_check_section(view.rank_check, lang)
province_drilldown(PAGE, clicked, index, city_index, year, indicator, lang)

# --- tiers -----------------------------------------------------------------------------------------
st.divider()
st.header(t("regional.tiers_header", lang))
with st.expander(t("regional.tiers_settings", lang)):
    mode = url_choice(
        PAGE,
        "tiermode",
        list(presenter.TIER_MODES),
        default="quantile",
        label=t("regional.tier_mode_label", lang),
        format_func=lambda m: t(f"regional.tier_mode.{m}", lang),
    )
    defaults = presenter.default_edges(index, year, indicator_id)
    edges = url_bands(defaults, lang) if mode == "custom" and defaults else None
if edges is None:
    st.query_params.pop("bands", None)
tier_section(cached_tiers(source.id, year, indicator_id, edges, lang), lang)

# --- macro-regions and inequality ------------------------------------------------------------------
st.divider()
left, right = st.columns(2)
with left:
    st.header(t("regional.macro_header", lang))
    chart_with_table(
        view.macro,
        tables.macro_regions,
        page=PAGE,
        name="macro_regions",
        chart_key="regional_macro",
        table_name="macro_regions",
        lang=lang,
    )
with right:
    st.header(t("regional.inequality_header", lang))
    if enough_data(view.theil, lang):
        for column, kpi in zip(st.columns(len(view.inequality)), view.inequality, strict=True):
            column.metric(kpi.label, kpi.value)
        if sentences.theil:
            st.markdown(sentences.theil)
        chart(view.theil, key="regional_theil", page=PAGE, name="theil", lang=lang)
        if sentences.dagum:
            st.markdown(f"**{t('regional.dagum_header', lang)}** — {sentences.dagum}")
        table(tables.dagum_components, key=f"{PAGE}_dagum_components", page=PAGE, name="dagum_components", lang=lang)
        table(tables.dagum_pairs, key=f"{PAGE}_dagum_pairs", page=PAGE, name="dagum_pairs", lang=lang)

# --- trend and convergence -------------------------------------------------------------------------
st.divider()
trend_col, sigma_col, beta_col = st.columns(3)
with trend_col:
    st.header(t("regional.trend_header", lang))
    chart_with_table(
        view.trend,
        tables.macro_trend,
        page=PAGE,
        name="trend",
        chart_key="regional_trend",
        table_name="macro_trend",
        lang=lang,
    )
convergence_sections = (
    (sigma_col, "sigma", view.sigma, sentences.sigma, tables.sigma),
    (beta_col, "beta", view.beta, sentences.beta, tables.beta),
)
for slot, name, figure, sentence, frame in convergence_sections:
    with slot:
        st.header(t(f"regional.{name}_header", lang))
        if enough_data(figure, lang):
            if sentence:
                st.markdown(sentence)
            chart_with_table(
                figure,
                frame,
                page=PAGE,
                name=name,
                chart_key=f"regional_{name}",
                table_name=f"{name}_convergence",
                lang=lang,
            )

# --- spatial clustering ----------------------------------------------------------------------------
st.divider()
st.header(t("regional.lisa_header", lang))
if enough_data(view.lisa, lang):
    if sentences.moran:
        st.markdown(sentences.moran)
    if sentences.islands:
        st.caption(sentences.islands)
    chart_with_table(
        view.lisa, tables.lisa, page=PAGE, name="lisa", chart_key="regional_lisa", table_name="lisa_clusters", lang=lang
    )

# --- dimension profile -----------------------------------------------------------------------------
st.divider()
st.header(t("regional.profile_header", lang))
provinces = [r.adcode for r in load_gazetteer().provinces(counted_in_31_only=True)]
default_province = st.query_params.get("province") if st.query_params.get("province") in provinces else "510000"
profile_region = url_choice(
    PAGE,
    "profile",
    provinces,
    default=default_province,
    label=t("regional.profile_region", lang),
    format_func=lambda a: region_name(a, lang),
)
profile = cached_profile(source.id, profile_region, year, lang)
chart_with_table(
    profile.chart,
    profile.table,
    page=PAGE,
    name="profile",
    chart_key="regional_profile_chart",
    table_name="profile",
    lang=lang,
)

# --- re-weighting ----------------------------------------------------------------------------------
st.divider()
st.header(t("regional.weights_header", lang))
st.caption(t("regional.weights_help", lang))
slider_cols = st.columns([3, 2])
with slider_cols[0]:
    weights = url_weights(PAGE, "w", list(presenter.DIMENSION_INDICATORS), presenter.dimension_labels(lang))
with slider_cols[1]:
    normalisation = url_choice(
        PAGE,
        "norm",
        list(presenter.NORMALISATIONS),
        default="minmax",
        label=t("regional.normalisation", lang),
        format_func=lambda n: t(f"regional.norm.{n}", lang),
    )
if sum(weights.values()) == 0:
    st.error(t("regional.weights_error", lang))
else:
    reweighted = cached_reweighting(source.id, year, tuple(weights.items()), normalisation, lang)
    st.markdown(reweighted.sentence)
    if reweighted.table.height:
        st.caption(t("regional.stability_header", lang, draws=presenter.STABILITY_DRAWS))
        table(reweighted.table, key=f"{PAGE}_reweighting", page=PAGE, name="reweighting", lang=lang)

# --- the analyst's own indicators ------------------------------------------------------------------
st.divider()
covariate_section(PAGE, source.id, year, lang)
