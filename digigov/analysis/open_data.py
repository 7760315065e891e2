"""Open-data freshness computed from a portal's catalogue: one row per dataset with its stated update
frequency and last-updated date, judged against a reference date.

Definitions (the methods and the page say the same):

- period of a frequency: the longest calendar span it allows (:data:`PERIOD_DAYS`): daily and real-time 1 day,
  weekly 7, monthly 31, quarterly 92, half-yearly 184, yearly 366. A dataset is **on schedule** when the days
  from its last update to the reference date are at most its period.
- **days overdue** = days since the last update − the period, for a dataset that is not on schedule.
- 不定期 (irregular) datasets state no period: they are left out of the on-schedule share and counted apart.
  So are datasets without a last-updated date and those last updated after the reference date (their state on
  the reference date is unknown).
- the on-schedule share = on schedule / (on schedule + overdue); the median days overdue is taken over the
  overdue datasets only (0 days is "on schedule", not a small delay).
- machine-readable formats: :data:`MACHINE_READABLE` (structured, openable by a program); an API counts apart.

Everything here is language-free; the presenter words it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

FREQUENCIES: tuple[str, ...] = (
    "realtime",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "semiannual",
    "annual",
    "irregular",
)
PERIOD_DAYS: dict[str, int] = {
    "realtime": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "semiannual": 184,
    "annual": 366,
}
IRREGULAR = "irregular"
MACHINE_READABLE: frozenset[str] = frozenset(
    {"CSV", "TSV", "XLS", "XLSX", "ODS", "JSON", "XML", "RDF", "GEOJSON", "SHP", "KML", "API"}
)
STATUSES: tuple[str, ...] = ("on_schedule", "overdue", "irregular", "undated", "after_reference")
# The columns a catalogue table has (ingest.catalogue writes them; the sample has them).
CATALOGUE_COLUMNS: tuple[str, ...] = ("adcode", "title", "department", "frequency", "last_updated", "formats")


def province_of(column: str = "adcode") -> pl.Expr:
    """The province adcode of a GB/T 2260 code (its first two digits + 0000)."""
    return pl.col(column).str.slice(0, 2) + pl.lit("0000")


def _format_tokens(column: str = "formats") -> pl.Expr:
    """The formats of a row as upper-case tokens ("csv, xlsx/API" -> [CSV, XLSX, API])."""
    return (
        pl.col(column)
        .cast(pl.String)
        .fill_null("")
        .str.to_uppercase()
        .str.replace_all(r"[，、;；/|+ ]+", ",")
        .str.replace_all(r"^\.|,\.", ",")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars(" .").filter(pl.element() != ""))
    )


def dataset_freshness(catalogue: pl.DataFrame, reference: dt.date) -> pl.DataFrame:
    """The catalogue with, per dataset: days_since (reference − last_updated, days), period_days (null for
    irregular), status (one of :data:`STATUSES`), overdue_days (overdue datasets only), machine_readable, has_api
    and open_format (machine-readable or an API). Needs adcode, frequency, last_updated (a date);
    formats and platform are optional (a missing platform is the region's own portal)."""
    data = catalogue
    if "formats" not in data.columns:
        data = data.with_columns(pl.lit(None, dtype=pl.String).alias("formats"))
    if "platform" not in data.columns:
        data = data.with_columns(pl.col("adcode").alias("platform"))
    data = data.with_columns(
        pl.col("platform").cast(pl.String).fill_null(pl.col("adcode")),
        pl.col("last_updated").cast(pl.Date),
    )
    days = (pl.lit(reference, dtype=pl.Date) - pl.col("last_updated")).dt.total_days()
    period = pl.col("frequency").replace_strict(PERIOD_DAYS, default=None, return_dtype=pl.Int64)
    tokens = _format_tokens()
    data = data.with_columns(days.alias("days_since"), period.alias("period_days"), tokens.alias("__formats"))
    status = (
        pl.when(pl.col("frequency") == IRREGULAR)
        .then(pl.lit("irregular"))
        .when(pl.col("last_updated").is_null())
        .then(pl.lit("undated"))
        .when(pl.col("days_since") < 0)
        .then(pl.lit("after_reference"))
        .when(pl.col("days_since") <= pl.col("period_days"))
        .then(pl.lit("on_schedule"))
        .otherwise(pl.lit("overdue"))
    )
    return (
        data.with_columns(status.alias("status"))
        .with_columns(
            pl.when(pl.col("status") == "overdue")
            .then(pl.col("days_since") - pl.col("period_days"))
            .otherwise(None)
            .alias("overdue_days"),
            pl.col("__formats")
            .list.eval(pl.element().is_in(list(MACHINE_READABLE - {"API"})))
            .list.any()
            .fill_null(False)
            .alias("machine_readable"),
            pl.col("__formats").list.contains("API").fill_null(False).alias("has_api"),
        )
        .with_columns((pl.col("machine_readable") | pl.col("has_api")).alias("open_format"))
        .drop("__formats")
    )


def _summary_aggs() -> list[pl.Expr]:
    on = (pl.col("status") == "on_schedule").sum()
    late = (pl.col("status") == "overdue").sum()
    return [
        pl.len().alias("datasets"),
        on.alias("on_schedule"),
        late.alias("overdue"),
        (on + late).alias("scheduled"),
        pl.when(on + late > 0).then(on / (on + late)).otherwise(None).alias("on_schedule_share"),
        pl.col("overdue_days").median().alias("median_overdue_days"),
        (pl.col("status") == "irregular").sum().alias("irregular"),
        (pl.col("status") == "undated").sum().alias("undated"),
        (pl.col("status") == "after_reference").sum().alias("after_reference"),
        pl.col("platform").n_unique().alias("platforms"),
        pl.col("open_format").mean().alias("open_format_share"),
        pl.col("has_api").mean().alias("api_share"),
    ]


SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "datasets": pl.UInt32(),
    "on_schedule": pl.UInt32(),
    "overdue": pl.UInt32(),
    "scheduled": pl.UInt32(),
    "on_schedule_share": pl.Float64(),
    "median_overdue_days": pl.Float64(),
    "irregular": pl.UInt32(),
    "undated": pl.UInt32(),
    "after_reference": pl.UInt32(),
    "platforms": pl.UInt32(),
    "open_format_share": pl.Float64(),
    "api_share": pl.Float64(),
}


def region_freshness(fresh: pl.DataFrame, level: str = "province") -> pl.DataFrame:
    """One row per region of fresh (a :func:`dataset_freshness` frame): adcode, datasets, on_schedule, overdue,
    scheduled, on_schedule_share, median_overdue_days, irregular, undated, after_reference, platforms,
    datasets_per_platform, open_format_share, api_share. level "province" pools every dataset of a province
    (its own portal and its cities'); "prefecture" keeps the rows of prefecture-level units only."""
    if level == "province":
        data = fresh.with_columns(province_of().alias("__unit"))
    else:
        data = fresh.filter(pl.col("adcode").str.slice(2, 4) != "0000").with_columns(pl.col("adcode").alias("__unit"))
    out = (
        data.group_by("__unit")
        .agg(_summary_aggs())
        .rename({"__unit": "adcode"})
        .with_columns((pl.col("datasets") / pl.col("platforms")).alias("datasets_per_platform"))
    )
    return out.sort("adcode")


@dataclass(frozen=True)
class FreshnessTotals:
    """The whole catalogue at once."""

    datasets: int
    on_schedule: int
    overdue: int
    scheduled: int
    on_schedule_share: float | None
    median_overdue_days: float | None
    irregular: int
    undated: int
    after_reference: int
    platforms: int
    open_format_share: float | None
    api_share: float | None


def totals(fresh: pl.DataFrame) -> FreshnessTotals:
    if fresh.is_empty():
        return FreshnessTotals(0, 0, 0, 0, None, None, 0, 0, 0, 0, None, None)
    row = fresh.select(_summary_aggs()).row(0, named=True)
    return FreshnessTotals(
        datasets=int(row["datasets"]),
        on_schedule=int(row["on_schedule"]),
        overdue=int(row["overdue"]),
        scheduled=int(row["scheduled"]),
        on_schedule_share=row["on_schedule_share"],
        median_overdue_days=row["median_overdue_days"],
        irregular=int(row["irregular"]),
        undated=int(row["undated"]),
        after_reference=int(row["after_reference"]),
        platforms=int(row["platforms"]),
        open_format_share=row["open_format_share"],
        api_share=row["api_share"],
    )


def by_frequency(fresh: pl.DataFrame) -> pl.DataFrame:
    """frequency, status, datasets: the count of each status per stated frequency (frequency order of
    :data:`FREQUENCIES`), with median_overdue_days per frequency."""
    counts = fresh.group_by("frequency", "status").agg(pl.len().alias("datasets"))
    medians = fresh.group_by("frequency").agg(pl.col("overdue_days").median().alias("median_overdue_days"))
    order = {f: i for i, f in enumerate(FREQUENCIES)}
    return (
        counts.join(medians, on="frequency", how="left")
        .with_columns(pl.col("frequency").replace_strict(order, default=len(order)).alias("__o"))
        .sort("__o", "status")
        .drop("__o")
    )


def on_time_trend(open_data: pl.DataFrame, macro: dict[str, str]) -> pl.DataFrame:
    """From the platform panel (adcode, year, platforms, updated_on_time): scope ("national" or a macro
    region), year, platforms, updated_on_time, share (on time / platforms; null without platforms)."""
    data = open_data.with_columns(
        pl.col("adcode").replace_strict(macro, default=None, return_dtype=pl.String).alias("scope")
    )
    sums = [pl.col("platforms").sum(), pl.col("updated_on_time").sum()]
    nation = data.group_by("year").agg(sums).with_columns(pl.lit("national").alias("scope"))
    regions = data.drop_nulls("scope").group_by("scope", "year").agg(sums)
    both = pl.concat([nation.select(regions.columns), regions])
    return both.with_columns(
        pl.when(pl.col("platforms") > 0)
        .then(pl.col("updated_on_time") / pl.col("platforms"))
        .otherwise(None)
        .alias("share")
    ).sort("scope", "year")
