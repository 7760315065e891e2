"""Table downloads (CSV and .xlsx) that are safe to open in Excel, WPS or LibreOffice.

- Formula injection (OWASP "CSV Injection"): a text cell (or column name) that begins with =, +, -, @, tab,
  CR or LF gets a leading apostrophe, so a spreadsheet shows it as text and never runs it. Numbers stored
  as numbers (including negative ones) are untouched. The .xlsx gets the same cells, written as strings with
  xlsxwriter's strings_to_formulas / strings_to_urls turned off.
- Personal identifiers (resident ID numbers with a valid check digit, mobile numbers) are never exported:
  digigov.ingest.privacy finds them by content; a column made mostly of them is dropped, other cells
  become ***. Column names alone do not drop anything here: export tables carry our own labels, and
  a column such as mobile_app (a channel share) is not personal data.
- Suppressed small cells stay suppressed: a null or a marker such as "<10" passes through as it is.
- CSV is UTF-8 with a BOM (Excel on Windows otherwise reads Chinese as GBK mojibake), CRLF line ends.
- Sample data (sample=SampleLabel, digigov.export.labels): a first column 数据说明 saying 示例数据 / SAMPLE DATA on
  every row, and in the .xlsx a second sheet 说明 / Notes; uploaded data (sample=None) carry neither.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from digigov.export.labels import SampleLabel, label_frame
from digigov.ingest.privacy import drop_identifiers, scan_identifiers

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_TRIGGER_PATTERN = r"^[=+\-@\t\r\n]"
MASK = "***"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise_formula(value: object) -> object:
    """'=1+1 for "=1+1"; anything that is not text (numbers, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class SafeTable:
    frame: pl.DataFrame
    dropped: list[str] = field(default_factory=list)  # columns removed: they held personal identifiers
    redacted: dict[str, int] = field(default_factory=dict)  # column -> cells replaced by ***

    @property
    def changed(self) -> bool:
        return bool(self.dropped or self.redacted)


def _flatten_nested(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists, structs and categoricals as plain text, so that every text cell can be checked."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join("; "))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode())
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            exprs.append(pl.col(name).cast(pl.String))
    return frame.with_columns(exprs) if exprs else frame


def _remove_identifiers(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], dict[str, int]]:
    # Long integers may be phone or ID numbers stored as numbers: check them as text, restore them if clean.
    long_ints = [
        c
        for c, d in frame.schema.items()
        if d.is_integer()
        and frame.height
        and (cast(float | None, frame.get_column(c).cast(pl.Float64).abs().max()) or 0) >= 1e10
    ]
    probe = frame.with_columns(pl.col(long_ints).cast(pl.String)) if long_ints else frame
    cleaned, dropped, redacted = _drop_identifiers(probe)
    restore = [c for c in long_ints if c in cleaned.columns and c not in redacted]
    if restore:
        cleaned = cleaned.with_columns(frame.get_column(c) for c in restore)
    return cleaned, dropped, redacted


def _drop_identifiers(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], dict[str, int]]:
    findings = scan_identifiers(frame, by_name=[])
    if not findings.any:
        return frame, [], {}
    cleaned, notice = drop_identifiers(frame, findings)
    return cleaned, list(notice.dropped), dict(notice.redacted)


def _neutralise_column(name: str) -> pl.Expr:
    column = pl.col(name)
    return pl.when(column.str.contains(_TRIGGER_PATTERN)).then(pl.lit("'") + column).otherwise(column).alias(name)


def sanitise(frame: pl.DataFrame) -> SafeTable:
    """The frame as it may leave the app, and what was removed on the way (for a notice to the user)."""
    flat = _flatten_nested(frame)
    cleaned, dropped, redacted = _remove_identifiers(flat)
    text_columns = [c for c, d in cleaned.schema.items() if d == pl.String]
    if text_columns:
        cleaned = cleaned.with_columns(_neutralise_column(c) for c in text_columns)
    renamed = {c: str(neutralise_formula(c)) for c in cleaned.columns}
    if any(old != new for old, new in renamed.items()):
        cleaned = cleaned.rename(renamed)
    return SafeTable(cleaned, dropped, redacted)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Formula-neutralised text, no personal identifiers; numbers, nulls and suppression markers unchanged."""
    return sanitise(frame).frame


def to_csv_bytes(frame: pl.DataFrame, *, sample: SampleLabel | None = None) -> bytes:
    """UTF-8 CSV with BOM and CRLF, safe to open in Excel; sample data get the label column first."""
    body = label_frame(safe_frame(frame), sample).write_csv(line_terminator="\r\n")
    return b"\xef\xbb\xbf" + body.encode("utf-8")


def valid_sheet_name(text: str) -> str:
    """A valid Excel sheet name: no []:*?/\\, at most 31 characters, not empty, no edge apostrophes."""
    name = _SHEET_FORBIDDEN.sub("_", str(text)).strip().strip("'")[:31].strip()
    return name or "data"


def to_xlsx_bytes(frame: pl.DataFrame, sheet_name: str = "data", *, sample: SampleLabel | None = None) -> bytes:
    """An .xlsx with the data sheet first; every text cell is written as a string, never as a formula or link.
    Sample data get the label column first and a second sheet with the label in words."""
    from xlsxwriter import Workbook

    buffer = io.BytesIO()
    workbook = Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    data_sheet = valid_sheet_name(sheet_name)
    try:
        label_frame(safe_frame(frame), sample).write_excel(
            workbook, worksheet=data_sheet, autofit=True, float_precision=6
        )
        if sample is not None:
            _notes_sheet(workbook, sample, data_sheet)
    finally:
        workbook.close()
    return buffer.getvalue()


def _notes_sheet(workbook: Any, sample: SampleLabel, data_sheet: str) -> None:
    """The notes sheet after the data: the label in words, one line a row (written as plain strings)."""
    name = valid_sheet_name(sample.notes_sheet)
    notes = workbook.add_worksheet(name if name != data_sheet else f"{name}_")
    bold = workbook.add_format({"bold": True})
    notes.set_column(0, 0, 100)
    for row, line in enumerate(sample.notes):
        notes.write_string(row, 0, line, bold if row == 0 else None)
