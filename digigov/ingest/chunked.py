"""Large raw-record CSV files (a gigabyte, ten million rows) read in bounded memory, with progress.

The file is decoded as a stream and cut into blocks of whole records (a cut never falls inside a quoted field).
Each block goes through the same `read_upload` as an upload — encoding and delimiter detection on the first
block, then the user's mapping, privacy removal, region and year checks, answer checks — so a large file is
validated exactly as a small one, and the report's rows are the file's own line numbers. The checked records
of each block (a few narrow columns) are written to a temporary Parquet part; when every block is read without
errors, the analysis aggregator runs once, lazily, over all parts. Memory stays at about one block's worth of
work however large the file; bench/bench_ingest.py measures it.

Files no larger than one block, and files that are not raw records, are read in one piece (the latter only up
to the upload cap: a summary table of that size is not something the pages can use).
"""

from __future__ import annotations

import codecs
import tempfile
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from digigov import settings
from digigov.engine import ParquetParts, RecordsLike, configured
from digigov.ingest.decode import DecodeError, decode_bytes
from digigov.ingest.fast_blocks import (
    BYTE_SAFE_CODECS,
    ByteBlock,
    Layout,
    byte_blocks,
    group_bytes,
    groups,
    read_group,
)
from digigov.ingest.limits import MIB, max_upload_bytes
from digigov.ingest.pipeline import IngestResult, finish_raw_records, read_upload
from digigov.ingest.privacy import PrivacyNotice
from digigov.ingest.raw_records import RawRecords
from digigov.ingest.report import Issue, ValidationReport
from digigov.ingest.sniff import sniff

# The default block. bench/bench_import_blocks.py on a 193 MB file, peak RSS of the whole process: 32 MB blocks
# 812 MB in 11.5 s, 8 MB blocks 423 MB in 11.6 s, 2 MB blocks 332 MB in 17.5 s. DIGIGOV_IMPORT_BLOCK_MB changes it.
ENV_BLOCK_MB = "DIGIGOV_IMPORT_BLOCK_MB"
BLOCK_BYTES = int(settings.setting(ENV_BLOCK_MB).default * MIB)
SAMPLE_BYTES = 1 * MIB  # read to detect the encoding before streaming
# Groups read at once by the columnar reader (bench/bench_ingest.py: 2 on this 2-core machine, see RESULTS.md).
READ_THREADS = 2
PREVIEW_BYTES = 2 * MIB  # records read for the page's preview before the import
PREVIEW_ROWS = 1000  # rows of the first block kept on the result for the page's preview
RAW_SHAPES = ("raw_channels", "raw_demand", "raw_transactions")
# Notes about the file as a whole: the first block says them; later blocks (read as UTF-8 with the header
# prepended) would only repeat them or describe the prepended header.
FILE_LEVEL_CODES = frozenset(
    {
        "encoding_detected",
        "encoding_uncertain",
        "delimiter_detected",
        "extension_mismatch",
        "header_guessed",
        "title_rows_skipped",
        "header_only",
        "empty_header",
        "header_renamed",
        "duplicate_header",
        "pii_in_header",
        "pii_column_named",
        "mapping_invalid",
        "no_year_column",
        "year_from_parameter",
        "no_indicator_columns",
    }
)
PER_COLUMN_CODES = frozenset({"formula_like_text", "pii_cells_redacted"})  # one row per column, counts summed
_STREAM_CODEC = {"gbk": "gb18030"}  # a file whose first megabyte is GBK may use GB18030's extra characters later

Stage = Literal["reading", "aggregating", "done"]


@dataclass(frozen=True)
class ImportProgress:
    stage: Stage
    bytes_done: int
    bytes_total: int
    rows: int
    seconds: float

    @property
    def fraction(self) -> float:
        """Share of the work done, 0..1: reading is 95% of it, the final aggregation the rest."""
        if self.stage == "done":
            return 1.0
        read = self.bytes_done / self.bytes_total if self.bytes_total else 1.0
        return min(0.95 * read + (0.04 if self.stage == "aggregating" else 0.0), 0.99)

    @property
    def remaining_seconds(self) -> float | None:
        """Seconds left to read, at the rate so far (None before the first block or after reading)."""
        if self.stage != "reading" or not self.bytes_done or self.bytes_done >= self.bytes_total:
            return None
        return self.seconds * (self.bytes_total - self.bytes_done) / self.bytes_done


ProgressCallback = Callable[[ImportProgress], None]


@dataclass(frozen=True)
class TextBlock:
    text: str  # whole records; ends with a newline unless it is the end of the file
    first_line: int  # the file's 1-based line number of the text's first line
    bytes_done: int  # bytes of the file read so far


class StreamDecodeError(ValueError):
    def __init__(self, encoding: str, offset: int, line: int) -> None:
        self.encoding, self.offset, self.line = encoding, offset, line
        super().__init__(f"not valid {encoding} at byte {offset} (line {line})")


def record_end(text: str) -> int:
    """The position just after the last newline that is not inside a quoted field (0 when there is none).

    Quotes come in pairs in well-formed CSV (an escaped quote is doubled), so a newline ends a record when the
    number of quotes before it is even. With stray quotes no newline may qualify: then the last newline is
    taken, and reading that block reports the malformed quote, as reading the whole file would."""
    total = text.count('"')
    pos = text.rfind("\n")
    last = pos
    for _ in range(256):
        if pos < 0:
            break
        if (total - text.count('"', pos)) % 2 == 0:
            return pos + 1
        pos = text.rfind("\n", 0, pos)
    return last + 1


def text_blocks(
    path: Path, codec: str, *, skip: int = 0, block_bytes: int = BLOCK_BYTES
) -> Generator[TextBlock, None, None]:
    """Decode a file strictly as a stream and yield it in blocks of whole records of about block_bytes each. A
    short tail (under a quarter block) joins the last block, so no block is only a few trailing lines."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    newline = "\n".encode(codec)
    size = path.stat().st_size
    carry, line = "", 1
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            raw = handle.read(block_bytes)
            end = handle.tell() >= size
            if not end and size - handle.tell() < block_bytes // 4:
                raw += handle.read()
                end = True
            try:
                text = carry + decoder.decode(raw, final=end)
            except UnicodeDecodeError as exc:
                offset = handle.tell() - len(raw) + max(exc.start, 0)
                bad_line = line + carry.count("\n") + raw[: max(exc.start, 0)].count(newline)
                raise StreamDecodeError(codec, offset, bad_line) from None
            if end:
                if text:
                    yield TextBlock(text, line, handle.tell())
                return
            cut = record_end(text)
            if cut == 0:  # no complete record yet (an enormous quoted field): read on
                carry = text
                continue
            block, carry = text[:cut], text[cut:]
            yield TextBlock(block, line, handle.tell())
            line += block.count("\n")


def _sample(head: bytes, at_end: bool, encoding: str | None) -> bytes:
    """The first bytes cut after a newline, so that a multi-byte character is never split."""
    if at_end:
        return head
    utf16 = (encoding or "").lower().replace("_", "-").startswith("utf-16")
    if head.startswith(codecs.BOM_UTF16_BE):
        cut = head.rfind(b"\x00\n")
    elif head.startswith(codecs.BOM_UTF16_LE) or utf16:
        cut = head.rfind(b"\n\x00")
    else:
        cut = head.rfind(b"\n")
        return head[: cut + 1] if cut >= 0 else head
    return head[: cut + 2] if cut >= 0 else head


def _header_line(text: str, header_row: int) -> str:
    lines = text.split("\n", header_row)
    return lines[header_row - 1].rstrip("\r") if len(lines) >= header_row else ""


def _merge_privacy(first: PrivacyNotice | None, other: PrivacyNotice | None) -> PrivacyNotice | None:
    if other is None or not other.any:
        return first
    if first is None:
        return other
    redacted = dict(first.redacted)
    for column, count in other.redacted.items():
        redacted[column] = redacted.get(column, 0) + count
    return PrivacyNotice(
        dropped=list(dict.fromkeys([*first.dropped, *other.dropped])),
        redacted=redacted,
        hashed=list(dict.fromkeys([*first.hashed, *other.hashed])),
    )


def _merge_block(result: IngestResult, block: IngestResult, header_line_number: int) -> None:
    def keep(issue: Issue) -> bool:
        return issue.code not in FILE_LEVEL_CODES and issue.row != header_line_number

    result.report.absorb(block.report, keep=keep, per_column=PER_COLUMN_CODES)
    result.privacy = _merge_privacy(result.privacy, block.privacy)
    result.regions.resolved.update(block.regions.resolved)
    result.regions.invalid_overrides.update(block.regions.invalid_overrides)
    for value, missing in block.regions.unresolved.items():
        result.regions.unresolved.setdefault(value, missing)


def import_csv_file(
    path: str | Path,
    *,
    name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, str | None] | None = None,
    units: dict[str, str] | None = None,
    region_overrides: dict[str, str] | None = None,
    year: int | None = None,
    salt: bytes | str | None = None,
    block_bytes: int | None = None,
    on_progress: ProgressCallback | None = None,
    scratch_dir: str | Path | None = None,
) -> IngestResult:
    """Read, validate and aggregate a CSV/TSV file of any size from disk; the options are read_upload's.

    Never raises for anything about the file; problems are rows of result.report, with the file's line numbers.
    on_progress is called after every block and at the end (it may raise to cancel: the temporary parts are
    removed). scratch_dir holds the temporary Parquet parts (default: the system's temporary folder).
    block_bytes defaults to DIGIGOV_IMPORT_BLOCK_MB or 8 MB."""
    path = Path(path)
    block_bytes = block_bytes or block_size()
    name = name or path.name
    options = dict(
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        mapping=mapping,
        units=units,
        region_overrides=region_overrides,
        year=year,
        salt=salt,
    )
    started = time.monotonic()
    size = path.stat().st_size

    def progress(stage: Stage, done: int, rows: int) -> None:
        if on_progress is not None:
            on_progress(ImportProgress(stage, done, size, rows, time.monotonic() - started))

    if size <= block_bytes:  # one block's worth: read at once, whatever the upload cap
        return _whole(path, name, size, options, progress, limit=block_bytes)
    opened = _open_stream(path, name, size, options)
    if isinstance(opened, IngestResult):  # not text (read whole within the cap), or not decodable
        return opened if opened.kind == "text" else _whole(path, name, size, options, progress)
    codec, bom = opened
    before = path.stat()
    with tempfile.TemporaryDirectory(prefix="digigov-import-", dir=scratch_dir) as scratch:
        result = _stream(path, name, size, codec, bom, options, block_bytes, Path(scratch), progress)
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        # Still being copied into the folder, or replaced: what was read is not the file as it is now.
        result.report.add(
            "import_file_changed", "error", size_mb=f"{before.st_size / MIB:.1f}", now_mb=f"{after.st_size / MIB:.1f}"
        )
        result.frame = result.aggregated = None
    return result


def block_size() -> int:
    """The block size in bytes: DIGIGOV_IMPORT_BLOCK_MB when set to a positive number, else 8 MB (logged)."""
    return int(settings.read_or_default(ENV_BLOCK_MB) * MIB)


def preview_csv_file(
    path: str | Path, *, name: str | None = None, sample_bytes: int | None = None, **options
) -> IngestResult:
    """What the page shows before a large file is imported: read_upload on its first records (about
    sample_bytes, cut after a whole record) — the detected encoding, delimiter, header, proposed mapping and
    shape, and the problems in those records. A file no larger than sample_bytes (default: 2 MB or one block,
    whichever is smaller) is read whole."""
    sample_bytes = sample_bytes or min(PREVIEW_BYTES, block_size())
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    if size <= sample_bytes:
        return read_upload(name, path.read_bytes(), max_bytes=size + 1, **options)
    opened = _open_stream(path, name, size, options)
    if isinstance(opened, IngestResult):
        return opened if opened.kind == "text" else _whole(path, name, size, options, lambda *_: None)
    codec, bom = opened
    blocks = text_blocks(path, codec, skip=len(bom), block_bytes=sample_bytes)
    try:
        first = next(blocks)
    except StreamDecodeError as exc:
        result = IngestResult(name=name, size=size, report=ValidationReport(file=name))
        result.report.add(
            "decode_failed",
            "error",
            row=exc.line,
            value=exc.encoding,
            encoding=exc.encoding,
            offset=exc.offset,
            hint="-",
        )
        return result
    finally:
        blocks.close()
    data = bom + first.text.encode(codec)
    result = read_upload(name, data, max_bytes=len(data) + 1, aggregate=False, **options)
    result.size = size
    return result


def _open_stream(path: Path, name: str, size: int, options: dict) -> tuple[str, bytes] | IngestResult:
    """The codec and byte-order mark to stream the file with, detected on its first megabyte as for an upload;
    or, instead, a result saying what the file is when it is not text (kind set, no rows), or read_upload's
    errors on that megabyte when it does not decode."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    sample = _sample(head, False, options.get("encoding"))
    sniffed = sniff(head)
    kind = sniffed.kind
    if kind == "binary" and not sniffed.detail and options.get("encoding") not in (None, "auto"):
        kind = "text"  # NUL bytes, but the user says it is text (UTF-16 without a byte-order mark)
    if kind != "text":
        return IngestResult(name=name, size=size, report=ValidationReport(file=name), kind=kind)
    try:
        detected = decode_bytes(sample, options.get("encoding"))
    except DecodeError:  # read_upload on the sample reports it with the line and a hint
        return _refused(read_upload(name, sample, max_bytes=size + 1, **options), size)
    codec = _STREAM_CODEC.get(detected.encoding, detected.encoding)
    bom = b""
    if detected.bom:
        bom = codecs.BOM_UTF8 if codec == "utf-8" else head[:2]
    return codec, bom


def _whole(
    path: Path,
    name: str,
    size: int,
    options: dict,
    progress: Callable[[Stage, int, int], None],
    limit: int | None = None,
) -> IngestResult:
    limit = limit or max_upload_bytes()
    if size > limit:
        report = ValidationReport(file=name)
        report.add("import_not_csv", "error", size_mb=f"{size / MIB:.0f}", limit_mb=f"{limit / MIB:.0f}")
        return IngestResult(name=name, size=size, report=report)
    result = read_upload(name, path.read_bytes(), max_bytes=limit, **options)
    progress("done", size, result.text_frame.height if result.text_frame is not None else 0)
    return result


def _refused(result: IngestResult, size: int) -> IngestResult:
    result.size, result.frame, result.aggregated = size, None, None
    return result


@dataclass
class _Reading:
    """One import's state while its blocks are read: the first block's result (the file's), its header line,
    the Parquet parts written and the rows read."""

    name: str
    size: int
    codec: str
    bom: bytes
    options: dict
    scratch: Path
    result: IngestResult | None = None
    header: str = ""
    rows: int = 0
    parts: int = 0
    schema: dict | None = None

    def first(self, block: TextBlock) -> IngestResult:
        """read_upload on the first block, which detects everything (its bytes are the file's own)."""
        data = self.bom + block.text.encode(self.codec)
        result = read_upload(self.name, data, max_bytes=len(data) + 1, aggregate=False, **self.options)
        result.size = self.size
        if result.raw is not None and result.shape in RAW_SHAPES:
            self.result = result
            self.header = _header_line(block.text, result.header_row or 1)
            self.keep(result)
            _keep_preview(result)
        return result

    def exact(self, block: TextBlock) -> None:
        """A later block read by read_upload, with the header line on top (the exact path)."""
        result = self._result()
        text = f"{self.header}\n{block.text}"
        options = {**self.options, "encoding": "utf-8", "delimiter": result.delimiter, "header_row": 1}
        chunk = read_upload(
            self.name,
            text.encode("utf-8"),
            max_bytes=len(text) * 4 + 1,
            line_offset=block.first_line - 2,
            aggregate=False,
            shape=result.shape_result,
            **options,
        )
        self.merge(chunk, block.first_line)

    def merge(self, chunk: IngestResult, first_line: int) -> None:
        _merge_block(self._result(), chunk, first_line - 1)
        self.keep(chunk)
        chunk.raw = chunk.text_frame = None  # the block's records are on disk now; free them

    def keep(self, chunk: IngestResult) -> None:
        """The block's checked records written to the next Parquet part; its rows counted."""
        if chunk.raw is not None and chunk.raw.frame.height:
            frame = chunk.raw.frame if self.schema is None else chunk.raw.frame.cast(self.schema, strict=False)
            self.schema = self.schema or dict(frame.schema)
            frame.write_parquet(self.scratch / f"part-{self.parts:06d}.parquet", compression="zstd")
            self.parts += 1
        self.rows += chunk.text_frame.height if chunk.text_frame is not None else 0

    def layout(self) -> Layout | None:
        """What the columnar reader needs from the first block; None when it cannot stand in for the exact path
        (a codec whose bytes cannot be counted, a quoted header)."""
        result = self._result()
        if self.codec not in BYTE_SAFE_CODECS or '"' in self.header or not result.delimiter:
            return None
        options = {k: v for k, v in self.options.items() if k not in ("encoding", "delimiter", "header_row")}
        return Layout(self.name, self.header, result.delimiter, self.codec, result.shape_result, options)

    def _result(self) -> IngestResult:
        if self.result is None:
            raise RuntimeError("a later block before the first")
        return self.result


def _decoded(block: ByteBlock, codec: str) -> TextBlock:
    try:
        text = block.data.decode(codec, "strict")
    except UnicodeDecodeError as exc:
        line = block.first_line + block.data[: exc.start].count(b"\n")
        raise StreamDecodeError(codec, block.start + exc.start, line) from None
    return TextBlock(text, block.first_line, block.bytes_done)


def _stream(
    path: Path,
    name: str,
    size: int,
    codec: str,
    bom: bytes,
    options: dict,
    block_bytes: int,
    scratch: Path,
    progress: Callable[[Stage, int, int], None],
) -> IngestResult:
    reading = _Reading(name, size, codec, bom, options, scratch)
    try:
        first = _read_all(path, reading, block_bytes, progress)
    except StreamDecodeError as exc:
        refused = reading.result or IngestResult(name=name, size=size, report=ValidationReport(file=name))
        refused.report.add(
            "decode_failed",
            "error",
            row=exc.line,
            value=exc.encoding,
            encoding=exc.encoding,
            offset=exc.offset,
            hint="-",
        )
        return _refused(refused, size)
    if first is not None:  # the first block is not raw records
        return _not_raw(path, name, size, first, options, progress)
    result = reading.result
    if result is None:
        result = IngestResult(name=name, size=size, report=ValidationReport(file=name))
        result.report.add("empty_file", "error")
        return result
    if result.report.ok and reading.schema is not None:
        progress("aggregating", size, reading.rows)
        finish_raw_records(result, _parts(scratch))
    progress("done", size, reading.rows)
    return result


def _parts(scratch: Path) -> RecordsLike:
    """The blocks' Parquet parts for the aggregation: as ParquetParts on the engine DIGIGOV_ENGINE names (its
    folder must then be one the engine reads: set the import's scratch_dir to shared storage); with the
    embedded default, scanned by polars' streaming engine, which needs no Ibis import and no second process
    for parts this process just wrote (digigov.engine.run says why)."""
    if configured().embedded:
        return pl.scan_parquet(scratch / "*.parquet")
    return ParquetParts(str(scratch))


def _blocks(path: Path, reading: _Reading, block_bytes: int) -> Iterator[TextBlock | list[ByteBlock]]:
    """The file's blocks: text blocks (the exact path) or, after the first block and where the codec allows,
    groups of undecoded blocks for the columnar reader."""
    skip = len(reading.bom)
    if reading.codec not in BYTE_SAFE_CODECS:
        yield from text_blocks(path, reading.codec, skip=skip, block_bytes=block_bytes)
        return
    blocks = byte_blocks(path, skip=skip, block_bytes=block_bytes)
    for block in blocks:
        yield _decoded(block, reading.codec)
        break
    yield from groups(blocks, group_bytes(block_bytes))


def _read_all(
    path: Path, reading: _Reading, block_bytes: int, progress: Callable[[Stage, int, int], None]
) -> IngestResult | None:
    """Read every block into reading; the first block's result when the file is not raw records."""
    layout: Layout | None = None
    items = _blocks(path, reading, block_bytes)
    for item in items:
        if isinstance(item, TextBlock) and reading.result is None:
            first = reading.first(item)
            if reading.result is None:
                return first
            layout = reading.layout()
            progress("reading", item.bytes_done, reading.rows)
        elif isinstance(item, TextBlock):
            reading.exact(item)
            progress("reading", item.bytes_done, reading.rows)
        else:
            _read_groups(reading, layout, _with_first(item, items), progress)
    return None


def _with_first(first: list[ByteBlock], rest: Iterator[TextBlock | list[ByteBlock]]) -> Iterator[list[ByteBlock]]:
    yield first
    for item in rest:
        if isinstance(item, TextBlock):  # _blocks yields groups only after the first block of a byte-safe codec
            raise TypeError("a text block among the groups")
        yield item


def _read_groups(
    reading: _Reading,
    layout: Layout | None,
    groups: Iterator[list[ByteBlock]],
    progress: Callable[[Stage, int, int], None],
) -> None:
    """The groups by the columnar reader, READ_THREADS at once (polars lets go of the GIL, so a second group's
    checks run while the first's wait on one core), taken in the file's order: the report, the parts and the
    progress are those of reading them one after the other. A declined group is read block by block by the
    exact path, in its turn."""
    with ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="digigov-import") as pool:
        pending: deque[tuple[list[ByteBlock], Future[IngestResult | None] | None]] = deque()
        try:
            for group in groups:
                pending.append((group, pool.submit(read_group, layout, group) if layout is not None else None))
                if len(pending) >= READ_THREADS:
                    _take_group(reading, *pending.popleft(), progress)
            while pending:
                _take_group(reading, *pending.popleft(), progress)
        finally:
            for _, future in pending:  # a cancelled import: the groups not started are not read
                if future is not None:
                    future.cancel()


def _take_group(
    reading: _Reading,
    group: list[ByteBlock],
    future: Future[IngestResult | None] | None,
    progress: Callable[[Stage, int, int], None],
) -> None:
    chunk = future.result() if future is not None else None
    if chunk is not None:
        reading.merge(chunk, group[0].first_line)
        for block in group:
            progress("reading", block.bytes_done, reading.rows)
        return
    for block in group:
        reading.exact(_decoded(block, reading.codec))
        progress("reading", block.bytes_done, reading.rows)


def _keep_preview(result: IngestResult) -> None:
    """The first block's rows are kept for the page's preview only; its records are in the parts."""
    if result.text_frame is not None:
        result.text_frame = result.text_frame.head(PREVIEW_ROWS)
    if result.source_rows is not None:
        result.source_rows = result.source_rows.head(PREVIEW_ROWS)
    if result.raw is not None:
        result.raw = RawRecords(result.raw.kind, result.raw.frame.head(0), result.raw.arguments)


def _not_raw(
    path: Path, name: str, size: int, first: IngestResult, options: dict, progress: Callable[[Stage, int, int], None]
) -> IngestResult:
    """The first block is not raw records: a summary table is read whole when it is small enough; otherwise
    the first block's problems are returned with the reason the file was not read further."""
    if first.shape in ("wide", "long") and first.report.ok:
        whole = _whole(path, name, size, options, progress)
        if whole.report.ok or not whole.report.has("import_not_csv"):
            return whole
        first.report.add("import_summary_too_large", "error", size_mb=f"{size / MIB:.0f}")
    return _refused(first, size)
