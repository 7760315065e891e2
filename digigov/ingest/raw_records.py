"""Raw records (one row per respondent or transaction): answers checked, then aggregated into counts and shares
(digigov.ingest.channel_records.aggregate_raw_records, digigov.ingest.demand_records.aggregate_raw_answers)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import polars as pl

from digigov.codes import CHANNELS
from digigov.engine import FirstPass, Key, Measure, RecordsLike, count_rows, first_pass
from digigov.indicators import load_catalog
from digigov.ingest.channel_records import aggregate_raw_records, aggregate_transactions
from digigov.ingest.columns import ColumnMapping
from digigov.ingest.demand_records import aggregate_raw_answers
from digigov.ingest.labels import (
    CHANNEL_LABELS,
    REASON_LABELS,
    map_label,
    parse_completed,
    parse_satisfied,
    parse_yes_no,
)
from digigov.ingest.layout import ADCODE, DIMENSIONS, DRAWN, LEVEL, ROW, YEAR, dim_column, indicator_column
from digigov.ingest.privacy import mask_text
from digigov.ingest.report import ValidationReport
from digigov.ingest.shapes import ShapeResult
from digigov.ingest.values import is_missing, parse_number_column
from digigov.regions import load_gazetteer

logger = logging.getLogger(__name__)


@dataclass
class RawRecords:
    """Raw records and the arguments for the aggregator that turns them into counts."""

    kind: str  # "channels", "demand" or "transactions"
    frame: pl.DataFrame  # cleaned records: identifiers removed, regions as adcodes, years as integers
    arguments: dict[str, Any]  # keyword arguments for aggregate_raw_records / aggregate_raw_answers


def check_raw(work: pl.DataFrame, mapping: ColumnMapping, shape: ShapeResult, report: ValidationReport) -> RawRecords:
    """Check the answers (labels, yes/no, weights) and name the aggregator's arguments: the cleaned records to
    aggregate. Problems go to the report."""
    valid = work.filter(pl.col(ADCODE).is_not_null() & pl.col(YEAR).is_not_null())
    dims = {n: dim_column(n) for n in DIMENSIONS if dim_column(n) in work.columns}
    answer_cols = dict(shape.answers)
    if shape.shape == "raw_transactions":
        return _check_transactions(valid, shape, report)
    for column in answer_cols.values():
        _check_labels(report, valid, column, parse_yes_no, "not_yes_no")
    weight_col = mapping.first("weight") if shape.shape == "raw_channels" else None
    if weight_col:
        errors = parse_number_column(valid.get_column(weight_col)).errors
        report.add_rows(
            "not_a_number",
            "error",
            valid.select(ROW, weight_col).filter(errors),
            row=ROW,
            value=weight_col,
            column=weight_col,
        )
    if shape.shape == "raw_channels":
        channel = shape.channel
        if channel is None:  # detect_shape always names the channel column of a raw_channels shape
            raise ValueError("raw_channels shape without a channel column")
        _check_labels(
            report, valid, channel, lambda v: map_label(v, CHANNEL_LABELS), "unknown_channel", missing_is_error=True
        )
        arguments: dict[str, Any] = dict(
            region_col=ADCODE,
            channel_col=channel,
            offline_col=answer_cols.get("prefers_offline"),
            weight_col=weight_col,
            period_col=YEAR,
            entity_col=dims.get("entity_type"),
            category_col=dims.get("service_category"),
            resolve_regions=False,
        )
        kind = "channels"
    else:
        reason_col = mapping.first("reason")
        if reason_col:
            _check_labels(report, valid, reason_col, lambda v: map_label(v, REASON_LABELS), "unknown_reason")
        completed = answer_cols.get("completed")
        arguments = dict(
            region_col=ADCODE,
            need_col=answer_cols["need"],
            aware_col=answer_cols["aware"],
            used_col=answer_cols["used"],
            completed_col=completed,
            satisfied_col=answer_cols.get("satisfied") if completed else None,
            reason_col=reason_col,
            period_col=YEAR,
            category_col=dims.get("service_category"),
            resolve_regions=False,
        )
        kind = "demand"
    keep = [
        c
        for c in dict.fromkeys(
            [ROW, ADCODE, YEAR, LEVEL, DRAWN, *[a for a in arguments.values() if isinstance(a, str)]]
        )
        if c
    ]
    return RawRecords(kind, valid.select(keep), arguments)


def _check_transactions(valid: pl.DataFrame, shape: ShapeResult, report: ValidationReport) -> RawRecords:
    """A transaction log's channel, status and rating labels checked (file, row, column, value in the report) and
    the arguments of aggregate_transactions named."""
    channel = shape.channel
    if channel is None:  # detect_shape always names the channel column of a transaction log
        raise ValueError("raw_transactions shape without a channel column")
    _check_labels(
        report,
        valid,
        channel,
        lambda v: map_label(v, CHANNEL_LABELS),
        "transaction_unknown_channel",
        missing_is_error=True,
    )
    completed, satisfied = shape.answers.get("completed"), shape.answers.get("satisfied")
    if completed:
        _check_labels(report, valid, completed, parse_completed, "transaction_unknown_status")
    if satisfied:
        _check_labels(report, valid, satisfied, parse_satisfied, "transaction_unknown_rating")
    arguments: dict[str, Any] = dict(
        region_col=ADCODE,
        channel_col=channel,
        period_col=YEAR,
        completed_col=completed,
        satisfied_col=satisfied,
        resolve_regions=False,
    )
    report.add(
        "transaction_log",
        "info",
        channel=channel,
        completed=completed or "—",
        satisfied=satisfied or "—",
    )
    keep = [c for c in dict.fromkeys([ROW, ADCODE, YEAR, LEVEL, DRAWN, channel, completed, satisfied]) if c]
    return RawRecords("transactions", valid.select(keep), arguments)


def aggregate_records(
    raw: RawRecords,
    report: ValidationReport,
    records: RecordsLike | None = None,
) -> tuple[pl.DataFrame | None, pl.DataFrame | None, list[str]]:
    """Aggregate checked records (raw.frame, or the same columns from `records`, e.g. a lazy scan of a large file's
    cleaned chunks) into the aggregator's counts and the keyed shares frame with its value columns (Nones on
    errors). Call only when the report has no errors."""
    records = raw.frame if records is None else records
    try:
        if raw.kind == "channels":
            counts = aggregate_raw_records(records, **raw.arguments)
        elif raw.kind == "transactions":
            counts = aggregate_transactions(records, **raw.arguments)
        else:
            aggregated = aggregate_raw_answers(records, **raw.arguments)
            counts = aggregated.counts
            for key, count in aggregated.report.issues.items():
                if count:
                    report.add("answers_inconsistent", "warning", value=key, check=key, count=count)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        # UnknownLabelError, a bad weight or a column polars cannot cast: the analyst's file, so report it.
        logger.info("raw %s records not aggregated: %s", raw.kind, type(exc).__name__)
        report.add("raw_aggregation_failed", "error", value=mask_text(str(exc))[:200])
        return None, None, []
    rows = count_rows(records)
    report.add("raw_aggregated", "info", rows=rows, groups=counts.height)
    if raw.kind == "transactions":  # the preview's shares: channels per 办件 (the catalog's "x / respondents")
        shares = counts.select("adcode", "year", *CHANNELS, pl.col("records").alias("respondents"))
        keyed, values = _shares_from_counts(shares)
        return counts, keyed, values
    keyed, values = _shares_from_counts(counts)
    return counts, keyed, values


def _check_labels(
    report: ValidationReport, frame: pl.DataFrame, column: str, mapper, code: str, missing_is_error: bool = False
) -> None:
    spec = FirstPass((Key(column, column, text=False),), (Measure(ROW, "min", ROW), Measure("len", "count")))
    counts = first_pass(frame, spec).sort(ROW)
    for value, row, count in counts.iter_rows():
        if value is None or is_missing(value):
            if missing_is_error:
                report.add(code, "error", row=row, column=column, value="", count=count)
            continue
        if mapper(value) is None:
            report.add(code, "error", row=row, column=column, value=value, count=count)


def _shares_from_counts(counts: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The aggregator's counts → the normalised frame's keys and shares (catalog formulas "x / y")."""
    gazetteer = load_gazetteer()
    values: list[str] = []
    exprs = []
    for indicator in load_catalog().values():
        parts = [p.strip() for p in indicator.formula.split("/")]
        if len(parts) == 2 and parts[0] in counts.columns and parts[1] in counts.columns:
            denominator = pl.col(parts[1]).cast(pl.Float64)
            exprs.append(
                pl.when(denominator > 0)
                .then(pl.col(parts[0]).cast(pl.Float64) / denominator)
                .alias(indicator_column(indicator.id))
            )
            values.append(indicator_column(indicator.id))
    rename = {"adcode": ADCODE, "year": YEAR, **{n: dim_column(n) for n in DIMENSIONS}, "respondents": "__sample_size"}
    frame = counts.with_columns(exprs).rename({k: v for k, v in rename.items() if k in counts.columns})
    frame = frame.with_columns(pl.col(YEAR).cast(pl.Int32, strict=False), pl.lit(None, dtype=pl.Int64).alias(ROW))
    codes = [c for c in frame.get_column(ADCODE).drop_nulls().unique().to_list() if c in gazetteer]
    frame = frame.with_columns(
        pl.col(ADCODE)
        .replace_strict({c: gazetteer[c].level for c in codes}, default=None, return_dtype=pl.String)
        .alias(LEVEL),
        pl.col(ADCODE)
        .replace_strict({c: gazetteer[c].has_boundary for c in codes}, default=None, return_dtype=pl.Boolean)
        .alias(DRAWN),
    )
    return frame, [*values, "__sample_size"]


def platform_arguments(raw: RawRecords, mapping: ColumnMapping) -> dict[str, Any] | None:
    """The aggregator's arguments for the same records as the file's columns name them (not the checked frame's
    adcode, year and dimension columns), so that the same log kept as a platform table can be aggregated in place
    with the mapping the analyst confirmed on its upload (digigov.platform_records). Regions are then resolved by
    the aggregator from the file's own region column (a code column first, else a city column read at prefecture
    level, else the region column). None when the mapping has no region or year column."""
    region = mapping.first("region_code") or mapping.first("city") or mapping.first("region")
    year = mapping.first("year")
    if region is None or year is None:
        return None
    renamed = {ADCODE: region, YEAR: year, **{dim_column(n): mapping.first(n) for n in DIMENSIONS}}
    out = {k: renamed.get(v, v) if isinstance(v, str) else v for k, v in raw.arguments.items()}
    out["resolve_regions"] = True
    if region == mapping.first("city") and not mapping.first("region_code"):
        out["level"] = "prefecture"
    return out
