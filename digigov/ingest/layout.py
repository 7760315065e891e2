"""Where the table is inside a sheet or text file: title rows above the header, notes below the data.

Analysts' files start with a title (often a merged cell: "2023年各省数字政府发展指数"), sometimes a unit line
("单位：%"), then the header, the data, and notes at the bottom ("注：……", "数据来源：……"). The header is the first
row whose filled cells are mostly labels and that fills at least half as many cells as the widest row.

Periods as columns (issue 19): a header such as 地区,2022年,2021年,… or 地区,2021,2020 or 地区,2023-06,2023-05 is
a header too (its year cells are labels when the row holds two or more distinct periods). The title lines above
it and the notes below are kept (RawTable.title_lines, note_lines): an NBS export says "指标：宽带接入用户(万户)",
"数据库：分省年度数据" and "数据来源：国家统计局" there, and `parse_title` reads them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from digigov.ingest.limits import MAX_SCAN_ROWS
from digigov.ingest.values import is_missing, looks_scientific

ROW = "__row__"  # the source row number (1-based, as the user sees it) carried through the pipeline
# Columns the pipeline adds next to the user's (prefixed so that they never meet a user's header).
ADCODE, YEAR, LEVEL, DRAWN = "__adcode", "__year", "__level", "__drawn"
DIMENSIONS: tuple[str, ...] = ("entity_type", "service_category")


def dim_column(name: str) -> str:
    return f"__dim_{name}"


def indicator_column(indicator_id: str) -> str:
    return f"__ind_{indicator_id}"


Cells = Sequence[str | None]

_NOTE_START = re.compile(
    r"^\s*(?:注释?|备注|说明|附注|填表说明|数据来源|资料来源|来源|制表|填报说明|note|notes|source|sources|remarks?|\*|※)"
    r"\s*(?:[:：\d.、）)]|$|\s)",
    re.IGNORECASE,
)
_NUMERIC_LIKE = re.compile(r"^[+-]?[\d,，.]+%?$|^\d{4}[-/.年]\d{1,2}")


@dataclass
class RawTable:
    """The table as text: a String column per header, plus ROW (Int64) with each row's source row number."""

    frame: pl.DataFrame
    header_row: int  # 1-based row (line) of the header in the file or sheet
    sheet: str | None = None
    delimiter: str | None = None
    title_lines: list[str] = field(default_factory=list)  # the filled rows above the header, their cells joined
    title_rows: list[int] = field(default_factory=list)  # their 1-based row (line) numbers
    note_lines: list[str] = field(default_factory=list)  # the note rows below the table

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]

    @property
    def height(self) -> int:
        return self.frame.height


def filled(cells: Cells) -> list[str]:
    return [c for c in cells if c is not None and str(c).strip() != ""]


def _is_label(cell: str) -> bool:
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if is_missing(text) or _NUMERIC_LIKE.match(text) or looks_scientific(text):
        return False
    return len(text) <= 80


def is_note(cells: Cells) -> bool:
    values = filled(cells)
    return len(values) == 1 and bool(_NOTE_START.match(values[0]))


def find_header(rows: Sequence[Cells]) -> int | None:
    """Index of the header among the first rows (title rows, unit lines and blank rows above it are skipped),
    or None when no row looks like a header."""
    scan = rows[:MAX_SCAN_ROWS]
    widths = [len(filled(r)) for r in scan]
    if not widths or max(widths) == 0:
        return None
    widest = max(widths)
    needed = 1 if widest == 1 else max(2, math.ceil(widest / 2))
    for index, row in enumerate(scan):
        values = filled(row)
        if len(values) < needed or (is_note(row) and widest > 1):
            continue
        periods = period_cells(values)
        labels = sum(1 for v in values if _is_label(v) or v in periods)
        if labels / len(values) >= 0.6:
            return index
    return None


# -- periods as columns ------------------------------------------------------------------------------------
_PERIOD_HEADER: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?P<y>\d{4})(?:\.0+)?$"),
    re.compile(r"^(?P<y>\d{4})\s*(?:年度?|年份|年末|年底)?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?(?:份)?$"),
)


def period_of_header(cell: object) -> tuple[int, int | None] | None:
    """(year, month or None) when a header cell names a period: 2022年, 2021, 2021年度, 2023-06, 2023年6月."""
    if cell is None:
        return None
    text = unicodedata.normalize("NFKC", str(cell)).strip().casefold()
    for pattern in _PERIOD_HEADER:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match.group("y"))
        month = int(match.group("m")) if match.groupdict().get("m") else None
        if not 1949 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
            return None
        return year, month
    return None


def period_cells(values: Sequence[str]) -> set[str]:
    """The cells of a row that name periods, when the row names two or more distinct ones (else none)."""
    found = {v: p for v in values if (p := period_of_header(v)) is not None}
    return set(found) if len(set(found.values())) >= 2 else set()


@dataclass(frozen=True)
class TitleInfo:
    """What an NBS-style export says above and below its table."""

    indicator: str | None = None  # "宽带接入用户" from "指标：宽带接入用户(万户)" (or the one plain title line)
    unit: str | None = None  # "万户"
    database: str | None = None  # "分省年度数据"
    source: str | None = None  # "国家统计局" from "数据来源：国家统计局"
    explicit: bool = False  # the indicator came from an "指标：" line, not a plain title
    indicator_row: int | None = None  # the row (line) of the title line naming the indicator


_KEYED_LINE = re.compile(
    r"^\s*(?P<key>指标|指标名称|数据库|时间|地区|数据来源|资料来源|来源|单位|indicator|database|source|unit)\s*[:：]\s*(?P<rest>.+?)\s*$",
    re.IGNORECASE,
)
_UNIT_TAIL = re.compile(r"^(?P<name>.+?)\s*[(（\[【]\s*(?:单位\s*[:：])?\s*(?P<unit>[^)）\]】]{1,12})\s*[)）\]】]\s*$")


def parse_title(
    title_lines: Sequence[str], note_lines: Sequence[str] = (), title_rows: Sequence[int] = ()
) -> TitleInfo:
    """The indicator, unit, database and source named in the lines around a table (title_rows: the title lines'
    row numbers, to say where the indicator was named)."""
    keyed: dict[str, str] = {}
    rows: dict[str, int | None] = {}
    plain: list[tuple[str, int | None]] = []
    numbers = list(title_rows) + [None] * (len(title_lines) - len(title_rows))
    for line, number in [*zip(title_lines, numbers, strict=True), *((n, None) for n in note_lines)]:
        match = _KEYED_LINE.match(unicodedata.normalize("NFKC", line))
        if match:
            key = match.group("key").casefold()
            keyed.setdefault(key, match.group("rest"))
            rows.setdefault(key, number)
        elif number is not None or (line in title_lines and line.strip()):
            plain.append((line.strip(), number))
    key = next((k for k in ("指标", "指标名称", "indicator") if k in keyed), None)
    name = keyed[key] if key else None
    explicit = name is not None
    row = rows.get(key) if key else None
    if name is None and len(plain) == 1:
        name, row = plain[0]
    unit = keyed.get("单位") or keyed.get("unit")
    if name:
        tail = _UNIT_TAIL.match(name)
        if tail:
            name, unit = tail.group("name").strip(), unit or tail.group("unit").strip()
    source = keyed.get("数据来源") or keyed.get("资料来源") or keyed.get("来源") or keyed.get("source")
    return TitleInfo(name or None, unit, keyed.get("数据库") or keyed.get("database"), source, explicit, row)


def trailing_notes(rows: Sequence[Cells]) -> int:
    """How many rows at the end are notes (a note row, everything after it, and blank rows around them).

    Only a trailing block of rows with at most one filled cell is considered, and it must contain a row that
    starts like a note (注 / 数据来源 / Note / Source / * ...): single-cell rows above that row stay data.
    """
    block = 0
    for row in reversed(rows):
        if len(filled(row)) <= 1:
            block += 1
        else:
            break
    start = len(rows) - block
    for index in range(start, len(rows)):
        if is_note(rows[index]):
            return len(rows) - index
    return 0


def clean_headers(raw: Sequence[str | None]) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Unique, trimmed column names. Returns the names and the changes made: (index, kind, name) with kind
    "empty" (a generated name column_N), "duplicate" (name_2, name_3, ...) or "renamed" (a name that polars
    would read as a wildcard or regex gets a trailing underscore)."""
    names: list[str] = []
    changes: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for index, cell in enumerate(raw):
        name = "" if cell is None else re.sub(r"[\r\n]+", "", str(cell)).strip().strip("\ufeff").strip()
        if not name or name == ROW:
            name = f"column_{index + 1}"
            if cell is not None and str(cell).strip() == ROW:
                changes.append((index, "duplicate", name))
            else:
                changes.append((index, "empty", name))
        if name == "*" or (name.startswith("^") and name.endswith("$")):
            name = f"{name}_"  # polars reads "*" and "^...$" in pl.col() as wildcard / regex
            changes.append((index, "renamed", name))
        if name in seen:
            base, k = name, 2
            while f"{base}_{k}" in seen:
                k += 1
            name = f"{base}_{k}"
            changes.append((index, "duplicate", name))
        seen.add(name)
        names.append(name)
    return names, changes


def rows_frame(rows: Sequence[Sequence[str]], names: Sequence[str], lines: Sequence[int]) -> pl.DataFrame:
    """Rows of text (all as long as names) as a frame of String columns plus ROW; empty strings become null."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    data = [pl.Series(ROW, list(lines), dtype=pl.Int64)]
    data += [pl.Series(name, values, dtype=pl.String) for name, values in zip(names, columns, strict=True)]
    frame = pl.DataFrame(data)
    return frame.with_columns(pl.col(n).replace("", None) for n in names) if names else frame
