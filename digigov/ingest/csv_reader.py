"""Strict CSV/TSV parsing of decoded text, with line numbers for every structural problem.

The delimiter is detected among , ; tab and | (the one that splits the rows most consistently into the most
fields; csv.Sniffer, restricted to those four, breaks ties). Every row is checked against the header: a row with
too many or too few fields, or a quote that is never closed, is reported with its line number and never silently
cut. Every cell stays text (codes keep leading zeros; 18-digit numbers never become floats).

The text is parsed once. The body (the lines after the header) is read columnar when it is plain: no quote
character, no NUL, no carriage return outside a CRLF. Then every physical line is one record whose fields are
the line split at the delimiter — exactly what the csv module reads — so the lines are read by polars in chunks
of a few megabytes: a chunk with exactly (width - 1) delimiters per line straight into String columns, any other
chunk as lines whose delimiters are counted by expressions, only the few irregular lines (blank, ragged, extra
empty fields, a field over the csv module's limit) split in Python and sorted by the exact reader's own rules
(_Scan.other), and the last lines split for the trailing notes. Line numbers, the report and the frame are the
exact reader's. Text with quotes is read by the csv module (exact; line numbers of multi-line fields), and its
frame by polars when both agree, else by the csv module again.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

import polars as pl

from digigov.ingest.layout import ROW, RawTable, clean_headers, filled, find_header, rows_frame, trailing_notes
from digigov.ingest.limits import MAX_SCAN_ROWS, MIB
from digigov.ingest.report import RowFields, ValidationReport

log = logging.getLogger(__name__)

DELIMITERS: tuple[str, ...] = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_CHUNK_ROWS = 20_000
_SAMPLE_CHARS = 65_536
_TAIL = 200
_HEAD_CHARS = 1 * MIB  # the first records (to find the header in) are read from this much of a large text
_PLAIN_CHUNK = 4 * MIB  # characters of a plain body read per columnar step (and per progress report)
_PROGRESS_ROWS = 50_000  # records of the exact reader between two progress reports

# Progress of the reading: (characters of the text read so far, data rows so far).
RowsProgress = Callable[[int, int], None]


class _Malformed(Exception):
    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


class _Records:
    """Records with the line each starts on (blank lines give []). Iterating yields (line, fields) and raises
    _Malformed; `bulk` hands rows to a callback without a generator frame per row (the hot loop)."""

    def __init__(self, text: str, delimiter: str, *, partial: bool = False) -> None:
        self.stream = io.StringIO(text, newline="")
        self.reader = csv.reader(self.stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        self.previous = 0
        self.partial = partial  # text is the file's first lines only

    @classmethod
    def after(cls, text: str, delimiter: str, count: int) -> _Records:
        """Records of the whole text, the first `count` (read before, without a problem) skipped."""
        records = cls(text, delimiter)
        for _ in islice(records, count):
            pass
        return records

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                fields = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _Malformed(self.previous + 1, str(exc)) from None
            line = self.previous + 1
            self.previous = self.reader.line_num
            yield line, fields

    def bulk(self, scan: _Scan, on_rows: RowsProgress | None = None) -> None:
        """Feed the remaining records to scan; the common row (as wide as the header, not blank) is handled
        inline, because this loop runs once per row of the file. on_rows hears the characters read and the data
        rows so far every _PROGRESS_ROWS records (scan keeps no rows here: its lines are all the data rows)."""
        reader = self.reader
        previous = self.previous
        width, add_line, add_tail, keep = scan.width, scan.lines.append, scan.tail.append, scan.keep
        add_row = scan.rows.append
        batch = _PROGRESS_ROWS if on_rows is not None else sys.maxsize
        try:
            while True:
                started = previous
                for fields in islice(reader, batch):
                    line = previous + 1
                    previous = reader.line_num
                    add_tail((line, fields))
                    if len(fields) == width and any(fields):
                        add_line(line)
                        if keep:
                            add_row(fields)
                            if len(scan.lines) >= _CHUNK_ROWS:
                                scan.flush()
                    else:
                        scan.other(line, fields)
                if previous == started or on_rows is None:
                    return
                on_rows(self.stream.tell(), len(scan.lines))
        except csv.Error as exc:
            raise _Malformed(previous + 1, str(exc)) from None
        finally:
            self.previous = previous


class _Scan:
    """Sorts records into data rows (their lines, and the rows themselves when keep), blank lines, rows with
    extra empty fields (trimmed) and rows with the wrong number of fields (odd); remembers the last rows."""

    def __init__(self, width: int, names: list[str] | None = None) -> None:
        self.width = width
        self.names = names
        self.keep = names is not None
        self.lines: list[int] = []
        self.rows: list[list[str]] = []
        self.chunks: list[pl.DataFrame] = []
        self.odd: list[tuple[int, list[str]]] = []
        self.trimmed: list[int] = []
        self.blank_lines: list[int] = []
        self.tail: deque[tuple[int, list[str]]] = deque(maxlen=_TAIL)

    def take(self, line: int, fields: list[str]) -> None:
        self.tail.append((line, fields))
        if len(fields) == self.width and any(fields):
            self._data(line, fields)
        else:
            self.other(line, fields)

    def other(self, line: int, fields: list[str]) -> None:
        if not "".join(fields).strip():
            self.blank_lines.append(line)
            return
        if len(fields) > self.width and not "".join(fields[self.width :]).strip():
            self.trimmed.append(line)
            fields = fields[: self.width]
        if len(fields) != self.width:
            self.odd.append((line, fields))
            return
        self._data(line, fields)

    def _data(self, line: int, fields: list[str]) -> None:
        self.lines.append(line)
        if self.keep:
            self.rows.append(fields)
            if len(self.lines) >= _CHUNK_ROWS:
                self.flush()

    def flush(self) -> None:
        if self.names is not None and self.rows:  # keeping rows (keep): lines and rows grow together
            self.chunks.append(rows_frame(self.rows, self.names, self.lines))
            self.rows.clear()
            self.lines.clear()

    def frame(self) -> pl.DataFrame:
        self.flush()
        return pl.concat(self.chunks) if self.chunks else rows_frame([], self.names or [], [])


def _polars_frame(
    text: str, delimiter: str, names: list[str], header_end: int, lines: list[int], checks: list[tuple[int, list[str]]]
) -> pl.DataFrame | None:
    """The data rows read by polars (fast), or None when its reading does not match the strict scan exactly:
    the same number of rows, and the same cells in the first and last rows."""
    placeholders = [f"c{i}" for i in range(len(names))]
    try:
        body = pl.read_csv(
            text.encode("utf-8"),
            has_header=False,
            separator=delimiter,
            quote_char='"',
            skip_lines=header_end,
            infer_schema=False,
            new_columns=placeholders,
            raise_if_empty=False,
            truncate_ragged_lines=False,
        )
    except Exception:  # any disagreement with the strict reader: take the slow, exact path
        log.debug("fast CSV path declined; using the exact reader", exc_info=True)
        return None
    if not lines:
        return None
    if body.width != len(names):
        return None
    body = body.filter(~pl.all_horizontal(pl.col(c).is_null() for c in placeholders))
    if body.height != len(lines):
        return None
    body = body.with_columns(pl.col(c).replace("", None) for c in placeholders)  # a quoted "" is empty too
    body = body.rename(dict(zip(placeholders, names, strict=True)))
    frame = body.with_columns(pl.Series(ROW, lines, dtype=pl.Int64)).select(ROW, *names)
    last = lines[-_TAIL - 1 :]
    index = {line: i for i, line in enumerate(lines[:25])}
    index.update({line: len(lines) - len(last) + i for i, line in enumerate(last)})
    for line, fields in checks:
        position = index.get(line)
        if position is None:
            continue
        expected = tuple(None if value == "" else value for value in fields)
        if frame.row(position)[1:] != expected:
            return None
    return frame


def _python_frame(text: str, delimiter: str, names: list[str], skip_records: int) -> pl.DataFrame:
    """The data rows read by the csv module (exact; used when the file has structural problems)."""
    records = _Records(text, delimiter)
    scan = _Scan(len(names), list(names))
    iterator = iter(records)
    try:
        for _ in range(skip_records):
            next(iterator)
        for line, fields in iterator:
            scan.take(line, fields)
    except (_Malformed, StopIteration):
        pass
    return scan.frame()


def plain_columns(data: bytes, delimiter: str, names: list[str]) -> pl.DataFrame | None:
    """UTF-8 lines without quotes read by polars into String columns named `names` (an empty field is null);
    None when polars refuses them (a line with more fields, bytes that are not UTF-8). A line with fewer fields
    is filled with nulls, and extra fields on a last line without a line break are not refused: the caller
    counts the delimiters and ends the data with a line break."""
    try:
        return pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char=None,
            schema=dict.fromkeys(names, pl.String),
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None


def quoted_columns(data: bytes, delimiter: str, names: list[str]) -> pl.DataFrame | None:
    """plain_columns for lines with quoted fields, each quoted as a whole and closed on its line (the caller
    checks that): polars with the quote character, an empty field null whether quoted ("") or not."""
    try:
        body = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            schema=dict.fromkeys(names, pl.String),
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    return body.with_columns(pl.col(n).replace("", None) for n in names)


def _plain_start(text: str, header_end: int) -> int | None:
    """Where the body (the text after the first header_end lines) starts when it can be read columnar (see the
    module's doc); None when it cannot. Every line break counts here: a carriage return outside a CRLF (a line
    break of its own to the csv module) makes the text not plain."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    start = 0
    for _ in range(header_end):
        start = text.find("\n", start) + 1
        if start == 0:
            return len(text)
    if text.find('"', start) >= 0 or text.find("\x00", start) >= 0:
        return None
    return start


class _Plain:
    """A plain body read in chunks of whole lines (each line one record): the data rows as String columns
    c0..cN plus ROW, and a _Scan of the other records exactly as _Scan.take sorts them."""

    def __init__(self, delimiter: str, width: int) -> None:
        self.delimiter = delimiter
        self.scan = _Scan(width)
        self.placeholders = [f"c{i}" for i in range(width)]
        self.frames: list[pl.DataFrame] = []
        self.rows = 0
        self.limit = csv.field_size_limit()
        self.malformed: _Malformed | None = None

    def read(self, chunk: str, first: int) -> None:
        """One chunk of whole lines (non-empty), its first line being the file's line `first`."""
        count = chunk.count("\n") + (not chunk.endswith("\n"))
        frame = self._regular(chunk, first, count)
        if frame is None:
            frame = self._lines(chunk, first, count)
        if self.malformed is None:
            self._tail(chunk.removesuffix("\n").rsplit("\n", _TAIL), first + count)
        self.frames.append(frame)
        self.rows += frame.height

    def _regular(self, chunk: str, first: int, count: int) -> pl.DataFrame | None:
        """The chunk read by polars when every line holds exactly (width - 1) delimiters: polars refuses a line
        with more fields, so with that total no line has fewer either. Rows of nothing but empty fields are blank
        lines. None when the chunk is not that regular."""
        width = self.scan.width
        if chunk.count(self.delimiter) != (width - 1) * count or chunk.startswith("\ufeff"):
            return None
        data = chunk.encode("utf-8")
        if not chunk.endswith("\n"):
            data += b"\n"  # polars does not refuse extra fields on a last line without a line break
        body = plain_columns(data, self.delimiter, self.placeholders)
        if body is None or body.height != count or (len(chunk) > self.limit and self._too_long(body)):
            return None
        body = body.select(pl.int_range(first, first + count, dtype=pl.Int64).alias(ROW), *self.placeholders)
        blank = body.select(pl.all_horizontal(pl.col(c).is_null() for c in self.placeholders)).to_series()
        if blank.any():
            self.scan.blank_lines.extend(body.filter(blank).get_column(ROW).to_list())
            body = body.filter(~blank)
        return body

    def _too_long(self, body: pl.DataFrame) -> bool:
        longest = body.select(pl.max_horizontal(pl.col(c).str.len_chars().max() for c in self.placeholders))
        return (longest.item() or 0) > self.limit

    def _lines(self, chunk: str, first: int, count: int) -> pl.DataFrame:
        """The chunk as lines: the regular ones (width - 1 delimiters, not blank, short enough) split by polars,
        the others sorted by _Scan.other in Python; the reading stops at a field over the csv module's limit."""
        width = self.scan.width
        lines = pl.DataFrame({"line": pl.Series([chunk.removesuffix("\n")]).str.split("\n").explode()})
        length = pl.col("line").str.len_chars()
        regular = (pl.col("line").str.count_matches(self.delimiter, literal=True) == width - 1) & length.is_between(
            width, self.limit
        )
        lines = lines.select(
            pl.int_range(first, first + count, dtype=pl.Int64).alias(ROW),
            pl.col("line").str.strip_suffix("\r"),
        ).with_columns(regular.alias("regular"))
        data = self._irregular(lines.filter(~pl.col("regular")))
        keep = pl.col("regular") | pl.col(ROW).is_in(data)
        if self.malformed is not None:
            keep = keep & (pl.col(ROW) < self.malformed.line)
            before = lines.filter(pl.col(ROW) < self.malformed.line).tail(_TAIL).get_column("line")
            self._tail(before.to_list(), self.malformed.line)
        fields = pl.col("line").str.split_exact(self.delimiter, width - 1).struct.rename_fields(self.placeholders)
        frame = lines.filter(keep).select(ROW, fields.alias("fields")).unnest("fields")
        return frame.with_columns(pl.col(c).replace("", None) for c in self.placeholders)

    def _irregular(self, lines: pl.DataFrame) -> list[int]:
        """Lines that are not plain data rows, in order, through _Scan.other; the lines it takes as data rows
        (rows with extra empty fields). A field over the limit is the csv module's error: the reading ends."""
        data: list[int] = []
        scan = self.scan
        for line, text in lines.select(ROW, "line").iter_rows():
            fields = text.split(self.delimiter) if text else []
            if any(len(field) > self.limit for field in fields):
                self.malformed = _Malformed(line, f"field larger than field limit ({self.limit})")
                break
            taken = len(scan.lines)
            scan.other(line, fields)
            if len(scan.lines) > taken:
                data.append(line)
        return data

    def _tail(self, lines: list[str], end: int) -> None:
        """The last lines before line `end` (up to _TAIL of them) as records, for the trailing notes."""
        lines = lines[-_TAIL:]
        for offset, text in enumerate(lines):
            text = text.removesuffix("\r")
            self.scan.tail.append((end - len(lines) + offset, text.split(self.delimiter) if text else []))

    def frame(self, names: list[str]) -> pl.DataFrame:
        if not self.frames:
            return rows_frame([], names, [])
        frame = pl.concat(self.frames) if len(self.frames) > 1 else self.frames[0]
        return frame.rename(dict(zip(self.placeholders, names, strict=True)))


def _plain_body(
    text: str, start: int, first_line: int, delimiter: str, names: list[str], on_rows: RowsProgress | None
) -> tuple[_Scan, pl.DataFrame, _Malformed | None]:
    """The plain body from text[start:] (its first line being the file's line first_line), chunk by chunk."""
    plain = _Plain(delimiter, len(names))
    line = first_line
    while start < len(text) and plain.malformed is None:
        end = min(start + _PLAIN_CHUNK, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut >= 0 else (text.find("\n", end) + 1 or len(text))
        chunk = text[start:end]
        plain.read(chunk, line)
        line += chunk.count("\n")
        start = end
        if on_rows is not None:
            on_rows(end, plain.rows)
    return plain.scan, plain.frame(names), plain.malformed


def detect_delimiter(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    best: tuple[float, int, int, int] | None = None
    choice = ","
    for priority, delimiter in enumerate(DELIMITERS):
        counts = _field_counts(sample, delimiter)
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (round(frequency / len(counts), 2), mode, int(delimiter == sniffed), -priority)
        if best is None or score > best:
            best, choice = score, delimiter
    return choice


def _field_counts(sample: str, delimiter: str) -> list[int]:
    """The number of fields in each filled row of sample (the first 200), split at delimiter; the rows before a
    malformed record only."""
    counts: list[int] = []
    try:
        for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if filled(row):
                counts.append(len(row))
            if len(counts) >= 200:
                break
    except csv.Error:
        pass
    return counts


def read_csv_text(
    text: str,
    report: ValidationReport,
    *,
    delimiter: str | None = None,
    header_row: int | None = None,
    on_rows: RowsProgress | None = None,
) -> RawTable | None:
    """Parse decoded text into a RawTable, reporting structural problems; None when there is no table at all.
    on_rows hears, while the body is read, the characters of text read so far and the data rows found."""
    if delimiter is not None and delimiter not in DELIMITERS:
        report.add("delimiter_invalid", "error", value=delimiter)
        return None
    chosen = delimiter or detect_delimiter(text)
    records, head, malformed = _open_head(text, chosen, header_row)
    if not any(filled(f) for _, f in head):
        if malformed:
            _report_malformed(report, malformed)
        else:
            report.add("empty_file", "error")
        return None
    position = _header_position(head, header_row, report)
    if position is None:
        return None
    header_line, header_fields = head[position]
    skipped = [(line, f) for line, f in head[:position] if filled(f)]
    if skipped:
        report.add("title_rows_skipped", "info", row=skipped[0][0], value=filled(skipped[0][1])[0], count=len(skipped))

    names, changes = clean_headers(header_fields)
    header_end = head[position + 1][0] - 1 if position + 1 < len(head) else records.previous
    start = _plain_start(text, header_end) if malformed is None else None
    if start is not None:  # one columnar pass
        scan, frame, malformed = _plain_body(text, start, header_end + 1, chosen, names, on_rows)
    else:  # the csv module, record by record
        body = _Body(text, records, head, position, header_end, malformed)
        scan, frame, malformed = _exact_body(body, chosen, names, on_rows)
    note_lines = _report_structure(report, scan, chosen, malformed, names)
    frame = _drop_notes_and_blanks(frame, names, scan, note_lines, report)
    frame = _drop_empty_generated(frame, changes, report, header_line)
    titles = [" ".join(str(c).strip() for c in filled(f)) for _, f in skipped]
    notes = [" ".join(str(c).strip() for c in filled(f)) for line, f in scan.tail if line in note_lines and filled(f)]
    return RawTable(
        frame=frame,
        header_row=header_line,
        delimiter=chosen,
        title_lines=titles,
        title_rows=[line for line, _ in skipped],
        note_lines=notes,
    )


@dataclass(frozen=True)
class _Body:
    """Where the body starts: the text, its reader after the first records (head), the header's index in head,
    the physical lines up to the end of the header and the error that stopped reading the head, if any."""

    text: str
    records: _Records
    head: list[tuple[int, list[str]]]
    position: int
    header_end: int
    malformed: _Malformed | None


def _exact_body(
    body: _Body, delimiter: str, names: list[str], on_rows: RowsProgress | None
) -> tuple[_Scan, pl.DataFrame, _Malformed | None]:
    """The body by the csv module (the records after the header): the scan, then the data rows read by polars
    when its reading matches the scan exactly, else by the csv module again (structural problems)."""
    width, rest = len(names), body.head[body.position + 1 :]
    records = body.records
    if records.partial:  # the head came from the text's first lines: read on in the whole text
        records = _Records.after(body.text, delimiter, len(body.head))
    scan, malformed = _scan_body(records, rest, width, body.malformed, on_rows)
    frame = None
    if not scan.odd and not scan.trimmed and malformed is None:
        checks = [(line, f) for line, f in [*rest[:20], *scan.tail] if len(f) == width and any(f)]
        frame = _polars_frame(body.text, delimiter, names, body.header_end, scan.lines, checks)
    if frame is None:
        frame = _python_frame(body.text, delimiter, names, body.position + 1)
    return scan, frame, malformed


def _scan_body(
    records: _Records,
    rest_of_head: list[tuple[int, list[str]]],
    width: int,
    malformed: _Malformed | None,
    on_rows: RowsProgress | None = None,
) -> tuple[_Scan, _Malformed | None]:
    """Sort the records after the header (those already read, then the rest of the file unless a malformed
    record stopped the reading) into a _Scan; with the malformed-record error, if any."""
    scan = _Scan(width)
    for line, fields in rest_of_head:
        scan.take(line, fields)
    if malformed is None:
        try:
            records.bulk(scan, on_rows)
        except _Malformed as exc:
            malformed = exc
    return scan, malformed


def _open_head(
    text: str, delimiter: str, header_row: int | None
) -> tuple[_Records, list[tuple[int, list[str]]], _Malformed | None]:
    """_read_head, on the text's first _HEAD_CHARS (cut after a line) when they hold every record it reads: the
    csv module's copy of a large text is then that small (a plain body is not read by it at all)."""
    cut = text.find("\n", _HEAD_CHARS) + 1 if len(text) > _HEAD_CHARS else 0
    if cut:
        records = _Records(text[:cut], delimiter, partial=True)
        head, malformed = _read_head(records, header_row)
        stopped = len(head) >= MAX_SCAN_ROWS if header_row is None else bool(head) and head[-1][0] >= header_row
        if malformed is None and stopped:  # the records read are complete before the cut
            return records, head, None
    records = _Records(text, delimiter)
    head, malformed = _read_head(records, header_row)
    return records, head, malformed


def _read_head(records: _Records, header_row: int | None) -> tuple[list[tuple[int, list[str]]], _Malformed | None]:
    """The first records: up to the given header row, else MAX_SCAN_ROWS of them to look for the header in;
    with the malformed-record error that stopped the reading early, if any."""
    head: list[tuple[int, list[str]]] = []
    try:
        for line, fields in records:
            head.append((line, fields))
            if len(head) >= MAX_SCAN_ROWS and header_row is None:
                break
            if header_row is not None and line >= header_row:
                break
    except _Malformed as exc:
        return head, exc
    return head, None


def _header_position(head: list[tuple[int, list[str]]], header_row: int | None, report: ValidationReport) -> int | None:
    """Index in head of the header: the given header row (None, reported, when it is not a filled line of the
    file), else the detected header, else the first filled row (reported as a guess)."""
    if header_row is not None:
        position = next((i for i, (line, _) in enumerate(head) if line == header_row), None)
        if position is None or not filled(head[position][1]):
            report.add("header_row_invalid", "error", row=header_row)
            return None
        return position
    found = find_header([f for _, f in head])
    if found is None:
        found = next(i for i, (_, f) in enumerate(head) if filled(f))
        report.add("header_guessed", "warning", row=head[found][0])
    return found


def _report_structure(
    report: ValidationReport, scan: _Scan, chosen: str, malformed: _Malformed | None, names: list[str] | None = None
) -> set[int]:
    """Report trailing notes, ragged rows, rows with extra empty fields and a malformed record; returns the
    lines of the trailing notes (left out of the table)."""
    tail, width = scan.tail, scan.width
    note_count = trailing_notes([f for _, f in tail])
    note_lines = {line for line, _ in list(tail)[len(tail) - note_count :]} if note_count else set()
    notes = [(line, f) for line, f in tail if line in note_lines and filled(f)]
    if notes:
        report.add("notes_skipped", "info", row=notes[0][0], value=filled(notes[0][1])[0], count=len(notes))
    for line, fields in scan.odd:
        if line in note_lines:
            continue
        row = RowFields(tuple(fields), chosen, tuple(names or ()))  # the report shows a masked excerpt only
        report.add("ragged_row", "error", row=line, value=row, fields=len(fields), expected=width)
    for line in scan.trimmed:
        report.add("extra_empty_fields", "warning", row=line, expected=width)
    if malformed is not None:
        _report_malformed(report, malformed)
    return note_lines


def _drop_notes_and_blanks(
    frame: pl.DataFrame, names: list[str], scan: _Scan, note_lines: set[int], report: ValidationReport
) -> pl.DataFrame:
    """The table without its trailing notes and blank rows; blank rows inside the table are reported."""
    blank_lines = scan.blank_lines
    if note_lines:
        frame = frame.filter(~pl.col(ROW).is_in(sorted(note_lines)))
    if names:  # rows of nothing but spaces are blank too (looked for among the rows whose first cell is)
        candidates = frame.filter(_empty(names[0]))
        spaces = candidates.filter(pl.all_horizontal(_empty(n) for n in names)).get_column(ROW)
        if spaces.len():
            blank_lines = sorted([*blank_lines, *spaces.to_list()])
            frame = frame.filter(~pl.col(ROW).is_in(spaces.implode()))
    inner_blanks = [line for line in blank_lines if line not in note_lines and lines_before_end(line, scan.tail)]
    if inner_blanks:
        report.add("blank_rows_skipped", "info", row=inner_blanks[0], count=len(inner_blanks))
    return frame


def _empty(name: str) -> pl.Expr:
    return pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "")


def lines_before_end(line: int, tail: deque[tuple[int, list[str]]]) -> bool:
    """A blank line counts only if a filled row follows it (blank lines at the very end are not news)."""
    last_filled = max((ln for ln, f in tail if filled(f)), default=0)
    return line < last_filled


def _drop_empty_generated(
    frame: pl.DataFrame, changes: list[tuple[int, str, str]], report: ValidationReport, header_line: int
) -> pl.DataFrame:
    """Columns without a header and without data are trailing delimiters: drop them. Report the others."""
    drop: list[str] = []
    for _, kind, name in changes:
        if kind == "empty" and name in frame.columns and frame.get_column(name).null_count() == frame.height:
            drop.append(name)
        elif kind == "empty":
            report.add("empty_header", "warning", row=header_line, column=name)
        else:
            report.add(
                "duplicate_header" if kind == "duplicate" else "header_renamed", "warning", row=header_line, column=name
            )
    return frame.drop(drop) if drop else frame


def _report_malformed(report: ValidationReport, error: _Malformed) -> None:
    reason = error.reason
    if "unexpected end of data" in reason:
        report.add("unclosed_quote", "error", row=error.line)
    elif "field larger than field limit" in reason:
        report.add("field_too_long", "error", row=error.line)
    elif "expected after" in reason:
        report.add("text_after_quote", "error", row=error.line)
    else:
        report.add("csv_malformed", "error", row=error.line, value=reason)
