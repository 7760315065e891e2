"""The 示例数据 / SAMPLE DATA label that every export of the built-in samples carries (uploaded data: none).

- Tables (CSV and the .xlsx data sheet): a first column 数据说明 / Data note holding the label on every row. A
  column, not a leading comment or title line, so that Excel, WPS, pandas, polars and R read the file as a
  plain table with its header on line 1, and a row copied out of it still says where it came from.
- .xlsx: the same column, plus a second sheet 说明 / Notes with the label in words. The data stay the first
  (active) sheet, so readers that take the first sheet get the table.
- Images (chart PNG/PDF/SVG): a diagonal watermark like the maps' own, added unless the figure has one.
- The briefing has its own page watermark and footer line (digigov.export.briefing, Briefing.sample_data).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from digigov.i18n import LANGUAGES, t

WATERMARK_FONT = {"size": 44, "color": "rgba(120,120,120,0.13)"}  # as on the maps (figures/china_map.py)


def sample_mark() -> str:
    """示例数据 / SAMPLE DATA: both languages, whatever the page's language (as the briefing's watermark)."""
    return " / ".join(t("export.watermark", language) for language in LANGUAGES)


@dataclass(frozen=True)
class SampleLabel:
    """What a table export of sample data carries, in the page's language."""

    column: str  # the label column's header: 数据说明 / Data note
    text: str  # the cell on every row: 示例数据 / SAMPLE DATA：…不是官方统计数据。
    notes_sheet: str  # the .xlsx notes sheet's name: 说明 / Notes
    notes: tuple[str, ...]  # the notes sheet's lines


def sample_label(lang: str, data_sheet: str = "data") -> SampleLabel:
    column = t("export.sample_column", lang)
    text = t("export.sample_label", lang, mark=sample_mark())
    return SampleLabel(
        column=column,
        text=text,
        notes_sheet=t("export.notes_sheet", lang),
        notes=(text, t("export.notes_rows", lang, sheet=data_sheet, column=column)),
    )


def label_frame(frame: pl.DataFrame, label: SampleLabel | None) -> pl.DataFrame:
    """frame with the label column first (None: frame unchanged). A clashing column name gets underscores."""
    if label is None:
        return frame
    name = label.column
    while name in frame.columns:
        name += "_"
    return frame.select(pl.lit(label.text, dtype=pl.String).alias(name), pl.all())


def _is_sample_watermark(text: object) -> bool:
    marks = {html.escape(m) for m in (sample_mark(), *(t("sample.watermark", lang) for lang in LANGUAGES))}
    return isinstance(text, str) and text in marks


def has_sample_watermark(fig: go.Figure) -> bool:
    return any(_is_sample_watermark(a.text) for a in fig.layout.annotations or ())


def mark_sample(fig: go.Figure) -> go.Figure:
    """A copy of fig with the diagonal 示例数据 / SAMPLE DATA watermark (fig itself is never changed). A figure
    that already carries a sample watermark (the maps draw one) keeps just that one."""
    copy = go.Figure(fig)
    if has_sample_watermark(copy):
        return copy
    copy.add_annotation(
        text=html.escape(sample_mark()),
        name="sample_watermark",
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font=WATERMARK_FONT,
        textangle=-20,
    )
    return copy
