"""The upload page's words about a file read by digigov.ingest: what was detected, how an import is getting on,
the labels of the mapping and region pickers, and the validation report in the user's language. The page's
widgets (and the saving) stay in views/upload.py and components/upload_review.py."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.i18n import catalog as i18n_catalog
from digigov.i18n import t
from digigov.indicators import load_catalog
from digigov.ingest import IngestResult, Progress
from digigov.ingest.chunked import ImportProgress
from digigov.ingest.columns import ColumnMatch
from digigov.ingest.limits import MIB
from digigov.ingest.report import group_issues
from digigov.regions import load_gazetteer

NOT_MAPPED = "__none__"  # the pickers' "leave it out" option


@dataclass(frozen=True)
class DetectedFormat:
    """What the reader found: the table's shape, and its encoding and delimiter when it read text."""

    shape: str
    details: str  # "编码: gbk · 分隔符: ','"; empty for a spreadsheet or Parquet file


def detected_format(result: IngestResult, lang: str) -> DetectedFormat:
    parts = [
        f"{t('upload.encoding', lang)}: {result.encoding}" if result.encoding else "",
        f"{t('upload.delimiter', lang)}: {result.delimiter!r}" if result.delimiter else "",
    ]
    return DetectedFormat(
        shape=t(f"ingest.shape.{result.shape}", lang), details=" · ".join(part for part in parts if part)
    )


def progress_text(progress: ImportProgress, lang: str) -> str:
    """The running import's progress: megabytes read of the total, rows, seconds so far and, while reading,
    an estimate of the seconds left."""
    if progress.stage == "aggregating":
        return t("upload.import_aggregating", lang, rows=f"{progress.rows:,}")
    text = t(
        "upload.import_progress",
        lang,
        done=f"{progress.bytes_done / MIB:,.0f}",
        total=f"{progress.bytes_total / MIB:,.0f}",
        rows=f"{progress.rows:,}",
        seconds=f"{progress.seconds:.0f}",
    )
    left = progress.remaining_seconds
    return text if left is None else text + t("upload.import_remaining", lang, seconds=f"{max(left, 1):.0f}")


def reading_text(progress: Progress, lang: str) -> str:
    """An upload being read and checked: megabytes read of the total and rows checked, then the check under way."""
    return t(
        f"upload.reading.{progress.stage}",
        lang,
        done=f"{progress.bytes_read / MIB:,.1f}",
        total=f"{progress.bytes_total / MIB:,.1f}",
        rows=f"{progress.rows_checked:,}",
    )


def mapping_target_label(target: str, lang: str) -> str:
    """A column-mapping choice: leave the column out, an indicator of the catalog, or a role (region, year…)."""
    catalog = load_catalog()
    if target == NOT_MAPPED:
        # Not "忽略": two options with one label are one option to the widget (it keeps the label), so an
        # unassigned column would silently turn into an ignored one on the next rerun.
        return t("upload.not_assigned", lang)
    if target in catalog:
        return catalog[target].name(lang)
    return t(f"ingest.role.{target}", lang)


def region_option_label(adcode: str, lang: str) -> str:
    """A region the user can match an unknown name to: both names and the adcode, so either script finds it."""
    if adcode == NOT_MAPPED:
        return t("upload.region_skip", lang)
    region = load_gazetteer()[adcode]
    return f"{region.name_zh} · {region.name_en} ({adcode})"


# -- the validation report, grouped by problem ------------------------------------------------------------------
REPORT_FIELDS = ("message", "severity", "count", "rows", "column", "value", "sheet")
ROWS_LISTED = 10  # row numbers shown in a group's row; the CSV download has every listed row


def severity_label(severity: str, lang: str) -> str:
    return t(f"upload.severity.{severity}", lang)


def _listed(items: tuple, more: bool, lang: str) -> str:
    shown = [str(item) for item in items[:ROWS_LISTED]]
    text = t("upload.list_separator", lang).join(shown)
    return t("upload.list_more", lang, items=text) if text and (more or len(items) > ROWS_LISTED) else text


def report_table(result: IngestResult, lang: str) -> pl.DataFrame:
    """The report for people: one row per kind of problem, the message first, then its severity (错误/警告/提示),
    how many rows it concerns and the first of them; column names in lang, empty text (never None) for nothing."""
    rows = []
    groups = group_issues(result.report)
    for group in groups:
        message = group.first.message(lang)
        if group.count > 1:
            message = t("upload.report_group", lang, count=f"{group.count:,}", message=message)
        rows.append(
            {
                "message": message,
                "severity": severity_label(group.severity, lang),
                "count": group.count,
                "rows": _listed(group.rows, group.count > len(group.rows), lang),
                "column": _listed(group.columns, False, lang),
                "value": _listed(group.values, False, lang),
                "sheet": _listed(group.sheets, False, lang),
            }
        )
    frame = pl.DataFrame(
        rows, schema={name: pl.Int64 if name == "count" else pl.String for name in REPORT_FIELDS}, orient="row"
    )
    if not any(group.sheets for group in groups):
        frame = frame.drop("sheet")
    return frame.rename({name: t(f"upload.report_col.{name}", lang) for name in frame.columns})


# -- the normalised preview -------------------------------------------------------------------------------------
PREVIEW_ROWS = 50
_OWN_COLUMNS = ("adcode", "region", "drawn")  # the preview's own labels; roles (year, level…) use ingest.role.*


def preview_column_label(column: str, lang: str) -> str:
    """A normalised column in the page's language: an indicator's name with its unit, a role, or the column."""
    catalog = load_catalog()
    if column in catalog:
        indicator = catalog[column]
        unit = indicator.unit_label(lang)
        if not unit:
            return indicator.name(lang)
        return t("upload.preview_with_unit", lang, name=indicator.name(lang), unit=unit)
    if column in _OWN_COLUMNS:
        return t(f"upload.preview_col.{column}", lang)
    key = f"ingest.role.{column}"
    return t(key, lang) if key in i18n_catalog() else column


def preview_table(result: IngestResult, lang: str, rows: int = PREVIEW_ROWS) -> pl.DataFrame | None:
    """The first rows of the normalised table for people: the region's name beside its code, levels and yes/no
    in words, indicators under their names and units (shares as percentages, as the pages show them)."""
    if result.frame is None or not result.frame.height:
        return None
    frame = result.frame.head(rows)
    catalog = load_catalog()
    regions = load_gazetteer().regions
    columns: list[pl.Series] = []
    for name in frame.columns:
        series = frame[name]
        if name in catalog and series.dtype.is_numeric():
            # as text: a missing value is an empty cell (not "None"); shares as the percentages the pages show
            scale = catalog[name].scale
            series = pl.Series(name, [_number_text(v, scale) for v in series.to_list()], dtype=pl.String)
        elif name == "level":
            labels = {v: _level_label(v, lang) for v in series.drop_nulls().unique().to_list()}
            series = series.replace_strict(labels, default=None, return_dtype=pl.String)
        elif name == "drawn" and series.dtype == pl.Boolean:
            words = {True: t("upload.preview_drawn_yes", lang), False: t("upload.preview_drawn_no", lang)}
            series = series.replace_strict(words, default=None, return_dtype=pl.String)
        columns.append(series.alias(preview_column_label(name, lang)))
        if name == "adcode":
            names = [
                (regions[code].name_en if lang == "en" else regions[code].name_zh) if code in regions else ""
                for code in frame[name].cast(pl.String).fill_null("").to_list()
            ]
            columns.append(pl.Series(preview_column_label("region", lang), names, dtype=pl.String))
    table = pl.DataFrame(columns)
    strings = [c for c, dtype in table.schema.items() if dtype == pl.String]
    return table.with_columns(pl.col(c).fill_null("") for c in strings)


def _number_text(value: float | None, scale: float) -> str:
    if value is None or value != value:  # missing or NaN
        return ""
    return f"{value * scale:,.6f}".rstrip("0").rstrip(".")


def _level_label(level: str | None, lang: str) -> str:
    if level is None:
        return ""
    key = f"upload.preview_level.{level}"
    return t(key, lang) if key in i18n_catalog() else level


def match_caption(match: ColumnMatch, lang: str) -> str:
    """How sure the column mapping is: "按含义匹配，置信度 85%", or the suggestion not applied ("建议：…（55%）")."""
    percent = f"{match.confidence * 100:.0f}"
    if match.target is not None:
        return t("upload.match_meaning" if match.by_meaning else "upload.match_exact", lang, percent=percent)
    if match.suggestion is not None:
        target = mapping_target_label(match.suggestion, lang)
        if match.confidence > 0:
            return t("upload.match_suggestion", lang, target=target, percent=percent)
        return t("upload.match_suggestion_taken", lang, target=target)
    return t("upload.match_none", lang)
