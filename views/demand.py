"""Demand matching: shortfall map with drill-down, funnel against the nation, potential vs actual, gap split,
reasons, priority list and findings."""

import polars as pl
import streamlit as st

from components.china_map import china_map
from components.data_source import data_source
from components.downloads import table
from components.drilldown import map_key
from components.language import language_switch
from components.tabs import chart_with_table, tabbed
from components.url_state import url_choice
from digigov.analysis import demand_page as dp
from digigov.figures import demand as figures
from digigov.figures.china_map import build_china_map, selected_adcode
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import load_gazetteer
from digigov.sources import load_source, sample_watermark

PAGE = "demand"
KIND = "demand_funnel"


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_frame(source_id: str) -> pl.DataFrame:
    return dp.prepare(load_source(KIND, source_id))


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_grid(source_id: str, year: int, level: str) -> pl.DataFrame:
    return dp.suppression_grid(cached_frame(source_id), year, level)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_units(source_id: str, year: int, category: str, level: str) -> pl.DataFrame:
    sel = dp.Selection(year, category, level)
    return dp.units(cached_frame(source_id), sel, grid=cached_grid(source_id, year, level))


# Figures and tables are cached as objects (cache_resource: no pickling; plotly's validation is the slow part)
# and st.plotly_chart / st.dataframe only serialise them; keys are the page's plain inputs.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_view(source_id: str, year: int, category: str, level: str, lang: str) -> dict:
    frame = cached_frame(source_id)
    sel = dp.Selection(year, category, level)
    rows = cached_units(source_id, year, category, level)
    small, hidden = dp.flagged_units(rows)
    points = dp.scatter_points(rows, lang)
    bars = dp.gap_bars(rows, lang)
    priorities = dp.priority_rows(frame, sel, cached_grid(source_id, year, level))
    return {
        "map": build_china_map(
            dp.map_values(rows),
            get_indicator("usage_shortfall"),
            lang,
            level=level,
            watermark=sample_watermark(source_id, lang),
            geojson_base_url=BOUNDARY_URL,
            outlined=small,
            outlined_label=t("demand.small_sample_legend", lang, min_n=sel.min_n),
            suppressed=hidden,
            suppressed_label=t("demand.suppressed_legend", lang, k=sel.k),
        ),
        "units_table": dp.units_table(rows, sel, lang),
        "scatter": figures.scatter_chart(points, lang),
        "scatter_table": dp.scatter_table(points, lang),
        "gaps": figures.gap_chart(bars, lang),
        "gap_table": dp.gap_table(bars, lang),
        "priority_table": dp.priority_table(priorities, sel, lang),
        "findings": dp.findings(rows, dp.national(frame, sel), priorities, sel, lang),
    }


@st.cache_resource(max_entries=128, show_spinner=False)
def cached_region(source_id: str, year: int, category: str, level: str, region: str, lang: str) -> dict:
    frame = cached_frame(source_id)
    sel = dp.Selection(year, category, level)
    rows = cached_units(source_id, year, category, level).filter(pl.col("adcode") == region)
    row = rows.row(0, named=True) if rows.height else None
    label = dp.display_name(region, lang)
    long = dp.funnel_long(row, dp.national(frame, sel), label, lang)
    shares = dp.reason_shares(frame, sel, region, hidden=row is None or row["suppressed"])
    scope_labels = {dp.NATIONAL: t("demand.national", lang), "region": label}
    return {
        "funnel": figures.funnel_chart(long, lang),
        "funnel_table": dp.funnel_table(long, lang),
        "reasons": figures.reasons_chart(shares, scope_labels, lang),
        "reasons_table": dp.reasons_table(shares, label, lang),
        "reasons_none": shares.is_empty(),
        "reasons_hidden": not shares.filter(pl.col("scope") == "region").height,
    }


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_drill(source_id: str, year: int, category: str, province: str, lang: str) -> dict | None:
    sel = dp.Selection(year, category, "prefecture")
    rows = cached_units(source_id, year, category, "prefecture").filter(pl.col("group") == province)
    if rows.is_empty():
        return None
    small, hidden = dp.flagged_units(rows)
    return {
        "map": build_china_map(
            dp.map_values(rows),
            get_indicator("usage_shortfall"),
            lang,
            within=province,
            watermark=sample_watermark(source_id, lang),
            height=460,
            outlined=small,
            outlined_label=t("demand.small_sample_legend", lang, min_n=sel.min_n),
            suppressed=hidden,
            suppressed_label=t("demand.suppressed_legend", lang, k=sel.k),
        ),
        "table": dp.units_table(rows, sel, lang),
    }


def new_click(key: str) -> str | None:
    """The region clicked on the map since the last run (a selection that stays put is not a new click)."""
    clicked = selected_adcode(st.session_state.get(key))
    last = f"{PAGE}_last_click"
    if clicked is None:
        st.session_state.pop(last, None)
        return None
    if st.session_state.get(last) == (key, clicked):
        return None
    st.session_state[last] = (key, clicked)
    return clicked


lang = language_switch()
gazetteer = load_gazetteer()
st.title(t("demand.title", lang))
source = data_source(PAGE, KIND, lang)
src = source.id
frame = cached_frame(src)
st.caption(t("demand.intro", lang))

years = sorted(frame["year"].drop_nulls().unique().to_list())
controls = st.columns([1, 2, 1, 3])
with controls[0]:
    year = url_choice(PAGE, "year", years, default=years[-1], label=t("demand.year", lang), cast=int)
with controls[1]:
    category = url_choice(
        PAGE,
        "cat",
        dp.categories_present(frame),
        default=dp.ALL,
        label=t("demand.category", lang),
        format_func=lambda c: dp.category_name(c, lang, standalone=True),
    )
with controls[2]:
    levels = dp.levels_present(frame)
    level = url_choice(
        PAGE,
        "level",
        levels,
        default=levels[0],
        label=t("demand.level", lang),
        format_func=lambda v: t(f"demand.level_{v}", lang),
    )

rows = cached_units(src, year, category, level)
if rows.is_empty():
    st.info(t("demand.no_units", lang))
    st.stop()
options = dp.region_options(rows)
# One map widget per level, so a province picked on one map is not read as a click on the other.
national_key = f"{map_key(PAGE)}_{level}" if level != "province" else map_key(PAGE)
clicked = new_click(national_key)
if clicked in options:
    st.session_state[f"{PAGE}_region"] = clicked
if clicked and dp.drill_province(clicked):
    st.query_params["province"] = dp.drill_province(clicked)
if st.session_state.get(f"{PAGE}_region") not in options:
    st.session_state.pop(f"{PAGE}_region", None)  # level changed: fall back to the URL, then the default
region = None
if options:
    with controls[3]:
        region = url_choice(
            PAGE,
            "region",
            options,
            default=dp.default_region(rows),
            label=t("demand.region", lang),
            format_func=lambda a: dp.display_name(a, lang),
        )

view = cached_view(src, year, category, level, lang)

# --- map and findings ------------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.subheader(t("demand.map_header", lang, year=year, category=dp.category_name(category, lang)))
    tabbed(
        lang,
        lambda: china_map(view["map"], key=national_key, page=PAGE, chart=f"map_{level}", lang=lang),
        lambda: table(view["units_table"], key=f"{PAGE}_units", page=PAGE, name=f"shortfall_{level}", lang=lang),
    )
    st.caption(
        t("map.click_hint", lang)
        + " "
        + t("map.corps_note", lang)
        + " "
        + t("demand.flags_note", lang, min_n=dp.MIN_N, k=dp.SUPPRESS_K)
    )
with right:
    st.subheader(t("demand.findings_header", lang))
    for sentence in view["findings"]:
        st.markdown(f"- {sentence}")

# --- drill-down: the prefectures of a clicked province ---------------------------------------------
province = st.query_params.get("province")
if province and dp.drill_province(province) == province:
    st.divider()
    header, back = st.columns([4, 1])
    header.subheader(t("demand.drill_header", lang, region=gazetteer[province].name(lang)))
    if back.button(t("map.back", lang), key=f"{PAGE}_back"):
        st.session_state[f"{PAGE}_map_reset"] = st.session_state.get(f"{PAGE}_map_reset", 0) + 1
        st.session_state.pop(f"{PAGE}_last_click", None)
        st.query_params.pop("province", None)
        st.rerun()
    drill = cached_drill(src, year, category, province, lang)
    if drill is None:
        st.info(t("demand.drill_no_data", lang, region=gazetteer[province].name(lang)))
    else:
        chart_with_table(drill["map"], drill["table"], page=PAGE, name=f"map_{province}", chart_key=f"{PAGE}_drill_map",
                         table_name=f"shortfall_{province}", table_key=f"{PAGE}_drill", lang=lang)
else:
    st.query_params.pop("province", None)

# --- funnel and reasons for the chosen region ------------------------------------------------------
st.divider()
region_label = dp.display_name(region, lang) if region else t("demand.national", lang)
focus = cached_region(src, year, category, level, region, lang) if region else None
left, right = st.columns(2)
if focus:
    with left:
        st.subheader(t("demand.funnel_header", lang, region=region_label))
        st.caption(t("demand.funnel_note", lang))
        chart_with_table(focus["funnel"], focus["funnel_table"], page=PAGE, name=f"funnel_{region}",
                         chart_key=f"{PAGE}_funnel", table_name=f"funnel_{region}", table_key=f"{PAGE}_funnel_t",
                         lang=lang)
    with right:
        st.subheader(t("demand.reasons_header", lang, region=region_label))
        if focus["reasons_none"]:
            st.info(t("demand.reasons_none", lang))
        else:
            if focus["reasons_hidden"]:
                st.caption(t("demand.reasons_hidden", lang, region=region_label, k=dp.SUPPRESS_K))
            chart_with_table(focus["reasons"], focus["reasons_table"], page=PAGE, name=f"reasons_{region}",
                             chart_key=f"{PAGE}_reasons", table_name=f"reasons_{region}",
                             table_key=f"{PAGE}_reasons_t", lang=lang)

# --- potential vs actual, and the split of the shortfall -------------------------------------------
st.divider()
left, right = st.columns(2)
with left:
    st.subheader(t("demand.scatter_header", lang))
    st.caption(t("demand.scatter_note", lang, n=dp.SCATTER_LABELS))
    chart_with_table(view["scatter"], view["scatter_table"], page=PAGE, name="potential_actual",
                     chart_key=f"{PAGE}_scatter", table_name="potential_actual", table_key=f"{PAGE}_scatter_t",
                     lang=lang)
with right:
    st.subheader(t("demand.gaps_header", lang, n=dp.GAP_BARS))
    chart_with_table(view["gaps"], view["gap_table"], page=PAGE, name="gap_split", chart_key=f"{PAGE}_gaps",
                     table_name="gap_split", table_key=f"{PAGE}_gaps_t", lang=lang)

# --- priorities ------------------------------------------------------------------------------------
st.divider()
st.subheader(t("demand.priority_header", lang, n=dp.PRIORITY_ROWS))
st.caption(t("demand.priority_note", lang))
table(view["priority_table"], key=f"{PAGE}_priority", page=PAGE, name="priorities", lang=lang)
