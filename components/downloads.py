"""Download buttons: server-side PNG under a chart, formula-safe CSV and .xlsx under a table.

The files are generated only when the button is clicked (a callable as data), so pages stay fast.
"""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from digigov.export.images import chromium_available, figure_to_png
from digigov.export.tables import to_csv_bytes, to_xlsx_bytes
from digigov.figures.china_map import with_inline_geojson
from digigov.figures.config import export_filename
from digigov.i18n import t


@functools.cache
def _has_chromium() -> bool:
    return chromium_available()


def png_button(fig: go.Figure, key: str, page: str, name: str, lang: str) -> None:
    if not _has_chromium():
        st.caption(t("download.png_unavailable", lang))
        return
    st.download_button(
        t("download.png", lang),
        data=lambda: figure_to_png(with_inline_geojson(fig), scale=2),
        key=f"{key}_png",
        file_name=f"{export_filename(page, name)}.png",
        mime="image/png",
        on_click="ignore",
        icon=":material/image:",
        help=t("download.png_help", lang),
        type="tertiary",
    )


def table(frame: pl.DataFrame, key: str, page: str, name: str, lang: str) -> None:
    """A table with CSV (UTF-8 with BOM) and Excel downloads; cells that Excel would run are neutralised."""
    st.dataframe(frame, hide_index=True)
    stem = export_filename(page, name)
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button(
            t("download.csv", lang),
            data=lambda: to_csv_bytes(frame),
            key=f"{key}_csv",
            file_name=f"{stem}.csv",
            mime="text/csv",
            on_click="ignore",
            type="tertiary",
            icon=":material/download:",
        )
    with right:
        st.download_button(
            t("download.xlsx", lang),
            data=lambda: to_xlsx_bytes(frame),
            key=f"{key}_xlsx",
            file_name=f"{stem}.xlsx",
            on_click="ignore",
            type="tertiary",
            icon=":material/download:",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
