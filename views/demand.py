"""Demand matching: shortfall map with drill-down, funnel against the nation, potential vs actual, gap split,
reasons, priority list and findings."""

import polars as pl
import streamlit as st

from components.china_map import china_map
from components.data_source import data_source
from components.downloads import table
from components.drilldown import drill_header, map_key, new_click, province_options, province_picker
from components.language import language_switch
from components.tabs import chart_with_table, tabbed
from components.url_state import url_choice
from digigov.analysis import demand_units
from digigov.analysis.proportions import MIN_N, SUPPRESS_K
from digigov.i18n import t
from digigov.presenters import demand as presenter
from digigov.regions import region_label
from digigov.sources import load_source, sample_watermark
from digigov.text import escape_markdown

PAGE = "demand"
KIND = "demand_funnel"


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_raw(source_id: str) -> pl.DataFrame:
    return load_source(KIND, source_id)


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_frame(source_id: str) -> pl.DataFrame:
    return presenter.prepare(cached_raw(source_id))


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_dropped(source_id: str) -> int:
    return demand_units.incomplete_rows(cached_raw(source_id))


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_grid(source_id: str, year: int) -> demand_units.Protection:
    return demand_units.protection(cached_frame(source_id), year)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_units(source_id: str, year: int, category: str, level: str) -> pl.DataFrame:
    sel = demand_units.Selection(year, category, level)
    return demand_units.units(cached_frame(source_id), sel, grid=cached_grid(source_id, year))


# The page is cached as objects (cache_resource: no pickling; plotly's validation is the slow part) and
# st.plotly_chart / st.dataframe only serialise them; keys are the page's plain inputs. Grid and units are
# cached on their own because they do not depend on the language.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_view(source_id: str, year: int, category: str, level: str, lang: str) -> presenter.DemandView:
    return presenter.present(
        cached_frame(source_id),
        demand_units.Selection(year, category, level),
        cached_units(source_id, year, category, level),
        cached_grid(source_id, year),
        lang,
        watermark=sample_watermark(source_id, lang),
        dropped_rows=cached_dropped(source_id),
    )


@st.cache_resource(max_entries=128, show_spinner=False)
def cached_region(
    source_id: str, year: int, category: str, level: str, region: str, lang: str
) -> presenter.RegionFocus:
    view = cached_view(source_id, year, category, level, lang)
    return presenter.region_focus(cached_frame(source_id), view, region, lang)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_drill(source_id: str, year: int, category: str, province: str, lang: str) -> presenter.ProvinceDrill:
    return presenter.province_drill(
        cached_units(source_id, year, category, "prefecture"),
        demand_units.Selection(year, category, "prefecture"),
        province,
        lang,
        watermark=sample_watermark(source_id, lang),
    )


lang = language_switch()
st.title(t("demand.title", lang))
source = data_source(PAGE, KIND, lang)
src = source.id
frame = cached_frame(src)
st.caption(t("demand.intro", lang))

years = sorted(frame["year"].drop_nulls().unique().to_list())
levels = demand_units.levels_present(frame)
if not years or not levels:
    st.info(t("demand.no_units", lang))
    st.stop()
controls = st.columns([1, 2, 1, 3])
with controls[0]:
    year = url_choice(PAGE, "year", years, default=years[-1], label=t("demand.year", lang), cast=int)
with controls[1]:
    category = url_choice(
        PAGE,
        "cat",
        demand_units.categories_present(frame),
        default=demand_units.ALL,
        label=t("demand.category", lang),
        format_func=lambda c: presenter.category_name(c, lang, standalone=True),
    )
with controls[2]:
    level = url_choice(
        PAGE,
        "level",
        levels,
        default=levels[0],
        label=t("demand.level", lang),
        format_func=lambda v: t(f"demand.level_{v}", lang),
    )

if cached_units(src, year, category, level).is_empty():
    st.info(t("demand.no_units", lang))
    st.stop()
view = cached_view(src, year, category, level, lang)
options = list(view.region_options)
# One map widget per level, so a province picked on one map is not read as a click on the other.
national_key = f"{map_key(PAGE)}_{level}" if level != "province" else map_key(PAGE)
clicked = new_click(PAGE, national_key)
if clicked in options:
    st.session_state[f"{PAGE}_region"] = clicked
if clicked and demand_units.drill_province(clicked):
    st.query_params["province"] = demand_units.drill_province(clicked)
if st.session_state.get(f"{PAGE}_region") not in options:
    st.session_state.pop(f"{PAGE}_region", None)  # level changed: fall back to the URL, then the default
region = None
if options:
    with controls[3]:
        region = url_choice(
            PAGE,
            "region",
            options,
            default=view.default_region,
            label=t("demand.region", lang),
            format_func=lambda a: region_label(a, lang),
        )

# --- map and findings ------------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.header(
        t("demand.map_header", lang, year=year, category=escape_markdown(presenter.category_name(category, lang)))
    )
    tabbed(
        lang,
        lambda: china_map(view.map, key=national_key, page=PAGE, chart=f"map_{level}", lang=lang),
        lambda: table(view.tables.units, key=f"{PAGE}_units", page=PAGE, name=f"shortfall_{level}", lang=lang),
        key=f"{PAGE}_map_tabs",
    )
    st.caption(
        t("map.click_hint", lang)
        + " "
        + t("map.corps_note", lang)
        + " "
        + t("demand.flags_note", lang, min_n=MIN_N, k=SUPPRESS_K)
    )
with right:
    st.header(t("demand.findings_header", lang))
    for sentence in view.findings:
        st.markdown(f"- {escape_markdown(sentence)}")
    for note in view.notes:
        st.caption(escape_markdown(note))

# --- drill-down: the prefectures of a clicked province (or one chosen in the picker, from the keyboard) ----
province = province_picker(PAGE, demand_units.drill_province(clicked), province_options(), lang)
if province:
    st.query_params["province"] = province
else:
    st.query_params.pop("province", None)
if province and demand_units.drill_province(province) == province:
    st.divider()
    drill = cached_drill(src, year, category, province, lang)
    drill_header(PAGE, drill.title, lang)
    if drill.map is None:
        st.info(escape_markdown(drill.note))
    else:
        chart_with_table(
            drill.map,
            drill.table,
            page=PAGE,
            name=f"map_{province}",
            chart_key=f"{PAGE}_drill_map",
            table_name=f"shortfall_{province}",
            table_key=f"{PAGE}_drill",
            lang=lang,
        )
else:
    st.query_params.pop("province", None)

# --- funnel and reasons for the chosen region ------------------------------------------------------
st.divider()
focus = cached_region(src, year, category, level, region, lang) if region else None
left, right = st.columns(2)
if focus:
    with left:
        st.header(t("demand.funnel_header", lang, region=escape_markdown(focus.title)))
        st.caption(t("demand.funnel_note", lang))
        chart_with_table(
            focus.funnel,
            focus.funnel_table,
            page=PAGE,
            name=f"funnel_{region}",
            chart_key=f"{PAGE}_funnel",
            table_name=f"funnel_{region}",
            table_key=f"{PAGE}_funnel_t",
            lang=lang,
        )
    with right:
        st.header(t("demand.reasons_header", lang, region=escape_markdown(focus.title)))
        if focus.reasons_none:
            st.info(t("demand.reasons_none", lang))
        else:
            if focus.reasons_hidden:
                st.caption(t("demand.reasons_hidden", lang, region=escape_markdown(focus.title), k=SUPPRESS_K))
            if focus.reasons_note:
                st.caption(escape_markdown(focus.reasons_note))
            chart_with_table(
                focus.reasons,
                focus.reasons_table,
                page=PAGE,
                name=f"reasons_{region}",
                chart_key=f"{PAGE}_reasons",
                table_name=f"reasons_{region}",
                table_key=f"{PAGE}_reasons_t",
                lang=lang,
            )

# --- potential vs actual, and the split of the shortfall -------------------------------------------
st.divider()
left, right = st.columns(2)
with left:
    st.header(t("demand.scatter_header", lang))
    st.caption(t("demand.scatter_note", lang, n=presenter.SCATTER_LABELS))
    chart_with_table(
        view.scatter,
        view.tables.scatter,
        page=PAGE,
        name="potential_actual",
        chart_key=f"{PAGE}_scatter",
        table_name="potential_actual",
        table_key=f"{PAGE}_scatter_t",
        lang=lang,
    )
with right:
    st.header(t("demand.gaps_header", lang, n=presenter.GAP_BARS))
    chart_with_table(
        view.gaps,
        view.tables.gaps,
        page=PAGE,
        name="gap_split",
        chart_key=f"{PAGE}_gaps",
        table_name="gap_split",
        table_key=f"{PAGE}_gaps_t",
        lang=lang,
    )

# --- priorities ------------------------------------------------------------------------------------
st.divider()
st.header(t("demand.priority_header", lang, n=presenter.PRIORITY_ROWS))
st.caption(t("demand.priority_note", lang))
table(view.tables.priorities, key=f"{PAGE}_priority", page=PAGE, name="priorities", lang=lang)
