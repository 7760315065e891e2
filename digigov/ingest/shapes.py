"""The three upload shapes: wide (indicator columns), long (indicator + value), raw records (one row per
respondent or transaction: a channel answer, or yes/no answers to the demand questions).

Raw records are aggregated by digigov.ingest.channel_records.aggregate_raw_records and
digigov.ingest.demand_records.aggregate_raw_answers; this module only recognises them and names the arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast

import polars as pl

from digigov.ingest.columns import ColumnMapping
from digigov.ingest.values import is_missing

Shape = Literal["wide", "long", "raw_channels", "raw_demand", "unknown"]
SHAPES: tuple[str, ...] = ("wide", "long", "raw_channels", "raw_demand", "unknown")
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
        offline = {k: v for k, v in answers.items() if k == "prefers_offline" and kinds.get(k)}
        return ShapeResult("raw_channels", offline, channel)
    demand = {k: v for k, v in answers.items() if k in DEMAND_STAGES}
    if all(stage in demand for stage in ("need", "aware", "used")):
        some_words = any(kinds.get(s) == "words" for s in demand)
        many_rows = _rows_per_key(frame, mapping) > 1.5
        if some_words or (all(kinds.get(s) == "binary" for s in ("need", "aware", "used")) and many_rows):
            return ShapeResult("raw_demand", demand)
    if mapping.indicators():
        return ShapeResult("wide")
    return ShapeResult("unknown")


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
