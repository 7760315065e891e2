"""`digigov brief`: the briefing page's one-page briefing from a file, a stored dataset or the samples.

Three renders in all (PDF from a file, PNG from a stored dataset, PDF from the samples); the rest checks the
document before rendering, which is where the data, the sections and the text are decided.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from PIL import Image
from pypdf import PdfReader

from digigov.briefing_cli import BriefFailure, BriefRequest, build_briefing, choose_sections, resolve_data
from digigov.cli import main
from digigov.datasets import load_builtin
from digigov.export.images import chromium_available
from digigov.presenters import briefing as presenter
from digigov.storage import DatasetStore
from tests.paths import ROOT

SAMPLE_INDEX = ROOT / "data" / "samples" / "province_index.csv"
DIMENSIONS = ("index", "organisation", "institutions", "capacity", "effect")
LIGATURES = "\ufb00\ufb01\ufb02\ufb03\ufb04"  # ff fi fl ffi ffl, as the PDF's English text holds them
needs_chromium = pytest.mark.skipif(not chromium_available(), reason="no Chromium for rendering")


def flipped_index(path: Path) -> Path:
    """The sample index turned upside down (150 - value), so its findings differ from the samples'."""
    frame = load_builtin("province_index").filter(pl.col("year") >= 2023)
    frame.with_columns([(150 - pl.col(c)).alias(c) for c in DIMENSIONS]).write_csv(path)
    return path


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    return "".join(unicodedata.normalize("NFKC", c) if c in LIGATURES else c for c in text)


def squeeze(text: str) -> str:
    """Without whitespace, and with the CJK font's em dash read back as U+2015 taken as U+2014."""
    return "".join(text.split()).replace("\u2015", "\u2014")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "userdata"
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(folder))
    return folder


# --------------------------------------------------------------------------------------------- no rendering
def test_on_samples_the_briefing_is_the_pages_default_briefing():
    """Same sections (headings and figures, as JSON) and the same drafted findings as the page 简报导出."""
    built = build_briefing(resolve_data("sample"), BriefRequest(date=dt.date(2025, 1, 6)))
    year = built.year
    assert year == int(load_builtin("province_index")["year"].max())
    page_sections = presenter.sections("index_map", presenter.DEFAULT_CHARTS, year, "dgi_index", "zh")
    mine = built.briefing.section_list()
    assert [s.heading for s in mine] == [s.heading for s in page_sections]
    for ours, theirs in zip(mine, page_sections, strict=True):
        assert ours.figure.to_plotly_json() == theirs.figure.to_plotly_json()
    form = presenter.briefing_form(year, "dgi_index", "zh")
    assert list(built.briefing.findings) == form.findings.splitlines()
    assert built.briefing.sample_data and built.briefing.scope == form.scope


def test_sections_per_page_stay_within_one_map_and_four_charts():
    assert choose_sections(["overview", "regional", "channels"]) == ("index_map", presenter.DEFAULT_CHARTS)
    assert choose_sections(["demand"]) == ("demand_map", ("demand_gaps", "demand_scatter"))
    assert choose_sections(["channels", "demand"]) == (
        "offline_map",
        ("channel_mix", "offline_entity", "demand_gaps", "demand_scatter"),
    )
    for pages in (["regional"], ["overview", "regional", "channels", "demand"]):
        chosen_map, charts = choose_sections(pages)
        assert chosen_map and 1 <= len(charts) <= presenter.MAX_CHARTS


def test_demand_sections_embed_their_boundaries():
    """The demand page's map names its boundary files by URL; the renderer cannot fetch them."""
    built = build_briefing(resolve_data("sample"), BriefRequest(pages=("demand",), lang="en"))
    first = built.briefing.section_list()[0]
    assert first.heading.startswith("Usage shortfall")
    assert all(not isinstance(trace.geojson, str) for trace in first.figure.data if hasattr(trace, "geojson"))
    assert len(built.briefing.findings) == 5 and built.pages == ("demand",)


def test_a_file_with_errors_exits_2_with_its_report(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("地区,年份,组织机构,制度体系,治理能力,治理效果\n火星,2024,1,2,3,4\n", encoding="utf-8")
    assert main(["brief", "--data", str(bad), "--out", str(tmp_path / "b.pdf")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv 有错误" in err and "火星" in err
    assert not (tmp_path / "b.pdf").exists()


def test_an_unknown_dataset_id_names_the_folder_and_the_stored_datasets(data_dir, tmp_path, capsys):
    record = DatasetStore(data_dir).save(
        load_builtin("province_index"),
        name="我的指数",
        source_file="x.csv",
        shape="wide",
        column_mapping={},
        meta={"kinds": ["province_index"]},
    )
    assert main(["brief", "--data", "0123abcd", "--out", str(tmp_path / "b.pdf"), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "Cannot find “0123abcd”" in err and str(data_dir) in err and f"{record.id} (我的指数)" in err


def test_usage_errors_are_named(tmp_path, capsys):
    assert main(["brief", "--data", "sample", "--out", str(tmp_path / "b.svg")]) == 2
    assert "b.svg" in capsys.readouterr().err
    assert main(["brief", "--data", str(SAMPLE_INDEX), "--out", str(tmp_path / "b.pdf"), "--page", "demand"]) == 3
    assert "需求匹配：文件中没有该页面所需的数据。" in capsys.readouterr().err
    assert main(["brief", "--data", str(SAMPLE_INDEX), "--out", str(tmp_path / "b.pdf"), "--year", "1999"]) == 3
    assert "1999" in capsys.readouterr().err
    assert main(["brief", "--data", "sample", "--out", str(tmp_path / "b.pdf"), "--date", "6/1/2025"]) == 2
    assert "6/1/2025" in capsys.readouterr().err


def test_a_missing_file_reads_as_an_unknown_dataset(data_dir, tmp_path):
    with pytest.raises(BriefFailure) as failure:
        resolve_data(str(tmp_path / "none.csv"), "en")
    assert (
        failure.value.status == 2 and "none.csv" in failure.value.text and "(no stored dataset)" in failure.value.text
    )


# --------------------------------------------------------------------------------------------- rendering
@needs_chromium
def test_brief_from_a_file_is_one_pdf_page_with_its_findings(tmp_path, capsys):
    data = flipped_index(tmp_path / "指数.csv")
    out = tmp_path / "briefing.pdf"
    assert main(["brief", "--data", str(data), "--out", str(out), "--page", "overview", "--date", "2025-01-06"]) == 0
    assert f"已生成 {out}" in capsys.readouterr().out
    text = pdf_text(out)
    built = build_briefing(resolve_data(str(data)), BriefRequest(pages=("overview",)))
    assert "西部地区平均指数" in built.briefing.findings[1]
    flat = squeeze(text)  # lines wrap where the page is full
    for finding in built.briefing.findings:
        assert squeeze(finding) in flat
    assert "2025年1月6日" in text and "指数.csv，2024 年" in text and "分析人员提供的数据：指数.csv" in text
    assert "示例数据" not in text  # an analyst's own data carry no sample mark


@needs_chromium
def test_brief_from_a_stored_dataset_is_a_print_size_png(data_dir, tmp_path):
    record = DatasetStore(data_dir).save(
        load_builtin("city_channels"),
        name="渠道调查",
        source_file="c.csv",
        shape="raw",
        column_mapping={},
        meta={"kinds": ["city_channels"]},
    )
    out = tmp_path / "channels.png"
    assert main(["brief", "--data", record.id, "--out", str(out), "--lang", "en"]) == 0
    image = Image.open(io.BytesIO(out.read_bytes()))
    assert image.format == "PNG" and image.size == (1654, 2339)  # A4 at 200 dpi
    built = build_briefing(resolve_data(record.id, "en"), BriefRequest(lang="en"))
    assert not built.briefing.sample_data and built.pages == ("channels",)
    assert built.briefing.section_list()[0].heading.startswith("Share preferring on-site handling")


@needs_chromium
def test_brief_from_the_samples_carries_the_sample_mark(tmp_path):
    out = tmp_path / "sample.pdf"
    assert main(["brief", "--data", "sample", "--out", str(out), "--lang", "en", "--year", "2023"]) == 0
    text = pdf_text(out)
    assert "SAMPLE DATA" in text and "Sample data: generated by a script" in text
    assert "Top ten provinces, 2023" in text and "Macro-region averages, 2023" in text
    assert "2023" in text and "Key findings" in text


@needs_chromium
def test_brief_of_the_data_sharing_page_shows_freshness_with_its_findings(tmp_path):
    """The page 数据共享与开放 on the sample catalogue: the briefing page's freshness sections and findings."""
    out = tmp_path / "sharing.pdf"
    assert main(["brief", "--data", "sample", "--out", str(out), "--page", "data_sharing"]) == 0
    built = build_briefing(resolve_data("sample"), BriefRequest(pages=("data_sharing",)))
    sections = built.briefing.section_list()
    assert [s.heading for s in sections] == [
        s.heading for s in presenter.sections("freshness_map", ["freshness_ranking"], built.year, "dgi_index", "zh")
    ]
    assert built.pages == ("data_sharing",) and built.briefing.sample_data
    flat = squeeze(pdf_text(out))
    assert squeeze("开放数据按时更新的数据集占比") in flat and "数据共享与开放" in flat
    for finding in (*sections[0].findings, *built.briefing.findings):  # under the map, then in the findings box
        assert squeeze(finding) in flat
    assert "示例数据" in flat and "2024-12-31" in flat
