"""Every export of the built-in samples says 示例数据 / SAMPLE DATA; exports of uploaded data never do.

Tables: a first column 数据说明 on every row (CSV and the .xlsx data sheet) and, in the .xlsx, a notes sheet after
the data. Images: the diagonal watermark. The briefing: its page watermark and footer line. One AppTest reads the
overview's real download payloads (the deferred callables behind the buttons) for the sample and an upload.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from digigov.datasets import load_builtin
from digigov.export import images
from digigov.export.briefing import _page_html, _plan
from digigov.export.labels import has_sample_watermark, label_frame, mark_sample, sample_label, sample_mark
from digigov.export.tables import to_csv_bytes, to_xlsx_bytes
from digigov.figures.china_map import build_china_map
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters import briefing as briefing_presenter
from digigov.storage import DatasetStore
from tests.apptest import new_session

MARK = "示例数据 / SAMPLE DATA"


def frame() -> pl.DataFrame:
    return pl.DataFrame({"地区": ["上海", "浙江", "=1+1"], "指数": [91.0, 88.5, None]})


def csv_frame(data: bytes) -> pl.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")
    return pl.read_csv(io.BytesIO(data[3:]))


def sheet_names(xlsx: bytes) -> list[str]:
    return list(pl.read_excel(io.BytesIO(xlsx), sheet_id=0, has_header=False))


def all_text(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))


# -- CSV ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_csv_has_the_label_column_first_on_every_row(lang):
    label = sample_label(lang)
    data = to_csv_bytes(frame(), sample=label)
    back = csv_frame(data)  # an ordinary table: header on line 1, every row the same width
    assert back.columns == [label.column, "地区", "指数"]
    assert back.height == 3
    assert back[label.column].to_list() == [label.text] * 3
    assert label.text.startswith(MARK)
    assert back["地区"][2] == "'=1+1" and back["指数"][1] == 88.5  # still formula-safe, numbers intact
    assert data.decode("utf-8-sig").splitlines()[0].startswith(label.column)


def test_uploaded_csv_has_no_label():
    data = to_csv_bytes(frame())
    assert csv_frame(data).columns == ["地区", "指数"]
    text = data.decode("utf-8-sig")
    assert "示例数据" not in text and "SAMPLE" not in text.upper()


def test_label_column_never_replaces_a_column_of_the_same_name():
    label = sample_label("zh")
    clash = pl.DataFrame({label.column: ["原有"], "v": [1]})
    out = label_frame(clash, label)
    assert out.columns == [label.column + "_", label.column, "v"]
    assert out[label.column].to_list() == ["原有"]
    assert label_frame(clash.clear(), label).height == 0


# -- xlsx --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_xlsx_has_the_label_column_and_a_notes_sheet_after_the_data(lang):
    label = sample_label(lang)
    data = to_xlsx_bytes(frame(), sample=label)
    assert sheet_names(data) == ["data", label.notes_sheet]
    table = pl.read_excel(io.BytesIO(data))  # readers that take the first sheet get the table
    assert table.columns == [label.column, "地区", "指数"]
    assert table[label.column].to_list() == [label.text] * 3
    notes = pl.read_excel(io.BytesIO(data), sheet_name=label.notes_sheet, has_header=False)
    lines = notes.to_series(0).to_list()
    assert lines[0] == label.text and "data" in lines[1] and label.column in lines[1]
    assert "<f>" not in all_text(data)


def test_uploaded_xlsx_has_one_sheet_and_no_label():
    data = to_xlsx_bytes(frame())
    assert sheet_names(data) == ["data"]
    assert pl.read_excel(io.BytesIO(data)).columns == ["地区", "指数"]
    text = all_text(data)
    assert "示例数据" not in text and "SAMPLE DATA" not in text


# -- images ------------------------------------------------------------------------------------------------------
def bar() -> go.Figure:
    return go.Figure(go.Bar(x=["东部", "西部"], y=[70, 55]))


def test_mark_sample_adds_one_watermark_and_leaves_the_figure_alone():
    fig = bar()
    marked = mark_sample(fig)
    assert has_sample_watermark(marked) and not has_sample_watermark(fig)
    assert [a.text for a in marked.layout.annotations] == [sample_mark()]
    assert len(mark_sample(marked).layout.annotations) == 1


def test_a_map_keeps_its_own_watermark_only():
    index = load_builtin("province_index")
    values = index.filter(pl.col("year") == 2024).select("adcode", pl.col("index").alias("value"))
    fig = build_china_map(values, get_indicator("dgi_index"), "zh", watermark=t("sample.watermark", "zh"))
    marks = [a for a in mark_sample(fig).layout.annotations if "示例数据" in (a.text or "")]
    assert len(marks) == 1


class FakeKaleido:
    def __init__(self) -> None:
        self.specs: list[dict[str, Any]] = []

    async def calc_fig(self, spec: dict[str, Any], **_: Any) -> bytes:
        self.specs.append(spec)
        return images.PNG_SIGNATURE


@pytest.fixture
def fake_browser(monkeypatch):
    kaleido = FakeKaleido()

    def run(job, timeout_s):
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        # In a thread of its own: after the browser tests, Playwright's sync API leaves a running event loop in
        # this one, and asyncio.run refuses to start another there.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, job(kaleido)).result(timeout=timeout_s)

    monkeypatch.setattr(images, "run_in_browser", run)
    return kaleido


def watermarks(spec: dict[str, Any]) -> list[str]:
    return [a.get("text", "") for a in spec.get("layout", {}).get("annotations", []) if "示例数据" in a.get("text", "")]


def test_chart_png_pdf_svg_of_sample_data_carry_the_watermark_uploaded_do_not(fake_browser):
    fig = bar()
    images.figure_to_png(fig, sample=True)
    images.figure_to_svg(fig, sample=True)
    images.render_figure(fig, "pdf", sample=True)
    images.figure_to_png(fig)
    images.figure_to_png(fig, sample=False)
    assert [watermarks(s) for s in fake_browser.specs] == [[MARK]] * 3 + [[]] * 2


@pytest.mark.skipif(not images.chromium_available(), reason="Chromium is not installed")
def test_sample_watermark_is_drawn_in_the_png():
    fig = bar().update_layout(width=500, height=300, template="plotly_white")
    plain = np.asarray(Image.open(io.BytesIO(images.figure_to_png(fig, scale=1))).convert("L"), dtype=float)
    marked = np.asarray(
        Image.open(io.BytesIO(images.figure_to_png(fig, scale=1, sample=True))).convert("L"), dtype=float
    )
    assert plain.shape == marked.shape
    assert (np.abs(plain - marked) > 3).sum() > 500  # the watermark's glyphs, across the middle


# -- briefing ----------------------------------------------------------------------------------------------------
def test_the_briefing_is_always_on_samples_and_says_so():
    text = briefing_presenter.BriefingText(title="t", subtitle="", date="2024-01-01", scope="", findings=(), source="")
    doc = briefing_presenter.briefing_document(None, ["macro"], 2024, "dgi_index", "zh", text)
    assert doc.sample_data
    cells, rows = _plan(doc.section_list())
    page = _page_html(doc, cells, rows, 1.0, [None])
    assert MARK in page and t("export.sample_footer", "zh") in page


# -- the download buttons on a page ------------------------------------------------------------------------------
@pytest.fixture
def deferred(monkeypatch) -> dict[str, Any]:
    """The callables behind deferred download buttons, by file id (AppTest never runs them)."""
    callables: dict[str, Any] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        callables[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return callables


def payload(at: AppTest, deferred: dict[str, Any], key: str) -> bytes:
    buttons = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    assert len(buttons) == 1, [b.proto.id for b in at.get("download_button")]
    return deferred[buttons[0].proto.deferred_file_id]()


def test_overview_downloads_are_labelled_on_samples_only(tmp_path: Path, monkeypatch, deferred):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    at = new_session()
    at.session_state["overview_map_tabs"] = t("overview.table_tab", "zh")  # the ranking table's tab, open
    at.run()
    assert not at.exception, at.exception
    label = sample_label("zh")
    csv = csv_frame(payload(at, deferred, "overview_ranking_csv"))
    assert csv.columns[0] == label.column and set(csv[label.column]) == {label.text}
    xlsx = payload(at, deferred, "overview_ranking_xlsx")
    assert sheet_names(xlsx) == ["data", label.notes_sheet]

    uploaded = load_builtin("province_index").filter(pl.col("year") >= 2022)
    dataset = DatasetStore(tmp_path).save(
        uploaded,
        name="分析员数据",
        source_file="index.csv",
        shape="wide",
        column_mapping={},
        meta={"kinds": ["province_index"]},
    )
    at = new_session()
    at.session_state["overview_map_tabs"] = t("overview.table_tab", "zh")
    at.query_params["src"] = dataset.id
    at.run()
    assert not at.exception, at.exception
    csv = csv_frame(payload(at, deferred, "overview_ranking_csv"))
    assert label.column not in csv.columns and "示例数据" not in json.dumps(csv.rows(), ensure_ascii=False)
    xlsx = payload(at, deferred, "overview_ranking_xlsx")
    assert sheet_names(xlsx) == ["data"] and "示例数据" not in all_text(xlsx)
