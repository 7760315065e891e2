"""The upload page's words about a file read by digigov.ingest: what was detected, how an import is getting on,
the labels of the mapping and region pickers, and the validation report in the user's language. The page's
widgets (and the saving) stay in views/upload.py and components/upload_review.py."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.i18n import t
from digigov.indicators import load_catalog
from digigov.ingest import IngestResult
from digigov.ingest.chunked import ImportProgress
from digigov.ingest.limits import MIB
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


def report_table(result: IngestResult, lang: str) -> pl.DataFrame:
    """The validation report's errors and warnings with their messages in lang only."""
    return result.report.to_frame().drop("message_en" if lang == "zh" else "message_zh")
