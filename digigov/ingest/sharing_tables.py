"""Reading the tables of data sharing between departments and of platforms' investment and use, as
共享交换平台 and 政务服务平台 export them.

Three shapes, each read from the upload pipeline's text frame (encoding, title rows above the header and
identifiers already handled):

- a **matrix**: provider × consumer call counts (first column the providing departments, the header row the
  consuming departments; a 合计/总计 row and column are the export's sums and are dropped). The region is named
  in the title above the table ("2024年浙江省公共数据共享交换平台…") or in the file name.
- an **exchange log**: one row per call, or per department pair and day with a count (提供部门, 使用部门 or
  需求部门, 调用次数, 日期, 地区).
- a **platform table**: 平台名称, 地区, 投入 (万元; a header saying 元 or 亿元 is converted), 办件量, 活跃用户.

The first two give the ``sharing_calls`` kind (adcode, provider, consumer, calls), the third
``platform_operations`` (adcode, platform, investment in 万元, transactions, active_users). Every problem names
file, row, column and value in zh and en (catalog keys ``ingest.issue.sharing_*`` in
digigov/locale/sharing.toml). Counts are parsed in polars without per-row Python: full-width digits and
thousands separators are folded; a count in words ("十二"), a fraction or a negative number is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from digigov.ingest import sharing_shapes as sharing
from digigov.ingest.header_roles import match_roles
from digigov.ingest.regions_resolve import resolve_region_values, suggestion_text
from digigov.ingest.report import ValidationReport
from digigov.regions import load_gazetteer

CALLS_KIND = "sharing_calls"
PLATFORMS_KIND = "platform_operations"
Shape = Literal["matrix", "log", "platforms"]
ROW = "__row"

# Header spellings per role, compared after :func:`header_key`; exact matches win over "contains" matches.
LOG_HEADERS: dict[str, tuple[str, ...]] = {
    "provider": (
        "提供部门",
        "数据提供部门",
        "提供方",
        "数据提供方",
        "提供单位",
        "数源部门",
        "数源单位",
        "共享部门",
        "服务提供方",
        "provider",
        "providingdepartment",
    ),
    "consumer": (
        "使用部门",
        "需求部门",
        "调用部门",
        "使用方",
        "需求方",
        "调用方",
        "申请部门",
        "使用单位",
        "需求单位",
        "调用单位",
        "consumer",
        "consumingdepartment",
    ),
    "calls": ("调用次数", "调用量", "共享次数", "接口调用次数", "访问次数", "次数", "calls", "count"),
    "date": ("日期", "调用日期", "统计日期", "调用时间", "时间", "date", "day"),
    "region": ("地区", "所属地区", "行政区划", "区域", "省份", "地市", "region", "area"),
}
PLATFORM_HEADERS: dict[str, tuple[str, ...]] = {
    "platform": ("平台名称", "平台", "系统名称", "应用名称", "platform", "platformname"),
    "region": ("地区", "所属地区", "行政区划", "省份", "区域", "region", "area"),
    "investment": (
        "建设运维投入",
        "投入",
        "投入金额",
        "建设投入",
        "运维投入",
        "投资",
        "投资额",
        "建设运维费用",
        "investment",
        "cost",
    ),
    "transactions": ("办件量", "办件数", "办件总量", "业务量", "交易量", "办理量", "transactions"),
    "active_users": ("活跃用户", "活跃用户数", "月活跃用户", "月活", "用户数", "activeusers", "users"),
}
LOG_REQUIRED: tuple[str, ...] = ("provider", "consumer")
PLATFORM_REQUIRED: tuple[str, ...] = ("platform", "region", "investment", "transactions")
# Row or column labels of the export's sums (folded by header_key).
TOTAL_LABELS = frozenset(("合计", "总计", "小计", "总数", "总和", "汇总", "total", "sum", "subtotal"))
# Words a matrix's corner cell uses ("提供部门\使用部门", "数据提供方").
CORNER_WORDS = ("提供", "使用", "调用", "需求", "部门", "provider", "consumer")
# A currency in the investment header, to 万元 (the unit analysis.sharing.operations reads).
TO_WAN: dict[str, float] = {"亿元": 10_000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}

_ROLE_NAMES: dict[str, dict[str, str]] = {
    "provider": {"zh": "提供部门", "en": "providing department"},
    "consumer": {"zh": "使用部门", "en": "consuming department"},
    "calls": {"zh": "调用次数", "en": "calls"},
    "region": {"zh": "地区", "en": "region"},
    "platform": {"zh": "平台名称", "en": "platform"},
    "investment": {"zh": "投入（万元）", "en": "investment (10k yuan)"},
    "transactions": {"zh": "办件量", "en": "transactions"},
    "active_users": {"zh": "活跃用户", "en": "active users"},
}


@dataclass
class SharingRead:
    """One sharing or platform table as the page reads it (None when it cannot be read) and its report."""

    file: str
    shape: Shape | None
    kind: str | None
    frame: pl.DataFrame | None
    report: ValidationReport
    columns: dict[str, str] = field(default_factory=dict)  # role -> header in the file
    region: str | None = None  # a matrix's (or region-less log's) adcode, from the title or the file name

    @property
    def ok(self) -> bool:
        return self.frame is not None and self.frame.height > 0 and self.report.ok


HEADER_NOISE = r"[\s_\-*：:（）()\[\]【】/\\、]"


def header_key(header: object) -> str:
    return re.sub(HEADER_NOISE, "", str(header)).lower()


def match_headers(columns: list[str], spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """role -> header (exact spelling first, then a header containing a spelling; each header used once)."""
    return match_roles(columns, spellings, header_key)


def _key_expr(column: str) -> pl.Expr:
    """header_key in polars."""
    return pl.col(column).str.replace_all(HEADER_NOISE, "").str.to_lowercase()


def _is_total(label: object) -> bool:
    return header_key(label) in TOTAL_LABELS


def _matrix_parts(text_frame: pl.DataFrame) -> tuple[str, list[str], list[str]] | None:
    """(corner header, consumer headers, provider names) when the frame is a provider × consumer matrix: at least
    two consumer headers that are also provider names, or a corner naming the roles; None otherwise.

    The upload page asks this of every file it reads, on every rerun: the first column's names are keyed in
    polars (a 300,000-row file of records took 2 s a rerun keyed in Python)."""
    if text_frame.width < 3:
        return None
    corner = text_frame.columns[0]
    consumers = [c for c in text_frame.columns[1:] if not _is_total(c)]
    if len(consumers) < 2:
        return None
    names = (
        text_frame.select(pl.col(corner).cast(pl.String).str.strip_chars().alias("name"))
        .filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
        .with_columns(_key_expr("name").alias("key"))
        .filter(~pl.col("key").is_in(list(TOTAL_LABELS)))
    )
    if names.is_empty():
        return None
    overlap = names.filter(pl.col("key").is_in(list({header_key(c) for c in consumers})))["key"].n_unique()
    cornered = any(w in header_key(corner) for w in CORNER_WORDS)
    matrix = overlap >= 2 and overlap * 2 >= min(len(consumers), names.height)
    if not matrix and not (cornered and overlap >= 1):
        return None
    return corner, consumers, names["name"].to_list()


def detect(text_frame: pl.DataFrame) -> Shape | None:
    """Which of the three tables the frame is (None for any other file)."""
    columns = list(text_frame.columns)
    if set(PLATFORM_REQUIRED) <= set(match_headers(columns, PLATFORM_HEADERS)):
        return "platforms"
    if set(LOG_REQUIRED) <= set(match_headers(columns, LOG_HEADERS)):
        return "log"
    return "matrix" if _matrix_parts(text_frame) is not None else None


def count_expr(column: str) -> pl.Expr:
    """The text as a number (Float64; null when empty or unreadable): NFKC-folded, thousands separators and
    spaces removed. Whether it is a whole, non-negative count is checked by the caller."""
    text = (
        pl.col(column)
        .cast(pl.String)
        .str.normalize("NFKC")
        .str.replace_all(r"[\s,\u3000]", "")
        .str.replace_all("−", "-")
    )
    return pl.when(text.str.contains(r"^[+-]?\d+(\.\d+)?$")).then(text.cast(pl.Float64, strict=False))


def _blank(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().fill_null("") == ""


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().replace("", None)


def _check_counts(
    work: pl.DataFrame,
    column: str,
    report: ValidationReport,
    *,
    whole: bool,
    blank_ok: bool,
    label: str | None = None,
) -> pl.Expr:
    """Report unreadable, negative and (whole) fractional values of column; the parsed expression."""
    value = count_expr(column)
    shown = label or column
    checked = work.select(
        ROW,
        pl.col(column).cast(pl.String).fill_null("").alias("value"),
        value.alias("__n"),
        _blank(column).alias("__blank"),
    )
    bad = checked.filter(pl.col("__n").is_null() & ~pl.col("__blank"))
    report.add_rows("sharing_bad_count", "error", bad, row=ROW, value="value", column=shown, file=report.file)
    negative = checked.filter(pl.col("__n") < 0)
    report.add_rows("sharing_negative_count", "error", negative, row=ROW, value="value", column=shown, file=report.file)
    if whole:
        fraction = checked.filter((pl.col("__n") >= 0) & (pl.col("__n") != pl.col("__n").round()))
        report.add_rows(
            "sharing_fractional_count", "error", fraction, row=ROW, value="value", column=shown, file=report.file
        )
    if not blank_ok:
        empty = checked.filter(pl.col("__blank"))
        report.add_rows("sharing_empty_count", "error", empty, row=ROW, value="value", column=shown, file=report.file)
    return value


def region_in_text(*texts: str | None) -> str | None:
    """The adcode of the region a title or file name names: a prefecture's full name before a province's, full
    names before short ones; None when none or several different ones are named."""
    gazetteer = load_gazetteer()
    for text in texts:
        if not text:
            continue
        for level, attribute in (("prefecture", "name_zh"), ("province", "name_zh"), ("province", "short_zh")):
            hits = {
                r.adcode
                for r in gazetteer.regions.values()
                if r.level == level and len(getattr(r, attribute)) >= 2 and getattr(r, attribute) in text
            }
            if len(hits) == 1:
                return hits.pop()
            if len(hits) > 1:
                break
    return None


def _resolve_regions(work: pl.DataFrame, column: str, report: ValidationReport, file: str) -> tuple[pl.DataFrame, bool]:
    """work with an adcode column from column; False when a region is missing or unknown (reported)."""
    work = work.with_columns(_text(column).alias("__region"))
    resolution = resolve_region_values(work["__region"].unique().drop_nulls().to_list())
    codes = {raw: region.adcode for raw, region in resolution.resolved.items()}
    work = work.with_columns(
        pl.col("__region").replace_strict(codes, default=None, return_dtype=pl.String).alias("adcode")
    )
    missing = work.filter(pl.col("__region").is_null()).select(ROW, pl.lit("").alias("value"))
    report.add_rows("sharing_no_region", "error", missing, row=ROW, value="value", column=column, file=file)
    for raw, unresolved in resolution.unresolved.items():
        hits = work.filter(pl.col("__region") == raw)
        report.add(
            "sharing_unknown_region",
            "error",
            row=int(hits[ROW][0]),
            column=column,
            value=raw,
            count=hits.height,
            file=file,
            suggestions={"zh": suggestion_text(unresolved, "zh"), "en": suggestion_text(unresolved, "en")},
        )
    return work, missing.is_empty() and not resolution.unresolved


def _with_rows(text_frame: pl.DataFrame, source_rows: pl.Series | None) -> pl.DataFrame:
    rows = source_rows if source_rows is not None else pl.Series(range(2, text_frame.height + 2))
    work = text_frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64))
    return work.filter(~pl.all_horizontal(_blank(c) for c in text_frame.columns))


def _no_region(report: ValidationReport, file: str, what: str) -> None:
    report.add("sharing_matrix_no_region", "error", value=what, file=file)


def read_matrix(
    text_frame: pl.DataFrame, source_rows: pl.Series | None, file: str, report: ValidationReport, title: str | None
) -> SharingRead:
    parts = _matrix_parts(text_frame)
    if parts is None:
        report.add("sharing_not_a_table", "error", value=", ".join(text_frame.columns[:12]), file=file)
        return SharingRead(file, None, None, None, report)
    corner, consumers, _ = parts
    work = _with_rows(text_frame, source_rows)
    work = work.with_columns(_text(corner).alias("__provider")).filter(
        pl.col("__provider").is_not_null() & ~_key_expr("__provider").is_in(list(TOTAL_LABELS))
    )
    counts = {c: _check_counts(work, c, report, whole=True, blank_ok=True) for c in consumers}
    adcode = region_in_text(title, file)
    if adcode is None:
        _no_region(report, file, title or file)
    columns = {"provider": corner}
    if not report.ok or adcode is None:
        return SharingRead(file, "matrix", CALLS_KIND, None, report, columns)
    matrix = work.select(
        pl.col("__provider"), *(v.fill_null(0).round().cast(pl.Int64).alias(c.strip()) for c, v in counts.items())
    )
    calls = sharing.from_matrix(matrix, adcode, provider_column="__provider")
    report.add("sharing_read_matrix", "info", count=matrix.height, consumers=len(consumers), file=file)
    return SharingRead(file, "matrix", CALLS_KIND, calls, report, columns, adcode)


def read_log(
    text_frame: pl.DataFrame, source_rows: pl.Series | None, file: str, report: ValidationReport, title: str | None
) -> SharingRead:
    columns = match_headers(list(text_frame.columns), LOG_HEADERS)
    work = _with_rows(text_frame, source_rows)
    provider, consumer = columns["provider"], columns["consumer"]
    for role, column in (("provider", provider), ("consumer", consumer)):
        empty = work.filter(_blank(column)).select(ROW, pl.lit("").alias("value"))
        report.add_rows(
            "sharing_no_department",
            "error",
            empty,
            row=ROW,
            value="value",
            column=column,
            role=_ROLE_NAMES[role],
            file=file,
        )
    region_col = columns.get("region")
    adcode: str | None = None
    if region_col is not None:
        work, _ = _resolve_regions(work, region_col, report, file)
    else:
        adcode = region_in_text(title, file)
        if adcode is None:
            _no_region(report, file, title or file)
        work = work.with_columns(pl.lit(adcode, dtype=pl.String).alias("adcode"))
    calls_col = columns.get("calls")
    calls = _check_counts(work, calls_col, report, whole=True, blank_ok=False) if calls_col is not None else pl.lit(1)
    if not report.ok:
        return SharingRead(file, "log", CALLS_KIND, None, report, columns, adcode)
    log = work.select(
        "adcode",
        _text(provider).alias("provider"),
        _text(consumer).alias("consumer"),
        calls.round().cast(pl.Int64).alias("calls"),
    )
    report.add("sharing_read_log", "info", count=log.height, file=file)
    return SharingRead(file, "log", CALLS_KIND, sharing.from_log(log), report, columns, adcode)


def investment_scale(header: str) -> float:
    """万元 per unit the investment header states (亿元, 万元, 千元, 元; 万元 when it says none)."""
    key = header_key(header)
    return next((factor for unit, factor in TO_WAN.items() if unit in key), 1.0)


def read_platforms(
    text_frame: pl.DataFrame, source_rows: pl.Series | None, file: str, report: ValidationReport
) -> SharingRead:
    columns = match_headers(list(text_frame.columns), PLATFORM_HEADERS)
    work = _with_rows(text_frame, source_rows)
    platform = columns["platform"]
    empty = work.filter(_blank(platform)).select(ROW, pl.lit("").alias("value"))
    report.add_rows(
        "sharing_no_platform",
        "error",
        empty,
        row=ROW,
        value="value",
        column=platform,
        role=_ROLE_NAMES["platform"],
        file=file,
    )
    work, _ = _resolve_regions(work, columns["region"], report, file)
    numbers = {
        role: _check_counts(work, columns[role], report, whole=role != "investment", blank_ok=True)
        for role in ("investment", "transactions", "active_users")
        if role in columns
    }
    if "active_users" not in columns:
        report.add("sharing_optional_missing", "info", role=_ROLE_NAMES["active_users"], file=file)
    if not report.ok:
        return SharingRead(file, "platforms", PLATFORMS_KIND, None, report, columns)
    scale = investment_scale(columns["investment"])
    frame = work.select(
        "adcode",
        _text(platform).alias("platform"),
        (numbers["investment"] * scale).alias("investment"),
        numbers["transactions"].alias("transactions"),
        numbers.get("active_users", pl.lit(None, dtype=pl.Float64)).alias("active_users"),
    )
    duplicated = work.select(ROW, "adcode", _text(platform).alias("value")).filter(
        pl.struct("adcode", "value").is_duplicated()
    )
    report.add_rows(
        "sharing_duplicate_platform", "error", duplicated, row=ROW, value="value", column=platform, file=file
    )
    if not report.ok:
        return SharingRead(file, "platforms", PLATFORMS_KIND, None, report, columns)
    report.add("sharing_read_platforms", "info", count=frame.height, file=file)
    return SharingRead(file, "platforms", PLATFORMS_KIND, frame, report, columns)


def read_sharing_frame(
    text_frame: pl.DataFrame,
    source_rows: pl.Series | None,
    file: str,
    *,
    sheet: str | None = None,
    title: str | None = None,
    report: ValidationReport | None = None,
) -> SharingRead:
    """The table from the pipeline's text frame (every column text) and each row's number in the file; title is
    the line above the table (where a matrix names its region)."""
    report = report or ValidationReport(file=file, sheet=sheet)
    shape = detect(text_frame)
    if shape == "platforms":
        return read_platforms(text_frame, source_rows, file, report)
    if shape == "log":
        return read_log(text_frame, source_rows, file, report, title)
    return read_matrix(text_frame, source_rows, file, report, title)


# Pipeline issues about a table's indicators, regions or years: these tables have none of the pipeline's kind
# and this module reads their regions itself.
SKIPPED_PIPELINE_CODES: frozenset[str] = frozenset(
    {"no_indicator_columns", "no_region_column", "no_year_column", "mapping_low_confidence", "column_suggestion"}
)


def looks_like_sharing_table(text_frame: pl.DataFrame | None) -> bool:
    return text_frame is not None and detect(text_frame) is not None


def from_ingest(result: object) -> SharingRead:
    """The table from an IngestResult (text_frame, source_rows, title); the pipeline's reading problems are kept,
    its complaints about indicators, regions and years are not."""
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
        return SharingRead(name, None, None, None, report)
    info = getattr(result, "title", None)
    title = getattr(info, "indicator", None) if info is not None else None
    if info is not None and getattr(info, "unit", None) and title:
        title = f"{title}（{info.unit}）"
    return read_sharing_frame(
        text_frame, getattr(result, "source_rows", None), name, sheet=sheet, title=title, report=report
    )


def read_sharing_table(name: str, data: bytes, **options: object) -> SharingRead:
    """A file as uploaded: read by the upload pipeline (decode, header below title rows, identifiers removed),
    then :func:`read_sharing_frame`."""
    from digigov.ingest.pipeline import read_upload  # the pipeline imports much; only this entry needs it

    return from_ingest(read_upload(name, data, **options))  # type: ignore[arg-type]
