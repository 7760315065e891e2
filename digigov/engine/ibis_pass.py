"""The first pass as one Ibis expression, for every engine Ibis reaches (DuckDB, Spark Connect and Sail,
PostgreSQL, Trino, ClickHouse; Doris and StarRocks through digigov.engine.transpile).

The engine groups by the *raw* columns and computes only what every SQL engine computes alike: COUNT(*), SUM,
MIN and counts of nulls. Casting keys to text and stripping whitespace are left to polars on the small result
(:func:`finish`), because engines disagree there (PostgreSQL writes the double 1.0 as "1", polars as "1.0";
TRIM removes only spaces in SQL, all Unicode whitespace in polars): the groups that the text form merges are
merged again in polars, so the result equals the polars reference on every engine.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from digigov.engine.spec import COMBINE, FirstPass, Measure


def _number(table: Any, measure: Measure) -> Any:
    column = table[measure.column]
    if not measure.number:
        return column
    # TRY_CAST: a value that is not a number becomes NULL, as polars' cast(strict=False) makes it (PostgreSQL
    # has no TRY_CAST; Ibis casts there, so an unparsable weight fails the query instead).
    return column.try_cast("float64") if column.type().is_string() else column.cast("float64")


def _measure(table: Any, measure: Measure) -> Any:
    if measure.op == "count":
        return table.count()
    value = _number(table, measure)
    if measure.op == "sum":
        return value.sum()
    if measure.op == "sum_sq":
        return (value * value).sum()
    if measure.op == "missing":
        return table.count() - value.count()
    return value.min()


def expression(table: Any, spec: FirstPass) -> Any:
    """``table`` (an Ibis table holding the records) grouped by the raw key columns, one aggregate per measure."""
    keys = {key.name: table[key.column] for key in spec.keys}
    return table.group_by(**keys).aggregate(**{m.name: _measure(table, m) for m in spec.measures})


def finish(result: pl.DataFrame, spec: FirstPass) -> pl.DataFrame:
    """The engine's small result made equal to the polars reference: keys as text (and stripped) as polars does
    it, the groups that this merges combined again, empty sums as 0 and counts as Int64."""
    keys = [
        _key_text(pl.col(k.name), result.schema[k.name], k.text, k.strip).alias(k.name)
        for k in spec.keys
        if k.transformed
    ]
    frame = result.with_columns(keys) if keys else result
    if keys:
        combine = [
            (pl.col(m.name).sum() if COMBINE[m.op] == "sum" else pl.col(m.name).min()).alias(m.name)
            for m in spec.measures
        ]
        frame = frame.group_by(spec.key_names).agg(combine)
    fixes = []
    for m in spec.measures:
        if m.op in ("count", "missing"):
            fixes.append(pl.col(m.name).fill_null(0).cast(pl.Int64))
        elif m.op in ("sum", "sum_sq"):  # SUM over only NULLs is NULL in SQL, 0 in polars
            fixes.append(pl.col(m.name).cast(pl.Float64 if m.number else frame.schema[m.name]).fill_null(0))
        elif m.number:
            fixes.append(pl.col(m.name).cast(pl.Float64))
    return frame.with_columns(fixes).select(*spec.key_names, *(m.name for m in spec.measures))


def _key_text(expr: pl.Expr, dtype: pl.DataType, text: bool, strip: bool) -> pl.Expr:
    if (text or strip) and dtype != pl.String:
        expr = expr.cast(pl.String)
    return expr.str.strip_chars() if strip else expr
