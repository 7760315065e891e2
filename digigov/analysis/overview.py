"""Headline statistics of the development index: one year's values, ranks, macro-region means and growth, and
the headline shares of the other samples (offline preference by city, open-data timeliness)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import polars as pl
from scipy import stats

from digigov.regions import MACRO_REGIONS, city_group_table, load_gazetteer

MIN_CITY_SAMPLE = 30  # cities surveyed below this are left out of highest/lowest claims


def region_table() -> pl.DataFrame:
    """adcode, macro_region, counted_in_31 for every unit of the gazetteer."""
    return load_gazetteer().frame.select("adcode", "macro_region", "counted_in_31")


def values_for_year(frame: pl.DataFrame, year: int, column: str) -> pl.DataFrame:
    """adcode, value for one year (the shape the map builder takes)."""
    return frame.filter(pl.col("year") == year).select("adcode", pl.col(column).cast(pl.Float64).alias("value"))


def ranking(frame: pl.DataFrame, year: int, column: str = "index") -> pl.DataFrame:
    """adcode, value, rank (1 = highest) and rank change against the previous year (positive = moved up)."""

    def ranked(y: int) -> pl.DataFrame:
        return (
            values_for_year(frame, y, column)
            .drop_nulls("value")
            .with_columns(pl.col("value").rank(method="min", descending=True).cast(pl.Int32).alias("rank"))
        )

    current = ranked(year)
    previous = ranked(year - 1).select("adcode", pl.col("rank").alias("previous_rank"))
    return (
        current.join(previous, on="adcode", how="left")
        .with_columns((pl.col("previous_rank") - pl.col("rank")).alias("rank_change"))
        .sort("rank")
    )


def ranking_detail(frame: pl.DataFrame, year: int, column: str = "index") -> pl.DataFrame:
    """ranking() with, per unit, its macro_region, the gap to the leader (value − highest value, ≤ 0), the gap to
    the mean of the ranked units (the overview's national mean), the rank within its macro-region (peer_rank,
    competition ranking like rank: equal values share the best rank, "1224") and the gap to that region's mean."""
    ranks = ranking(frame, year, column)
    finite = pl.col("value").filter(pl.col("value").is_finite())  # a NaN in an upload does not blank every gap
    return (
        ranks.join(region_table().select("adcode", "macro_region"), on="adcode", how="left")
        .with_columns(
            (pl.col("value") - finite.max()).alias("gap_leader"),
            (pl.col("value") - finite.mean()).alias("gap_mean"),
            pl.col("value").rank(method="min", descending=True).over("macro_region").cast(pl.Int32).alias("peer_rank"),
            (pl.col("value") - finite.mean().over("macro_region")).alias("gap_peer_mean"),
        )
        .sort(["rank", "adcode"])
    )


def city_ranking_detail(frame: pl.DataFrame, year: int, column: str = "index") -> pl.DataFrame:
    """ranking() of the city rows (every unit the gazetteer knows as a prefecture) with, per city, its peer
    group (city_group: sub_provincial, capital or prefecture, digigov.regions.city_group), the rank within that
    group over all the cities in the data (peer_rank, competition ranking like rank), the cities ranked in the
    group (peers) and the gap to the group's mean (gap_peer_mean)."""
    cities = frame.join(city_group_table(), on="adcode", how="inner")
    ranks = ranking(cities, year, column)
    finite = pl.col("value").filter(pl.col("value").is_finite())
    return (
        ranks.join(city_group_table(), on="adcode", how="left")
        .with_columns(
            pl.col("value").rank(method="min", descending=True).over("city_group").cast(pl.Int32).alias("peer_rank"),
            pl.len().over("city_group").cast(pl.Int32).alias("peers"),
            (pl.col("value") - finite.mean().over("city_group")).alias("gap_peer_mean"),
        )
        .sort(["rank", "adcode"])
    )


def macro_region_means(frame: pl.DataFrame, year: int, column: str = "index") -> pl.DataFrame:
    """macro_region, mean, provinces: the NBS four regions only, in their conventional order."""
    order = pl.DataFrame({"macro_region": list(MACRO_REGIONS), "order": range(len(MACRO_REGIONS))})
    return (
        values_for_year(frame, year, column)
        .filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
        .join(region_table(), on="adcode", how="inner")
        .filter(pl.col("counted_in_31"))
        .group_by("macro_region")
        .agg(pl.col("value").mean().alias("mean"), pl.col("value").count().alias("provinces"))
        .join(order, on="macro_region", how="inner")
        .sort("order")
        .drop("order")
    )


@dataclass(frozen=True)
class Headline:
    year: int
    provinces: int
    national_mean: float
    top_adcode: str
    top_value: float
    bottom_adcode: str
    bottom_value: float
    max_min_ratio: float  # NaN when the lowest value is not positive
    east_west_gap: float  # NaN when the East or the West has no value in year


def headline(frame: pl.DataFrame, year: int, column: str = "index") -> Headline | None:
    """National mean, highest and lowest unit, their ratio and the east-minus-west gap of macro-region means;
    None when no unit has a value in year."""
    ranks = ranking(frame, year, column).filter(pl.col("value").is_not_nan())
    if ranks.is_empty():
        return None
    means = dict(macro_region_means(frame, year, column).select("macro_region", "mean").iter_rows())
    top, bottom = ranks.row(0, named=True), ranks.row(-1, named=True)
    # The card says "31 省平均": Taiwan, Hong Kong, Macao and the Corps are ranked and mapped but not averaged.
    counted = ranks.join(region_table(), on="adcode").filter(pl.col("counted_in_31"))["value"]
    return Headline(
        year=year,
        provinces=counted.len(),
        national_mean=float(cast(float, counted.mean())) if counted.len() else float("nan"),
        top_adcode=top["adcode"],
        top_value=top["value"],
        bottom_adcode=bottom["adcode"],
        bottom_value=bottom["value"],
        max_min_ratio=top["value"] / bottom["value"] if bottom["value"] > 0 else float("nan"),
        east_west_gap=means.get("east", float("nan")) - means.get("west", float("nan")),
    )


@dataclass(frozen=True)
class GroupDifference:
    """Mean of group a minus mean of group b, with Welch's t-test (p is NaN with fewer than two units a side
    or no spread at all)."""

    mean_a: float
    mean_b: float
    n_a: int
    n_b: int
    difference: float
    p_value: float


def group_difference(a: pl.Series, b: pl.Series) -> GroupDifference:
    """Welch's unequal-variance t-test of mean(a) − mean(b); nulls and NaN are left out."""
    xa = a.cast(pl.Float64).drop_nulls().drop_nans().to_numpy()
    xb = b.cast(pl.Float64).drop_nulls().drop_nans().to_numpy()
    mean_a = float(xa.mean()) if xa.size else float("nan")
    mean_b = float(xb.mean()) if xb.size else float("nan")
    p = float("nan")
    if xa.size >= 2 and xb.size >= 2 and (xa.std() > 0 or xb.std() > 0):
        p = float(stats.ttest_ind(xa, xb, equal_var=False).pvalue)
    return GroupDifference(mean_a, mean_b, int(xa.size), int(xb.size), mean_a - mean_b, p)


def macro_region_difference(frame: pl.DataFrame, year: int, a: str, b: str, column: str = "index") -> GroupDifference:
    """group_difference of the provinces of macro-region a and b (31 mainland provinces) in year."""
    data = values_for_year(frame, year, column).join(region_table(), on="adcode").filter(pl.col("counted_in_31"))
    return group_difference(
        data.filter(pl.col("macro_region") == a)["value"], data.filter(pl.col("macro_region") == b)["value"]
    )


def growth(frame: pl.DataFrame, start: int, end: int, column: str = "index") -> pl.DataFrame:
    """adcode, start, end, growth (relative change start→end) of the units with a positive value in start and a
    value in end, fastest first (ties by adcode, so the order is stable)."""
    first = values_for_year(frame, start, column).rename({"value": "start"})
    last = values_for_year(frame, end, column).rename({"value": "end"})
    return (
        first.join(last, on="adcode")
        .drop_nulls(["start", "end"])
        .filter(pl.col("start") > 0, pl.col("end").is_not_nan())
        .with_columns(((pl.col("end") / pl.col("start")) - 1).alias("growth"))
        .sort(["growth", "adcode"], descending=[True, False])
    )


def fastest_growers(frame: pl.DataFrame, start: int, end: int, column: str = "index", n: int = 2) -> pl.DataFrame:
    """adcode, growth (relative change start→end), fastest first."""
    return growth(frame, start, end, column).head(n).select("adcode", "growth")


@dataclass(frozen=True)
class OfflineSpread:
    """Highest and lowest city share of respondents preferring the counter, and the gap between them."""

    high_adcode: str
    high: float
    low_adcode: str
    low: float
    spread: float
    cities: int


def city_offline_spread(channels: pl.DataFrame, year: int, min_sample: int = MIN_CITY_SAMPLE) -> OfflineSpread | None:
    """Highest and lowest city offline-preference share among cities with at least min_sample respondents
    (records, not weights, for weighted data); None with fewer than two such cities."""
    counted = "unweighted_n" if "unweighted_n" in channels.columns else "respondents"
    shares = (
        channels.filter(pl.col("year") == year)
        .group_by("adcode")
        .agg(pl.col("prefers_offline").sum(), pl.col("respondents").sum(), pl.col(counted).sum().alias("counted"))
        .filter(pl.col("counted") >= min_sample, pl.col("respondents") > 0)
        .with_columns((pl.col("prefers_offline") / pl.col("respondents")).alias("share"))
        .drop_nulls("share")
        .sort(["share", "adcode"], descending=[True, False])
    )
    if shares.height < 2:
        return None
    high, low = shares.row(0, named=True), shares.row(-1, named=True)
    return OfflineSpread(
        high_adcode=high["adcode"],
        high=high["share"],
        low_adcode=low["adcode"],
        low=low["share"],
        spread=high["share"] - low["share"],
        cities=shares.height,
    )


def open_data_on_time(open_data: pl.DataFrame, year: int) -> float:
    """Share of open-data platforms updated on time in year (NaN when none were counted)."""
    row = (
        open_data.filter(pl.col("year") == year)
        .select(pl.col("updated_on_time").sum(), pl.col("platforms").sum())
        .row(0)
    )
    return row[0] / row[1] if row[1] else float("nan")


def open_data_counts(open_data: pl.DataFrame, year: int) -> tuple[int, int]:
    """(platforms updated on time, platforms counted) in year."""
    row = (
        open_data.filter(pl.col("year") == year)
        .select(pl.col("updated_on_time").sum(), pl.col("platforms").sum())
        .row(0)
    )
    return int(row[0] or 0), int(row[1] or 0)
