"""Selected province below a national map: its header, a way back, and its prefecture map when data exist.
Every page with a drill-down (overview, demand) uses map_key, new_click and drill_header from here, and
province_picker: the keyboard way to the same drill-down (the map's regions never take focus)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components.china_map import chart
from components.downloads import table
from digigov.analysis.overview import ranking, values_for_year
from digigov.figures.china_map import build_china_map, selected_adcode
from digigov.i18n import t
from digigov.indicators import Indicator
from digigov.presenters.regional import city_ranking_table
from digigov.regions import load_gazetteer
from digigov.text import escape_markdown


def map_key(page: str) -> str:
    """The national map's widget key; it changes when the user goes back, which clears the selection."""
    return f"{page}_map_{st.session_state.get(f'{page}_map_reset', 0)}"


def _last_click_key(page: str) -> str:
    return f"{page}_last_click"


def new_click(page: str, key: str) -> str | None:
    """The region clicked on the map widget ``key`` since the last run (a selection that stays put across
    reruns is not a new click, so a selectbox changed after a click keeps its new value)."""
    clicked = selected_adcode(st.session_state.get(key))
    last = _last_click_key(page)
    if clicked is None:
        st.session_state.pop(last, None)
        return None
    if st.session_state.get(last) == (key, clicked):
        return None
    st.session_state[last] = (key, clicked)
    return clicked


def province_picker(page: str, fresh: str | None, options: list[str], lang: str) -> str | None:
    """A selectbox of the provinces a map click drills down to, tied to ?province=: a new click on the map
    (fresh) moves it, choosing in it opens the same drill-down. Its key follows the map's, so going back (which
    gives the map a new key) empties it. Returns the chosen adcode or None."""
    key = f"{page}_province_{st.session_state.get(f'{page}_map_reset', 0)}"
    if fresh or key not in st.session_state:
        wanted = fresh or st.query_params.get("province") or ""
        st.session_state[key] = wanted if wanted in options else ""
    gazetteer = load_gazetteer()
    choice = st.columns([1, 2])[0].selectbox(
        t("a11y.province_picker", lang),
        ["", *options],
        key=key,
        format_func=lambda code: gazetteer[code].name(lang) if code else t("a11y.province_none", lang),
    )
    return choice or None


def province_options() -> list[str]:
    """Every province drawn on the map (by adcode), the choices of province_picker."""
    return sorted(r.adcode for r in load_gazetteer().regions.values() if r.level == "province" and r.has_boundary)


def drill_header(page: str, title: str, lang: str) -> None:
    """The drilled-down province's header with the button back to the national map: going back gives the map
    a new widget key (clearing its selection), forgets the last click and drops the province from the URL."""
    header, back = st.columns([4, 1])
    header.header(title)
    if back.button(t("map.back", lang), key=f"{page}_back"):
        st.session_state[f"{page}_map_reset"] = st.session_state.get(f"{page}_map_reset", 0) + 1
        st.session_state.pop(_last_click_key(page), None)
        st.query_params.pop("province", None)
        st.rerun()


def province_drilldown(
    page: str,
    clicked: str | None,
    provinces: pl.DataFrame,
    cities: pl.DataFrame,
    year: int,
    indicator: Indicator,
    lang: str,
    *,
    city_indicator: Indicator | None = None,
    city_year: int | None = None,
) -> None:
    """The selected province's header (its value and rank of indicator in provinces for year), then its
    prefecture map and peer table of city_indicator in city_year (indicator and year unless given: the analyst's
    own provincial indicator has no city values, so its drill-down shows the index's cities, said so)."""
    gazetteer = load_gazetteer()
    # clicked is the map's selection, which stays put across reruns; new_click reads the same selection but only
    # when it is new, so a province chosen in the picker after a click is not overridden by the old click.
    fresh = new_click(page, map_key(page))
    selected = province_picker(page, fresh, province_options(), lang)
    if selected is None or selected not in gazetteer or gazetteer[selected].level != "province":
        st.query_params.pop("province", None)
        return
    st.query_params["province"] = selected
    region = gazetteer[selected]
    ranks = ranking(provinces, year, indicator.column).filter(pl.col("adcode") == selected)
    st.divider()
    if ranks.height:
        facts = {"region": region.name(lang), "value": indicator.format(ranks["value"][0], lang)}
        if city_indicator is None:
            title = t("overview.selected_header", lang, **facts, rank=ranks["rank"][0])
        else:  # the analyst's name and unit: shown literally
            name = indicator.name(lang)
            title = escape_markdown(t("overview.selected_header_user", lang, **facts, name=name, rank=ranks["rank"][0]))
    else:
        title = t("map.selected", lang, region=region.name(lang))
    drill_header(page, title, lang)
    if city_indicator is not None:
        st.caption(escape_markdown(t("overview.user_drill_note", lang, name=indicator.name(lang))))
    _city_part(page, selected, cities, city_year or year, city_indicator or indicator, lang)


def _city_part(page: str, selected: str, cities: pl.DataFrame, year: int, indicator: Indicator, lang: str) -> None:
    """The province's prefecture map and peer table, or a note that there are no city data."""
    region = load_gazetteer()[selected]
    own = cities.filter(pl.col("parent") == selected) if "parent" in cities.columns else cities.clear()
    if own.height:
        st.caption(t("overview.city_map_caption", lang, region=region.name(lang), year=year))
        figure = build_china_map(
            values_for_year(own, year, indicator.column),
            indicator,
            lang,
            within=selected,
            watermark=t("sample.watermark", lang),
            height=460,
        )
        chart(figure, key=f"{page}_city_map", page=page, name=f"map_{selected}", lang=lang)
        # Peer groups for city data: each city ranked against every city in the data and within its group.
        st.markdown(f"**{t('regional.city_table_header', lang, region=region.name(lang), year=year)}**")
        peers = city_ranking_table(cities, year, indicator.id, lang, within=selected)
        table(peers, key=f"{page}_city_peers", page=page, name=f"city_ranks_{selected}", lang=lang)
        st.caption(t("regional.city_table_caption", lang))
    else:
        st.info(t("map.no_city_data", lang, region=region.name(lang)))
