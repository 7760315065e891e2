"""Upload page: a large file shows a progress bar (bytes read, rows checked) while it is read, then the report; a
rerun reads nothing again and draws no bar; a small file draws none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator

import digigov.ingest
from tests.app.helpers import CJK, upload_page
from tests.factories import csv_text, raw_channel_rows

CORPUS = Path(__file__).resolve().parents[1] / "data" / "uploads"


@pytest.fixture
def upload(app, tmp_path, monkeypatch):
    return upload_page(app, tmp_path, monkeypatch, CORPUS)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of 512 KB (not 4 MB), so that a 3 MB file is reported several times while it is parsed."""
    import digigov.ingest.csv_reader as reader

    monkeypatch.setattr(reader, "_PLAIN_CHUNK", 512 << 10)


@pytest.fixture
def bars(monkeypatch) -> list[tuple[float, str]]:
    """Every st.progress call of the script runs: (value, text). AppTest keeps only the final page, where the
    bar is gone again."""
    drawn: list[tuple[float, str]] = []
    original = DeltaGenerator.progress

    def progress(self, value, text=None, **kwargs):
        drawn.append((value, text))
        return original(self, value, text=text, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "progress", progress)
    return drawn


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """The size of every file read_upload reads (the page imports it from digigov.ingest on every run)."""
    sizes: list[int] = []
    original = digigov.ingest.read_upload

    def read_upload(name, data, **options):
        sizes.append(len(data))
        return original(name, data, **options)

    monkeypatch.setattr(digigov.ingest, "read_upload", read_upload)
    return sizes


def large_file(seed: int) -> bytes:
    """About 3 MB of raw channel records, tab-separated (a seed of its own per test: st.cache_data is shared by
    every test of the process)."""
    data = csv_text(raw_channel_rows(60_000, seed=seed), delimiter="\t").encode("utf-8")
    assert len(data) > 2 << 20
    return data


def test_a_large_upload_shows_its_progress_then_the_report(upload, bars, reads):
    data = large_file(seed=101)
    at = upload("records.tsv", data)
    assert reads == [len(data)]  # read once, although the page asks twice (detection, then its choices)
    texts = [text for _, text in bars]
    assert texts[0] == f"正在读取：0.0 / {len(data) / (1 << 20):,.1f} MB · 已检查 0 行"
    parsing = [t for t in texts if re.fullmatch(r"正在读取：[\d.]+ / [\d.]+ MB · 已检查 [1-9][\d,]* 行", t)]
    assert len(parsing) >= 5, texts  # chunk by chunk: bytes read and rows checked so far
    assert texts[-1] == f"已读取并检查 {len(data) / (1 << 20):,.1f} MB，共 60,000 行。"
    values = [value for value, _ in bars]
    assert values == sorted(values) and values[-1] == 1.0
    assert not at.get("progress")  # gone once the file is read
    assert any("原始记录" in m.value for m in at.markdown)  # the detected shape, then the report
    assert [s.value for s in at.success] == ["检查通过，没有发现问题。"]
    assert any("线下办理偏好占比（%）" in d.value.columns for d in at.dataframe)  # the preview of the aggregate

    bars.clear()
    at.run()  # a rerun: the cached result, no reading and no bar (and no replay of the bar's elements)
    assert not at.exception, at.exception
    assert bars == [] and reads == [len(data)]
    assert [s.value for s in at.success] == ["检查通过，没有发现问题。"]


def test_the_progress_speaks_english(upload, bars):
    upload.at.radio(key="language_radio").set_value("en").run()
    data = large_file(seed=102)
    upload("records.tsv", data)
    texts = [text for _, text in bars]
    assert texts and not any(CJK.search(t) for t in texts), texts
    assert any(t.startswith("Reading: ") and t.endswith("rows checked") for t in texts)


def test_a_small_upload_draws_no_bar(upload, bars):
    upload("good_wide_utf8.csv")
    assert bars == []
