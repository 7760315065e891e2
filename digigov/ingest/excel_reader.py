"""Excel .xlsx: the ZIP is inspected before anything opens it, then one sheet is read as text.

Inspection (before calamine sees the file): entry count, any entry over 100 MB uncompressed or compressed more
than 200 times, total size, encrypted entries; then every XML part is streamed once with a hard cap and rejected
if it declares a DTD (<!DOCTYPE / <!ENTITY: entity expansion, external entities). Memory stays bounded: the
stream never holds more than one chunk.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass

import polars as pl

from digigov.ingest.layout import ROW, RawTable, clean_headers, filled, find_header, trailing_notes
from digigov.ingest.limits import (
    MAX_SCAN_ROWS,
    MIB,
    XLSX_MAX_ENTRIES,
    XLSX_MAX_ENTRY_BYTES,
    XLSX_MAX_RATIO,
    XLSX_MAX_TOTAL_BYTES,
    XLSX_RATIO_MIN_BYTES,
)
from digigov.ingest.report import ValidationReport

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_DTD_MARKERS = (b"<!doctype", b"<!entity")


@dataclass(frozen=True)
class XlsxRejection:
    code: str
    entry: str = ""
    size_mb: float = 0.0
    ratio: float = 0.0


def inspect_xlsx(data: bytes) -> XlsxRejection | None:
    """None if the workbook may be opened, else why not. Never raises."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            rejection = _check_directory(infos)
            if rejection:
                return rejection
            for info in infos:
                if info.is_dir():
                    continue
                rejection = _scan_entry(archive, info)
                if rejection:
                    return rejection
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return XlsxRejection("xlsx_corrupt")
    return None


def _check_directory(infos: list[zipfile.ZipInfo]) -> XlsxRejection | None:
    """What the ZIP directory declares: entry count, encryption, each entry's size and ratio, the total size."""
    if len(infos) > XLSX_MAX_ENTRIES:
        return XlsxRejection("xlsx_too_many_entries")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            return XlsxRejection("xlsx_encrypted", info.filename)
        if info.file_size > XLSX_MAX_ENTRY_BYTES:
            return XlsxRejection("xlsx_entry_too_large", info.filename, size_mb=info.file_size / MIB)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > XLSX_RATIO_MIN_BYTES and ratio > XLSX_MAX_RATIO:
            return XlsxRejection("xlsx_ratio_too_high", info.filename, size_mb=info.file_size / MIB, ratio=ratio)
        total += info.file_size
    if total > XLSX_MAX_TOTAL_BYTES:
        return XlsxRejection("xlsx_total_too_large", size_mb=total / MIB)
    return None


def _scan_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> XlsxRejection | None:
    """Stream one entry: its real size must not exceed what the directory declares; XML must have no DTD."""
    name = info.filename.lower()
    is_xml = name.endswith((".xml", ".rels", ".vml")) or "." not in name.rsplit("/", 1)[-1]
    produced = 0
    carry = b""
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            produced += len(chunk)
            if produced > info.file_size or produced > XLSX_MAX_ENTRY_BYTES:
                return XlsxRejection("xlsx_entry_too_large", info.filename, size_mb=produced / MIB)
            if is_xml:
                window = (carry + chunk).replace(b"\x00", b"").lower()
                if any(marker in window for marker in _DTD_MARKERS):
                    return XlsxRejection("xlsx_dtd", info.filename)
                carry = window[-16:]
    return None


def _reader(data: bytes):
    import fastexcel

    return fastexcel.read_excel(data)


def list_sheets(data: bytes) -> list[str]:
    """Sheet names in workbook order ([] when the workbook cannot be read). Call inspect_xlsx first."""
    try:
        return list(_reader(data).sheet_names)
    except Exception:  # a listing only: an unreadable workbook is reported when it is read
        log.debug("listing the sheets failed", exc_info=True)
        return []


def _load_grid(reader, index: int) -> pl.DataFrame:
    """The whole sheet as text; row i of the frame is sheet row i + 1 (leading blank rows included)."""
    sheet = reader.load_sheet(index, header_row=None, dtypes="string", skip_rows=0)
    return sheet.to_polars()


def read_xlsx(
    data: bytes, report: ValidationReport, *, sheet: str | int | None = None, header_row: int | None = None
) -> tuple[RawTable | None, list[str]]:
    """Read one sheet as a RawTable (None on failure, reported). Returns the table and all sheet names."""
    try:
        reader = _reader(data)
        names = list(reader.sheet_names)
    except Exception as exc:  # calamine's errors are plain exceptions with a message
        log.info("workbook rejected as corrupt: %s", type(exc).__name__)
        report.add("xlsx_corrupt", "error", value=type(exc).__name__)
        return None, []
    if not names:
        report.add("empty_file", "error")
        return None, names
    grid: pl.DataFrame | None
    if sheet is not None:
        chosen = _sheet_index(names, sheet)
        if chosen is None:
            report.add("sheet_not_found", "error", value=str(sheet), sheets="、".join(names))
            return None, names
        index, grid = chosen, _safe_grid(reader, chosen, report)
    else:
        found = _first_table_sheet(reader, len(names), report)
        if found is None:
            report.add("empty_file", "error")
            return None, names
        index, grid = found
    if grid is None:
        return None, names
    report.sheet = names[index]
    if len(names) > 1:
        report.add("sheet_chosen", "info", value=names[index], sheets="、".join(names), count=len(names))
    return _table_from_grid(grid, report, names[index], header_row), names


def _sheet_index(names: list[str], sheet: str | int) -> int | None:
    """The index of the sheet asked for (by position or name), None when the workbook has no such sheet."""
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return sheet
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet)
    return None


def _first_table_sheet(reader, count: int, report: ValidationReport) -> tuple[int, pl.DataFrame] | None:
    """The first sheet that holds a table (a row with two or more filled cells); else the first non-empty one;
    None when every sheet is empty (or unreadable, reported)."""
    fallback = None
    for candidate in range(count):
        loaded = _safe_grid(reader, candidate, report)
        if loaded is None or loaded.height == 0:
            continue
        widest = max((len(filled(r)) for r in loaded.head(MAX_SCAN_ROWS).rows()), default=0)
        if widest >= 2:
            return candidate, loaded
        if widest and fallback is None:
            fallback = (candidate, loaded)
    return fallback


def _safe_grid(reader, index: int, report: ValidationReport) -> pl.DataFrame | None:
    try:
        return _load_grid(reader, index)
    except Exception as exc:  # calamine's errors are plain exceptions with a message
        log.info("sheet rejected as corrupt: %s", type(exc).__name__)
        report.add("xlsx_corrupt", "error", value=type(exc).__name__)
        return None


def _table_from_grid(
    grid: pl.DataFrame, report: ValidationReport, sheet: str, header_row: int | None
) -> RawTable | None:
    if grid.width == 0 or grid.height == 0:
        report.add("empty_file", "error")
        return None
    head_rows = grid.head(max(MAX_SCAN_ROWS, header_row or 0)).rows()
    position = _grid_header_position(grid, head_rows, header_row, report)
    if position is None:
        return None
    title_rows = [i for i in range(position) if filled(head_rows[i])]
    if title_rows:
        report.add(
            "title_rows_skipped",
            "info",
            row=title_rows[0] + 1,
            value=filled(head_rows[title_rows[0]])[0],
            count=len(title_rows),
        )
    names, changes = clean_headers(grid.row(position))
    body = grid.slice(position + 1).with_row_index(ROW, offset=position + 2).with_columns(pl.col(ROW).cast(pl.Int64))
    body = body.rename(dict(zip(grid.columns, names, strict=True)))
    body, notes = _drop_notes(body, report)
    body = _drop_blank_rows(body, report)
    drop = []
    for _, kind, name in changes:
        if kind == "empty" and body.get_column(name).null_count() == body.height:
            drop.append(name)
        elif kind == "empty":
            report.add("empty_header", "warning", row=position + 1, column=name)
        else:
            report.add(
                "duplicate_header" if kind == "duplicate" else "header_renamed",
                "warning",
                row=position + 1,
                column=name,
            )
    body = body.drop(drop).select(ROW, *[c for c in body.columns if c != ROW and c not in drop])
    titles = [" ".join(str(c).strip() for c in filled(head_rows[i])) for i in title_rows]
    return RawTable(
        frame=body,
        header_row=position + 1,
        sheet=sheet,
        title_lines=titles,
        title_rows=[i + 1 for i in title_rows],
        note_lines=notes,
    )


def _grid_header_position(
    grid: pl.DataFrame, head_rows: list[tuple], header_row: int | None, report: ValidationReport
) -> int | None:
    """Grid row index of the header: the given (1-based) header row, else the detected header, else the first
    filled row (reported as a guess); None, reported, when there is none."""
    if header_row is not None:
        position = header_row - 1
        if not 0 <= position < grid.height or not filled(grid.row(position)):
            report.add("header_row_invalid", "error", row=header_row)
            return None
        return position
    found = find_header(head_rows)
    if found is None:
        found = next((i for i, r in enumerate(head_rows) if filled(r)), None)
        if found is None:
            report.add("empty_file", "error")
            return None
        report.add("header_guessed", "warning", row=found + 1)
    return found


def _drop_notes(body: pl.DataFrame, report: ValidationReport) -> tuple[pl.DataFrame, list[str]]:
    """The body without the notes under the table (reported), and the notes' texts."""
    notes = trailing_notes(body.tail(200).drop(ROW).rows())
    if not notes:
        return body, []
    note_frame = body.tail(notes)
    texts = [" ".join(str(c).strip() for c in filled(r[1:])) for r in note_frame.iter_rows() if filled(r[1:])]
    first = next((r for r in note_frame.iter_rows() if filled(r[1:])), None)
    if first is not None:
        report.add("notes_skipped", "info", row=first[0], value=filled(first[1:])[0], count=len(texts))
    return body.head(body.height - notes), texts


def _drop_blank_rows(body: pl.DataFrame, report: ValidationReport) -> pl.DataFrame:
    """The body without blank rows; those before the last filled row are reported."""
    data_columns = [c for c in body.columns if c != ROW]
    if not data_columns:
        return body
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in data_columns)
    inner = body.filter(blank)
    last_filled = body.filter(~blank).get_column(ROW).max()
    inner_rows = [r for r in inner.get_column(ROW).to_list() if last_filled is not None and r < last_filled]
    if inner_rows:
        report.add("blank_rows_skipped", "info", row=inner_rows[0], count=len(inner_rows))
    return body.filter(~blank)
