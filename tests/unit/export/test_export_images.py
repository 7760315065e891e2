"""Server-side image export (kaleido + Debian's Chromium) and the one-page briefing.

Chromium is started once for the whole module (the export server is a singleton) and every test reuses it.
Tests that need it are skipped where it is missing; CI installs it, so there they run.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest
from PIL import Image

from digigov.analysis import overview
from digigov.datasets import load_builtin
from digigov.export import browser
from digigov.export.briefing import (
    Briefing,
    BriefingOverflow,
    BriefingSection,
    _page_html,
    _plan,
    briefing_to_pdf,
    html_to_pdf,
    html_to_png,
    layout_problems,
    render_briefing_html,
)
from digigov.export.images import (
    INSTALL_HINT,
    PNG_SIGNATURE,
    ExportError,
    ExportTimeout,
    ExportUnavailable,
    chromium_available,
    figure_to_pdf,
    figure_to_png,
    figure_to_svg,
)
from digigov.export.pdf_text import fix_cmap, ideograph
from digigov.figures.bars import macro_region_bar
from digigov.figures.china_map import build_china_map
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.paths import STATIC_DIR
from digigov.presenters.overview import draft_findings
from digigov.regions import load_gazetteer
from tests.conftest import ARTIFACTS
from tests.paths import ROOT

needs_chromium = pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed")
FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"
A4_PT = (595.28, 841.89)


def pixels(png: bytes, mode: str = "RGB") -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return np.asarray(Image.open(io.BytesIO(png)).convert(mode), dtype=float)


def bar_chart(lang: str = "zh") -> go.Figure:
    index = load_builtin("province_index")
    means = overview.macro_region_means(index, int(index["year"].max()))
    return macro_region_bar(means, get_indicator("dgi_index"), lang)


def province_map(lang: str = "zh") -> go.Figure:
    index = load_builtin("province_index")
    values = overview.values_for_year(index, int(index["year"].max()), "index")
    return build_china_map(values, get_indicator("dgi_index"), lang, watermark=t("sample.watermark", lang))


def small_chart(kind: str, lang: str = "zh") -> go.Figure:
    index = load_builtin("province_index")
    if kind == "line":
        trend = index.group_by("year").agg(pl.col("index").mean()).sort("year")
        fig = go.Figure(go.Scatter(x=trend["year"], y=trend["index"], mode="lines+markers"))
    elif kind == "ranking":
        ranks = overview.ranking(index, int(index["year"].max())).head(10)
        names = [load_gazetteer()[a].name(lang) for a in ranks["adcode"]]
        fig = go.Figure(go.Bar(y=names[::-1], x=ranks["value"].to_list()[::-1], orientation="h"))
    else:
        data = load_builtin("open_data").filter(pl.col("year") == pl.col("year").max())
        fig = go.Figure(go.Scatter(x=data["datasets"], y=data["median_staleness_days"], mode="markers"))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 30}, font_family=FONT, plot_bgcolor="white")
    return fig


TEXT = {
    "zh": {
        "title": "{year}年数字政府发展水平简报",
        "subtitle": "区域差距、线上线下偏好与数据开放",
        "scope": "31个省（区、市），{year}年",
        "source": "数字政府决策看板示例数据（按公开报道校准）",
        "map": "数字政府发展指数（分）",
        "map_caption": "颜色越深，指数越高。",
        "bar": "四大区域平均指数",
        "bar_caption": "国家统计局四大区域划分。",
        "ranking": "指数前十名",
        "line": "全国平均指数走势",
        "line_caption": "31个省份的简单平均。",
        "scatter": "开放数据更新滞后（天）",
    },
    "en": {
        "title": "Digital government development, {year}",
        "subtitle": "Regional gaps, channel preference and open data",
        "scope": "31 provinces, {year}",
        "source": "Dashboard sample data (calibrated to press reports)",
        "map": "Digital government index",
        "map_caption": "Darker means a higher index.",
        "bar": "Mean index by macro-region",
        "bar_caption": "NBS four-region split.",
        "ranking": "Top ten provinces",
        "line": "National mean over time",
        "line_caption": "Simple mean of 31 provinces.",
        "scatter": "Open-data staleness (days)",
    },
}


def full_briefing(lang: str) -> Briefing:
    """The largest briefing the page allows: a national map and four charts, with the drafted findings."""
    index = load_builtin("province_index")
    year = int(index["year"].max())
    text = {k: v.format(year=year) for k, v in TEXT[lang].items()}
    findings = draft_findings(
        index, year, lang, channels=load_builtin("city_channels"), open_data=load_builtin("open_data")
    )
    return Briefing(
        title=text["title"],
        subtitle=text["subtitle"],
        date=dt.date(2025, 5, 6),
        scope=text["scope"],
        findings=findings,
        source=text["source"],
        lang=lang,
        sections=[
            BriefingSection(text["map"], province_map(lang), text["map_caption"]),
            BriefingSection(text["bar"], bar_chart(lang), text["bar_caption"]),
            BriefingSection(text["ranking"], small_chart("ranking", lang)),
            BriefingSection(text["line"], small_chart("line"), text["line_caption"]),
            BriefingSection(text["scatter"], small_chart("scatter")),
        ],
    )


# ---------------------------------------------------------------- without Chromium


def test_export_errors_carry_the_install_hint_in_both_languages():
    error = ExportUnavailable()
    assert INSTALL_HINT == "apt-get install chromium fonts-noto-cjk"
    assert INSTALL_HINT in error.message("zh") and INSTALL_HINT in error.message("en")
    assert "30" in ExportTimeout(30).message("zh")
    assert isinstance(ExportTimeout(1), TimeoutError) and isinstance(ExportTimeout(1), ExportError)


def test_missing_chromium_raises_export_unavailable(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setattr(browser, "_SERVER", browser._Server())  # a server that has not started yet
    assert not chromium_available()
    with pytest.raises(ExportUnavailable) as raised:
        figure_to_png(bar_chart(), 400, 300)
    assert INSTALL_HINT in str(raised.value)
    with pytest.raises(ExportUnavailable):
        briefing_to_pdf(Briefing(title="x", sections=[BriefingSection("a", bar_chart())]))


def test_briefing_html_escapes_user_text_and_has_no_script():
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    b = Briefing(
        title=hostile,
        subtitle=hostile,
        scope=hostile,
        findings=[hostile],
        source=hostile,
        map_note=hostile,
        sections=[BriefingSection(hostile, bar_chart(), hostile)],
    )
    cells, rows = _plan(b.section_list())
    page = _page_html(b, cells, rows, 1.0, [None])
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert page.count("&lt;script&gt;") >= 7
    assert 'lang="zh-CN"' in page and "Noto Sans CJK SC" in page


def test_sample_watermark_and_notes_follow_the_flags():
    sections = [BriefingSection("map", province_map())]
    cells, rows = _plan(sections)
    sample = _page_html(Briefing(title="t", sections=sections), cells, rows, 1.0, [None])
    assert "示例数据 / SAMPLE DATA" in sample and "示意图，边界以国家标准地图为准" in sample
    real = _page_html(Briefing(title="t", sections=sections, sample_data=False, lang="en"), cells, rows, 1.0, [None])
    assert "SAMPLE DATA" not in real and "Schematic map" in real and 'lang="en"' in real
    no_map = [BriefingSection("bar", bar_chart())]
    cells, rows = _plan(no_map)
    assert "示意图" not in _page_html(Briefing(title="t", sections=no_map), cells, rows, 1.0, [None])


def test_layout_plan_puts_the_map_first_and_large():
    charts = [BriefingSection(str(i), bar_chart()) for i in range(4)]
    cells, rows = _plan([*charts[:1], BriefingSection("map", province_map()), *charts[1:]])
    assert cells[0].section.heading == "map" and cells[0].lead_rows == 2 and cells[0].column == "1 / 5"
    assert [c.section.heading for c in cells[1:]] == ["0", "1", "2", "3"]
    assert len(rows) == 3
    cells, rows = _plan(charts[:3])
    assert [c.column for c in cells] == ["1 / 4", "4 / 7", "1 / 7"] and len(rows) == 2
    with pytest.raises(ExportError):
        render_briefing_html(Briefing(title="x", sections=charts * 2))


def test_pdf_text_maps_radicals_back_to_ideographs():
    cmap = (
        b"2 beginbfchar\n<66> <6570>\n<EF> <2F54>\nendbfchar\n"
        b"2 beginbfrange\n<20> <22> <2ED3>\n<30> <31> <4E00>\nendbfrange\nendcmap"
    )
    fixed = fix_cmap(cmap).decode()
    assert "<EF> <6C34>" in fixed and "<66> <6570>" in fixed  # ⽔ -> 水, others kept
    assert "<20> <957F>" in fixed and "<21> <95E8>" in fixed  # the range from ⻓ split up: 长 门
    assert "<30> <31> <4E00>" in fixed
    assert ideograph("⼾") == "户" and ideograph("⽇") == "日" and ideograph("a") == "a"


# ---------------------------------------------------------------- with Chromium


@needs_chromium
def test_chart_png_at_print_resolution_is_not_blank():
    png = figure_to_png(bar_chart(), width=800, height=400, scale=2)
    image = pixels(png)
    assert image.shape[:2] == (800, 1600)
    assert image.std() > 10


@needs_chromium
def test_province_map_png_renders_offline_from_the_local_topojson():
    assert browser.TOPOJSON_URL.startswith("file://")
    assert (STATIC_DIR / "topojson" / "world_110m.json").is_file()
    image = pixels(figure_to_png(province_map(), width=900, height=600, scale=1))
    colours, counts = np.unique(image.reshape(-1, 3), axis=0, return_counts=True)
    assert len(colours) > 50  # the colour scale, borders, text: not a single fill
    assert counts.max() / counts.sum() < 0.8


def _text_render(text: str) -> np.ndarray:
    fig = go.Figure()
    fig.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 40, "family": FONT, "color": "black"},
    )
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        xaxis_visible=False,
        yaxis_visible=False,
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return pixels(figure_to_png(fig, 500, 120, scale=1), "L")


TOFU_PROBE = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.unit.export.test_export_images import _text_render
chinese, missing = _text_render("数字政府决策看板"), _text_render("\\u0378" * 8)
print(json.dumps({{"diff": float(abs(chinese - missing).mean()), "ink": float((chinese < 128).mean())}}))
"""


@needs_chromium
def test_chinese_text_renders_as_glyphs_not_tofu():
    """Tofu check by comparison with a string that no font can draw.

    U+0378 is an unassigned code point, so every font draws it as .notdef, the "tofu" box. When no CJK font
    is installed, Chinese characters fall back to exactly that glyph, and the two renders are identical pixel
    for pixel (seen: mean difference 0.0 with fontconfig limited to DejaVu; the next test repeats that). With
    Noto CJK the Chinese render differs strongly (mean difference about 23 of 255). So: the Chinese render
    must have ink and differ clearly from the tofu render.
    """
    chinese, missing = _text_render("数字政府决策看板"), _text_render("\u0378" * 8)
    assert (chinese < 128).mean() > 0.02
    assert np.abs(chinese - missing).mean() > 5


@needs_chromium
def test_the_tofu_check_fails_when_cjk_fonts_are_missing(tmp_path):
    """The check above must catch a machine without CJK fonts: a second Chromium, limited by fontconfig to
    DejaVu (no Chinese), draws the Chinese string exactly like the unassigned one."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("DejaVu fonts not installed")
    config = tmp_path / "fonts.conf"
    config.write_text(
        textwrap.dedent(f"""\
        <?xml version="1.0"?>
        <!DOCTYPE fontconfig SYSTEM "fonts.dtd">
        <fontconfig><dir>{dejavu}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>
        """)
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    run = subprocess.run(
        [sys.executable, "-c", TOFU_PROBE], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["diff"] < 1, result  # tofu: the test above would fail here


@needs_chromium
def test_svg_and_pdf_of_a_chart_keep_text_as_text():
    svg = figure_to_svg(bar_chart(), 600, 400).decode("utf-8")
    assert svg.startswith("<svg") and "东部" in svg
    pdf = figure_to_pdf(bar_chart(), 600, 400)
    assert pdf.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    assert "东部" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@needs_chromium
def test_a_render_over_its_timeout_raises_export_timeout_and_the_server_recovers():
    figure_to_png(bar_chart(), 400, 300, scale=1)  # warm
    with pytest.raises(ExportTimeout) as raised:
        figure_to_png(province_map(), 900, 600, timeout_s=0.001)
    assert "0.001" in raised.value.message("en")
    assert figure_to_png(bar_chart(), 400, 300, scale=1).startswith(PNG_SIGNATURE)


# ---------------------------------------------------------------- the briefing


@pytest.fixture(scope="module")
def briefing_html() -> dict[str, str]:
    if not chromium_available():
        pytest.skip("Chromium is not installed")
    return {lang: render_briefing_html(full_briefing(lang)) for lang in ("zh", "en")}


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_briefing_png_is_wide_a4_and_laid_out_cleanly(briefing_html, lang):
    assert layout_problems(briefing_html[lang]) == []
    png = html_to_png(briefing_html[lang], width=1654)
    image = pixels(png)
    height, width = image.shape[:2]
    assert width == 1654 and abs(height / width - 297 / 210) < 0.005
    assert image.std() > 20
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"briefing_{lang}.png").write_bytes(png)


def _pdf_font_names(page) -> set[str]:
    names: set[str] = set()

    def walk(resources, seen):
        if resources is None:
            return
        resources = resources.get_object()
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont", "")))
            for holder in [font, *[d.get_object() for d in font.get("/DescendantFonts") or []]]:
                descriptor = holder.get("/FontDescriptor")
                if descriptor is not None:
                    names.add(str(descriptor.get_object().get("/FontName", "")))
        for ref in (resources.get("/XObject") or {}).values():
            key = getattr(ref, "idnum", id(ref))
            if key not in seen:
                seen.add(key)
                walk(ref.get_object().get("/Resources"), seen)

    walk(page.get("/Resources"), set())
    return names


@needs_chromium
def test_briefing_pdf_is_one_a4_page_with_cjk_fonts_and_vector_charts(briefing_html):
    pypdf = pytest.importorskip("pypdf")
    pdf = html_to_pdf(briefing_html["zh"])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4_PT[0]) <= 2 and abs(float(box.height) - A4_PT[1]) <= 2
    fonts = _pdf_font_names(reader.pages[0])
    assert any("NotoSansCJK" in name for name in fonts), fonts  # the CJK font is embedded (as subsets)
    # Copy and search give the characters written, not look-alike Kangxi radicals (水 not ⽔, 长 not ⻓).
    extracted = reader.pages[0].extract_text()
    assert "数字政府发展水平简报" in extracted and "增长" in extracted
    assert not [c for c in extracted if 0x2E80 <= ord(c) <= 0x2FDF]
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "briefing_zh.pdf"
    target.write_bytes(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
        assert "数字政府发展水平简报" in text and "主要发现" in text
    if shutil.which("pdfimages"):
        listing = subprocess.run(["pdfimages", "-list", str(target)], capture_output=True, text=True).stdout
        assert len(listing.strip().splitlines()) == 2  # header only: the charts are vector, not pictures
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(target), str(ARTIFACTS / "briefing_pdf_zh")], check=True)
        page = pixels((ARTIFACTS / "briefing_pdf_zh-1.png").read_bytes())
        assert page.shape[1] == round(210 / 25.4 * 60) and page.std() > 20


@needs_chromium
def test_small_briefing_pdf_without_map_or_sample_mark():
    b = Briefing(
        title="Channel mix",
        date=dt.date(2025, 1, 2),
        findings=["One finding."],
        lang="en",
        sample_data=False,
        sections=[BriefingSection("Mean index", bar_chart("en"), "A caption.")],
    )
    pdf = briefing_to_pdf(b)
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Channel mix" in text and "2 January 2025" in text
    assert "SAMPLE" not in text and "Schematic" not in text


@needs_chromium
def test_too_much_text_raises_instead_of_cutting_off():
    b = Briefing(
        title="长" * 40,
        findings=["这是一条很长的发现。" * 12] * 30,
        sections=[BriefingSection("地图", province_map()), *[BriefingSection("图", bar_chart())] * 4],
    )
    with pytest.raises(BriefingOverflow) as raised:
        render_briefing_html(b)
    assert "一页" in raised.value.message("zh")


@needs_chromium
def test_layout_check_sees_overlap_and_cut_off_text():
    b = Briefing(
        title="A title far too long for one line of the page",
        findings=["a"],
        sections=[BriefingSection("a", bar_chart()), BriefingSection("b", bar_chart())],
    )
    cells, rows = _plan(b.section_list())
    page = _page_html(b, cells, rows, 1.0, [None, None])
    assert layout_problems(page) == []
    broken = page.replace(
        "</style>", "figure.sec { margin-top: -60px; } h1 { white-space: nowrap; font-size: 60px; }</style>"
    )
    problems = layout_problems(broken)
    assert any(p.startswith("overlap") for p in problems)
    assert any(p.startswith("text cut off") or p.startswith("outside") for p in problems)


@needs_chromium
def test_a_dead_chromium_is_replaced_on_the_next_export():
    """Kept last: it kills the module's Chromium (the process group this test run started) on purpose."""
    figure_to_png(bar_chart(), 400, 300, scale=1)
    process = browser._SERVER._kaleido.subprocess
    os.killpg(os.getpgid(process.pid), signal.SIGKILL)
    process.wait(timeout=10)
    assert figure_to_png(bar_chart(), 400, 300, scale=1).startswith(PNG_SIGNATURE)
