"""Download buttons: server-side PNG under a chart, formula-safe CSV and .xlsx under a table.

The files are generated only when the button is clicked (a callable as data), so pages stay fast.

Exports of the built-in samples say so (digigov/export/labels.py): the PNG gets the 示例数据 / SAMPLE DATA
watermark, the CSV and .xlsx a first column 数据说明 and the .xlsx a notes sheet. Whether a page shows samples
is the choice its data-source picker made (components/data_source.py keeps it in session state under
"<page>_src"); a caller can say so itself with sample=True/False. A page with no data-source choice is taken to
show samples: an unlabelled sample export would pass generated numbers off as official ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from components import first_map
from components.auth import audit
from digigov.access import current_user
from digigov.export.images import chromium_available, figure_to_png
from digigov.export.labels import sample_label
from digigov.export.tables import to_csv_bytes, to_xlsx_bytes
from digigov.figures.china_map import with_inline_geojson
from digigov.figures.config import export_filename
from digigov.i18n import t
from digigov.sources import BUILTIN

TABLE_ROW_PX = 35  # st.dataframe's row height: a placeholder keeps the table's place
DOWNLOAD_ROW_PX = 48
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ICON = {
    "png": ":material/image:",
    "pdf": ":material/picture_as_pdf:",
    "csv": ":material/download:",
    "xlsx": ":material/download:",
}


def lazy_download(
    label: str, make: Callable[[], bytes], stem: str, extension: str, key: str, *, where=st, **options
) -> None:
    """A download button whose file is made only when clicked (no rerun), named stem.extension; the export is
    written to the audit log when it is made (the user is taken now: the file may be made in another thread)."""
    user = current_user()

    def made() -> bytes:
        audit(user, "export", name=f"{stem}.{extension}")
        return make()

    where.download_button(
        label,
        data=made,
        key=key,
        file_name=f"{stem}.{extension}",
        mime=MIME[extension],
        on_click="ignore",
        icon=ICON[extension],
        **options,
    )


@functools.cache
def _has_chromium() -> bool:
    return chromium_available()


def shows_sample(page: str) -> bool:
    """True while page shows the built-in samples (its data-source choice, or no choice at all)."""
    return st.session_state.get(f"{page}_src", BUILTIN) == BUILTIN


def png_button(fig: go.Figure, key: str, page: str, name: str, lang: str, *, sample: bool | None = None) -> None:
    """A server-side PNG of fig; sample (default: shows_sample(page)) adds the sample watermark."""
    if not _has_chromium():
        st.caption(t("download.png_unavailable", lang))
        return
    marked = shows_sample(page) if sample is None else sample
    lazy_download(
        t("download.png", lang),
        lambda: figure_to_png(with_inline_geojson(fig), scale=2, sample=marked),
        export_filename(page, name),
        "png",
        f"{key}_png",
        help=t("download.png_help", lang),
        type="tertiary",
    )


def table(frame: pl.DataFrame, key: str, page: str, name: str, lang: str, *, sample: bool | None = None) -> None:
    """A table with CSV (UTF-8 with BOM) and Excel downloads; cells that Excel would run are neutralised.
    sample (default: shows_sample(page)) adds the sample label column (and the .xlsx notes sheet).
    Until the session's first map is drawn, a placeholder stands in (components.first_map): the data grid's code
    (about 1.3 MB of script to parse) would hold the map up."""
    if first_map.charts_wait():
        first_map.placeholder(TABLE_ROW_PX * (min(frame.height, 10) + 1) + DOWNLOAD_ROW_PX, lang)
        return
    st.dataframe(frame, hide_index=True)
    stem = export_filename(page, name)
    label = sample_label(lang) if (shows_sample(page) if sample is None else sample) else None
    left, right, _ = st.columns([1, 1, 4])
    lazy_download(
        t("download.csv", lang),
        lambda: to_csv_bytes(frame, sample=label),
        stem,
        "csv",
        f"{key}_csv",
        where=left,
        type="tertiary",
    )
    lazy_download(
        t("download.xlsx", lang),
        lambda: to_xlsx_bytes(frame, sample=label),
        stem,
        "xlsx",
        f"{key}_xlsx",
        where=right,
        type="tertiary",
    )
