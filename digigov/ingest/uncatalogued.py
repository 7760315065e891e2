"""Numeric columns of a wide table that the mapping leaves free (人均政务支出, 宽带接入用户(万户)): candidates for an
analyst's own indicator (digigov.user_indicators). They are only handed over; nothing is stored until the analyst
confirms the name, unit, direction and level on the upload page."""

from __future__ import annotations

import polars as pl

from digigov.ingest.columns import ColumnMapping, fold, split_unit
from digigov.ingest.values import parse_number_column

# Headers (folded) of a ranking report's columns that ingest leaves unmapped: its tiers and its stated ranks. Ranks
# and row numbers are numbers but not indicators.
TIER_HEADERS = frozenset(("等级", "梯队", "分档", "档次", "分级", "评级", "类型", "tier", "tiers", "grade", "rating"))
RANK_HEADERS = frozenset(("排名", "名次", "位次", "排序", "总排名", "rank", "ranking"))
ROW_NUMBER_HEADERS = frozenset(("序号", "编号", "行号", "no", "no.", "#", "id", "seq"))
MIN_FILLED = 3  # cells with a number: fewer is no indicator to map
MIN_NUMBER_SHARE = 0.8  # of the filled cells (the rest are reported as not-a-number when the column is confirmed)


def _left_out(header: str) -> bool:
    folded = fold(split_unit(header)[0])
    return folded in TIER_HEADERS or folded in RANK_HEADERS or folded in ROW_NUMBER_HEADERS


def numeric_candidates(work: pl.DataFrame, mapping: ColumnMapping) -> list[str]:
    """The unmapped columns whose filled cells are mostly numbers (at least MIN_FILLED of them), in file order."""
    found = []
    for match in mapping.matches:
        if match.target is not None or match.column not in work.columns or _left_out(match.column):
            continue
        parsed = parse_number_column(work.get_column(match.column))
        numbers = int(parsed.values.is_not_null().sum())
        written = numbers + int(parsed.errors.sum())
        if numbers >= MIN_FILLED and numbers >= MIN_NUMBER_SHARE * written:
            found.append(match.column)
    return found


def column_values(work: pl.DataFrame, column: str, keys: dict[str, str]) -> pl.DataFrame:
    """adcode, level, drawn, year, value (Float64, scale words applied), row of one candidate column; keys names
    the work frame's columns for those (ADCODE, LEVEL, DRAWN, YEAR, ROW)."""
    parsed = parse_number_column(work.get_column(column))
    return work.select(
        pl.col(keys["adcode"]).alias("adcode"),
        pl.col(keys["level"]).alias("level"),
        pl.col(keys["drawn"]).alias("drawn"),
        pl.col(keys["year"]).cast(pl.Int32).alias("year"),
        parsed.values.cast(pl.Float64).alias("value"),
        pl.col(keys["row"]).alias("row"),
    ).filter(pl.col("adcode").is_not_null() & pl.col("year").is_not_null())
