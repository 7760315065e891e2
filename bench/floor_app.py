"""The bare-stack floor for bench_browser.py: a title and one plotly choropleth, nothing of ours.

Open / for the province layer (34 regions), /?level=prefecture for the prefecture layer (367). bench_browser.py
runs a copy from a temporary folder beside a link to ./static (Streamlit serves the static folder next to the
main script), with the repository root as working directory so the same .streamlit/config.toml applies. The map
is one go.Choropleth on the committed boundary file, fetched by the browser from the same static URL and drawn
with the same topojson config as the app's maps; it imports nothing from digigov (no polars, no catalogs), so
what is left is Streamlit, plotly.js and the boundary download: the least any page of ours can take.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

HERE = Path(__file__).parent  # bench_browser runs a copy beside a link to the repository's ./static
FILES = {"province": "provinces.geojson", "prefecture": "prefectures.geojson"}
STATIC_URL = "/app/static"


@st.cache_resource
def region_ids(level: str) -> list[str]:
    collection = json.loads((HERE / "static" / "boundaries" / FILES[level]).read_text(encoding="utf-8"))
    return [str(f["id"]) for f in collection["features"]]


@st.cache_resource
def our_overview_map() -> go.Figure:
    import sys

    sys.path.insert(0, str(Path.cwd()))
    from digigov.datasets import load_builtin
    from digigov.presenters.overview import overview_view

    index = load_builtin("province_index")
    return overview_view(index, int(index["year"].max()), "dgi_index", "zh").map


@st.cache_resource
def our_channels_map() -> go.Figure:
    import sys

    sys.path.insert(0, str(Path.cwd()))
    from digigov.datasets import load_builtin
    from digigov.presenters import channels

    records = load_builtin("city_channels")
    return channels.present(records, channels.Selection(year=int(records["year"].max())), "zh").map


st.set_page_config(page_title="floor", layout="wide")
level = "prefecture" if st.query_params.get("level") == "prefecture" else "province"
ids = region_ids(level)
# What a page of ours adds, one piece at a time (bench_browser --anatomy): ?extras=sidebar,metrics,tabs,table,chart2
extras = set(filter(None, st.query_params.get("extras", "").split(",")))


def bare_map() -> go.Figure:
    fig = go.Figure(
        go.Choropleth(
            geojson=f"{STATIC_URL}/boundaries/{FILES[level]}",
            locations=ids,
            z=list(range(len(ids))),
            featureidkey="id",
            locationmode="geojson-id",
            colorscale="YlGnBu",
            marker_line_color="#ffffff",
        )
    )
    fig.update_layout(
        height=560,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        geo={
            "projection": {"type": "conic equal area", "parallels": [25, 47], "rotation": {"lon": 105}},
            "lonaxis": {"range": [73, 136]},
            "lataxis": {"range": [17.5, 54]},
            "visible": False,
        },
    )
    return fig


def before_map() -> None:
    if "sidebar" in extras:
        st.sidebar.radio("语言", ["中文", "English"], horizontal=True)
        st.sidebar.selectbox("数据", ["示例数据", "上传"])
        st.sidebar.html("<script>document.documentElement.lang = 'zh-CN';</script>", unsafe_allow_javascript=True)
    if "metrics" in extras:
        for column, value in zip(st.columns(4), (61.2, 55.0, 70.1, 48.3), strict=True):
            column.metric("指标", value, delta=1.2)
    if "table" in extras:
        _, table_tab = st.tabs(["地图", "表格"])
        with table_tab:
            st.dataframe({"地区": ids, "数值": list(range(len(ids)))})


def after_map() -> None:
    if "chart2" in extras:
        st.plotly_chart(go.Figure(go.Bar(x=["东部", "中部", "西部", "东北"], y=[1, 2, 3, 4])), width="stretch")
    if "many" in extras:  # the findings, captions and download buttons a page of ours has
        for i in range(12):
            st.markdown(f"- 第 {i} 条发现：某省的数字政府发展指数高于全国平均 {i}.5 分。")
        for i in range(4):
            st.download_button(f"下载 {i}", data=b"x", file_name=f"x{i}.csv", key=f"dl{i}")
            st.caption(f"[方法与公式：第 {i} 项](methods#m{i})")


def floor_page() -> None:
    st.title("地图基准 floor")
    before_map()
    fig = bare_map()
    if "ourfig" in extras:  # the overview's own map figure (traces, inset, notes) in place of the bare one
        fig = our_overview_map()
    if "channelsfig" in extras:  # the channels page's prefecture map (367 cities with hover texts)
        fig = our_channels_map()
    st.plotly_chart(fig, width="stretch", config={"topojsonURL": f"{STATIC_URL}/topojson/", "displaylogo": False})
    after_map()


if "nav" in extras:  # the app's multipage navigation: eight pages with icons in the sidebar
    icons = ["dashboard", "map", "devices", "insights", "share", "upload_file", "description", "menu_book"]
    others = [
        st.Page(lambda: st.title("其他"), title=f"页面 {i}", url_path=f"page{i}", icon=f":material/{icon}:")
        for i, icon in enumerate(icons[1:])
    ]
    st.navigation([st.Page(floor_page, title="总览", default=True, icon=":material/dashboard:"), *others]).run()
else:
    floor_page()
