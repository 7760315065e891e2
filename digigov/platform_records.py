"""Logs that already live in the platform (a table the engine reads in place, DIGIGOV_RECORDS_TABLE, or Parquet
parts under DIGIGOV_RECORDS_LOCATION) aggregated with the column mapping an upload of the same log was saved
with: the records never leave the engine, only the counts per region and year come back (issue 14).

An upload of raw records (a sample of the log, or last month's export) stores the aggregator's arguments as the
file names its columns (ingest.raw_records.platform_arguments) in its dataset's meta; such a dataset is a
template. Aggregating the platform's records with a template gives the counts of the same page kind, checked the
way the aggregator checks (every unknown channel, answer or region is an error naming its value and count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from digigov.access import current_user, visible
from digigov.engine import Records, RecordsTable, configured_records
from digigov.ingest.raw_records import RawRecords, aggregate_records
from digigov.ingest.report import ValidationReport
from digigov.storage import DatasetRecord, DatasetStore

META_KEY = "records"  # {"kind": "channels" | "demand" | "transactions", "arguments": {...}}
PAGE_KINDS = {"channels": "city_channels", "demand": "demand_funnel", "transactions": "city_transactions"}


@dataclass(frozen=True)
class PlatformAggregate:
    """The counts of the platform's records (None with the report's errors), the page kind they stand in for and
    the report of the aggregation (its rows and groups, or what stopped it)."""

    kind: str
    counts: pl.DataFrame | None
    report: ValidationReport
    template: DatasetRecord
    source: str  # the table or location the records were read from

    @property
    def ok(self) -> bool:
        return self.counts is not None and self.report.ok


def template_meta(kind: str, arguments: dict[str, Any] | None) -> dict[str, Any]:
    """What a raw-record upload stores to be a template (nothing when its mapping names no region or year)."""
    return {META_KEY: {"kind": kind, "arguments": arguments}} if arguments else {}


def templates(store: DatasetStore) -> list[DatasetRecord]:
    """The saved raw-record datasets this user may see whose mapping can aggregate the platform's records."""
    out = []
    for record in visible(current_user(), store.list()):
        spec = (record.meta or {}).get(META_KEY)
        if isinstance(spec, dict) and spec.get("kind") in PAGE_KINDS and isinstance(spec.get("arguments"), dict):
            out.append(record)
    return out


def records_source(records: Records) -> str:
    """The table's name or the parts' location, for the page and the report."""
    return records.name if isinstance(records, RecordsTable) else records.location


def aggregate_platform(template: DatasetRecord, records: Records | None = None) -> PlatformAggregate:
    """The platform's records (default: configured_records()) aggregated on the configured engine with the
    template's arguments."""
    records = configured_records() if records is None else records
    spec = (template.meta or {})[META_KEY]
    kind = str(spec["kind"])
    report = ValidationReport(file=records_source(records))
    raw = RawRecords(kind, pl.DataFrame(), dict(spec["arguments"]))
    counts, _, _ = aggregate_records(raw, report, records)
    return PlatformAggregate(PAGE_KINDS[kind], counts, report, template, records_source(records))
