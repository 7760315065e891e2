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
from digigov.presenters.overview_findings import HEADLINE_INDICATOR
from digigov.presenters.overview_user import UserChoice, UserMap, user_choices
from digigov.sources import load_source, sample_watermark, store
from digigov.storage import StorageError
from digigov.text import escape_markdown
from digigov.user_indicators import KIND

PAGE = "overview"
MAP_INDICATORS = ["dgi_index", "dgi_organisation", "dgi_institutions", "dgi_capacity", "dgi_effect"]


# Cached as an object (cache_resource: no pickling, plotly's validation is the slow part); keys are plain inputs,
# an analyst's own indicator by its id ("user:<dataset>") and stored version (immutable), _user left out of the key.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_view(
    source_id: str, is_sample: bool, year: int, indicator_id: str, lang: str, version: int, _user: UserChoice | None
) -> OverviewView:
    # The other analyses' headline sentences come from the samples only while the samples are shown.
    user = None
    if _user is not None:
        values = load_source(KIND, _user.dataset_id).select("adcode", "year", "value")
        user = UserMap(_user.dataset_id, _user.item.spec, values)
    return overview_view(
        load_source("province_index", source_id),
        year,
        indicator_id,
        lang,
        channels=load_builtin("city_channels") if is_sample else None,
        open_data=load_builtin("open_data") if is_sample else None,
        watermark=sample_watermark(source_id, lang),
        user=user,
    )


def own_indicators() -> dict[str, UserChoice]:
    """The analyst's provincial indicators this user may see, offered after the catalog's (none on a store error:
    the index's choices still work)."""
    try:
        return user_choices(store())
    except StorageError:
        return {}


lang = language_switch()
st.title(t("overview.title", lang))
source = data_source(PAGE, "province_index", lang)
index = load_source("province_index", source.id)
city_index = load_builtin("city_index") if source.is_sample else index.clear()

years = sorted(index["year"].unique().to_list())
users = own_indicators()
labels = {i: choice.label(lang) for i, choice in users.items()}
year, indicator_id = year_and_indicator(
    PAGE, years, MAP_INDICATORS, t("overview.year", lang), t("overview.indicator", lang), lang, extra=labels
)
chosen = users.get(indicator_id)
# The briefing redraws the overview's charts from the index: it follows the year, and the indicator when it is one.
remember(PAGE, year=year, **({} if chosen else {"indicator_id": indicator_id}))
view = cached_view(source.id, source.is_sample, year, indicator_id, lang, chosen.version if chosen else 0, chosen)
measure = view.measure

if view.kpis:
    for column, kpi in zip(st.columns(len(view.kpis)), view.kpis, strict=True):
        column.metric(kpi.label, kpi.value, delta=kpi.delta)
else:
    st.info(t("overview.no_values", lang, year=year))

left, right = st.columns([3, 2])
with left:
    st.header(escape_markdown(view.map_header))
    if measure.notes:  # the analyst's own indicator: uploaded, its provenance, the year shown
        st.caption(escape_markdown(" ".join(measure.notes)))

    def draw_map() -> str | None:
        region = china_map(view.map, key=map_key(PAGE), page=PAGE, chart="map", lang=lang)
        st.caption(t("map.click_hint", lang) + " " + t("map.corps_note", lang))
        if chosen:  # the analyst's file's own 全国/平均 row of its indicator, in the year the map shows
            reference_note(chosen.dataset_id, measure.indicator, measure.year, lang, own=True)
        else:
            reference_note(source.id, measure.indicator, year, lang)
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

# An analyst's provincial indicator has no city values: its drill-down heads with it, then shows the index's cities.
province_drilldown(
    PAGE,
    clicked,
    measure.frame,
    city_index,
    measure.year,
    measure.indicator,
    lang,
    city_indicator=get_indicator(HEADLINE_INDICATOR) if measure.user else None,
    city_year=year,
)

st.divider()
st.header(t("overview.cited_header", lang))
st.markdown(f"- {t('overview.cited_users', lang)}\n- {t('overview.cited_connected', lang)}")
