"""The first pass in polars: the reference every engine is tested against, and the path for records this
process already holds as polars frames.

For those, polars is the cheaper engine (measured on this machine, 2026-12-01): handing a small upload to DuckDB
through Ibis costs ~40 ms against ~1 ms in polars, and streaming a lazy scan into DuckDB as Arrow batches took 16 s
at 100 M records against 7 s for polars' own streaming engine. Lazy frames are therefore collected with the
streaming engine (bounded memory), in-memory frames with the default one.
"""

from __future__ import annotations

import polars as pl

from digigov.engine.spec import FirstPass, Key, Measure


def key_expr(key: Key) -> pl.Expr:
    expr = pl.col(key.column)
    if key.text:
        expr = expr.cast(pl.String)
    if key.strip:
        expr = expr.cast(pl.String).str.strip_chars()
    return expr.alias(key.name)


def _input(measure: Measure) -> pl.Expr:
    expr = pl.col(measure.column or "")
    return expr.cast(pl.Float64, strict=False) if measure.number else expr


def measure_expr(measure: Measure) -> pl.Expr:
    if measure.op == "count":
        return pl.len().cast(pl.Int64).alias(measure.name)
    value = _input(measure)
    if measure.op == "sum":
        return value.sum().alias(measure.name)
    if measure.op == "sum_sq":
        return (value**2).sum().alias(measure.name)
    if measure.op == "missing":
        return value.null_count().cast(pl.Int64).alias(measure.name)
    return value.min().alias(measure.name)


def lazy_pass(records: pl.LazyFrame, spec: FirstPass) -> pl.LazyFrame:
    """The pass as a lazy query: group by the keys' expressions, one aggregate per measure."""
    return records.group_by([key_expr(k) for k in spec.keys]).agg([measure_expr(m) for m in spec.measures])


def run(records: pl.DataFrame | pl.LazyFrame, spec: FirstPass) -> pl.DataFrame:
    """The pass over a polars frame: keys first, then the measures, in the spec's order."""
    query = lazy_pass(records.lazy(), spec)
    if isinstance(records, pl.LazyFrame):
        return query.collect(engine="streaming")
    return query.collect()
