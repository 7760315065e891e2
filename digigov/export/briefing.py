"""The one-page briefing (简报): title, date, scope, findings, a map and up to four charts, source and notes.

How a briefing is made, all in the shared headless Chromium (digigov.export.browser):
1. The page is laid out without charts (A4 portrait, 210 x 297 mm). A script measures the chart boxes; if
   the text leaves the charts too little room, the type is scaled down step by step (to 72 % at most) and,
   if even that does not fit, BriefingOverflow is raised instead of cutting anything off.
2. kaleido renders each chart as SVG at exactly its box size (vector, text stays text in the PDF).
3. The final HTML embeds the SVGs as data-URI images (an SVG in <img> runs no script and its ids cannot
   clash) and carries no script of its own. All user text is HTML-escaped.
The PDF is Chromium's print of that HTML (one A4 page, fonts embedded, text mapped back from Kangxi radicals
to ideographs by pdf_text); the PNG is a screenshot of it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import plotly.graph_objects as go

from digigov.export.browser import TOPOJSON_URL, ExportError, PageTab, run_in_browser
from digigov.export.pdf_text import fix_cjk_text
from digigov.i18n import LANGUAGES, normalise_language, t

__all__ = [
    "CJK_FONT_STACK",
    "Briefing",
    "BriefingOverflow",
    "BriefingSection",
    "briefing_to_pdf",
    "briefing_to_png",
    "html_to_pdf",
    "html_to_png",
    "is_map",
    "layout_problems",
    "render_briefing_html",
]

CJK_FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
)
# A4 at CSS's 96 px per inch: 210 mm = 793.7 px, 297 mm = 1122.5 px.
PAGE_WIDTH_PX = 794
PAGE_HEIGHT_PX = 1123
A4_INCHES = (210 / 25.4, 297 / 25.4)
MAX_SECTIONS = 5
MIN_FONT_SCALE = 0.72
MAP_MIN_HEIGHT_PX = 220
# Width / height of a national map with its colour bar and South China Sea inset (digigov.figures.china_map).
MAP_ASPECT = 1.45
CHART_ASPECT = 1.6  # a chart box below the map grows no taller than width / this
CHART_MIN_HEIGHT_PX = 110
CHART_PREFERRED_HEIGHT_PX = 150  # the lead map grows only while the other charts keep this
GEO_TRACES = frozenset(
    {
        "choropleth",
        "scattergeo",
        "choroplethmap",
        "choroplethmapbox",
        "scattermap",
        "scattermapbox",
        "densitymap",
        "densitymapbox",
    }
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class BriefingSection(NamedTuple):
    heading: str
    figure: go.Figure
    caption: str = ""
    findings: Sequence[str] = ()  # the section's own findings, listed under its chart


@dataclass
class Briefing:
    title: str
    subtitle: str = ""
    date: dt.date | str = field(default_factory=dt.date.today)  # a date, or text shown as written
    scope: str = ""
    findings: Sequence[str] = ()
    sections: Sequence[BriefingSection | tuple[str, go.Figure, str]] = ()
    source: str = ""
    map_note: str | None = None  # None: the catalog's map note whenever a section is a map; "" for none
    sample_data: bool = True  # built-in samples: diagonal 示例数据 / SAMPLE DATA watermark and a footer line
    lang: str = "zh"

    def section_list(self) -> list[BriefingSection]:
        return [s if isinstance(s, BriefingSection) else BriefingSection(*s) for s in self.sections]


class BriefingOverflow(ExportError):
    """The text leaves the charts no room even at the smallest type: the user must shorten it."""

    def __init__(self) -> None:
        super().__init__("export.too_long")


def is_map(fig: go.Figure) -> bool:
    return any(trace.type in GEO_TRACES for trace in fig.data)


# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Cell:
    section: BriefingSection
    column: str  # CSS grid-column on a 6-column grid
    row: str
    min_height: int
    lead_rows: int = 0  # the lead map: how many grid rows it spans (its height is fitted to its shape)


def _plan(sections: list[BriefingSection]) -> tuple[list[_Cell], list[float]]:
    """Grid placement: the first map large (two thirds wide, two rows tall) with two charts beside it,
    further charts two to a row below; without a map, two charts to a row. Returns cells and row weights."""
    maps = [i for i, s in enumerate(sections) if is_map(s.figure)]
    lead = sections[maps[0]] if maps else None
    others = [s for i, s in enumerate(sections) if not maps or i != maps[0]]
    cells: list[_Cell] = []
    rows: list[float] = []

    def chart(s: BriefingSection, column: str, row: int) -> _Cell:
        return _Cell(s, column, str(row), MAP_MIN_HEIGHT_PX // 2 if is_map(s.figure) else CHART_MIN_HEIGHT_PX)

    if lead is not None and len(others) >= 2:
        cells.append(_Cell(lead, "1 / 5", "1 / 3", MAP_MIN_HEIGHT_PX, lead_rows=2))
        cells += [chart(others[0], "5 / 7", 1), chart(others[1], "5 / 7", 2)]
        rows = [1.0, 1.0]
        rest = others[2:]
    elif lead is not None:
        cells.append(_Cell(lead, "1 / 7", "1", MAP_MIN_HEIGHT_PX, lead_rows=1))
        rows = [1.8]
        rest = others
    else:
        rest = others
    for start in range(0, len(rest), 2):
        row = len(rows) + 1
        pair = rest[start : start + 2]
        if len(pair) == 2:
            cells += [chart(pair[0], "1 / 4", row), chart(pair[1], "4 / 7", row)]
        else:
            cells.append(chart(pair[0], "1 / 7", row))
        rows.append(1.0)
    return cells, rows


def _format_date(day: dt.date | str, lang: str) -> str:
    if isinstance(day, str):
        return day
    month = _MONTHS_EN[day.month - 1] if lang == "en" else day.month  # 6 May 2025 / 2025年5月6日
    return t("export.date", lang, year=day.year, month=month, day=day.day)


_CSS = """
@page { size: A4; margin: 0; }
* { box-sizing: border-box; }
html { --fs: 1; font-size: calc(13px * var(--fs)); }
html, body { margin: 0; padding: 0; background: #ffffff; }
body { font-family: FONTS; color: #1b1b1b; -webkit-print-color-adjust: exact; print-color-adjust: exact;
       overflow-wrap: anywhere; line-height: 1.45; }
.page { position: relative; width: 210mm; height: 297mm; padding: 11mm 13mm 9mm; overflow: hidden;
        display: flex; flex-direction: column; gap: calc(7px * var(--fs)); background: #ffffff; }
.kicker { display: flex; justify-content: space-between; align-items: center; font-size: 0.8rem;
          color: #1f5fa6; letter-spacing: 0.04em; }
.badge { border: 1.5px solid #b03a2e; color: #b03a2e; border-radius: 3px; padding: 0 0.45em; font-weight: 700;
         letter-spacing: 0; white-space: nowrap; margin-left: 1em; }
h1 { font-size: 1.85rem; line-height: 1.25; margin: 0.15em 0 0; font-weight: 700; }
.subtitle { font-size: 1.08rem; color: #3a3a3a; margin: 0.1em 0 0; }
.meta { display: flex; flex-wrap: wrap; column-gap: 1.6em; row-gap: 0.1em; font-size: 0.85rem; color: #444444;
        margin-top: 0.35em; padding-bottom: 0.4em; border-bottom: 2px solid #1f5fa6; }
.meta b { font-weight: 700; color: #1b1b1b; margin-right: 0.35em; }
.findings { background: #f2f5f9; border-left: 4px solid #1f5fa6; padding: 0.45em 0.9em 0.5em; }
.findings h2 { font-size: 1rem; margin: 0 0 0.15em; }
.findings ol { margin: 0; padding-left: 1.45em; font-size: 0.95rem; line-height: 1.5; }
.findings li + li { margin-top: 0.1em; }
.charts { flex: 1 1 0; min-height: 0; display: grid; grid-template-columns: repeat(6, minmax(0, 1fr));
          grid-template-rows: ROWS; gap: calc(8px * var(--fs)) calc(14px * var(--fs)); }
figure.sec { margin: 0; display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.sec h3 { font-size: 0.92rem; line-height: 1.3; margin: 0 0 0.15em; font-weight: 700; }
.box { flex: 1 1 0; min-height: 0; position: relative; }
.box img { position: absolute; left: 0; top: 0; width: 100%; height: 100%; object-fit: contain; }
.caption { font-size: 0.76rem; line-height: 1.35; color: #555555; margin: 0.2em 0 0; }
.sec-findings { font-size: 0.76rem; line-height: 1.35; margin: 0.2em 0 0; padding-left: 1.2em; }
footer { font-size: 0.74rem; line-height: 1.4; color: #4a4a4a; border-top: 1px solid #bdbdbd; padding-top: 0.35em; }
footer p { margin: 0; }
.watermark { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%) rotate(-35deg);
             font-size: 58px; font-weight: 700; color: rgba(110, 110, 110, 0.13); white-space: nowrap;
             z-index: 10; pointer-events: none; letter-spacing: 0.05em; }
"""

# Runs on the chart-less page: shrinks the type until every chart box has its minimum height and nothing
# overflows; then gives the lead map the height its shape wants, taking it from (or giving it to) the rows
# below as long as every other chart keeps its preferred height. Reports the scale, the grid rows (px) and
# the boxes' sizes.
_FIT_SCRIPT = """
(() => {
  const root = document.documentElement, page = document.querySelector('.page');
  const grid = document.querySelector('.charts');
  const boxes = [...document.querySelectorAll('.box')];
  const fits = (key = 'min') => page.scrollHeight <= page.clientHeight + 1
    && page.scrollWidth <= page.clientWidth + 1
    && boxes.every(b => b.getBoundingClientRect().height >= Number(b.dataset[key]) - 0.5);
  let scale = 1;
  for (;;) {
    root.style.setProperty('--fs', String(scale));
    if (fits() || scale <= MIN_SCALE + 1e-9) break;
    scale = Math.round((scale - 0.04) * 100) / 100;
  }
  let rows = null;
  const lead = document.querySelector('.sec[data-lead-rows]');
  if (grid && lead && fits()) {
    const span = Number(lead.dataset.leadRows);
    const style = getComputedStyle(grid);
    const tracks = style.gridTemplateRows.split(' ').map(parseFloat);
    const gap = parseFloat(style.rowGap) || 0;
    const below = tracks.length - span;
    const total = tracks.reduce((a, b) => a + b, 0);
    const wants = (cell, aspect) => {
      const box = cell.querySelector('.box'), r = box.getBoundingClientRect();
      return r.width / aspect + cell.getBoundingClientRect().height - r.height;
    };
    const px = (values) => values.map(v => v.toFixed(2) + 'px').join(' ');
    const candidates = [];
    if (below > 0 && span === 1) {
      // A full-width map: as close to its shape as the charts below allow (they keep their preferred size).
      const current = tracks[0], wanted = wants(lead, MAP_ASPECT);
      for (let i = 0; i <= 10; i++) {
        const leadPx = wanted + (current - wanted) * i / 10;
        candidates.push(px([leadPx, ...Array(below).fill((total - leadPx) / below)]));
      }
    } else if (below > 0) {
      // A map with charts beside it: the rows below get no taller than their charts' shape wants,
      // the rest goes to the map's rows (which also hold the two charts beside it).
      const share = total / tracks.length;
      const lower = [];
      for (let r = span + 1; r <= tracks.length; r++) {
        const cells = [...grid.querySelectorAll(`.sec[data-row="${r}"]`)];
        lower.push(Math.min(share, Math.max(...cells.map(c => wants(c, CHART_ASPECT)))));
      }
      const upper = (total - lower.reduce((a, b) => a + b, 0)) / span;
      candidates.push(px([...Array(span).fill(upper), ...lower]));
    }
    for (const candidate of candidates) {
      grid.style.gridTemplateRows = candidate;
      if (fits('pref')) { rows = candidate; break; }
    }
    if (rows === null) grid.style.gridTemplateRows = '';
  }
  return {scale, rows, fits: fits(),
          boxes: boxes.map(b => { const r = b.getBoundingClientRect(); return [r.width, r.height]; })};
})()
"""


def _section_findings(findings: Sequence[str]) -> str:
    shown = [f for f in (s.strip() for s in findings) if f]
    if not shown:
        return ""
    return '<ul class="sec-findings">' + "".join(f"<li>{html.escape(f)}</li>" for f in shown) + "</ul>"


def _page_html(
    b: Briefing, cells: list[_Cell], rows: list[float] | str, font_scale: float, images: Sequence[str | None]
) -> str:
    lang = normalise_language(b.lang)
    e = html.escape
    has_map = any(is_map(c.section.figure) for c in cells)
    map_note = b.map_note if b.map_note is not None else (t("map.note", lang) if has_map else "")
    badge = f'<span class="badge">{e(t("export.sample_badge", lang))}</span>' if b.sample_data else ""
    meta = [f"<span><b>{e(t('export.date_label', lang))}</b>{e(_format_date(b.date, lang))}</span>"]
    if b.scope:
        meta.append(f"<span><b>{e(t('export.scope_label', lang))}</b>{e(b.scope)}</span>")
    parts = [
        "<header>",
        f'<div class="kicker"><span>{e(t("export.kicker", lang))}</span>{badge}</div>',
        f"<h1>{e(b.title)}</h1>",
        f'<p class="subtitle">{e(b.subtitle)}</p>' if b.subtitle else "",
        f'<div class="meta">{"".join(meta)}</div>',
        "</header>",
    ]
    findings = [f for f in (s.strip() for s in b.findings) if f]
    if findings:
        items = "".join(f"<li>{e(f)}</li>" for f in findings)
        parts.append(
            f'<section class="findings"><h2>{e(t("export.findings_heading", lang))}</h2><ol>{items}</ol></section>'
        )
    if cells:
        figures = []
        for cell, image in zip(cells, images, strict=True):
            s = cell.section
            pref = 0 if cell.lead_rows else CHART_PREFERRED_HEIGHT_PX
            img = f'<img alt="{e(s.heading)}" src="{image}">' if image else ""
            lead = f' data-lead-rows="{cell.lead_rows}"' if cell.lead_rows else f' data-row="{cell.row}"'
            figures.append(
                f'<figure class="sec"{lead} style="grid-column: {cell.column}; grid-row: {cell.row};">'
                + (f"<h3>{e(s.heading)}</h3>" if s.heading else "")
                + f'<div class="box" data-min="{cell.min_height}" data-pref="{max(cell.min_height, pref)}">'
                + f"{img}</div>"
                + (f'<p class="caption">{e(s.caption)}</p>' if s.caption else "")
                + _section_findings(s.findings)
                + "</figure>"
            )
        parts.append(f'<section class="charts">{"".join(figures)}</section>')
    foot = []
    if b.source:
        foot.append(f'<p class="source">{e(t("export.source_label", lang))}{e(b.source)}</p>')
    if map_note:
        foot.append(f'<p class="map-note">{e(map_note)}</p>')
    if b.sample_data:
        foot.append(f'<p class="sample-note">{e(t("export.sample_footer", lang))}</p>')
    if foot:
        parts.append(f"<footer>{''.join(foot)}</footer>")
    if b.sample_data:
        mark = " / ".join(t("export.watermark", language) for language in LANGUAGES)  # 示例数据 / SAMPLE DATA
        parts.append(f'<div class="watermark" aria-hidden="true">{e(mark)}</div>')

    row_css = rows if isinstance(rows, str) else (" ".join(f"minmax(0, {w:g}fr)" for w in rows) or "none")
    css = _CSS.replace("FONTS", CJK_FONT_STACK).replace("ROWS", row_css)
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}" style="--fs: {font_scale:g};"><head><meta charset="utf-8">'
        f"<title>{e(b.title)}</title><style>{css}</style></head>"
        f'<body><div class="page">{"".join(parts)}</div></body></html>'
    )


def _chart_spec(fig: go.Figure, page_watermark: bool) -> dict[str, Any]:
    """The figure as a dict, with the CJK font stack if it names no font (never edits the caller's figure).

    With the page's own diagonal watermark, a figure's 示例数据 watermark (china_map adds one) is dropped
    so the two do not cross.
    """
    figure = go.Figure(fig)
    if page_watermark and figure.layout.annotations:
        marks = {t("sample.watermark", lang) for lang in LANGUAGES}
        figure.layout.annotations = [a for a in figure.layout.annotations if a.text not in marks]
    if not figure.layout.font.family:
        figure.update_layout(font_family=CJK_FONT_STACK)
    if figure.layout.margin.l is None:
        figure.update_layout(margin={"l": 40, "r": 10, "t": 20, "b": 30})
    if is_map(figure) and (figure.layout.margin.r or 0) < 24:
        # Paper-anchored labels near the right edge (the inset's name) need room at box widths < 700 px.
        figure.update_layout(margin_r=24)
    figure.update_layout(width=None, height=None, autosize=True)
    return figure.to_dict()


def _svg_data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _checked_sections(b: Briefing) -> list[BriefingSection]:
    sections = b.section_list()
    if len(sections) > MAX_SECTIONS:
        raise ExportError("export.too_many_sections", max=MAX_SECTIONS, count=len(sections))
    return sections


async def _render_html(k: Any, b: Briefing) -> str:
    import asyncio

    cells, rows = _plan(_checked_sections(b))
    page = await PageTab.open(k, PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
    try:
        await page.set_html(_page_html(b, cells, rows, 1.0, [None] * len(cells)))
        fit = await page.evaluate(
            _FIT_SCRIPT.replace("MIN_SCALE", str(MIN_FONT_SCALE))
            .replace("MAP_ASPECT", str(MAP_ASPECT))
            .replace("CHART_ASPECT", str(CHART_ASPECT))
        )
    finally:
        await page.close()
    if not fit["fits"]:
        raise BriefingOverflow()
    sizes = [(max(1, math.floor(w)), max(1, math.floor(h))) for w, h in fit["boxes"]]
    svgs = await asyncio.gather(
        *(
            k.calc_fig(
                _chart_spec(cell.section.figure, b.sample_data),
                opts={"format": "svg", "width": w, "height": h},
                topojson=TOPOJSON_URL,
            )
            for cell, (w, h) in zip(cells, sizes, strict=True)
        )
    )
    return _page_html(b, cells, fit["rows"] or rows, fit["scale"], [_svg_data_uri(svg) for svg in svgs])


def render_briefing_html(b: Briefing, timeout_s: float = 60) -> str:
    """Self-contained HTML of the one-page briefing (charts as vector SVG images, no scripts)."""
    _checked_sections(b)

    async def job(k: Any) -> str:
        return await _render_html(k, b)

    return run_in_browser(job, timeout_s)


async def _print_pdf(k: Any, page_html: str) -> bytes:
    page = await PageTab.open(k, PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
    try:
        await page.set_html(page_html)
        return await page.print_pdf(
            paperWidth=A4_INCHES[0], paperHeight=A4_INCHES[1], marginTop=0, marginBottom=0, marginLeft=0, marginRight=0
        )
    finally:
        await page.close()


async def _screenshot(k: Any, page_html: str, width: int) -> bytes:
    page = await PageTab.open(k, PAGE_WIDTH_PX, PAGE_HEIGHT_PX, device_scale=width / PAGE_WIDTH_PX)
    try:
        await page.set_html(page_html)
        return await page.screenshot(PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
    finally:
        await page.close()


def html_to_pdf(page_html: str, timeout_s: float = 30) -> bytes:
    """Print briefing HTML (from render_briefing_html) to a one-page A4 PDF: vector, fonts embedded."""
    return fix_cjk_text(run_in_browser(lambda k: _print_pdf(k, page_html), timeout_s))


def html_to_png(page_html: str, width: int = 1654, timeout_s: float = 30) -> bytes:
    """Screenshot of briefing HTML, width pixels wide (1654 = A4 at 200 dpi)."""
    return run_in_browser(lambda k: _screenshot(k, page_html, width), timeout_s)


def briefing_to_pdf(b: Briefing, timeout_s: float = 60) -> bytes:
    """The briefing as a one-page A4 PDF."""
    _checked_sections(b)

    async def job(k: Any) -> bytes:
        return await _print_pdf(k, await _render_html(k, b))

    return fix_cjk_text(run_in_browser(job, timeout_s))


def briefing_to_png(b: Briefing, width: int = 1654, timeout_s: float = 60) -> bytes:
    """The briefing as a PNG, width pixels wide (at least 1600 for print; 1654 = A4 at 200 dpi)."""
    _checked_sections(b)

    async def job(k: Any) -> bytes:
        return await _screenshot(k, await _render_html(k, b), width)

    return run_in_browser(job, timeout_s)


# Every block inside the page and apart from the others; every figure's heading, chart and caption inside
# the figure and apart; no text line wider than its box; every chart image decoded.
_LAYOUT_SCRIPT = """
(() => {
  const problems = [];
  const rect = (el) => el.getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5
    && a.bottom <= b.bottom + 0.5;
  const apart = (a, b) => a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5
    || b.bottom <= a.top + 0.5;
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
    + (el.textContent ? ' "' + el.textContent.trim().slice(0, 30) + '"' : '');
  const page = document.querySelector('.page');
  const style = getComputedStyle(page);
  const p = rect(page);
  const content = {left: p.left + parseFloat(style.paddingLeft), right: p.right - parseFloat(style.paddingRight),
                   top: p.top + parseFloat(style.paddingTop), bottom: p.bottom - parseFloat(style.paddingBottom)};
  const blocks = [...page.querySelectorAll(':scope > header, :scope > .findings, figure.sec, :scope > footer')];
  blocks.forEach(b => { if (!inside(rect(b), content)) problems.push('outside the page: ' + name(b)); });
  blocks.forEach((a, i) => blocks.slice(i + 1).forEach(b => {
    if (!apart(rect(a), rect(b))) problems.push('overlap: ' + name(a) + ' / ' + name(b));
  }));
  document.querySelectorAll('figure.sec').forEach(f => {
    const parts = [...f.children];
    parts.forEach(c => { if (!inside(rect(c), rect(f))) problems.push('outside its figure: ' + name(c)); });
    parts.forEach((a, i) => parts.slice(i + 1).forEach(b => {
      if (!apart(rect(a), rect(b))) problems.push('overlap: ' + name(a) + ' / ' + name(b));
    }));
  });
  document.querySelectorAll('h1, h2, h3, p, li, span').forEach(el => {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline')
      problems.push('text cut off: ' + name(el));
  });
  document.querySelectorAll('img').forEach(img => {
    if (!img.complete || !img.naturalWidth) problems.push('image not drawn: ' + img.alt);
    if (!inside(rect(img), rect(img.parentElement))) problems.push('image outside its box: ' + img.alt);
  });
  const mark = page.querySelector('.watermark');
  if (mark && !inside(rect(mark), p)) problems.push('watermark cut off');
  if (page.scrollHeight > page.clientHeight + 1 || page.scrollWidth > page.clientWidth + 1)
    problems.push('page overflows');
  return problems;
})()
"""


def layout_problems(page_html: str, timeout_s: float = 30) -> list[str]:
    """What is out of place in briefing HTML as Chromium lays it out: blocks outside the page or on top of
    each other, text wider than its box, charts not drawn. Empty when the layout is clean."""

    async def job(k: Any) -> list[str]:
        page = await PageTab.open(k, PAGE_WIDTH_PX, PAGE_HEIGHT_PX)
        try:
            await page.set_html(page_html)
            return list(await page.evaluate(_LAYOUT_SCRIPT))
        finally:
            await page.close()

    return run_in_browser(job, timeout_s)
