"""Sharing calls in their one shape: adcode, provider, consumer, calls — from a provider × consumer matrix or an
exchange log (one row per call, or with a calls column). Reading these is ingest's; analysis.sharing counts them."""

from __future__ import annotations

import polars as pl

CALL_COLUMNS: tuple[str, ...] = ("adcode", "provider", "consumer", "calls")


def clean_calls(calls: pl.DataFrame) -> pl.DataFrame:
    """adcode, provider, consumer, calls (Int64, nulls as 0), names stripped, self-calls dropped, duplicate
    pairs summed."""
    data = calls.with_columns(
        pl.col("provider").cast(pl.String).str.strip_chars(),
        pl.col("consumer").cast(pl.String).str.strip_chars(),
        pl.col("calls").cast(pl.Float64, strict=False).fill_null(0).round().cast(pl.Int64),
    ).filter(pl.col("provider").is_not_null() & pl.col("consumer").is_not_null() & (pl.col("provider") != ""))
    return (
        data.group_by("adcode", "provider", "consumer")
        .agg(pl.col("calls").sum())
        .filter(pl.col("provider") != pl.col("consumer"))
        .with_columns(pl.col("calls").clip(lower_bound=0))
        .sort("adcode", "provider", "consumer")
    )


def from_matrix(matrix: pl.DataFrame, adcode: str, provider_column: str | None = None) -> pl.DataFrame:
    """A provider × consumer table (first column, or provider_column, the provider; one column per consumer;
    counts in the cells) as the long calls table of one region."""
    provider = provider_column or matrix.columns[0]
    long = matrix.unpivot(index=provider, variable_name="consumer", value_name="calls").rename({provider: "provider"})
    return clean_calls(long.with_columns(pl.lit(adcode).alias("adcode")))


def from_log(log: pl.DataFrame) -> pl.DataFrame:
    """An exchange log (adcode, provider, consumer, one row per call, or a calls column to add) as counts."""
    data = log if "calls" in log.columns else log.with_columns(pl.lit(1).alias("calls"))
    return clean_calls(data)
