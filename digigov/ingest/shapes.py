"""The upload shapes: wide (indicator columns), long (indicator + value), raw records (one row per
respondent: a channel answer, or yes/no answers to the demand questions) and transaction logs (one row per 办件
of a 政务服务 system: the channel it was handled through, whether it was completed, its rating; no preference
question). A table with periods as columns (地区,2022年,2021年,…) is reshaped to long before its shape is detected
(PeriodLayout, melt_periods).

Raw records are aggregated by digigov.ingest.channel_records.aggregate_raw_records (transaction logs by
digigov.ingest.channel_records.aggregate_transactions) and digigov.ingest.demand_records.aggregate_raw_answers;
this module only recognises them and names the arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import polars as pl

from digigov.ingest.columns import ColumnMapping, fold, split_unit
from digigov.ingest.layout import TitleInfo, period_of_header
from digigov.ingest.values import is_missing

Shape = Literal["wide", "long", "raw_channels", "raw_demand", "raw_transactions", "unknown"]
SHAPES: tuple[str, ...] = ("wide", "long", "raw_channels", "raw_demand", "raw_transactions", "unknown")
# Headers (folded) of a transaction log's status and rating columns that the mapping may leave free (issue 19).
COMPLETED_HEADERS = frozenset(
    ("办理状态", "办结状态", "办件状态", "状态", "是否办结", "办结情况", "办理结果", "status")
)
SATISFIED_HEADERS = frozenset(
    ("满意度", "评价", "满意度评价", "评价结果", "好差评", "评价等级", "评分", "服务评价", "rating", "satisfaction")
)
# Header words that name a 办件 (a transaction of a 政务服务 system) rather than a survey respondent.
TRANSACTION_WORDS: tuple[str, ...] = ("办件", "受理", "业务流水", "申办")
# An indicator column holding yes/no answers is a raw answer column: indicator id -> answer.
ANSWER_OF_INDICATOR: dict[str, str] = {
    "potential_usage_rate": "need",
    "awareness_rate": "aware",
    "actual_usage_rate": "used",
    "offline_pref_share": "prefers_offline",
}
DEMAND_STAGES: tuple[str, ...] = ("need", "aware", "used", "completed", "satisfied")
_YES_NO_WORDS = frozenset(
    {
        "是",
        "否",
        "有",
        "无",
        "没有",
        "对",
        "不",
        "错",
        "需要",
        "不需要",
        "yes",
        "no",
        "y",
        "n",
        "true",
        "false",
        "t",
        "f",
        "√",
        "×",
        "✓",
        "✗",
        "✔",
        "✘",
    }
)


@dataclass(frozen=True)
class ShapeResult:
    shape: Shape
    answers: dict[str, str] = field(default_factory=dict)  # answer (need, aware, ..., prefers_offline) -> column
    channel: str | None = None


def _answer_kind(series: pl.Series) -> str | None:
    """ "words" when the filled cells are yes/no words, "binary" when they are all 0/1, else None."""
    counts: dict[str, int] = {}
    for value, n in series.drop_nulls().str.strip_chars().str.to_lowercase().value_counts().iter_rows():
        if not is_missing(value):
            counts[value] = counts.get(value, 0) + n
    if not counts:
        return None
    if set(counts) <= {"0", "1", "0.0", "1.0"}:
        return "binary"
    known = sum(n for v, n in counts.items() if v in _YES_NO_WORDS or v in {"0", "1", "0.0", "1.0"})
    return "words" if known / sum(counts.values()) >= 0.95 else None


def _is_categorical_text(series: pl.Series) -> bool:
    values = series.drop_nulls()
    if values.len() == 0:
        return False
    numeric = values.str.strip_chars().cast(pl.Float64, strict=False).is_not_null()
    return float(cast(float | None, numeric.mean()) or 0) < 0.5


def detect_shape(frame: pl.DataFrame, mapping: ColumnMapping) -> ShapeResult:
    """Long if an indicator-name column and a value column are mapped; raw records if there is a channel answer
    column or the demand answers (need, aware, used) are yes/no; wide if indicator columns are mapped."""
    if mapping.first("indicator") and mapping.first("value"):
        return ShapeResult("long")
    answers: dict[str, str] = {}
    kinds: dict[str, str | None] = {}
    for match in mapping.matches:
        answer = match.role if match.role in (*DEMAND_STAGES, "prefers_offline") else None
        if match.indicator in ANSWER_OF_INDICATOR:
            answer = ANSWER_OF_INDICATOR[match.indicator]
        if answer and answer not in answers and match.column in frame.columns:
            kind = _answer_kind(frame.get_column(match.column))
            if kind or not match.indicator:
                answers[answer] = match.column
                kinds[answer] = kind
    channel = mapping.first("channel")
    if channel and channel in frame.columns and _is_categorical_text(frame.get_column(channel)):
        return _channel_records(frame, mapping, answers, kinds, channel)
    demand = {k: v for k, v in answers.items() if k in DEMAND_STAGES}
    if all(stage in demand for stage in ("need", "aware", "used")):
        some_words = any(kinds.get(s) == "words" for s in demand)
        many_rows = _rows_per_key(frame, mapping) > 1.5
        if some_words or (all(kinds.get(s) == "binary" for s in ("need", "aware", "used")) and many_rows):
            return ShapeResult("raw_demand", demand)
    if mapping.indicators():
        return ShapeResult("wide")
    return ShapeResult("unknown")


def _channel_records(
    frame: pl.DataFrame, mapping: ColumnMapping, answers: dict[str, str], kinds: dict[str, str | None], channel: str
) -> ShapeResult:
    """Records with a channel: a survey's channel answers (with or without its preference question), or a
    transaction log when there is no preference question and the records are 办件 (issue 19)."""
    offline = {k: v for k, v in answers.items() if k == "prefers_offline" and kinds.get(k)}
    if not offline and (logged := transaction_columns(frame, mapping, answers)) is not None:
        return ShapeResult("raw_transactions", logged, channel)
    return ShapeResult("raw_channels", offline, channel)


def transaction_columns(frame: pl.DataFrame, mapping: ColumnMapping, answers: dict[str, str]) -> dict[str, str] | None:
    """{"completed": column, "satisfied": column} (those found) of a transaction log: records with a channel, no
    preference question, and a completion or rating column or an ID naming a 办件. None when it is no log."""
    found = {k: v for k, v in answers.items() if k in ("completed", "satisfied")}
    for match in mapping.matches:
        if match.target is not None or match.column not in frame.columns:
            continue
        header = fold(split_unit(match.column)[0])
        if "completed" not in found and header in COMPLETED_HEADERS:
            found["completed"] = match.column
        elif "satisfied" not in found and header in SATISFIED_HEADERS:
            found["satisfied"] = match.column
    named = any(word in column for column in mapping.columns_for("record_id") for word in TRANSACTION_WORDS)
    return found if found or named else None


def _rows_per_key(frame: pl.DataFrame, mapping: ColumnMapping) -> float:
    keys = [
        c
        for c in (
            mapping.first("region_code") or mapping.first("city") or mapping.first("region"),
            mapping.first("year"),
        )
        if c
    ]
    if not keys or frame.height == 0:
        return float(frame.height)
    return frame.height / max(frame.select(keys).n_unique(), 1)


# -- periods as columns (wide by period) ------------------------------------------------------------------------
# Columns of the long table a wide-by-period table becomes (names the mapping proposes roles for by itself).
PERIOD_YEAR, PERIOD_INDICATOR, PERIOD_VALUE = "年份", "指标", "数值"
PERIOD_SOURCE = "__period_column"  # each long row's period column in the file (for messages naming the cell)


@dataclass(frozen=True)
class PeriodLayout:
    """A table with periods as columns (地区,2022年,2021年,…), as recognised and reshaped to long."""

    columns: tuple[str, ...]  # the period columns kept, as written in the file
    years: dict[str, int]  # period column → year
    labels: dict[str, str]  # period column → the period ("2022", "2023-06")
    id_columns: tuple[str, ...]  # the other columns (地区 …), kept on every long row
    indicator: str | None = None  # the indicator named in the title (指标：…) or by the one plain title line
    unit: str | None = None  # the unit in the title ("万户")
    source: str | None = None  # 数据来源
    database: str | None = None  # 数据库
    indicator_column: str | None = None  # the table's own indicator column, when its rows are indicators
    months_dropped: tuple[str, ...] = ()  # month columns left out: only the latest month of each year is kept

    @property
    def months(self) -> bool:
        return any("-" in label for label in self.labels.values())


def find_period_columns(columns: Sequence[str]) -> dict[str, tuple[int, int | None]]:
    """{column: (year, month or None)} for the columns named by a period, when two or more distinct periods
    are columns; {} otherwise."""
    found = {c: p for c in columns if (p := period_of_header(c)) is not None}
    return found if len(set(found.values())) >= 2 else {}


def periods_layout(columns: Sequence[str], title: TitleInfo, indicator_column: str | None) -> PeriodLayout | None:
    """The period layout of a table with these columns (None when periods are not columns). Of several months
    of one year only the latest is kept (the table stores one value per region and year)."""
    found = find_period_columns(columns)
    others = tuple(c for c in columns if c not in found)
    if not found or not others:
        return None
    latest: dict[int, tuple[int, str]] = {}
    for column, (year, month) in found.items():
        key = month or 0
        if year not in latest or key > latest[year][0]:
            latest[year] = (key, column)
    kept = tuple(c for c in columns if c in found and latest[found[c][0]][1] == c)
    dropped = tuple(c for c in columns if c in found and c not in kept)
    labels = {c: f"{found[c][0]}" if found[c][1] is None else f"{found[c][0]}-{found[c][1]:02d}" for c in kept}
    return PeriodLayout(
        columns=kept,
        years={c: found[c][0] for c in kept},
        labels=labels,
        id_columns=tuple(c for c in others),
        indicator=title.indicator,
        unit=title.unit,
        source=title.source,
        database=title.database,
        indicator_column=indicator_column,
        months_dropped=dropped,
    )


def melt_periods(frame: pl.DataFrame, layout: PeriodLayout, row: str) -> pl.DataFrame:
    """The wide-by-period frame as a long one: row, the id columns, 年份 (the period's year), 指标 (the title's
    indicator unless the table has an indicator column), 数值 (the cell as text) and the period column's name."""
    keep = [c for c in layout.id_columns if c in frame.columns]
    taken = set(keep)
    long = frame.select(row, *keep, *layout.columns).unpivot(
        on=list(layout.columns), index=[row, *keep], variable_name=PERIOD_SOURCE, value_name=PERIOD_VALUE
    )
    order = {c: i for i, c in enumerate(layout.columns)}
    long = long.with_columns(
        pl.col(PERIOD_SOURCE)
        .replace_strict({c: str(y) for c, y in layout.years.items()}, return_dtype=pl.String)
        .alias(_free(PERIOD_YEAR, taken)),
        pl.col(PERIOD_SOURCE).replace_strict(order, return_dtype=pl.Int64).alias("__period_order"),
    )
    if layout.indicator_column is None and layout.indicator:
        label = layout.indicator if not layout.unit else f"{layout.indicator}({layout.unit})"
        long = long.with_columns(pl.lit(label, dtype=pl.String).alias(_free(PERIOD_INDICATOR, taken)))
    value = _free(PERIOD_VALUE, taken - {PERIOD_VALUE})
    if value != PERIOD_VALUE:
        long = long.rename({PERIOD_VALUE: value})
    added = [c for c in long.columns if c not in (row, *keep, value, PERIOD_SOURCE, "__period_order")]
    return long.sort([row, "__period_order"]).select(row, *keep, *added, value, PERIOD_SOURCE)


def _free(name: str, taken: set[str]) -> str:
    """name, or name_2, name_3 … when the table already has a column of that name."""
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    taken.add(candidate)
    return candidate
