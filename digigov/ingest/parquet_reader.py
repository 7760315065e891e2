"""Parquet uploads: the footer is checked first (declared uncompressed size), then every column becomes text,
so that the rest of the pipeline treats Parquet exactly like CSV and Excel."""

from __future__ import annotations

import io
import logging

import polars as pl

from digigov.ingest.layout import ROW, RawTable, clean_headers
from digigov.ingest.limits import MIB, PARQUET_MAX_UNCOMPRESSED_BYTES
from digigov.ingest.report import ValidationReport

log = logging.getLogger(__name__)

_TEXTUAL = (pl.String, pl.Categorical, pl.Enum, pl.Boolean, pl.Date, pl.Datetime, pl.Time, pl.Duration, pl.Decimal)


def _as_text(series: pl.Series) -> pl.Series | None:
    dtype = series.dtype
    if dtype.is_numeric() or isinstance(dtype, _TEXTUAL) or dtype in _TEXTUAL or dtype == pl.Null:
        return series.cast(pl.String)
    return None


def read_parquet_bytes(data: bytes, report: ValidationReport) -> RawTable | None:
    try:
        import pyarrow.parquet as pq

        metadata = pq.ParquetFile(io.BytesIO(data)).metadata
        declared = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    except Exception as exc:  # pyarrow/polars raise many kinds for a damaged file
        log.info("parquet file rejected as corrupt: %s", type(exc).__name__)
        report.add("parquet_corrupt", "error", value=type(exc).__name__)
        return None
    if declared > PARQUET_MAX_UNCOMPRESSED_BYTES:
        report.add("parquet_too_large", "error", size_mb=round(declared / MIB, 1))
        return None
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow/polars raise many kinds for a damaged file
        log.info("parquet file rejected as corrupt: %s", type(exc).__name__)
        report.add("parquet_corrupt", "error", value=type(exc).__name__)
        return None
    names, changes = clean_headers(frame.columns)
    columns: dict[str, pl.Series] = {ROW: pl.int_range(2, frame.height + 2, eager=True, dtype=pl.Int64).alias(ROW)}
    for original, name in zip(frame.columns, names, strict=True):
        text = _as_text(frame.get_column(original))
        if text is None:
            report.add("parquet_unsupported_column", "warning", column=name, value=str(frame.schema[original]))
            continue
        columns[name] = text.alias(name).replace("", None)
    for _, kind, name in changes:
        if kind in ("duplicate", "renamed"):
            report.add("duplicate_header" if kind == "duplicate" else "header_renamed", "warning", row=1, column=name)
    return RawTable(frame=pl.DataFrame(columns), header_row=1)
