"""Reading an open-data portal's catalogue listing: one row per dataset (数据集名称, 提供部门, 地区, 更新频率,
最近更新时间, 数据格式, 开放类型), as portals export it.

The upload pipeline reads the file (encoding, title rows, header, identifiers removed) into its text frame;
:func:`read_catalogue_frame` takes that frame and returns the catalogue in the shape the page reads
(``open_data_catalogue``: adcode, title, department, frequency, last_updated, formats, open_type, platform),
with a report whose every problem names file, row, column and value in zh and en (catalog keys
``ingest.issue.catalogue_*`` in digigov/locale/sharing.toml).

Dates are parsed in polars without per-row Python: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305,
2024-03-05 10:22:01, 2024-03-05T10:22:01 and Excel serial day numbers (45356). A date that is none of these,
or not a calendar day (2024-02-30), is an error for its row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from digigov.ingest.header_roles import match_roles
from digigov.ingest.regions_resolve import resolve_region_values, suggestion_text
from digigov.ingest.report import ValidationReport

KIND = "open_data_catalogue"
COLUMNS: tuple[str, ...] = (
    "adcode",
    "title",
    "department",
    "frequency",
    "last_updated",
    "formats",
    "open_type",
    "platform",
)
REQUIRED: tuple[str, ...] = ("title", "region", "frequency", "last_updated")
# Header spellings portals use, per role (compared after :func:`_header_key`); exact matches win over
# "contains" matches, and each header takes at most one role.
HEADERS: dict[str, tuple[str, ...]] = {
    "title": (
        "数据集名称",
        "数据集",
        "数据目录名称",
        "目录名称",
        "资源名称",
        "数据资源名称",
        "数据名称",
        "名称",
        "标题",
        "title",
        "datasetname",
        "dataset",
        "name",
    ),
    "department": (
        "提供部门",
        "数据提供方",
        "数源部门",
        "数源单位",
        "来源部门",
        "提供单位",
        "发布部门",
        "发布单位",
        "部门",
        "department",
        "publisher",
        "provider",
    ),
    "region": ("地区", "所属地区", "行政区划", "所属区域", "区域", "地市", "region", "area"),
    "frequency": ("更新频率", "更新周期", "更新频次", "frequency", "updatefrequency"),
    "last_updated": (
        "最近更新时间",
        "最近更新日期",
        "最后更新时间",
        "最新更新时间",
        "数据更新时间",
        "更新时间",
        "更新日期",
        "lastupdated",
        "updated",
        "modified",
        "lastmodified",
    ),
    "formats": ("数据格式", "开放格式", "资源格式", "文件格式", "格式", "format", "formats"),
    "open_type": ("开放类型", "开放属性", "开放方式", "开放条件", "opentype", "access"),
    "platform": ("开放平台", "平台名称", "所属平台", "平台", "platform"),
}
# Frequency words, compared after removing 每/更新/一次 and spaces; English lower-cased.
FREQUENCY_WORDS: dict[str, str] = {
    "实时": "realtime",
    "realtime": "realtime",
    "real-time": "realtime",
    "日": "daily",
    "天": "daily",
    "日更": "daily",
    "daily": "daily",
    "周": "weekly",
    "星期": "weekly",
    "weekly": "weekly",
    "月": "monthly",
    "月度": "monthly",
    "monthly": "monthly",
    "季": "quarterly",
    "季度": "quarterly",
    "quarterly": "quarterly",
    "半年": "semiannual",
    "半年度": "semiannual",
    "semiannual": "semiannual",
    "semi-annual": "semiannual",
    "half-yearly": "semiannual",
    "年": "annual",
    "年度": "annual",
    "annual": "annual",
    "yearly": "annual",
    "不定期": "irregular",
    "不定时": "irregular",
    "按需": "irregular",
    "一次性": "irregular",
    "静态": "irregular",
    "irregular": "irregular",
    "asneeded": "irregular",
}
OPEN_TYPES: dict[str, str] = {
    "无条件开放": "unconditional",
    "无条件": "unconditional",
    "完全开放": "unconditional",
    "unconditional": "unconditional",
    "open": "unconditional",
    "有条件开放": "conditional",
    "有条件": "conditional",
    "依申请开放": "conditional",
    "conditional": "conditional",
}
EXCEL_EPOCH = "1899-12-30"
ROW = "__row"


@dataclass
class CatalogueRead:
    """The catalogue as the page reads it (None when it cannot be read) and the report of its problems."""

    file: str
    frame: pl.DataFrame | None
    report: ValidationReport
    columns: dict[str, str] = field(default_factory=dict)  # role -> header in the file

    @property
    def ok(self) -> bool:
        return self.frame is not None and self.frame.height > 0 and self.report.ok


def _header_key(header: str) -> str:
    text = re.sub(r"[\s_\-*：:（）()\[\]【】]", "", str(header)).lower()
    return text


def match_headers(columns: list[str]) -> dict[str, str]:
    """role -> header for the catalogue roles found in columns (exact spelling first, then a header that
    contains a spelling; each header used once)."""
    return match_roles(columns, HEADERS, _header_key)


def looks_like_catalogue(columns: list[str]) -> bool:
    """True when the headers name at least the title, frequency and last-updated columns."""
    return {"title", "frequency", "last_updated"} <= set(match_headers(columns))


def frequency_codes(column: str) -> pl.Expr:
    """The frequency code (analysis.open_data.FREQUENCIES) of each text, null when not recognised."""
    text = (
        pl.col(column)
        .cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[\s_]", "")
        .str.replace_all(r"^(每|按)", "")
        .str.replace_all(r"(更新|一次|1次)$", "")
    )
    return text.replace_strict(FREQUENCY_WORDS, default=None, return_dtype=pl.String)


def parse_dates(column: str) -> pl.Expr:
    """The date of each text (pl.Date), null for an empty, unreadable or impossible one (vectorised)."""
    raw = pl.col(column).cast(pl.String).str.strip_chars()
    day_part = raw.str.replace(r"[T ].*$", "").str.replace_all(r"[年月/.]", "-").str.replace(r"日$", "")
    parts = day_part.str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    compact = raw.str.extract_groups(r"^(\d{4})(\d{2})(\d{2})$")
    iso = (
        parts.struct.field("1")
        + "-"
        + parts.struct.field("2").str.zfill(2)
        + "-"
        + parts.struct.field("3").str.zfill(2)
    )
    compact_iso = compact.struct.field("1") + "-" + compact.struct.field("2") + "-" + compact.struct.field("3")
    text_date = pl.coalesce(iso, compact_iso).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    serial = (
        pl.when(raw.str.contains(r"^\d{5}(\.0+)?$"))
        .then(raw.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
        .otherwise(None)
    )
    serial_date = pl.lit(EXCEL_EPOCH).str.to_date() + pl.duration(days=serial)
    return pl.coalesce(text_date, serial_date.cast(pl.Date))


def _open_type(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase().str.replace_all(r"\s", "")
    return text.replace_strict(OPEN_TYPES, default=None, return_dtype=pl.String)


def _text(column: str | None) -> pl.Expr:
    if column is None:
        return pl.lit(None, dtype=pl.String)
    return pl.col(column).cast(pl.String).str.strip_chars().replace("", None)


def _row_issues(
    report: ValidationReport, rows: pl.DataFrame, code: str, severity: str, column: str, **params: object
) -> None:
    report.add_rows(code, severity, rows, row=ROW, value="value", column=column, **params)  # type: ignore[arg-type]


def read_catalogue_frame(
    text_frame: pl.DataFrame,
    source_rows: pl.Series | None,
    file: str,
    *,
    sheet: str | None = None,
    report: ValidationReport | None = None,
) -> CatalogueRead:
    """The catalogue from the pipeline's text frame (every column text) and each row's row number in the file.

    Errors (the catalogue is not stored): a required column missing, an unknown region, an unreadable date, an
    unknown frequency. Warnings: a dataset without a last-updated date (counted as undated), a date after today's
    file is not checked here (the page compares with its reference date), an unknown 开放类型 (kept as written).
    """
    report = report or ValidationReport(file=file, sheet=sheet)
    columns = match_headers(list(text_frame.columns))
    missing = [r for r in REQUIRED if r not in columns]
    if missing:
        names = {
            "zh": "、".join(str(_ROLE_NAMES[r]["zh"]) for r in missing),
            "en": ", ".join(str(_ROLE_NAMES[r]["en"]) for r in missing),
        }
        report.add("catalogue_missing_columns", "error", value=", ".join(text_frame.columns[:12]), roles=names)
        return CatalogueRead(file, None, report, columns)
    rows = source_rows if source_rows is not None else pl.Series(range(2, text_frame.height + 2))
    work = text_frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64))
    work = work.filter(
        ~pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in columns.values())
    )
    region_col, freq_col, date_col = columns["region"], columns["frequency"], columns["last_updated"]
    work = work.with_columns(
        _text(region_col).alias("__region"),
        frequency_codes(freq_col).alias("frequency"),
        parse_dates(date_col).alias("last_updated"),
        _text(date_col).alias("__date_text"),
        _text(freq_col).alias("__freq_text"),
    )

    resolution = resolve_region_values(work["__region"].unique().drop_nulls().to_list())
    codes = {raw: region.adcode for raw, region in resolution.resolved.items()}
    work = work.with_columns(
        pl.col("__region").replace_strict(codes, default=None, return_dtype=pl.String).alias("adcode")
    )
    no_region = work.filter(pl.col("__region").is_null()).select(ROW, pl.lit("").alias("value"))
    _row_issues(report, no_region, "catalogue_no_region", "error", region_col)
    for raw, unresolved in resolution.unresolved.items():
        hits = work.filter(pl.col("__region") == raw)
        report.add(
            "catalogue_unknown_region",
            "error",
            row=int(hits[ROW][0]),
            column=region_col,
            value=raw,
            count=hits.height,
            suggestions={"zh": suggestion_text(unresolved, "zh"), "en": suggestion_text(unresolved, "en")},
        )

    bad_freq = work.filter(pl.col("frequency").is_null()).select(
        ROW, pl.col("__freq_text").fill_null("").alias("value")
    )
    _row_issues(report, bad_freq, "catalogue_bad_frequency", "error", freq_col)
    bad_date = work.filter(pl.col("last_updated").is_null() & pl.col("__date_text").is_not_null()).select(
        ROW, pl.col("__date_text").alias("value")
    )
    _row_issues(report, bad_date, "catalogue_bad_date", "error", date_col)
    undated = work.filter(pl.col("__date_text").is_null() & (pl.col("frequency") != "irregular")).select(
        ROW, pl.lit("").alias("value")
    )
    _row_issues(report, undated, "catalogue_undated", "warning", date_col)

    open_col = columns.get("open_type")
    if open_col is not None:
        work = work.with_columns(_open_type(open_col).alias("open_type"), _text(open_col).alias("__open_text"))
        unknown_open = work.filter(pl.col("open_type").is_null() & pl.col("__open_text").is_not_null()).select(
            ROW, pl.col("__open_text").alias("value")
        )
        _row_issues(report, unknown_open, "catalogue_unknown_open_type", "warning", open_col)
    else:
        work = work.with_columns(pl.lit(None, dtype=pl.String).alias("open_type"))
    for role in ("department", "formats"):
        if role not in columns:
            report.add("catalogue_optional_missing", "info", role=_ROLE_NAMES[role])
    frame = work.select(
        "adcode",
        _text(columns["title"]).alias("title"),
        _text(columns.get("department")).alias("department"),
        "frequency",
        "last_updated",
        _text(columns.get("formats")).alias("formats"),
        "open_type",
        pl.coalesce(_text(columns.get("platform")), pl.col("adcode")).alias("platform"),
        pl.col(ROW).alias("source_row"),
    )
    report.add("catalogue_read", "info", count=frame.height)
    return CatalogueRead(file, frame, report, columns)


_ROLE_NAMES: dict[str, dict[str, str]] = {
    "title": {"zh": "数据集名称", "en": "dataset title"},
    "department": {"zh": "提供部门", "en": "department"},
    "region": {"zh": "地区", "en": "region"},
    "frequency": {"zh": "更新频率", "en": "update frequency"},
    "last_updated": {"zh": "最近更新时间", "en": "last-updated date"},
    "formats": {"zh": "数据格式", "en": "format"},
    "open_type": {"zh": "开放类型", "en": "open type"},
    "platform": {"zh": "开放平台", "en": "platform"},
}


def read_catalogue(name: str, data: bytes, **options: object) -> CatalogueRead:
    """A catalogue file as uploaded: read by the upload pipeline (decode, header below title rows, identifiers
    removed), then :func:`read_catalogue_frame`. The reading problems of the pipeline are kept; its complaint that
    the file has no indicator columns is not (a catalogue has none)."""
    from digigov.ingest.pipeline import read_upload  # the pipeline imports much; only this entry needs it

    result = read_upload(name, data, **options)  # type: ignore[arg-type]
    return from_ingest(result)


def from_ingest(result: object) -> CatalogueRead:
    """The catalogue from an IngestResult (its text_frame and source_rows); a file that is no catalogue gives a
    CatalogueRead without frame."""
    name = str(getattr(result, "name", ""))
    sheet = getattr(result, "sheet", None)
    report = ValidationReport(file=name, sheet=sheet)
    pipeline = getattr(result, "report", None)
    if pipeline is not None:
        for issue in pipeline.issues:
            if issue.code not in SKIPPED_PIPELINE_CODES:
                report.add(
                    issue.code, issue.severity, row=issue.row, column=issue.column, value=issue.value, **issue.params
                )
    text_frame = getattr(result, "text_frame", None)
    if text_frame is None or not report.ok:
        return CatalogueRead(name, None, report)
    return read_catalogue_frame(text_frame, getattr(result, "source_rows", None), name, sheet=sheet, report=report)


# Pipeline issues about a table's indicators, regions or years: a catalogue has no indicators or years and
# this module resolves its regions itself.
SKIPPED_PIPELINE_CODES: frozenset[str] = frozenset(
    {"no_indicator_columns", "no_region_column", "no_year_column", "mapping_low_confidence", "column_suggestion"}
)
