"""Selected province below a national map: its header, a way back, and its prefecture map when data exist."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components.china_map import chart
from digigov.analysis.overview import ranking, values_for_year
from digigov.figures.china_map import build_china_map
from digigov.i18n import t
from digigov.indicators import Indicator
from digigov.regions import load_gazetteer


def map_key(page: str) -> str:
    """The national map's widget key; it changes when the user goes back, which clears the selection."""
    return f"{page}_map_{st.session_state.get(f'{page}_map_reset', 0)}"


def province_drilldown(
    page: str,
    clicked: str | None,
    provinces: pl.DataFrame,
    cities: pl.DataFrame,
    year: int,
    indicator: Indicator,
    lang: str,
) -> None:
    gazetteer = load_gazetteer()
    selected = clicked or st.query_params.get("province")
    if selected not in gazetteer or gazetteer[selected].level != "province":
        st.query_params.pop("province", None)
        return
    st.query_params["province"] = selected
    region = gazetteer[selected]
    ranks = ranking(provinces, year, indicator.column).filter(pl.col("adcode") == selected)
    st.divider()
    header, back = st.columns([4, 1])
    if ranks.height:
        header.subheader(
            t(
                "overview.selected_header",
                lang,
                region=region.name(lang),
                value=indicator.format(ranks["value"][0], lang),
                rank=ranks["rank"][0],
            )
        )
    else:
        header.subheader(t("map.selected", lang, region=region.name(lang)))
    if back.button(t("map.back", lang), key=f"{page}_back"):
        st.session_state[f"{page}_map_reset"] = st.session_state.get(f"{page}_map_reset", 0) + 1
        st.query_params.pop("province", None)
        st.rerun()
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
    else:
        st.info(t("map.no_city_data", lang, region=region.name(lang)))
