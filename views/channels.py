"""Online versus offline: city map of on-site preference, spread, channel mix, breakdowns, confidence intervals."""

import polars as pl
import streamlit as st

from components.briefing_filters import remember
from components.china_map import china_map
from components.data_source import data_source
from components.downloads import table
from components.language import language_switch
from components.tabs import chart_with_table, tabbed
from components.url_state import url_choice, url_multi
from digigov.analysis import channels_page as cp
from digigov.analysis.channels import spread
from digigov.datasets import load_builtin
from digigov.figures import channels as figures
from digigov.figures.china_map import build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.sources import load_source, sample_watermark

PAGE = "channels"
THRESHOLDS = [10, 20, 30, 50, 100]


@st.cache_data(show_spinner=False)
def cached_shares(source_id: str, sel: cp.Selection) -> pl.DataFrame:
    return cp.unit_shares(load_source("city_channels", source_id), sel)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_figures(source_id: str, sel: cp.Selection, lang: str) -> dict:
    frame = load_source("city_channels", source_id)
    shares = cached_shares(source_id, sel)
    names = {a: cp.display_name(a, lang) for a in shares["adcode"]}
    small, hidden = cp.flagged_units(shares)
    relation = cp.relation(frame, load_builtin("province_index"), shares, sel)
    return {
        "map": build_china_map(
            cp.map_values(shares),
            get_indicator("offline_pref_share"),
            lang,
            level=sel.level,
            watermark=sample_watermark(source_id, lang),
            geojson_base_url=BOUNDARY_URL,
            outlined=small,
            outlined_label=t("channels.small_sample_legend", lang, min_n=sel.min_n),
            suppressed=hidden,
            suppressed_label=t("channels.suppressed_legend", lang, k=sel.k),
        ),
        "distribution": figures.distribution_chart(
            shares, spread(shares.filter(~pl.col("suppressed")), min_n=sel.min_n), names, lang
        ),
        "entity": figures.breakdown_chart(cp.breakdown_table(frame, sel, "entity_type", lang), lang),
        "category": figures.breakdown_chart(cp.breakdown_table(frame, sel, "service_category", lang), lang),
        "trend": figures.trend_chart(cp.trend_table(frame, sel, lang), lang),
        "relation": figures.relation_chart(relation.points, relation.slope, relation.intercept, names, lang),
        "relation_sentence": cp.relation_sentence(relation, lang),
        "relation_table": relation.points,
        "findings": cp.findings(frame, shares, sel, lang),
        "details": cp.details_table(shares, lang),
    }


lang = language_switch()
st.title(t("channels.title", lang))
source = data_source(PAGE, "city_channels", lang)
frame = load_source("city_channels", source.id)
st.caption(t("channels.intro", lang))

years = sorted(frame["year"].unique().to_list())
row = st.columns([1, 1, 1])
with row[0]:
    year = url_choice(PAGE, "year", years, default=years[-1], label=t("channels.year", lang), cast=int)
with row[1]:
    level = url_choice(
        PAGE,
        "level",
        ["prefecture", "province"],
        default="prefecture",
        label=t("channels.level", lang),
        format_func=lambda v: t(f"channels.level_{v}", lang),
    )
with row[2]:
    min_n = url_choice(PAGE, "min_n", THRESHOLDS, default=30, label=t("channels.min_n", lang), cast=int)
row = st.columns(2)
with row[0]:
    entity_options = cp.present_values(frame, "entity_type", cp.ENTITY_TYPES)
    entity_types = url_multi(
        PAGE,
        "entity",
        entity_options,
        entity_options,
        t("channels.entity_types", lang),
        format_func=lambda v: t(f"channels.entity.{v}", lang),
    )
with row[1]:
    category_options = cp.present_values(frame, "service_category", cp.CATEGORIES)
    categories = url_multi(
        PAGE,
        "category",
        category_options,
        category_options,
        t("channels.categories", lang),
        format_func=lambda v: t(f"channels.category.{v}", lang),
    )
if not entity_types or not categories:
    st.error(t("channels.filters_empty", lang))
    st.stop()

sel = cp.Selection(year=year, entity_types=tuple(entity_types), categories=tuple(categories), level=level, min_n=min_n)
remember(PAGE, selection=sel)
shares = cached_shares(source.id, sel)
figs = cached_figures(source.id, sel, lang)

left, right = st.columns([3, 2])
with left:
    st.subheader(t("channels.map_header", lang, year=year))
    tabbed(
        lang,
        lambda: china_map(figs["map"], key=f"{PAGE}_map_chart", page=PAGE, chart=f"map_{level}", lang=lang),
        lambda: table(figs["details"], key=f"{PAGE}_table_1", page=PAGE, name="table_1", lang=lang),
    )
    st.caption(t("map.corps_note", lang))
with right:
    st.subheader(t("channels.findings_header", lang))
    for sentence in figs["findings"]:
        st.markdown(f"- {sentence}")

st.subheader(t("channels.distribution_header", lang,
               units=t("channels.units_city" if level == "prefecture" else "channels.units_province", lang)))
chart_with_table(figs["distribution"], figs["details"], page=PAGE, name="distribution",
                 chart_key=f"{PAGE}_distribution_chart", table_name="table_2", lang=lang)

st.divider()
st.subheader(t("channels.mix_header", lang))
options = shares.filter(~pl.col("suppressed")).sort("offline_share", descending=True)["adcode"].to_list()
mix_regions = url_multi(
    PAGE,
    "mix",
    options,
    cp.default_mix_regions(shares, sel),
    t("channels.mix_regions", lang),
    format_func=lambda a: cp.display_name(a, lang),
)
mix = cp.mix_frame(shares, cp.national(frame, sel), mix_regions, lang)
chart_with_table(figures.mix_chart(mix, lang), mix, page=PAGE, name="channel_mix", chart_key=f"{PAGE}_mix_chart",
                 table_name="table_3", lang=lang)

st.divider()
st.subheader(t("channels.breakdown_header", lang))
breakdowns = (("entity_type", "entity", "entity_types", 4), ("service_category", "category", "service_categories", 5))
for slot, (dimension, fig_name, name, table_no) in zip(st.columns(2), breakdowns, strict=True):
    with slot:
        chart_with_table(figs[fig_name], cp.breakdown_table(frame, sel, dimension, lang), page=PAGE, name=name,
                         chart_key=f"{PAGE}_{fig_name}_chart", table_name=f"table_{table_no}", lang=lang)

st.divider()
cols = st.columns(2)
with cols[0]:
    st.subheader(t("channels.trend_header", lang))
    chart_with_table(figs["trend"], cp.trend_table(frame, sel, lang), page=PAGE, name="trend",
                     chart_key=f"{PAGE}_trend_chart", table_name="table_6", lang=lang)
with cols[1]:
    st.subheader(t("channels.relation_header", lang))
    if figs["relation_sentence"]:
        st.markdown(figs["relation_sentence"])
    chart_with_table(figs["relation"], figs["relation_table"], page=PAGE, name="relation_to_index",
                     chart_key=f"{PAGE}_relation_chart", table_name="table_7", lang=lang)
