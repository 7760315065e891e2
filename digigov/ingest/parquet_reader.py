"""Parquet uploads: every column becomes text, so that the rest of the pipeline treats Parquet exactly like CSV
and Excel; the decoded size is bounded while reading.

The footer's own figure for the uncompressed size is checked first (a cheap refusal), but it cannot be trusted:
a footer can lie, and dictionary or run-length encoding lets a few kilobytes of pages stand for gigabytes of
values (one long string repeated a hundred million times), which the footer counts as the few kilobytes. So the
file is read in record batches, each turned into the text it will be downstream, and the reading stops with an
error naming the file as soon as the text read so far passes PARQUET_MAX_UNCOMPRESSED_BYTES; the memory held is
that cap plus one batch.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from digigov.ingest.layout import ROW, RawTable, clean_headers
from digigov.ingest.limits import MIB, PARQUET_MAX_UNCOMPRESSED_BYTES
from digigov.ingest.report import ValidationReport

log = logging.getLogger(__name__)

_TEXTUAL = (pl.String, pl.Categorical, pl.Enum, pl.Boolean, pl.Date, pl.Datetime, pl.Time, pl.Duration, pl.Decimal)
BATCH_ROWS = 65_536  # rows decoded at a time (pyarrow's default): one such batch may be held beyond the cap


class _TooLarge(Exception):
    def __init__(self, rows: int) -> None:
        self.rows = rows


def _as_text(series: pl.Series) -> pl.Series | None:
    dtype = series.dtype
    if dtype.is_numeric() or isinstance(dtype, _TEXTUAL) or dtype in _TEXTUAL or dtype == pl.Null:
        return series.cast(pl.String)
    return None


@dataclass
class _Text:
    """The file read as text: its columns in the file's order, the text columns, the others with their type."""

    order: list[str]
    height: int = 0
    chunks: list[pl.DataFrame] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _text_batches(parquet: Any, limit: int) -> Iterator[tuple[pl.DataFrame, int, list[str]]]:
    """The file's record batches as text frames, with their row count and the columns that cannot be text;
    raises _TooLarge once what is held (the text so far and the batch being decoded) passes limit bytes."""
    kept: float = 0
    rows = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, use_threads=False):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)  # a record batch gives a frame
        texts, skipped = [], []
        for name in frame.columns:
            text = _as_text(frame.get_column(name))
            if text is None:
                skipped.append(name)
            else:
                texts.append(text)
        chunk = pl.DataFrame(texts)
        rows += frame.height
        if kept + chunk.estimated_size() + frame.estimated_size() > limit:
            raise _TooLarge(rows)
        kept += chunk.estimated_size()
        yield chunk, frame.height, skipped


def _open(data: bytes, report: ValidationReport) -> tuple[Any, pl.DataFrame] | None:
    """The file and its (empty) schema as a polars frame; None when damaged or declared too large (reported)."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        metadata = parquet.metadata
        declared = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        schema = pl.from_arrow(parquet.schema_arrow.empty_table())
    except Exception as exc:  # pyarrow/polars raise many kinds for a damaged file
        log.info("parquet file rejected as corrupt: %s", type(exc).__name__)
        report.add("parquet_corrupt", "error", value=type(exc).__name__)
        return None
    assert isinstance(schema, pl.DataFrame)  # a table gives a frame
    if declared > PARQUET_MAX_UNCOMPRESSED_BYTES:
        report.add("parquet_too_large", "error", size_mb=round(declared / MIB, 1))
        return None
    return parquet, schema


def _read_text(data: bytes, report: ValidationReport) -> _Text | None:
    """All rows as text within the cap; None when refused (reported)."""
    opened = _open(data, report)
    if opened is None:
        return None
    parquet, schema = opened
    read = _Text(order=schema.columns)
    read.skipped = {c: str(schema.schema[c]) for c in schema.columns if _as_text(schema.get_column(c)) is None}
    try:
        for chunk, height, _ in _text_batches(parquet, PARQUET_MAX_UNCOMPRESSED_BYTES):
            read.chunks.append(chunk)
            read.height += height
    except _TooLarge as exc:
        log.info("parquet file rejected: decoded size above the cap after %d rows", exc.rows)
        report.add(
            "parquet_decoded_too_large",
            "error",
            file=report.file,
            limit_mb=f"{PARQUET_MAX_UNCOMPRESSED_BYTES / MIB:g}",
            rows=f"{exc.rows:,}",
        )
        return None
    except Exception as exc:  # pyarrow/polars raise many kinds for a damaged file
        log.info("parquet file rejected as corrupt: %s", type(exc).__name__)
        report.add("parquet_corrupt", "error", value=type(exc).__name__)
        return None
    return read


def read_parquet_bytes(data: bytes, report: ValidationReport) -> RawTable | None:
    read = _read_text(data, report)
    if read is None:
        return None
    text = pl.concat(read.chunks, how="vertical", rechunk=False) if read.chunks else pl.DataFrame()
    names, changes = clean_headers(read.order)
    columns: dict[str, pl.Series] = {ROW: pl.int_range(2, read.height + 2, eager=True, dtype=pl.Int64).alias(ROW)}
    for original, name in zip(read.order, names, strict=True):
        if original in read.skipped:
            report.add("parquet_unsupported_column", "warning", column=name, value=read.skipped[original])
            continue
        column = text.get_column(original) if original in text.columns else pl.Series(original, [], pl.String)
        columns[name] = column.alias(name).replace("", None)
    for _, kind, name in changes:
        if kind in ("duplicate", "renamed"):
            report.add("duplicate_header" if kind == "duplicate" else "header_renamed", "warning", row=1, column=name)
    return RawTable(frame=pl.DataFrame(columns), header_row=1)
