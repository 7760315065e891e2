"""The validation report: one row per problem, with where it is and what to do, in Chinese and English."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import polars as pl

from digigov.i18n import t
from digigov.ingest.limits import MAX_ISSUES_PER_CODE
from digigov.ingest.privacy import mask_text, pii_column_name
from digigov.ingest.text import FORMULA_PATTERN, safe_text

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
REPORT_COLUMNS: tuple[str, ...] = (
    "severity",
    "code",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "message_zh",
    "message_en",
)
REPORT_SCHEMA = {
    "severity": pl.String,
    "code": pl.String,
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "message_zh": pl.String,
    "message_en": pl.String,
}


EXCERPT_FIELDS = 2  # fields of a rejected row shown in the report (never the whole row)
EXCERPT_FIELD_CHARS = 12  # each of them cut to this many characters, after masking


@dataclass(frozen=True)
class RowFields:
    """The fields of a row the reader could not take (too many or too few fields) as a report value: the report
    shows an excerpt only (see row_excerpt), never the row, because the row was never scanned for identifiers."""

    fields: tuple[str, ...]
    delimiter: str = ","
    names: tuple[str, ...] = ()  # the header, to hide a field under a column named like an identifier


def row_excerpt(row: RowFields) -> str:
    """The first EXCERPT_FIELDS fields, each masked (identifiers) before it is cut to EXCERPT_FIELD_CHARS, a
    field under a header named like an identifier (姓名, 身份证号 ...) shown as ***, and … when there is more."""
    shown = []
    for i, value in enumerate(row.fields[:EXCERPT_FIELDS]):
        name = row.names[i] if i < len(row.names) else ""
        text = "***" if name and pii_column_name(name) else mask_text(value)
        shown.append(text if len(text) <= EXCERPT_FIELD_CHARS else text[: EXCERPT_FIELD_CHARS - 1] + "…")
    more = len(row.fields) > EXCERPT_FIELDS
    return row.delimiter.join(shown) + (row.delimiter + "…" if more else "")


def _value_text(value: object) -> str:
    """A report value: masked, escaped and cut (safe_text); a rejected row as its excerpt only."""
    if isinstance(value, RowFields):
        return safe_text(row_excerpt(value))
    return safe_text(value)


def _param(value: object, lang: str) -> object:
    """A message parameter for one language: {"zh": ..., "en": ...} picks the language; text is made safe."""
    if isinstance(value, dict) and set(value) >= {"zh", "en"}:
        value = value[lang]
    return safe_text(value, limit=200) if isinstance(value, str) else value


@dataclass(frozen=True)
class Issue:
    """One problem. row is 1-based as the user sees it in the file (the header row counts; for Excel it is the
    sheet's row number). value is already masked, escaped and shortened."""

    code: str
    severity: Severity
    message_zh: str
    message_en: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, object] = field(default_factory=dict, compare=False, repr=False)  # to re-render a merged row

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in REPORT_COLUMNS}


@dataclass
class ValidationReport:
    file: str
    sheet: str | None = None
    max_per_code: int = MAX_ISSUES_PER_CODE
    row_offset: int = 0  # lines of the file before the text read (a chunk of a large file): added to every row
    _issues: list[Issue] = field(default_factory=list)
    _suppressed: Counter = field(default_factory=Counter)
    _suppressed_severity: dict[str, Severity] = field(default_factory=dict)
    _per_code: Counter = field(default_factory=Counter)

    def add(
        self,
        code: str,
        severity: Severity,
        /,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        sheet: str | None = None,
        **params: object,
    ) -> Issue | None:
        """Record a problem; message texts come from the catalog key ingest.issue.<code>.

        This is the one boundary between file content and the report (its frame, its CSV, the page): a
        parameter given as {"zh": ..., "en": ...} is filled per language; every parameter and the value are
        passed through safe_text, so identifiers are masked and control characters escaped in the message as
        well as in the value column, and a rejected row (RowFields) is shown as a masked excerpt only. Beyond
        max_per_code rows per code only a count is kept.
        """
        self._per_code[code] += 1
        if self._per_code[code] > self.max_per_code:
            self._suppressed[code] += 1
            self._suppressed_severity[code] = severity
            return None
        if row is not None:
            row += self.row_offset
        issue = self._render(
            code,
            severity,
            row=row,
            column=None if column is None else safe_text(column, limit=80),
            value=None if value is None else _value_text(value),
            sheet=sheet if sheet is not None else self.sheet,
            params=params,
        )
        self._issues.append(issue)
        return issue

    def _render(
        self,
        code: str,
        severity: Severity,
        *,
        row: int | None,
        column: str | None,
        value: str | None,
        sheet: str | None,
        params: dict[str, object],
    ) -> Issue:
        key = f"ingest.issue.{code}"
        texts = {}
        for lang in ("zh", "en"):
            filled = {k: _param(v, lang) for k, v in params.items()}
            filled.setdefault("value", value if value is not None else "")
            filled.setdefault("column", column if column is not None else "")
            filled.setdefault("row", row if row is not None else "")
            texts[lang] = t(key, lang, **filled)
        return Issue(
            code=code,
            severity=severity,
            message_zh=texts["zh"],
            message_en=texts["en"],
            file=safe_text(self.file, limit=120),
            sheet=safe_text(sheet) if sheet else None,
            row=row,
            column=column,
            value=value,
            params=dict(params),
        )

    def add_rows(
        self,
        code: str,
        severity: Severity,
        rows: pl.DataFrame,
        /,
        *,
        row: str,
        value: str | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        """One issue per row of `rows` (a frame holding the row numbers in column `row` and the values in
        column `value`), listing at most max_per_code of them and counting the rest without iterating."""
        room = max(self.max_per_code - self._per_code[code], 0)
        for record in rows.head(room).iter_rows(named=True):
            self.add(
                code,
                severity,
                row=record[row],
                column=column,
                value=record[value] if value is not None else None,
                **params,
            )
        rest = rows.height - min(room, rows.height)
        if rest > 0:
            self._per_code[code] += rest
            self._suppressed[code] += rest
            self._suppressed_severity[code] = severity

    def extend(self, other: ValidationReport) -> None:
        self._issues.extend(other._issues)
        self._suppressed.update(other._suppressed)
        self._suppressed_severity.update(other._suppressed_severity)

    def absorb(
        self,
        other: ValidationReport,
        *,
        keep: Callable[[Issue], bool] = lambda issue: True,
        per_column: frozenset[str] = frozenset(),
    ) -> None:
        """Take in the report of the next chunk of the same file, as if one report had been written.

        A row about a value already reported (same code, column and value, with a {count}) adds its count to the
        first row, which keeps the earliest line; a row-less note about a column already present is not repeated
        (or adds its {count}); anything else is appended within the per-code cap. keep filters the other
        report's rows first (a chunk's header line); codes in per_column are one row per column, like notes."""

        def key(issue: Issue) -> tuple:
            if issue.row is None or issue.code in per_column:
                return (issue.code, issue.column)
            return (issue.code, issue.column, issue.value)

        index = {key(i): n for n, i in enumerate(self._issues)}
        for issue in other._issues:
            if not keep(issue):
                continue
            known = index.get(key(issue))
            if known is not None and "count" in issue.params and "count" in self._issues[known].params:
                first = self._issues[known]
                # a {count} parameter is always an int (params is typed object for the other parameters)
                count = int(cast(int, first.params["count"])) + int(cast(int, issue.params["count"]))
                params = {**first.params, "count": count}
                self._issues[known] = self._render(
                    first.code,
                    first.severity,
                    row=first.row,
                    column=first.column,
                    value=first.value,
                    sheet=first.sheet,
                    params=params,
                )
                continue
            if known is not None and (issue.row is None or issue.code in per_column):
                continue
            self._per_code[issue.code] += 1
            if self._per_code[issue.code] > self.max_per_code:
                self._suppressed[issue.code] += 1
                self._suppressed_severity[issue.code] = issue.severity
                continue
            index.setdefault(key(issue), len(self._issues))
            self._issues.append(issue)
        for code, count in other._suppressed.items():
            self._per_code[code] += count
            self._suppressed[code] += count
            self._suppressed_severity[code] = other._suppressed_severity[code]

    # -- views ------------------------------------------------------------------------------------------------
    @property
    def issues(self) -> list[Issue]:
        """All rows, with one summary row for each code whose further rows were not listed."""
        rows = list(self._issues)
        for code, count in self._suppressed.items():
            key = "ingest.issue.more_issues"
            params = {"count": count, "code": code, "value": "", "column": "", "row": ""}
            rows.append(
                Issue(
                    code="more_issues",
                    severity=self._suppressed_severity[code],
                    message_zh=t(key, "zh", **params),
                    message_en=t(key, "en", **params),
                    file=safe_text(self.file, limit=120),
                    sheet=self.sheet,
                    value=code,
                )
            )
        return rows

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "info"]

    @property
    def ok(self) -> bool:
        """No errors: the dataset may be accepted (warnings may be accepted too)."""
        return not self.errors

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self._issues]

    def counts(self) -> dict[str, int]:
        """Problems per code, including those not listed row by row."""
        return dict(self._per_code)

    def has(self, code: str) -> bool:
        return self._per_code.get(code, 0) > 0

    def find(self, code: str) -> list[Issue]:
        return [i for i in self._issues if i.code == code]

    def to_frame(self) -> pl.DataFrame:
        """The report as a polars frame: errors first, then warnings, then notes, each in row order."""
        rows = sorted(self.issues, key=lambda i: (_RANK[i.severity], i.row if i.row is not None else -1))
        return pl.DataFrame([i.as_dict() for i in rows], schema=REPORT_SCHEMA, orient="row")

    def to_csv_bytes(self, lang: str | None = None) -> bytes:
        """The report as CSV for download: UTF-8 with BOM (opens in Excel), formula-looking cells neutralised.
        lang "zh" or "en" keeps only that message column."""
        frame = self.to_frame()
        if lang in ("zh", "en"):
            frame = frame.drop("message_en" if lang == "zh" else "message_zh")
        text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String]
        frame = frame.with_columns(
            pl.when(pl.col(c).str.contains(FORMULA_PATTERN)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
            for c in text_columns
        )
        buffer = io.BytesIO()
        frame.write_csv(buffer)
        return b"\xef\xbb\xbf" + buffer.getvalue()

    def summary(self, lang: str = "zh") -> str:
        return t(
            "ingest.report.summary", lang, errors=len(self.errors), warnings=len(self.warnings), infos=len(self.infos)
        )


@dataclass(frozen=True)
class IssueGroup:
    """All the rows of one kind of problem: how many there are (also those not listed row by row), the first of
    them (its message stands for the group), the rows and columns listed, in file order."""

    code: str
    severity: Severity
    count: int
    first: Issue
    rows: tuple[int, ...]
    columns: tuple[str, ...]
    sheets: tuple[str, ...]
    values: tuple[str, ...]


def group_issues(report: ValidationReport) -> list[IssueGroup]:
    """One group per code, errors first, then warnings, then notes; within a severity, the most frequent first.
    count includes the rows beyond the per-code cap (kept only as a number)."""
    listed: dict[str, list[Issue]] = {}
    for issue in report._issues:
        listed.setdefault(issue.code, []).append(issue)
    groups = []
    for code, issues in listed.items():
        issues = sorted(issues, key=lambda i: i.row if i.row is not None else -1)
        groups.append(
            IssueGroup(
                code=code,
                severity=min((i.severity for i in issues), key=_RANK.__getitem__),
                count=len(issues) + report._suppressed.get(code, 0),
                first=issues[0],
                rows=tuple(dict.fromkeys(i.row for i in issues if i.row is not None)),
                columns=tuple(dict.fromkeys(i.column for i in issues if i.column)),
                sheets=tuple(dict.fromkeys(i.sheet for i in issues if i.sheet)),
                values=tuple(dict.fromkeys(i.value for i in issues if i.value)),
            )
        )
    for row in report.issues:  # a code whose rows were all beyond the cap: only its summary row is left
        if row.code == "more_issues" and row.value is not None and row.value not in listed:
            count = report._suppressed.get(row.value, 0)
            groups.append(IssueGroup(row.value, row.severity, count, row, (), (), (), ()))
    return sorted(groups, key=lambda g: (_RANK[g.severity], -g.count, g.first.row if g.first.row is not None else -1))
