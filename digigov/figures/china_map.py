"""Choropleth of China on the committed boundaries, with the South China Sea inset of standard maps.

Plotly's geo subplot (go.Choropleth) draws our own GeoJSON with no tile server. The geo base layer still
wants a world topojson; the app serves it locally (see chart_config) so nothing reaches the network.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from digigov.boundaries import (
    LAYER_FILES,
    SOUTH_CHINA_SEA_FILE,
    MapLevel,
    features_of_kind,
    layer_ids,
    load_layer,
    load_south_china_sea,
    sub_layer,
)
from digigov.i18n import t
from digigov.indicators import Indicator
from digigov.regions import load_gazetteer

NO_DATA_COLOUR = "#d0d0d0"
SUPPRESSED_COLOUR = "#8c8c8c"
BORDER_COLOUR = "#ffffff"
# ColorBrewer sequential scales: safe for the common forms of colour-blindness and in greyscale print.
SCALE_HIGHER_BETTER = "YlGnBu"
SCALE_LOWER_BETTER = "YlOrRd"
SCALE_NEUTRAL = "Purples"  # an analyst's indicator with no better direction: more is darker, no good or bad hue
SCALES = {"higher_better": SCALE_HIGHER_BETTER, "lower_better": SCALE_LOWER_BETTER, "neutral": SCALE_NEUTRAL}

# Main map: conic equal-area fitted to China; inset: Mercator over the South China Sea (standard layout).
MAIN_GEO: dict[str, Any] = {
    "projection": {"type": "conic equal area", "parallels": [25, 47], "rotation": {"lon": 105}},
    "lonaxis": {"range": [73, 136]},
    "lataxis": {"range": [17.5, 54]},
    "domain": {"x": [0.0, 1.0], "y": [0.0, 1.0]},
}
INSET_GEO: dict[str, Any] = {
    "projection": {"type": "mercator"},
    "lonaxis": {"range": [106, 123.5]},
    "lataxis": {"range": [2.5, 24.5]},
    "domain": {"x": [0.82, 0.98], "y": [0.09, 0.36]},
}
_BARE_GEO = {
    "showframe": False,
    "showcoastlines": False,
    "showcountries": False,
    "showland": False,
    "showocean": False,
    "showlakes": False,
    "showrivers": False,
    "showsubunits": False,
    "bgcolor": "rgba(0,0,0,0)",
}


def region_label(adcode: str, lang: str) -> str:
    """Region name for hover text, with its province for prefectures (两个 '朝阳' need telling apart)."""
    gazetteer = load_gazetteer()
    region = gazetteer.regions.get(adcode)
    if region is None:
        return adcode
    if region.parent and region.parent != region.adcode and region.parent in gazetteer:
        parent = gazetteer[region.parent]
        if parent.short_zh != region.short_zh:
            return f"{region.name(lang)} · {parent.name(lang)}"
        # 吉林市 in 吉林省: the short name would read as the province
        return region.name_zh if lang == "zh" else f"{region.name_en} City"
    return region.name(lang)


def _values_by_adcode(values: pl.DataFrame) -> dict[str, float]:
    clean = values.select("adcode", "value").drop_nulls().filter(pl.col("value").is_not_nan())
    return dict(zip(clean["adcode"].to_list(), clean["value"].to_list(), strict=True))


def _hover(indicator: Indicator | None, lang: str) -> str:
    if indicator is None:  # category maps: the name only
        return "<b>%{customdata[1]}</b><extra></extra>"
    return "<b>%{customdata[1]}</b><br>" + html.escape(indicator.name(lang)) + ": %{customdata[2]}<extra></extra>"


def _customdata(ids: list[str], data: Mapping[str, float], indicator: Indicator | None, lang: str) -> list[list[str]]:
    return [
        [i, html.escape(region_label(i, lang)), indicator.format(data.get(i), lang) if indicator else ""] for i in ids
    ]


def build_china_map(
    values: pl.DataFrame,
    indicator: Indicator,
    lang: str,
    *,
    level: MapLevel = "province",
    within: str | None = None,
    watermark: str | None = None,
    height: int = 470,
    geojson_base_url: str | None = None,
    outlined: Sequence[str] = (),
    outlined_label: str = "",
    suppressed: Sequence[str] = (),
    suppressed_label: str = "",
) -> go.Figure:
    """Choropleth of values (columns adcode, value in stored units) for indicator.

    outlined: units drawn with a heavy dark outline and their own legend entry (small samples).
    suppressed: units whose value must not be shown (k-anonymity): drawn in a darker grey, named in the
    legend, and their hover carries no number.

    within: a province adcode for its prefecture map (zoomed to it, no inset); None for the whole country.
    Regions with no value are drawn grey and named in the legend.
    geojson_base_url: where the browser can fetch the boundary files (the app's static folder). The figure
    then names the national layers by URL instead of embedding them: the browser downloads and caches them
    once, instead of every rerun shipping them again. Leave None for exports, which need them inline.
    """
    if within:
        drawn = set(layer_ids("prefecture"))
        ids = [r.adcode for r in load_gazetteer().children(within) if r.adcode in drawn]
        layer = sub_layer("prefecture", frozenset(ids))
        geojson_base_url = None  # a province's prefectures are small: embed just those
    else:
        ids = list(layer_ids(level))
        layer = load_layer(level)
    hidden = set(suppressed)
    data = {k: v for k, v in _values_by_adcode(values).items() if k not in hidden}
    present = [i for i in ids if i in data]
    missing = [i for i in ids if i not in data and i not in hidden]
    hidden_drawn = [i for i in ids if i in hidden]

    colour_axis: dict[str, object] = {
        "colorscale": SCALES[indicator.polarity],
        "colorbar": {
            "title": {"text": html.escape(indicator.unit_label(lang)), "side": "top"},
            "thickness": 12,
            "len": 0.55,
            "x": 0.0,
            "xanchor": "left",
            "y": 0.62,
        },
    }
    if present:
        # data holds no NaN (see _values_by_adcode), so display_number never gives None here
        numbers = [n for i in present if (n := indicator.display_number(data[i])) is not None]
        low, high = min(numbers), max(numbers)
        if low == high:
            # One value (one region, or all equal): plotly would centre a range on it and print negative shares
            # or scores on the bar; widen it upwards from the value, or from 0 for a share of 0.
            low, high = (low, low + 1.0) if low >= 0 else (low - 1.0, low)
        colour_axis.update(cmin=low, cmax=high)

    fig = go.Figure()
    common = {
        "featureidkey": "id",
        "locationmode": "geojson-id",
        "marker": {"line": {"color": BORDER_COLOUR, "width": 0.6}},
    }
    source = _GeojsonSource(layer, LAYER_FILES[level], geojson_base_url)
    fig.add_trace(
        go.Choropleth(
            locations=present,
            z=[indicator.display_number(data[i]) for i in present],
            geojson=source.of(present),
            coloraxis="coloraxis",
            customdata=_customdata(present, data, indicator, lang),
            hovertemplate=_hover(indicator, lang),
            name=indicator.name(lang),
            showlegend=False,
            **common,
        )
    )
    if missing:
        fig.add_trace(_no_data_trace(missing, data, indicator, lang, {**common, "geojson": source.of(missing)}))
    if hidden_drawn:
        fig.add_trace(
            go.Choropleth(
                locations=hidden_drawn,
                z=[0] * len(hidden_drawn),
                geojson=source.of(hidden_drawn),
                colorscale=[[0, SUPPRESSED_COLOUR], [1, SUPPRESSED_COLOUR]],
                showscale=False,
                customdata=[
                    [i, html.escape(region_label(i, lang)), html.escape(suppressed_label)] for i in hidden_drawn
                ],
                hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
                name=html.escape(suppressed_label),
                showlegend=True,
                **common,
            )
        )
    flagged = [i for i in ids if i in set(outlined)]
    if flagged:
        # Transparent fill, heavy outline: the value stays visible underneath, the flag on top.
        fig.add_trace(
            go.Choropleth(
                locations=flagged,
                z=[0] * len(flagged),
                geojson=source.of(flagged),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                featureidkey="id",
                locationmode="geojson-id",
                marker={"line": {"color": "#222222", "width": 1.8}},
                hoverinfo="skip",
                name=html.escape(outlined_label),
                showlegend=True,
            )
        )

    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 10, "b": 10},
        coloraxis=colour_axis,
        clickmode="event+select",
        dragmode=False,
        legend={"x": 0.0, "y": 0.02, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)"},
        paper_bgcolor="white",
        font={"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"},
        uirevision=f"{level}-{within}",
    )
    if within:
        fig.update_geos(fitbounds="locations", projection_type="mercator", **_BARE_GEO)
    else:
        fig.update_layout(geo={**MAIN_GEO, **_BARE_GEO})
        _add_south_china_sea_inset(fig, data if level == "province" else {}, indicator, lang, geojson_base_url)
    _add_notes(fig, lang, watermark)
    return fig


class _GeojsonSource:
    """A trace's geojson: the file's URL when the browser can fetch it (cached across reruns), else only
    the features the trace draws, so an exported figure carries each shape once."""

    def __init__(self, collection: dict[str, Any], file_name: str, base_url: str | None) -> None:
        self.collection = collection
        self.url = f"{base_url}/{file_name}" if base_url else None

    def of(self, ids: list[str]) -> str | dict[str, Any]:
        if self.url:
            return self.url
        wanted = set(ids)
        return {"type": "FeatureCollection", "features": [f for f in self.collection["features"] if f["id"] in wanted]}


def _no_data_trace(
    missing: list[str],
    data: Mapping[str, float],
    indicator: Indicator | None,
    lang: str,
    common: dict[str, Any],
    geo: str = "geo",
) -> go.Choropleth:
    return go.Choropleth(
        locations=missing,
        z=[0] * len(missing),
        colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
        showscale=False,
        customdata=_customdata(missing, data, indicator, lang),
        hovertemplate=_hover(indicator, lang),
        name=t("map.no_data", lang),
        showlegend=geo == "geo",
        legendgroup="no_data",
        geo=geo,
        **common,
    )


def _add_south_china_sea_inset(
    fig: go.Figure, data: Mapping[str, float], indicator: Indicator | None, lang: str, geojson_base_url: str | None
) -> None:
    scs = load_south_china_sea()
    # Feature ids in the file: the adcode for each province clip, "islands" for the islands.
    source = _GeojsonSource(scs, SOUTH_CHINA_SEA_FILE, geojson_base_url)
    clip_ids = [f["id"] for f in features_of_kind(scs, "province_clip")]
    common = {
        "featureidkey": "id",
        "locationmode": "geojson-id",
        "marker": {"line": {"color": BORDER_COLOUR, "width": 0.4}},
    }
    coloured = [i for i in clip_ids if i in data]
    grey = [i for i in clip_ids if i not in data]
    if coloured and indicator is not None:  # a category map passes no data, so nothing is coloured
        fig.add_trace(
            go.Choropleth(
                locations=coloured,
                z=[indicator.display_number(data[i]) for i in coloured],
                coloraxis="coloraxis",
                geo="geo2",
                customdata=_customdata(coloured, data, indicator, lang),
                hovertemplate=_hover(indicator, lang),
                showlegend=False,
                geojson=source.of(coloured),
                **common,
            )
        )
    if grey:
        fig.add_trace(_no_data_trace(grey, data, indicator, lang, {**common, "geojson": source.of(grey)}, geo="geo2"))

    if features_of_kind(scs, "islands"):
        fig.add_trace(
            go.Choropleth(
                geojson=source.of(["islands"]),
                featureidkey="id",
                locationmode="geojson-id",
                locations=["islands"],
                z=[0],
                colorscale=[[0, "#9e9e9e"], [1, "#9e9e9e"]],
                showscale=False,
                geo="geo2",
                marker={"line": {"color": "#333333", "width": 0.8}},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    lons, lats = _line_coordinates(features_of_kind(scs, "nine_dash_line"))
    fig.add_trace(
        go.Scattergeo(
            lon=lons,
            lat=lats,
            mode="lines",
            line={"color": "#555555", "width": 1.2},
            geo="geo2",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_layout(
        geo2={**INSET_GEO, **_BARE_GEO, "showframe": True, "framecolor": "#444444", "framewidth": 1, "bgcolor": "white"}
    )
    domain = INSET_GEO["domain"]
    fig.add_annotation(
        text=t("map.inset_label", lang),
        showarrow=False,
        xref="paper",
        yref="paper",
        # Below the frame, flush with its right edge: the English label is wider than the inset and must not
        # run off the figure.
        x=domain["x"][1],
        y=domain["y"][0] - 0.005,
        xanchor="right",
        yanchor="top",
        font={"size": 10, "color": "#333333"},
    )


def _line_coordinates(features: list[dict[str, Any]]) -> tuple[list[float | None], list[float | None]]:
    """Flatten (Multi)LineStrings into one trace, with None between dashes so they stay apart."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for feature in features:
        geometry = feature["geometry"]
        lines = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [geometry["coordinates"]]
        for line in lines:
            lons += [p[0] for p in line] + [None]
            lats += [p[1] for p in line] + [None]
    return lons, lats


def _add_notes(fig: go.Figure, lang: str, watermark: str | None) -> None:
    fig.add_annotation(
        text=t("map.note", lang),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=1.0,
        y=0.0,
        xanchor="right",
        yanchor="bottom",
        font={"size": 10, "color": "#666666"},
    )
    if watermark:
        fig.add_annotation(
            text=html.escape(watermark),
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 44, "color": "rgba(120,120,120,0.13)"},
            textangle=-20,
        )


def selected_adcode(event: Mapping[str, Any] | None) -> str | None:
    """The adcode of the region clicked on a map built here, from st.plotly_chart's selection event."""
    if not event:
        return None
    selection = event.get("selection") or {}
    for point in selection.get("points") or []:
        location = point.get("location")
        if isinstance(location, str) and location.isdigit():
            return location
        custom = point.get("customdata")
        if isinstance(custom, list | tuple) and custom and str(custom[0]).isdigit():
            return str(custom[0])
    return None


def build_category_map(
    categories: pl.DataFrame,
    order: list[str],
    colours: Mapping[str, str],
    labels: Mapping[str, str],
    lang: str,
    *,
    watermark: str | None = None,
    height: int = 470,
    geojson_base_url: str | None = None,
) -> go.Figure:
    """Province map of categories (columns adcode, category), one legend entry per category in order.

    Used for LISA clusters: each category gets a fixed colour (colour-blind-safe pairs chosen by the caller).
    Provinces without a category are drawn grey as "no data".
    """
    layer = load_layer("province")
    ids = list(layer_ids("province"))
    by_code = dict(zip(categories["adcode"].to_list(), categories["category"].to_list(), strict=True))
    source = _GeojsonSource(layer, LAYER_FILES["province"], geojson_base_url)
    fig = go.Figure()
    common = {
        "featureidkey": "id",
        "locationmode": "geojson-id",
        "marker": {"line": {"color": BORDER_COLOUR, "width": 0.6}},
        "showscale": False,
    }
    for category in order:
        members = [i for i in ids if by_code.get(i) == category]
        if not members:
            continue
        colour = colours[category]
        fig.add_trace(
            go.Choropleth(
                locations=members,
                z=[1] * len(members),
                colorscale=[[0, colour], [1, colour]],
                geojson=source.of(members),
                name=html.escape(labels[category]),
                showlegend=True,
                customdata=[[i, html.escape(region_label(i, lang)), html.escape(labels[category])] for i in members],
                hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
                **common,
            )
        )
    missing = [i for i in ids if i not in by_code]
    if missing:
        fig.add_trace(
            go.Choropleth(
                locations=missing,
                z=[0] * len(missing),
                colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
                geojson=source.of(missing),
                name=t("map.no_data", lang),
                showlegend=True,
                customdata=[[i, html.escape(region_label(i, lang)), t("map.no_data", lang)] for i in missing],
                hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
                **common,
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 10, "b": 10},
        clickmode="event+select",
        dragmode=False,
        legend={"x": 0.0, "y": 0.02, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)"},
        paper_bgcolor="white",
        font={"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif"},
        geo={**MAIN_GEO, **_BARE_GEO},
    )
    _add_south_china_sea_inset(fig, {}, None, lang, geojson_base_url)
    _add_notes(fig, lang, watermark)
    return fig


def with_inline_geojson(fig: go.Figure) -> go.Figure:
    """A copy of fig whose boundary URLs (geojson_base_url) are replaced by the files' content, for renderers
    that cannot fetch from the app (kaleido, the briefing)."""
    files: dict[str, Callable[[], dict[str, Any]]] = {
        **{name: functools.partial(load_layer, level) for level, name in LAYER_FILES.items()},
        SOUTH_CHINA_SEA_FILE: load_south_china_sea,
    }
    copy = go.Figure(fig)
    for trace in copy.data:
        source = getattr(trace, "geojson", None)
        if isinstance(source, str):
            name = source.rsplit("/", 1)[-1]
            if name in files:
                trace.geojson = files[name]()
    return copy
