"""read_upload: the bytes of an uploaded file in; a validated, privacy-safe, normalised table and a report out.

Pure: no files written, no global state changed. Never raises for anything about the file (its size, bytes,
encoding, layout, values or regions): every problem becomes a row of the ValidationReport. Nothing here stores
anything; the caller stores `result.frame` only when `result.ok` (no errors; warnings may be accepted).

The normalised frame has one row per region × year (× entity type × service category when the file has them):
``adcode`` (text), ``level`` (province / prefecture), ``drawn`` (False for units without a boundary such as
新疆生产建设兵团: kept in tables, not drawn on maps), ``year`` (Int32), the dimension columns, ``sample_size`` and
``entities`` when present, then one Float64 column per catalog indicator, named by indicator id, in stored units
(shares and percentage points as fractions: 45.3% → 0.453; points, counts and days as written).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import cast

import polars as pl

from digigov.engine import RecordsLike
from digigov.i18n import t
from digigov.indicators import Indicator, load_catalog
from digigov.ingest import catalogue, sharing_tables
from digigov.ingest.columns import (
    ColumnMapping,
    ColumnMatch,
    apply_user_mapping,
    fold,
    header_says_percent,
    propose_mapping,
    split_unit,
)
from digigov.ingest.csv_reader import DELIMITER_NAMES, read_csv_text
from digigov.ingest.decode import DecodeError, decode_bytes
from digigov.ingest.excel_reader import inspect_xlsx, read_xlsx
from digigov.ingest.labels import CATEGORY_LABELS, ENTITY_LABELS, map_label
from digigov.ingest.layout import (
    ADCODE,
    DIMENSIONS,
    DRAWN,
    LEVEL,
    ROW,
    YEAR,
    RawTable,
    TitleInfo,
    dim_column,
    indicator_column,
    parse_title,
)
from digigov.ingest.limits import MIB, max_upload_bytes
from digigov.ingest.parquet_reader import read_parquet_bytes
from digigov.ingest.privacy import (
    PrivacyNotice,
    contains_identifier,
    drop_identifiers,
    mask_text,
    redact_text,
    scan_identifiers,
)
from digigov.ingest.progress import ProgressCallback, ProgressReporter
from digigov.ingest.raw_records import RawRecords, aggregate_records, check_raw
from digigov.ingest.region_columns import attach_regions, holds_countries, split_aggregates
from digigov.ingest.regions_resolve import RegionResolution
from digigov.ingest.report import Severity, ValidationReport
from digigov.ingest.shapes import (
    PERIOD_SOURCE,
    PeriodLayout,
    ShapeResult,
    detect_shape,
    melt_periods,
    periods_layout,
)
from digigov.ingest.sniff import Sniffed, extension_kind, sniff
from digigov.ingest.uncatalogued import column_values, numeric_candidates
from digigov.ingest.values import (
    SCIENTIFIC_PATTERN,
    UNIT_WORDS,
    ParsedColumn,
    Scale,
    UnitInference,
    bare_cells,
    infer_scale,
    parse_number_column,
    parse_year_column,
)

log = logging.getLogger(__name__)

EXTRA_NUMBERS: tuple[str, ...] = ("sample_size", "entities")
DELIMITER_ZH = {"comma": "逗号", "tab": "制表符", "semicolon": "分号", "pipe": "竖线"}
KIND_LABELS = {
    "text": "CSV/TSV",
    "xlsx": "Excel .xlsx",
    "parquet": "Parquet",
    "xls": "Excel 97-2003 .xls",
    "ods": "OpenDocument .ods",
    "office": "Office",
    "zip": "ZIP",
    "binary": "binary",
    "empty": "empty",
}


@dataclass
class IngestResult:
    name: str
    size: int
    report: ValidationReport
    kind: str = "empty"  # text, xlsx, parquet, or what the bytes were instead
    encoding: str | None = None
    bom: bool = False
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None
    text_frame: pl.DataFrame | None = None  # as read: every column text, identifiers removed
    source_rows: pl.Series | None = None  # each text_frame row's row number in the file
    proposed_mapping: ColumnMapping | None = None
    mapping: ColumnMapping | None = None  # the proposal with the user's changes applied
    shape: str = "unknown"
    shape_result: ShapeResult | None = None  # the shape with its answer and channel columns
    units: dict[str, UnitInference] = field(default_factory=dict)  # per indicator column (wide) or id (long)
    regions: RegionResolution = field(default_factory=RegionResolution)
    frame: pl.DataFrame | None = None  # normalised; store only when ok
    raw: RawRecords | None = None
    aggregated: pl.DataFrame | None = None  # raw shapes: the counts made by the analysis aggregator
    aggregates: pl.DataFrame | None = None  # 全国/合计/平均/全省 rows, as read: a reference value, not regions
    privacy: PrivacyNotice | None = None
    title: TitleInfo | None = None  # what the lines above and below the table say (指标：…, 数据来源：…)
    periods: PeriodLayout | None = None  # periods as columns: the layout the table was reshaped from
    uncatalogued: list[UncataloguedIndicator] = field(default_factory=list)  # numbers read, no catalog indicator

    @property
    def ok(self) -> bool:
        """True when the dataset may be accepted: a normalised frame and no errors."""
        return self.report.ok and self.frame is not None and self.frame.height > 0

    @property
    def issues(self) -> pl.DataFrame:
        return self.report.to_frame()


@dataclass(frozen=True)
class UncataloguedIndicator:
    """An indicator read from the file that is not in the catalog (宽带接入用户 in an NBS export): everything a
    user-indicator feature needs to store it once the analyst confirms its name, unit, polarity and level."""

    name: str  # as written, without the unit: "宽带接入用户"
    unit: str | None  # "万户" (from the title or the header's brackets)
    column: str  # the file's column holding the values (a long table's value column)
    label: str  # the indicator cell or header as written: "宽带接入用户(万户)"
    source: str | None  # 数据来源 in the file's notes, e.g. "国家统计局"
    values: pl.DataFrame  # adcode, level, drawn, year, value (Float64, as written: scale words applied), row


@dataclass(frozen=True)
class _Options:
    encoding: str | None
    sheet: str | int | None
    header_row: int | None
    mapping: Mapping[str, str | None] | None
    region_overrides: Mapping[str, str] | None
    delimiter: str | None
    units: Mapping[str, str] | None
    year: int | None
    salt: bytes | str | None
    max_bytes: int | None
    aggregate: bool = True
    shape: ShapeResult | None = None
    progress: ProgressReporter = field(default_factory=lambda: ProgressReporter(None, 0))


def read_upload(
    name: str,
    data: bytes,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    mapping: Mapping[str, str | None] | None = None,
    region_overrides: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    units: Mapping[str, str] | None = None,
    year: int | None = None,
    salt: bytes | str | None = None,
    max_bytes: int | None = None,
    line_offset: int = 0,
    aggregate: bool = True,
    shape: ShapeResult | None = None,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Read, validate and normalise one uploaded file.

    name: the user's file name (shown in the report only; the kind is judged from the bytes).
    encoding: a codec name to override detection ("auto"/None: detect). sheet: an .xlsx sheet name or index.
    header_row: the header's 1-based row (line) number, overriding detection. mapping: {column: role or
    indicator id or "ignore"} laid over the proposal. region_overrides: {raw region value: adcode}, applied
    before the gazetteer. delimiter: one of , ; tab | (default: detected). units: {column or indicator id:
    "percent" | "fraction" | "count_of" | "as_is"} overriding the inferred scale. year: the year for a file
    without a year column. salt: for hashing identifier columns used as keys. max_bytes: the size cap
    (default: DIGIGOV_MAX_UPLOAD_MB or 50 MB).

    For one chunk of a large file (digigov.ingest.chunked): line_offset is added to every reported row,
    aggregate=False stops at the checked raw records (result.raw) and shape imposes the shape seen in the
    file's first chunk.

    progress: called with a digigov.ingest.progress.Progress when the reading starts, after every few megabytes
    of text parsed, at each later check and at the end (see that module).
    """
    report = ValidationReport(file=str(name or "upload"), row_offset=line_offset)
    try:
        payload = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else None
    except Exception:  # an object that claims to be bytes and is not: reported as an empty file
        log.warning("upload payload of type %s could not be read as bytes", type(data).__name__)
        payload = None
    result = IngestResult(name=str(name or ""), size=len(payload) if payload is not None else 0, report=report)
    reporter = ProgressReporter(progress, result.size)
    options = _Options(
        encoding,
        sheet,
        header_row,
        mapping,
        region_overrides,
        delimiter,
        units,
        year,
        salt,
        max_bytes,
        aggregate,
        shape,
        reporter,
    )
    reporter.reading(0, 0)
    if payload is None:
        report.add("empty_file", "error")
    else:
        _never_raising(result, "an upload", lambda: _run(result, payload, options))
    reporter.stage("done")
    return result


def _never_raising(result: IngestResult, what: str, run: Callable[[], None]) -> None:
    """run(), keeping the promise to never raise for a file: an exception is logged (masked) and becomes the
    report's internal_error, and the result has no frame."""
    try:
        run()
    except Exception as exc:
        log.error("ingest failed on %s: %s", what, mask_text(traceback.format_exc(limit=8)))
        result.report.add("internal_error", "error", value=type(exc).__name__)
        result.frame = None


# -- reading ---------------------------------------------------------------------------------------------
def _read_table(result: IngestResult, data: bytes, options: _Options) -> RawTable | None:
    kind = _accepted_kind(result, data, options)
    if kind is None:
        return None
    if kind == "xlsx":
        return _read_workbook(result, data, options)
    if kind == "parquet":
        return read_parquet_bytes(data, result.report)
    return _read_text(result, data, options)


def _accepted_kind(result: IngestResult, data: bytes, options: _Options) -> str | None:
    """The file's sniffed kind (also set on result.kind), or None when it is refused (too large, empty, binary,
    a format we do not read); notes an extension that promises another kind."""
    report = result.report
    limit = options.max_bytes or max_upload_bytes()
    if len(data) > limit:
        report.add("file_too_large", "error", size_mb=f"{len(data) / MIB:.1f}", limit_mb=f"{limit / MIB:g}")
        return None
    sniffed = sniff(data)
    if sniffed.kind == "binary" and not sniffed.detail and options.encoding and options.encoding != "auto":
        sniffed = Sniffed("text")  # NUL bytes, but the user says it is text (UTF-16 without a BOM): decode strictly
    result.kind = sniffed.kind
    refusals = {
        "empty": "empty_file",
        "binary": "binary_file",
        "xls": "legacy_xls",
        "ods": "ods_unsupported",
        "office": "office_unsupported",
        "zip": "zip_unsupported",
    }
    if sniffed.kind in refusals:
        report.add(refusals[sniffed.kind], "error", kind=sniffed.detail or "?")
        return None
    promised = extension_kind(result.name)
    if promised is not None and promised != sniffed.kind:
        report.add(
            "extension_mismatch",
            "info",
            value=PurePath(result.name).suffix,
            actual=KIND_LABELS.get(sniffed.kind, sniffed.kind),
        )
    return sniffed.kind


def _read_workbook(result: IngestResult, data: bytes, options: _Options) -> RawTable | None:
    report = result.report
    rejection = inspect_xlsx(data)
    if rejection is not None:
        report.add(
            rejection.code,
            "error",
            value=rejection.entry or None,
            entry=rejection.entry,
            size_mb=f"{rejection.size_mb:.0f}",
            ratio=f"{rejection.ratio:.0f}",
        )
        return None
    table, sheets = read_xlsx(data, report, sheet=options.sheet, header_row=options.header_row)
    result.sheets = sheets
    return table


def _read_text(result: IngestResult, data: bytes, options: _Options) -> RawTable | None:
    """A text file: decoded (reporting the encoding found), then read as delimited text."""
    report = result.report
    try:
        decoded = decode_bytes(data, options.encoding)
    except DecodeError as exc:
        report.add(
            exc.code,
            "error",
            row=exc.line,
            value=exc.encoding or options.encoding,
            encoding=exc.encoding or str(options.encoding),
            offset=exc.offset,
            hint=exc.hint or "-",
        )
        return None
    result.encoding, result.bom = decoded.encoding, decoded.bom
    if "\x00" in decoded.text:
        report.add("binary_file", "error", kind="NUL")
        return None
    label = f"{decoded.encoding} + BOM" if decoded.bom else decoded.encoding
    report.add("encoding_detected", "info", value=label, encoding=label)
    if decoded.uncertain:
        report.add(
            "encoding_uncertain", "warning", value=decoded.encoding, encoding=decoded.encoding, hint=decoded.hint or "-"
        )
    on_rows = options.progress.over_text(len(decoded.text))
    table = read_csv_text(
        decoded.text, report, delimiter=options.delimiter, header_row=options.header_row, on_rows=on_rows
    )
    if table is not None:
        result.delimiter = table.delimiter
        name = DELIMITER_NAMES.get(table.delimiter or ",", "comma")
        report.add("delimiter_detected", "info", value=name, delimiter={"zh": DELIMITER_ZH.get(name, name), "en": name})
    return table


def read_upload_table(
    name: str,
    table: RawTable,
    *,
    delimiter: str,
    line_offset: int,
    shape: ShapeResult | None,
    mapping: Mapping[str, str | None] | None = None,
    region_overrides: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    year: int | None = None,
    salt: bytes | str | None = None,
    **_reading: object,
) -> IngestResult:
    """read_upload for one block of a large CSV file that was already read into text columns (table: String
    columns plus ROW, the block's own line numbers with its header on line 1) by the columnar reader of
    digigov.ingest.fast_blocks. Every check after the reading is read_upload's own, so the block's report and
    records are those read_upload gives for the same text with aggregate=False. The reading options
    (encoding, header_row) are accepted and unused: the text is already read."""
    report = ValidationReport(file=str(name or "upload"), row_offset=line_offset)
    options = _Options(
        "utf-8", None, 1, mapping, region_overrides, delimiter, units, year, salt, None, aggregate=False, shape=shape
    )
    result = IngestResult(name=str(name or ""), size=0, report=report, kind="text", encoding="utf-8")
    result.delimiter = delimiter
    _never_raising(result, "a block", lambda: _run_table(result, table, options))
    return result


def _run(result: IngestResult, data: bytes, options: _Options) -> None:
    table = _read_table(result, data, options)
    if table is None:
        return
    _run_table(result, table, options)


def _run_table(result: IngestResult, table: RawTable, options: _Options) -> None:
    report = result.report
    options.progress.stage("identifiers", table.frame.height)
    result.header_row, result.sheet = table.header_row, table.sheet
    table.frame = _redact_headers(table.frame, report, table.header_row)
    table = _periods_to_long(result, table)
    proposal = propose_mapping([c for c in table.columns if c != PERIOD_SOURCE])
    result.proposed_mapping = proposal
    _report_mapping_confidence(proposal, report)
    mapping, mapping_errors = apply_user_mapping(proposal, options.mapping)
    for error in mapping_errors:
        report.add("mapping_invalid", "error", column=error.column, value=error.target)

    work, mapping = _remove_identifiers(result, table.frame, mapping, options)
    result.mapping = mapping
    result.text_frame = work.drop(ROW)
    result.source_rows = work.get_column(ROW)
    if work.height == 0:
        if not report.errors:
            report.add("header_only", "error", row=table.header_row)
        return
    _note_formula_text(work, report)
    if holds_countries(work, mapping, report):  # a file of countries, not Chinese regions (issue 19)
        return

    shape, free_numbers = _shape(work, mapping, options)
    result.shape, result.shape_result = shape.shape, shape
    if shape.shape == "unknown":
        if not _explain_period_gap(result, report):
            report.add("no_indicator_columns", "error", columns=", ".join(table.columns[:12]))
        return
    work, result.aggregates = split_aggregates(work, mapping, report)  # 全国/合计 rows: kept apart (issue 19)
    options.progress.stage("regions")
    placed = attach_regions(work, mapping, report, result.regions, options.region_overrides)
    if placed is None:
        return
    options.progress.stage("values")
    dated = _attach_year(placed, mapping, report, options)
    if dated is None:
        return
    _normalise(result, dated, mapping, shape, options)
    _hand_over_columns(result, dated, free_numbers)
    _report_kind_gaps(result)


def _shape(work: pl.DataFrame, mapping: ColumnMapping, options: _Options) -> tuple[ShapeResult, list[str]]:
    """The table's shape and its free numeric columns; a table whose only numbers are not in the catalog is wide,
    its numbers handed over as the analyst's own indicators."""
    shape = options.shape or detect_shape(work, mapping)
    free_numbers = _free_numbers(work, mapping, shape)
    if shape.shape == "unknown" and free_numbers:
        shape = ShapeResult("wide")
    return shape, free_numbers


def _normalise(
    result: IngestResult, work: pl.DataFrame, mapping: ColumnMapping, shape: ShapeResult, options: _Options
) -> None:
    """Records with their regions and years attached → the keyed frame (wide, long) or the aggregated counts
    (raw records), then the normalised result.frame."""
    report = result.report
    work = _attach_dimensions(work, mapping)
    _check_code_like(work, mapping, report)
    if shape.shape == "wide":
        keyed, values = _wide(result, work, mapping, options)
    elif shape.shape == "long":
        keyed, values = _long(result, work, mapping, options)
    else:
        result.raw = check_raw(work, mapping, shape, report)
        if result.raw is None or not options.aggregate or not report.ok:
            return
        result.aggregated, keyed, values = aggregate_records(result.raw, report)
    _finish(result, keyed, values)


def finish_raw_records(result: IngestResult, records: RecordsLike) -> None:
    """Aggregate a large file's checked records (the columns of result.raw.frame: a polars frame, a lazy scan, or
    the Parquet parts of its blocks, aggregated on the configured engine) into result.aggregated and the
    normalised result.frame, exactly as read_upload does for a file read at once."""
    if result.raw is None:
        raise ValueError("finish_raw_records needs the checked raw records of read_upload (result.raw)")
    result.aggregated, keyed, values = aggregate_records(result.raw, result.report, records)
    _finish(result, keyed, values)


def _finish(result: IngestResult, keyed: pl.DataFrame | None, values: list[str]) -> None:
    if keyed is None:
        return
    mapping = result.mapping
    if result.shape != "long":  # long tables were checked per indicator before the pivot
        if mapping is None:  # _run sets the mapping before any frame is keyed
            raise ValueError("a keyed frame without a column mapping")
        labels = {indicator_column(i): c for c, i in mapping.indicators().items()}
        labels.update({f"__{r}": c for r in EXTRA_NUMBERS if (c := mapping.first(r))})
        keyed = _deduplicate(keyed, values, result.report, labels=labels)
    result.frame = _output(keyed, values)


# -- privacy -------------------------------------------------------------------------------------------
def _remove_identifiers(
    result: IngestResult, frame: pl.DataFrame, mapping: ColumnMapping, options: _Options
) -> tuple[pl.DataFrame, ColumnMapping]:
    report = result.report
    named = mapping.columns_for("identifier")
    findings = scan_identifiers(frame.drop(ROW), by_name=named)
    keys = [c for c in mapping.columns_for("record_id") if findings.get(c)]
    cleaned, notice = drop_identifiers(frame, findings, hash_columns=keys, salt=options.salt)
    result.privacy = notice
    for finding in findings.columns:
        if finding.column in notice.dropped and finding.by_name and not finding.cells:
            report.add("pii_column_named", "warning", column=finding.column)
        elif finding.column in notice.dropped:
            report.add(
                "pii_column_removed",
                "warning",
                column=finding.column,
                value=finding.example,
                ids=finding.id_cells,
                phones=finding.phone_cells,
            )
        elif finding.column in notice.hashed:
            report.add("pii_column_hashed", "warning", column=finding.column, value=finding.example)
        elif finding.column in notice.redacted:
            report.add(
                "pii_cells_redacted",
                "warning",
                column=finding.column,
                value=finding.example,
                count=notice.redacted[finding.column],
            )
    if notice.dropped:
        matches = tuple(
            ColumnMatch(m.column, "identifier", None, 1.0, m.matched, m.unit_hint) if m.column in notice.dropped else m
            for m in mapping.matches
        )
        mapping = ColumnMapping(matches)
    return cleaned, mapping


def _redact_headers(frame: pl.DataFrame, report: ValidationReport, header_row: int) -> pl.DataFrame:
    """A header cell holding an ID or phone number (a data row taken for the header) is redacted too."""
    renames: dict[str, str] = {}
    taken = set(frame.columns)
    for column in frame.columns:
        if column != ROW and contains_identifier(column):
            new, k = redact_text(column), 2
            while new in taken:
                new, k = f"{redact_text(column)}_{k}", k + 1
            taken.add(new)
            renames[column] = new
            report.add("pii_in_header", "warning", row=header_row, column=new)
    return frame.rename(renames) if renames else frame


def _note_formula_text(work: pl.DataFrame, report: ValidationReport) -> None:
    """Cells that a spreadsheet would run as a formula are plain text here; say so once per column."""
    columns = [c for c in work.columns if c != ROW and work.schema[c] == pl.String]
    if not columns:
        return
    # one select over every column (polars runs them in parallel); only a column with a hit is filtered
    found = work.select(_formula_like(c).any() for c in columns).row(0, named=True)
    for column in columns:
        if found[column]:
            hits = work.filter(_formula_like(column))
            report.add(
                "formula_like_text",
                "info",
                row=hits.item(0, ROW),
                column=column,
                value=hits.item(0, column),
                count=hits.height,
            )


def _formula_like(column: str) -> pl.Expr:
    return pl.col(column).str.contains(r"^\s*(?:=|@|\+[^\d.\s])").fill_null(False)


def _check_code_like(work: pl.DataFrame, mapping: ColumnMapping, report: ValidationReport) -> None:
    """Identifier-like columns that hold Excel's scientific notation (1.1E+17) have lost their digits."""
    for column in mapping.columns_for("record_id"):
        if column not in work.columns:
            continue
        hits = work.filter(pl.col(column).str.strip_chars().str.contains(SCIENTIFIC_PATTERN).fill_null(False))
        report.add_rows("scientific_notation", "error", hits, row=ROW, value=column, column=column)


# -- years and dimensions ----------------------------------------------------------------------------------
def _attach_year(
    work: pl.DataFrame, mapping: ColumnMapping, report: ValidationReport, options: _Options
) -> pl.DataFrame | None:
    column = mapping.first("year")
    if column is None:
        if options.year is None:
            report.add("no_year_column", "error")
            return None
        report.add("year_from_parameter", "info", value=str(options.year), year=options.year)
        return work.with_columns(pl.lit(options.year, dtype=pl.Int32).alias(YEAR))
    years, errors = parse_year_column(work.get_column(column))
    work = work.with_columns(years.alias(YEAR), errors.alias("__year_error"))
    report.add_rows(
        "year_unparseable", "error", work.filter(pl.col("__year_error")), row=ROW, value=column, column=column
    )
    missing = work.filter(pl.col(YEAR).is_null() & ~pl.col("__year_error"))
    report.add_rows("year_missing", "error", missing, row=ROW, column=column)
    return work.drop("__year_error")


def _dimension_codes(name: str):
    table = ENTITY_LABELS if name == "entity_type" else CATEGORY_LABELS
    return lambda value: map_label(value, table)


def _attach_dimensions(work: pl.DataFrame, mapping: ColumnMapping) -> pl.DataFrame:
    for name in DIMENSIONS:
        column = mapping.first(name)
        if column is None:
            continue
        # stripped and mapped on the distinct values only, then one replace over the column as written
        distinct = work.get_column(column).drop_nulls().unique()
        stripped = dict(zip(distinct.to_list(), distinct.str.strip_chars().to_list(), strict=True))
        mapper = _dimension_codes(name)
        codes = {raw: (mapper(text) if mapper else None) or text for raw, text in stripped.items()}
        labels = work.get_column(column).replace_strict(codes, default=None, return_dtype=pl.String)
        work = work.with_columns(labels.alias(dim_column(name)))
    return work


def _keys(work: pl.DataFrame) -> list[str]:
    return [ADCODE, YEAR, *[dim_column(n) for n in DIMENSIONS if dim_column(n) in work.columns]]


# -- numbers -----------------------------------------------------------------------------------------------
def _numbers(work: pl.DataFrame, column: str, report: ValidationReport) -> ParsedColumn:
    """The column's numbers; cells that are not numbers reported with the reason's own hint, approximate values
    flagged one by one, scale words (万, 亿) noted once per column."""
    parsed = parse_number_column(work.get_column(column))
    cells = work.select(ROW, column, *([PERIOD_SOURCE] if PERIOD_SOURCE in work.columns else []))
    reasons = parsed.reasons()
    for code in ("not_a_number", "number_grouping", "number_range", "number_unit_unknown"):
        _add_cells(report, code, "error", cells.filter(parsed.errors & (reasons == code).fill_null(False)), column)
    _add_cells(report, "value_approximate", "info", cells.filter(parsed.flags("approx")), column)
    scaled = cells.with_columns(parsed.values.alias("__v")).filter(parsed.flags("scaled"))
    if scaled.height:
        report.add(
            "value_scaled",
            "info",
            row=scaled.item(0, ROW),
            column=_cell_column(scaled, column),
            value=scaled.item(0, column),
            stored=f"{scaled.item(0, '__v'):,.15g}",
            count=scaled.height,
        )
    return parsed


def _cell_column(cells: pl.DataFrame, column: str, index: int = 0) -> str:
    """The file's column of a cell: the period column for a table reshaped from periods as columns."""
    if PERIOD_SOURCE in cells.columns and cells.height:
        return str(cells.item(index, PERIOD_SOURCE))
    return column


def _add_cells(
    report: ValidationReport, code: str, severity: Severity, cells: pl.DataFrame, column: str, **params: object
) -> None:
    """One issue per cell (row, column, value); a reshaped period table names each cell's period column."""
    if cells.height == 0:
        return
    if PERIOD_SOURCE not in cells.columns:
        report.add_rows(code, severity, cells, row=ROW, value=column, column=column, **params)
        return
    for (source,), part in cells.sort(ROW).group_by(PERIOD_SOURCE, maintain_order=True):
        report.add_rows(code, severity, part, row=ROW, value=column, column=str(source), **params)


def _check_written_units(
    work: pl.DataFrame, column: str, unit: str, parsed: ParsedColumn, report: ValidationReport
) -> ParsedColumn:
    """Unit words written in the cells ("71.2分", "12天", "350家") against the indicator's unit: a matching word is
    dropped with one note per column; another is an error per cell (that cell is not read)."""
    words = parsed.units()
    written = words.is_not_null() & ~parsed.percent
    if not bool(written.any()):
        return parsed
    fits = words.replace_strict(UNIT_WORDS, default=None, return_dtype=pl.String) == unit
    cells = work.select(ROW, column, *([PERIOD_SOURCE] if PERIOD_SOURCE in work.columns else []))
    wrong = (written & ~fits.fill_null(False)).fill_null(False)
    good = cells.filter((written & fits.fill_null(False)).fill_null(False))
    if good.height:
        report.add(
            "value_unit_stripped",
            "info",
            row=good.item(0, ROW),
            column=_cell_column(good, column),
            value=good.item(0, column),
            count=good.height,
        )
    if not bool(wrong.any()):
        return parsed
    kind = {lang: t(f"ingest.unit_kind.{unit}", lang) for lang in ("zh", "en")}
    _add_cells(report, "value_unit_mismatch", "error", cells.filter(wrong), column, unit=kind)
    values = pl.DataFrame({"v": parsed.values, "w": wrong}).select(
        pl.when(pl.col("w")).then(None).otherwise(pl.col("v")).alias(parsed.values.name)
    )
    return dataclasses.replace(parsed, values=values.to_series(), errors=parsed.errors | wrong)


def _denominator(indicator: Indicator, work: pl.DataFrame, mapping: ColumnMapping) -> str | None:
    parts = [p.strip() for p in indicator.formula.split("/")]
    if len(parts) != 2 or not parts[1].isidentifier():
        return None
    wanted = fold(parts[1])
    for column in work.columns:
        if column != ROW and fold(split_unit(column)[0]) == wanted:
            return column
    if parts[1] == "respondents":
        return mapping.first("sample_size")
    return None


def _scale_override(options: _Options, *keys: str) -> str | None:
    if not options.units:
        return None
    for key in keys:
        if key in options.units:
            return options.units[key]
    return None


def _store(
    result: IngestResult,
    work: pl.DataFrame,
    column: str,
    indicator: Indicator,
    parsed: ParsedColumn,
    inference: UnitInference,
    denominator: pl.Series | None,
) -> pl.Series:
    """Stored values of one indicator, with the unit's range checks reported per row. A mixed column ("45%"
    beside "0.45") is refused: every bare cell is an error naming its row and value, and nothing is stored."""
    report = result.report
    if inference.mixed:
        example = work.get_column(column).filter(parsed.percent).drop_nulls().head(1).to_list()
        bare = work.select(ROW, column).filter(bare_cells(parsed))
        report.add_rows(
            "share_mixed_notation",
            "error",
            bare,
            row=ROW,
            value=column,
            column=column,
            example=example[0] if example else "%",
        )
        return pl.Series(indicator_column(indicator.id), [None] * work.height, dtype=pl.Float64)
    if inference.scale == "count_of" and denominator is not None:
        stored = (
            pl.DataFrame({"v": parsed.values, "d": denominator})
            .select(pl.when(pl.col("d") > 0).then(pl.col("v") / pl.col("d")).otherwise(None))
            .to_series()
        )
    else:
        stored = parsed.values * inference.factor
    checks = pl.DataFrame({ROW: work.get_column(ROW), "raw": work.get_column(column), "s": stored})
    unit = indicator.unit
    eps = 1e-9
    if unit == "share":
        report.add_rows(
            "share_negative", "error", checks.filter(pl.col("s") < -eps), row=ROW, value="raw", column=column
        )
        report.add_rows(
            "share_above_100", "error", checks.filter(pl.col("s") > 1 + eps), row=ROW, value="raw", column=column
        )
    elif unit == "pp":
        report.add_rows(
            "pp_out_of_range", "error", checks.filter(pl.col("s").abs() > 1 + eps), row=ROW, value="raw", column=column
        )
    elif unit == "points":
        report.add_rows(
            "points_out_of_range",
            "warning",
            checks.filter((pl.col("s") < 0) | (pl.col("s") > 100)),
            row=ROW,
            value="raw",
            column=column,
        )
    else:
        report.add_rows("negative_value", "error", checks.filter(pl.col("s") < 0), row=ROW, value="raw", column=column)
    return stored


def _report_scale(
    report: ValidationReport, column: str, inference: UnitInference, raw: pl.Series, stored: pl.Series
) -> None:
    """Say how a share column was read, with one example: "45.3%" is stored as 0.453."""
    if inference.unit not in ("share", "pp") or inference.mixed:  # a mixed column is refused in _store
        return
    pairs = pl.DataFrame({"raw": raw, "stored": stored}).drop_nulls()
    example, value = pairs.row(0) if pairs.height else (None, None)
    code = {"percent": "scale_percent", "fraction": "scale_fraction", "count_of": "scale_count_of"}.get(inference.scale)
    if code:
        report.add(
            code,
            "info",
            column=column,
            value=example,
            denominator=inference.denominator or "-",
            stored=_fmt(value),
            percent=_fmt(value * 100 if value is not None else None),
        )


def _infer(
    column: str,
    indicator: Indicator,
    parsed: ParsedColumn,
    options: _Options,
    work: pl.DataFrame,
    mapping: ColumnMapping,
    header_percent: bool,
) -> tuple[UnitInference, pl.Series | None]:
    denominator_col = _denominator(indicator, work, mapping) if indicator.unit == "share" else None
    denominator = None
    if denominator_col and denominator_col != column:
        denominator = parse_number_column(work.get_column(denominator_col)).values
    inference = infer_scale(
        column,
        indicator.id,
        indicator.unit,
        parsed,
        header_percent=header_percent,
        denominator=denominator_col,
        denominator_values=denominator,
    )
    override = _scale_override(options, column, indicator.id)
    allowed = override in ("percent", "fraction", "as_is") or (override == "count_of" and denominator is not None)
    if allowed and override != inference.scale:
        # allowed means override is one of the Scale values
        inference = dataclasses.replace(inference, scale=cast(Scale, override), reason="user")
    return inference, denominator


def _wide(
    result: IngestResult, work: pl.DataFrame, mapping: ColumnMapping, options: _Options
) -> tuple[pl.DataFrame | None, list[str]]:
    report = result.report
    catalog = load_catalog()
    values: list[str] = []
    for column, indicator_id in mapping.indicators().items():
        indicator = catalog[indicator_id]
        parsed = _check_written_units(work, column, indicator.unit, _numbers(work, column, report), report)
        inference, denominator = _infer(column, indicator, parsed, options, work, mapping, header_says_percent(column))
        result.units[column] = inference
        stored = _store(result, work, column, indicator, parsed, inference, denominator)
        _report_scale(report, column, inference, work.get_column(column), stored)
        work = work.with_columns(stored.alias(indicator_column(indicator_id)))
        values.append(indicator_column(indicator_id))
    work, extra = _attach_extra_numbers(work, mapping, report)
    return work, values + extra


def _attach_extra_numbers(
    work: pl.DataFrame, mapping: ColumnMapping, report: ValidationReport
) -> tuple[pl.DataFrame, list[str]]:
    """sample_size and entities: counts, checked (numeric, not negative) and kept next to the indicators."""
    names = []
    for role in EXTRA_NUMBERS:
        column = mapping.first(role)
        if column is None:
            continue
        parsed = _check_written_units(work, column, "count", _numbers(work, column, report), report)
        checks = pl.DataFrame({ROW: work.get_column(ROW), "raw": work.get_column(column), "v": parsed.values})
        report.add_rows("negative_value", "error", checks.filter(pl.col("v") < 0), row=ROW, value="raw", column=column)
        work = work.with_columns(parsed.values.alias(f"__{role}"))
        names.append(f"__{role}")
    return work, names


def _long(
    result: IngestResult, work: pl.DataFrame, mapping: ColumnMapping, options: _Options
) -> tuple[pl.DataFrame | None, list[str]]:
    report = result.report
    catalog = load_catalog()
    name_col, value_col = mapping.first("indicator"), mapping.first("value")
    if name_col is None or value_col is None:  # detect_shape calls a table long only when both are mapped
        raise ValueError("a long table needs its indicator and value columns mapped")
    lookup: dict[str, str] = {}
    for indicator in catalog.values():
        for text in (indicator.id, indicator.name_zh, indicator.name_en, indicator.column):
            if text and fold(text) not in lookup:
                lookup[fold(text)] = indicator.id
    names = work.get_column(name_col).drop_nulls().unique(maintain_order=True).to_list()
    resolved, percent_names = _resolve_indicator_names(result, work, names, lookup, name_col, value_col)
    work = work.with_columns(
        pl.col(name_col).replace_strict(resolved, default=None, return_dtype=pl.String).alias("__indicator")
    )
    parsed = _numbers(work, value_col, report)
    work = work.with_columns(
        parsed.values.alias("__v"), parsed.percent.alias("__p"), parsed.errors.alias("__e"), parsed.units().alias("__u")
    )
    work, extra = _attach_extra_numbers(work, mapping, report)
    _hand_over_uncatalogued(result, work, name_col, value_col, [n for n in names if n not in resolved])
    stored_parts: list[pl.DataFrame] = []
    for indicator_id in [i for i in dict.fromkeys(resolved.values())]:
        indicator = catalog[indicator_id]
        part = work.filter(pl.col("__indicator") == indicator_id)
        sub = ParsedColumn(part.get_column("__v"), part.get_column("__p"), part.get_column("__e"), unit=part["__u"])
        sub = _check_written_units(part, value_col, indicator.unit, sub, report)
        header_percent = bool(part.get_column(name_col).is_in(list(percent_names)).any())
        inference, _ = _infer(value_col, indicator, sub, options, part, mapping, header_percent)
        result.units[indicator_id] = inference
        stored = _store(result, part, value_col, indicator, sub, inference, None)
        _report_scale(report, f"{value_col} [{indicator_id}]", inference, part.get_column(value_col), stored)
        stored_parts.append(part.with_columns(stored.alias("__stored")))
    if not stored_parts:
        return None, []
    long = pl.concat(stored_parts).filter(pl.col(ADCODE).is_not_null() & pl.col(YEAR).is_not_null())
    keys = _keys(long)
    long = _deduplicate(long, ["__stored"], report, extra_keys=["__indicator"], column=value_col)
    index = long.group_by(keys, maintain_order=True).agg(
        pl.col(ROW).min(),
        *[pl.col(c).first() for c in (LEVEL, DRAWN)],
        *[pl.col(c).drop_nulls().first() for c in extra],
    )
    wide = long.pivot(on="__indicator", index=keys, values="__stored", aggregate_function="first")
    wide = wide.rename({c: indicator_column(c) for c in wide.columns if c not in keys})
    keyed = index.join(wide, on=keys, how="left", maintain_order="left")
    return keyed, [*[c for c in keyed.columns if c.startswith("__ind_")], *extra]


def _resolve_indicator_names(
    result: IngestResult, work: pl.DataFrame, names: list[str], lookup: dict[str, str], name_col: str, value_col: str
) -> tuple[dict[str, str], set[str]]:
    """A long table's indicator names → catalog ids (and the names whose unit says %); unknown names reported."""
    resolved: dict[str, str] = {}
    percent_names: set[str] = set()
    for raw in names:
        base, unit = split_unit(raw)
        found = lookup.get(fold(base))
        if found:
            resolved[raw] = found
            if unit and header_says_percent(raw):
                percent_names.add(raw)
            continue
        hits = work.filter(pl.col(name_col) == raw)
        if not _report_title_indicator(result, raw, hits, name_col, value_col):
            close = difflib.get_close_matches(fold(base), list(lookup), n=3, cutoff=0.6)
            result.report.add(
                "unknown_indicator",
                "error",
                row=hits.item(0, ROW),
                column=name_col,
                value=raw,
                count=hits.height,
                suggestions=", ".join(dict.fromkeys(lookup[c] for c in close)) or "-",
            )
    return resolved, percent_names


# -- keys, duplicates, output ----------------------------------------------------------------------------------
def _deduplicate(
    frame: pl.DataFrame,
    values: list[str],
    report: ValidationReport,
    *,
    extra_keys: list[str] | None = None,
    column: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Rows sharing a key: identical ones are a warning (the first is kept), conflicting ones an error."""
    keys = [*_keys(frame), *(extra_keys or [])]
    valid = frame.filter(pl.col(ADCODE).is_not_null() & pl.col(YEAR).is_not_null())
    present = [v for v in values if v in valid.columns]
    if valid.height == 0 or valid.select(keys).n_unique() == valid.height:
        return valid
    groups = (
        valid.group_by(keys, maintain_order=True)
        .agg(
            pl.col(ROW), pl.len().alias("__n"), *[pl.col(v).n_unique().alias(f"__u{i}") for i, v in enumerate(present)]
        )
        .filter(pl.col("__n") > 1)
    )
    for record in groups.iter_rows(named=True):
        rows = sorted(r for r in record[ROW] if r is not None)
        conflicting = [v for i, v in enumerate(present) if record[f"__u{i}"] > 1]
        shown_rows = ", ".join(str(r) for r in rows[:10])
        if conflicting:
            label = column or (labels or {}).get(conflicting[0]) or conflicting[0].removeprefix("__ind_")
            subset = valid.filter(pl.col(ROW).is_in(rows)).get_column(conflicting[0]).to_list()
            report.add(
                "duplicate_conflict",
                "error",
                row=rows[1] if len(rows) > 1 else None,
                column=label,
                value=" / ".join(_fmt(v) for v in subset[:5]),
                rows=shown_rows,
            )
        else:
            report.add("duplicate_identical", "warning", row=rows[1] if len(rows) > 1 else None, rows=shown_rows)
    return valid.unique(subset=keys, keep="first", maintain_order=True)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def _output(keyed: pl.DataFrame, values: list[str]) -> pl.DataFrame:
    columns = [
        pl.col(ADCODE).alias("adcode"),
        pl.col(LEVEL).alias("level"),
        pl.col(DRAWN).alias("drawn"),
        pl.col(YEAR).cast(pl.Int32).alias("year"),
    ]
    columns += [pl.col(dim_column(n)).alias(n) for n in DIMENSIONS if dim_column(n) in keyed.columns]
    columns += [pl.col(f"__{n}").cast(pl.Float64).alias(n) for n in EXTRA_NUMBERS if f"__{n}" in keyed.columns]
    columns += [
        pl.col(v).cast(pl.Float64).alias(v.removeprefix("__ind_"))
        for v in values
        if v.startswith("__ind_") and v in keyed.columns
    ]
    sort = ["adcode", "year", *[n for n in DIMENSIONS if dim_column(n) in keyed.columns]]
    return keyed.select(columns).sort(sort, nulls_last=True)


# -- numbers, headers, periods (issue 19) ---------------------------------------------------------------------
def _periods_to_long(result: IngestResult, table: RawTable) -> RawTable:
    """A table with periods as columns (地区,2022年,2021年,…) as a long table (地区, 年份, 指标, 数值), the indicator
    taken from the title line (指标：宽带接入用户(万户)) unless the table has an indicator column. Other tables are
    returned as they are. Only the latest month of a year is kept (one value per region and year is stored)."""
    report = result.report
    title = parse_title(table.title_lines, table.note_lines, table.title_rows)
    result.title = title
    guess = propose_mapping(table.columns)
    layout = periods_layout(table.columns, title, guess.first("indicator"))
    if layout is None:
        return table
    year_column = guess.first("year")
    if year_column is not None and year_column not in layout.columns and year_column not in layout.months_dropped:
        return table  # a year column of its own: the year-like headers are something else
    result.periods = layout
    long = melt_periods(table.frame, layout, ROW)
    first, last = layout.columns[0], layout.columns[-1]
    report.add(
        "periods_reshaped",
        "info",
        row=table.header_row,
        value=f"{first} … {last}",
        count=len(layout.columns),
        rows=long.height,
    )
    if layout.months_dropped:
        report.add(
            "period_months_dropped",
            "warning",
            row=table.header_row,
            value="、".join(layout.months_dropped[:6]),
            count=len(layout.months_dropped),
            kept="、".join(layout.columns[:6]),
        )
    if layout.indicator_column is None and layout.indicator:
        report.add(
            "title_indicator",
            "info",
            row=title.indicator_row,
            value=layout.indicator,
            unit=layout.unit or "-",
            source=title.source or "-",
        )
    return RawTable(
        frame=long,
        header_row=table.header_row,
        sheet=table.sheet,
        delimiter=table.delimiter,
        title_lines=table.title_lines,
        title_rows=table.title_rows,
        note_lines=table.note_lines,
    )


def _explain_period_gap(result: IngestResult, report: ValidationReport) -> bool:
    """A table with periods as columns but no indicator named anywhere: say what to add (True when said)."""
    layout = result.periods
    if layout is None or layout.indicator_column is not None or layout.indicator:
        return False
    report.add(
        "period_indicator_missing",
        "error",
        row=result.header_row,
        value="、".join(layout.columns[:4]),
        count=len(layout.columns),
    )
    return True


def _report_title_indicator(result: IngestResult, raw: str, hits: pl.DataFrame, name_col: str, value_col: str) -> bool:
    """The indicator named by a period table's title is not in the catalog: one specific error saying so and
    what was read (the values are handed over in result.uncatalogued). False for any other table."""
    layout = result.periods
    if layout is None or layout.indicator_column is not None or not layout.indicator:
        return False
    filled_cells = hits.filter(pl.col(value_col).is_not_null())
    regions = filled_cells.get_column(ADCODE).n_unique() if ADCODE in filled_cells.columns else 0
    result.report.add(
        "title_indicator_not_in_catalog",
        "error",
        row=result.title.indicator_row if result.title is not None else None,
        value=layout.indicator,
        unit=layout.unit or "-",
        regions=regions,
        years=len(layout.columns),
        count=filled_cells.height,
    )
    return True


def _free_numbers(work: pl.DataFrame, mapping: ColumnMapping, shape: ShapeResult) -> list[str]:
    """Unmapped numeric columns of a wide table with regions (not a catalogue or exchange table, which are read
    from their own text): offered to the analyst as indicators of their own."""
    if shape.shape not in ("wide", "unknown") or not any(mapping.first(r) for r in ("region", "region_code", "city")):
        return []
    text = work.drop(ROW)
    if catalogue.looks_like_catalogue(list(text.columns)) or sharing_tables.looks_like_sharing_table(text):
        return []
    return numeric_candidates(work, mapping)


def _hand_over_columns(result: IngestResult, work: pl.DataFrame, columns: list[str]) -> None:
    """A wide table's unmapped numeric columns, by region and year, for the analyst to confirm as their own
    indicators; a table with no catalog indicator besides them gets one error saying what to do."""
    if not columns or YEAR not in work.columns:
        return
    keys = {"adcode": ADCODE, "level": LEVEL, "drawn": DRAWN, "year": YEAR, "row": ROW}
    source = result.title.source if result.title is not None else None
    for column in columns:
        name, unit = split_unit(column)
        values = column_values(work, column, keys)
        result.uncatalogued.append(UncataloguedIndicator(name, unit, column, column, source, values))
    if result.mapping is not None and not result.mapping.indicators():
        result.frame = None
        result.report.add("only_uncatalogued", "error", value="、".join(columns), count=len(columns))


def _hand_over_uncatalogued(
    result: IngestResult, work: pl.DataFrame, name_col: str, value_col: str, names: list[str]
) -> None:
    """The numbers of every indicator not in the catalog, by region and year, for a user-indicator feature."""
    layout = result.periods
    for raw in names:
        part = work.filter((pl.col(name_col) == raw) & pl.col(ADCODE).is_not_null() & pl.col(YEAR).is_not_null())
        name, unit = split_unit(raw)
        from_title = layout is not None and layout.indicator_column is None and layout.indicator
        if from_title and layout is not None:
            name, unit = layout.indicator or name, layout.unit or unit
        values = part.select(
            pl.col(ADCODE).alias("adcode"),
            pl.col(LEVEL).alias("level"),
            pl.col(DRAWN).alias("drawn"),
            pl.col(YEAR).cast(pl.Int32).alias("year"),
            pl.col("__v").cast(pl.Float64).alias("value"),
            pl.col(ROW).alias("row"),
        )
        source = result.title.source if result.title is not None else None
        result.uncatalogued.append(UncataloguedIndicator(name, unit, value_col, raw, source, values))


def _target_label(target: str) -> dict[str, str]:
    catalog = load_catalog()
    if target in catalog:
        return {lang: catalog[target].name(lang) for lang in ("zh", "en")}
    return {lang: t(f"ingest.role.{target}", lang) for lang in ("zh", "en")}


def _report_mapping_confidence(proposal: ColumnMapping, report: ValidationReport) -> None:
    """Columns matched by meaning are noted with their confidence; weak matches, left unmapped, are suggested."""
    for match in proposal.matches:
        percent = f"{match.confidence * 100:.0f}%"
        if match.target and match.by_meaning:
            report.add(
                "column_matched_by_meaning",
                "info",
                column=match.column,
                value=match.column,
                target=_target_label(match.target),
                confidence=percent,
            )
        elif match.target is None and match.suggestion and match.confidence > 0:
            report.add(
                "column_suggestion",
                "warning",
                column=match.column,
                value=match.column,
                target=_target_label(match.suggestion),
                confidence=percent,
            )


_KIND_EXTRAS: dict[str, tuple[str, ...]] = {
    "city_channels": ("sample_size",),
    "demand_funnel": ("sample_size", "service_category"),
}


def _report_kind_gaps(result: IngestResult) -> None:
    """A wide or long table with some, not all, of a page's survey indicators: name the missing columns."""
    frame = result.frame
    if frame is None or frame.height == 0 or result.shape not in ("wide", "long"):
        return
    catalog = load_catalog()
    for kind, extras in _KIND_EXTRAS.items():
        wanted = [i for i in catalog.values() if i.dataset == kind and i.column]
        present = [i for i in wanted if i.id in frame.columns]
        if not present or len(present) == len(wanted):
            continue
        missing = {lang: [i.name(lang) for i in wanted if i.id not in frame.columns] for lang in ("zh", "en")}
        for extra in extras:
            if extra not in frame.columns:
                for lang in ("zh", "en"):
                    missing[lang].append(t(f"ingest.role.{extra}", lang))
        result.report.add(
            "kind_columns_missing",
            "info",
            value=", ".join(i.id for i in wanted if i.id not in frame.columns),
            page={lang: t(f"upload.kind.{kind}", lang) for lang in ("zh", "en")},
            present={lang: "、".join(i.name(lang) for i in present) for lang in ("zh", "en")},
            missing={"zh": "、".join(missing["zh"]), "en": ", ".join(missing["en"])},
        )
