"""Raw channel records (one row per survey answer or service transaction) aggregated into the channel counts
shape that digigov.analysis.channels reads: one row per unit × year × entity type × service category with
``respondents, web, mobile_app, self_service_terminal, counter[, prefers_offline]``."""

from __future__ import annotations

from typing import cast

import polars as pl

from digigov.codes import CHANNELS, OFFLINE
from digigov.engine import FirstPass, Key, Measure, RecordsLike, column_names, count_by, first_pass
from digigov.ingest.labels import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    COMPLETED_EXPECTED,
    ENTITY_LABELS,
    SATISFIED_EXPECTED,
    YES_NO_EXPECTED,
    free_dimension_codes,
    labels_or_raise,
    map_label,
    parse_completed,
    parse_satisfied,
    parse_yes_no,
    period_as_year,
    require_columns,
    resolve_region_labels,
)
from digigov.regions import Level


def aggregate_raw_records(
    records: RecordsLike,
    region_col: str,
    channel_col: str,
    offline_col: str | None = None,
    weight_col: str | None = None,
    period_col: str | None = None,
    entity_col: str | None = None,
    category_col: str | None = None,
    *,
    resolve_regions: bool = True,
    level: Level | None = None,
) -> pl.DataFrame:
    """Turn raw survey answers or service transactions (one row each) into the channel counts shape.

    Output columns: ``adcode`` [, ``year``, ``entity_type``, ``service_category``], ``respondents``, ``web``,
    ``mobile_app``, ``self_service_terminal``, ``counter`` [, ``prefers_offline``]; with ``weight_col`` the counts
    are sums of weights (``respondents`` = sum of weights) plus ``unweighted_n`` (records, for the small-sample
    flag and k-suppression) and ``sum_weight_sq`` (so that the Kish effective sample size
    (Σw)²/Σw², which is what a weighted share's interval must use, survives later re-aggregation).

    Channel labels are accepted in zh and en ("网站/web/PC", "App/小程序/mobile", "自助终端/terminal",
    "窗口/柜台/counter/现场"); offline answers as 是/否, yes/no, 1/0, true/false. Unknown labels, missing answers
    and unknown regions raise :class:`UnknownLabelError` listing every offending value with its row count.
    Entity-type and category labels in zh/en are mapped to the built-in codes where recognised and kept as
    written otherwise (they are free dimensions). Regions are resolved with the gazetteer (any spelling); pass
    ``resolve_regions=False`` when the column already holds adcodes.

    Fast on large files: the one pass over the records groups by the *raw* labels (a few thousand groups however
    many rows), then the labels are mapped on that small frame. ``records`` may also be Parquet parts or a table
    (digigov.engine): that pass then runs on the configured engine and only the groups come back.
    """
    names = column_names(records)
    require_columns(names, (region_col, channel_col, offline_col, weight_col, period_col, entity_col, category_col))
    given = {"__region": region_col, "year": period_col, "entity_type": entity_col, "service_category": category_col}
    keys = {alias: col for alias, col in given.items() if col is not None}
    counts = _group_raw_labels(records, keys, channel_col, offline_col, weight_col)
    if weight_col:
        _check_weights(counts, weight_col)
    exprs = _code_exprs(counts, keys, channel_col, offline_col)
    if resolve_regions:
        region_map = resolve_region_labels(counts, "__region", region_col, level)
        exprs.append(pl.col("__region").replace_strict(region_map, return_dtype=pl.String).alias("__region"))
    counts = counts.with_columns(exprs).rename({"__region": "adcode"})
    out_keys = ["adcode", *[k for k in keys if k != "__region"]]
    return period_as_year(_sum_counts(counts, out_keys, offline_col, weight_col)).sort(out_keys, nulls_last=True)


def _group_raw_labels(
    records: RecordsLike, keys: dict[str, str], channel_col: str, offline_col: str | None, weight_col: str | None
) -> pl.DataFrame:
    """The one pass over the records (digigov.engine): grouped by the raw labels (region, keys, channel, offline
    answer), with the record count and, for weighted data, the weights' sum, sum of squares, nulls and minimum."""
    group = [Key(alias, column, text=alias != "year") for alias, column in keys.items()]
    group += [Key("__channel", channel_col), *([Key("__offline", offline_col)] if offline_col else [])]
    measures = [Measure("__n", "count")]
    if weight_col:
        measures += [
            Measure("__wsum", "sum", weight_col, number=True),
            Measure("__w2", "sum_sq", weight_col, number=True),
            Measure("__wnull", "missing", weight_col, number=True),
            Measure("__wmin", "min", weight_col, number=True),
        ]
    return first_pass(records, FirstPass(tuple(group), tuple(measures)))


def _check_weights(counts: pl.DataFrame, weight_col: str) -> None:
    bad = int(counts["__wnull"].sum())
    if bad:
        raise ValueError(f"column {weight_col!r}: {bad} rows have a missing or non-numeric weight")
    # no weight is missing here (checked above), so the minimum is a float
    if counts.height and cast(float, counts["__wmin"].min()) < 0:
        raise ValueError(f"column {weight_col!r}: negative weights are not allowed")


def _code_exprs(counts: pl.DataFrame, keys: dict[str, str], channel_col: str, offline_col: str | None) -> list[pl.Expr]:
    """Expressions replacing the raw channel, offline, entity-type and category labels by their codes."""
    channel_map = labels_or_raise(
        counts,
        "__channel",
        channel_col,
        lambda v: map_label(v, CHANNEL_LABELS),
        "a channel: web (网站/PC), mobile_app (App/小程序), self_service_terminal (自助终端), counter (窗口/柜台/现场)",
    )
    exprs = [pl.col("__channel").replace_strict(channel_map, return_dtype=pl.String).alias("__channel")]
    if offline_col:
        offline_map = labels_or_raise(counts, "__offline", offline_col, parse_yes_no, YES_NO_EXPECTED)
        exprs.append(pl.col("__offline").replace_strict(offline_map, return_dtype=pl.Boolean).alias("__offline"))
    exprs += [
        free_dimension_codes(counts, alias, table)
        for alias, table in (("entity_type", ENTITY_LABELS), ("service_category", CATEGORY_LABELS))
        if alias in keys
    ]
    return exprs


def _sum_counts(
    counts: pl.DataFrame, out_keys: list[str], offline_col: str | None, weight_col: str | None
) -> pl.DataFrame:
    """The coded groups summed into respondents and one count per channel (weights when weighted)."""
    weight = pl.col("__wsum") if weight_col else pl.col("__n")
    aggs = [weight.sum().alias("respondents")]
    aggs += [weight.filter(pl.col("__channel") == c).sum().alias(c) for c in CHANNELS]
    if offline_col:
        aggs.append(weight.filter(pl.col("__offline")).sum().alias(OFFLINE))
    if weight_col:
        aggs += [pl.col("__n").sum().cast(pl.Int64).alias("unweighted_n"), pl.col("__w2").sum().alias("sum_weight_sq")]
    out = counts.group_by(out_keys).agg(aggs)
    if not weight_col:
        out = out.with_columns(
            pl.col(c).cast(pl.Int64) for c in ("respondents", *CHANNELS, *([OFFLINE] if offline_col else []))
        )
    return out


# -- transaction logs (issue 19) ---------------------------------------------------------------------------------
# Counts of a transaction log per region × year: records (办件), one count per channel it was handled through,
# completed, rated (a rating given) and satisfied; handled_at_counter is counter / records, the share of 办件 actually
# handled at counters. That is observed handling, not a stated preference (city_channels' prefers_offline).
TRANSACTION_COUNTS: tuple[str, ...] = ("records", *CHANNELS, "completed", "rated", "satisfied")
HANDLED_AT_COUNTER = "handled_at_counter"


def aggregate_transactions(
    records: RecordsLike,
    region_col: str,
    channel_col: str,
    period_col: str | None = None,
    completed_col: str | None = None,
    satisfied_col: str | None = None,
    *,
    resolve_regions: bool = True,
    level: Level | None = None,
) -> pl.DataFrame:
    """Turn a transaction log (one row per 办件) into counts per region and period.

    Output columns: ``adcode`` [, ``year``], ``records``, ``web``, ``mobile_app``, ``self_service_terminal``,
    ``counter``, ``completed``, ``rated``, ``satisfied`` (nulls for a column the log lacks) and
    ``handled_at_counter`` (counter / records). A missing status is not completed; a missing rating is not rated
    (``rated`` is the denominator of satisfaction). Unknown channel, status or rating labels raise
    :class:`UnknownLabelError` listing every offending value with its row count. As aggregate_raw_records, one lazy
    pass groups by the raw labels and the labels are mapped on that small frame.
    """
    require_columns(column_names(records), (region_col, channel_col, period_col, completed_col, satisfied_col))
    answers = {"__completed": completed_col, "__satisfied": satisfied_col}
    raw = {"__region": region_col, "__channel": channel_col, **{a: c for a, c in answers.items() if c}}
    counts = first_pass(records, count_by(raw, year=period_col, strip=frozenset(answers)))
    channel_map = labels_or_raise(
        counts,
        "__channel",
        channel_col,
        lambda v: map_label(v, CHANNEL_LABELS),
        "a channel: web (网站/网上办理), mobile_app (App/小程序), self_service_terminal (自助终端), "
        "counter (窗口/大厅)",
    )
    exprs = [pl.col("__channel").replace_strict(channel_map, return_dtype=pl.String)]
    for alias, col, parser, expected in (
        ("__completed", completed_col, parse_completed, COMPLETED_EXPECTED),
        ("__satisfied", satisfied_col, parse_satisfied, SATISFIED_EXPECTED),
    ):
        if col:
            found = labels_or_raise(counts, alias, col, parser, expected, blanks_allowed=True)
            exprs.append(pl.col(alias).replace_strict(found, default=None, return_dtype=pl.Boolean))
    if resolve_regions:
        region_map = resolve_region_labels(counts, "__region", region_col, level)
        exprs.append(pl.col("__region").replace_strict(region_map, return_dtype=pl.String))
    counts = counts.with_columns(exprs).rename({"__region": "adcode"})
    n = pl.col("__n")
    aggs = [n.sum().alias("records"), *(n.filter(pl.col("__channel") == c).sum().alias(c) for c in CHANNELS)]
    aggs.append(n.filter(pl.col("__completed")).sum().alias("completed") if completed_col else _no_count("completed"))
    if satisfied_col:
        aggs += [
            n.filter(pl.col("__satisfied").is_not_null()).sum().alias("rated"),
            n.filter(pl.col("__satisfied")).sum().alias("satisfied"),
        ]
    else:
        aggs += [_no_count("rated"), _no_count("satisfied")]
    keys = ["adcode", *(["year"] if period_col else [])]
    out = counts.group_by(keys).agg(aggs).with_columns(pl.col(c).cast(pl.Int64) for c in TRANSACTION_COUNTS)
    out = out.with_columns((pl.col("counter") / pl.col("records")).alias(HANDLED_AT_COUNTER))
    return period_as_year(out).sort(keys, nulls_last=True)


def _no_count(name: str) -> pl.Expr:
    return pl.lit(None, dtype=pl.Int64).alias(name)
