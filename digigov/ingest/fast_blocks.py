"""The columnar reader of a large CSV file's blocks: whole blocks read by polars, checked as read_upload checks.

digigov.ingest.chunked cuts a file into blocks of whole records. The first block goes through read_upload (it
detects the encoding, delimiter, header, mapping and shape). After it, consecutive blocks are read together as
one group of bytes, straight into polars String columns (the CSV parser checks UTF-8 itself), when the group's
structure is plain enough that polars' reading is provably the strict reader's:

* every quote part of a field quoted as a whole and closed on its own line ("a,b", or with a doubled quote
  inside; a quoted field over a line break, a quote inside an unquoted field or text after a closing quote go
  to the exact path), so that each line is one record and polars and the csv module read the same fields; no
  NUL byte, and every carriage return part of a CRLF;
* every line as wide as the header: polars refuses a line with too many fields, and the group holds exactly
  (width - 1) delimiters outside quotes per line, so no line has too few either (no blank lines either);
* as many rows as lines, and no row that is blank or one filled cell only (a blank or a note row, which the
  strict reader takes apart).

The frame then goes through every check of read_upload after the reading (pipeline.read_upload_table: privacy,
regions as joins on the distinct values, years, labels, identifiers as vectorised candidates). A group that does
not qualify, or whose checks find an error or a warning, is read again block by block by the exact path
(read_upload on each block's text): that path finds and reports the malformed line's number, and its report is
the one read_upload writes, block for block, as before. So the columnar path only ever stands in for blocks the
exact path would have read without a problem, and it keeps their line numbers (one line per record).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from digigov.ingest.csv_reader import plain_columns, quoted_columns
from digigov.ingest.layout import ROW, RawTable, clean_headers
from digigov.ingest.limits import MIB
from digigov.ingest.pipeline import IngestResult, read_upload_table
from digigov.ingest.shapes import ShapeResult

# Codecs in which a delimiter, a quote, CR and LF are single bytes that never occur inside another character:
# a group can be cut, counted and checked as bytes (GB18030's trailing bytes are 0x30-0x39 and 0x40-0xFE).
BYTE_SAFE_CODECS = frozenset({"utf-8", "gb18030"})
# A group holds up to GROUP_BLOCKS blocks and GROUP_MAX_BYTES: memory stays a few blocks' worth. chunked reads
# READ_THREADS groups at once; at 10 M rows (966 MB) on 2 cores, 16 MB groups two at a time took 21.8-22.1 s with a
# 593-604 MB peak, 32 MB groups 21.7-23.3 s and 741-780 MB, 64 MB groups one at a time 24.2-26.8 s and 895-921 MB.
GROUP_BLOCKS = 8
GROUP_MAX_BYTES = 16 * MIB


@dataclass(frozen=True)
class ByteBlock:
    data: bytes  # whole records, undecoded; ends with a newline unless it is the end of the file
    first_line: int  # the file's 1-based line number of the block's first line
    start: int  # the file offset of data's first byte
    bytes_done: int  # bytes of the file read so far


def group_bytes(block_bytes: int) -> int:
    """The size of a group of blocks read at once: GROUP_BLOCKS blocks, at most GROUP_MAX_BYTES (one block at
    least)."""
    return max(block_bytes, min(GROUP_MAX_BYTES, GROUP_BLOCKS * block_bytes))


def record_end_bytes(data: bytes) -> int:
    """chunked.record_end on bytes (the same cut: the quote and the newline are single bytes here)."""
    total = data.count(b'"')
    pos = data.rfind(b"\n")
    last = pos
    for _ in range(256):
        if pos < 0:
            break
        if (total - data.count(b'"', pos)) % 2 == 0:
            return pos + 1
        pos = data.rfind(b"\n", 0, pos)
    return last + 1


def byte_blocks(path: Path, *, skip: int = 0, block_bytes: int) -> Generator[ByteBlock, None, None]:
    """chunked.text_blocks without decoding, for a byte-safe codec: the same blocks, as bytes."""
    size = path.stat().st_size
    carry, line, start = b"", 1, skip
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            raw = handle.read(block_bytes)
            end = handle.tell() >= size
            if not end and size - handle.tell() < block_bytes // 4:
                raw += handle.read()
                end = True
            data = carry + raw if carry else raw
            if end:
                if data:
                    yield ByteBlock(data, line, start, handle.tell())
                return
            cut = record_end_bytes(data)
            if cut == 0:
                carry = data
                continue
            block, carry = data[:cut], data[cut:]
            yield ByteBlock(block, line, start, handle.tell())
            line += block.count(b"\n")
            start += cut


def groups(blocks: Generator[ByteBlock, None, None], limit: int) -> Generator[list[ByteBlock], None, None]:
    """Consecutive blocks in groups of about `limit` bytes (at least one block each)."""
    group: list[ByteBlock] = []
    size = 0
    for block in blocks:
        group.append(block)
        size += len(block.data)
        if size >= limit:
            yield group
            group, size = [], 0
    if group:
        yield group


@dataclass(frozen=True)
class Layout:
    """What the first block established: the header as it reads in every later block, and the options."""

    name: str
    header: str  # the header line, decoded
    delimiter: str
    codec: str
    shape: ShapeResult | None
    options: dict

    def names(self) -> tuple[list[str], list[tuple[int, str, str]]]:
        return clean_headers(self.header.rstrip("\r").split(self.delimiter))


def read_group(layout: Layout, group: Sequence[ByteBlock]) -> IngestResult | None:
    """The group's checked records and report (as read_upload gives for its text with the header on top), or
    None when the group must be read block by block by the exact path."""
    data = b"".join(block.data for block in group) if len(group) > 1 else group[0].data
    frame = plain_frame(data, layout)
    del data
    if frame is None:
        return None
    table = RawTable(frame=frame, header_row=1, delimiter=layout.delimiter)
    options = {**layout.options, "delimiter": layout.delimiter}
    chunk = read_upload_table(layout.name, table, line_offset=group[0].first_line - 2, shape=layout.shape, **options)
    if chunk.report.errors or chunk.report.warnings:
        return None  # the exact path reports it, block by block, as before
    return chunk


def _utf8(data: bytes, codec: str) -> bytes | None:
    if codec == "utf-8":
        return data  # polars checks UTF-8 while parsing
    try:
        return data.decode(codec, "strict").encode("utf-8")
    except UnicodeDecodeError:
        return None


# A field as the strict reader takes it without a doubt: quoted as a whole ("" inside for a quote) or unquoted
# without any quote. Written for each delimiter, as it sits in a character class.
_CLASS_DELIMITER = {",": ",", ";": ";", "\t": r"\t", "|": r"\|"}
_QUOTED_FIELD = r'"(?:[^"]|"")*"'


def _delimiters_inside_quotes(text: bytes, delimiter: str) -> int | None:
    """How many delimiters of the lines with quotes sit inside quoted fields, or None when a line is not made
    of whole fields only (a quote inside an unquoted field, text after a closing quote, a quote never closed on
    its line). When every line is, every line's quotes pair up, so no quoted field runs over a line break and
    each line is one record, as in a plain group; the delimiters outside quotes then count its fields."""
    try:
        lines = pl.Series([text], dtype=pl.Binary).cast(pl.String).str.split("\n").explode()
    except pl.exceptions.PolarsError:  # not UTF-8: the exact path says where
        return None
    lines = lines.filter(lines.str.contains('"', literal=True)).str.strip_suffix("\r")
    d = _CLASS_DELIMITER[delimiter]
    field = f'(?:{_QUOTED_FIELD}|[^"{d}]*)'
    if not lines.str.contains(f"^{field}(?:{d}{field})*$").all():
        return None
    unquoted = lines.str.replace_all(_QUOTED_FIELD, "")
    inside = lines.str.count_matches(delimiter, literal=True) - unquoted.str.count_matches(delimiter, literal=True)
    return int(inside.sum())


def plain_frame(data: bytes, layout: Layout) -> pl.DataFrame | None:
    """The group's rows as String columns plus ROW (the lines of the group's text with its header on line 1),
    or None when the bytes are not plain (see the module's doc) or polars does not read them."""
    names, changes = layout.names()
    if any(kind == "empty" for _, kind, _ in changes):  # unnamed columns are dropped per block when empty
        return None
    if b"\x00" in data or not data.endswith(b"\n"):
        return None
    lines = data.count(b"\n")
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    width = len(names)
    text = _utf8(data, layout.codec)
    if text is None:
        return None
    quoted = b'"' in text
    inside = _delimiters_inside_quotes(text, layout.delimiter) if quoted else 0
    if inside is None or text.count(layout.delimiter.encode("ascii")) - inside != (width - 1) * lines:
        return None
    placeholders = [f"c{i}" for i in range(width)]
    body = (quoted_columns if quoted else plain_columns)(text, layout.delimiter, placeholders)
    if body is None or body.height != lines:  # not UTF-8, or a line polars reads otherwise: the exact path says why
        return None
    filled = pl.sum_horizontal(pl.col(c).is_not_null() for c in placeholders)
    if body.select((filled <= 1).any()).item():  # a blank row, or one cell only (a note): the exact path
        return None
    body.columns = names
    return body.with_columns(pl.int_range(2, lines + 2, dtype=pl.Int64).alias(ROW)).select(ROW, *names)
