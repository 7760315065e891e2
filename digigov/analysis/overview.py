"""Headline figures and auto-drafted findings for the overview page."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import MACRO_REGIONS, load_gazetteer

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
        return values_for_year(frame, y, column).drop_nulls("value").with_columns(
            pl.col("value").rank(method="min", descending=True).cast(pl.Int32).alias("rank")
        )

    current = ranked(year)
    previous = ranked(year - 1).select("adcode", pl.col("rank").alias("previous_rank"))
    return (
        current.join(previous, on="adcode", how="left")
        .with_columns((pl.col("previous_rank") - pl.col("rank")).alias("rank_change"))
        .sort("rank")
    )


def macro_region_means(frame: pl.DataFrame, year: int, column: str = "index") -> pl.DataFrame:
    """macro_region, mean, provinces: the NBS four regions only, in their conventional order."""
    order = pl.DataFrame({"macro_region": list(MACRO_REGIONS), "order": range(len(MACRO_REGIONS))})
    return (
        values_for_year(frame, year, column)
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
    max_min_ratio: float
    east_west_gap: float


def headline(frame: pl.DataFrame, year: int, column: str = "index") -> Headline:
    ranks = ranking(frame, year, column)
    means = dict(macro_region_means(frame, year, column).select("macro_region", "mean").iter_rows())
    top, bottom = ranks.row(0, named=True), ranks.row(-1, named=True)
    return Headline(
        year=year, provinces=ranks.height, national_mean=float(ranks["value"].mean()),
        top_adcode=top["adcode"], top_value=top["value"], bottom_adcode=bottom["adcode"],
        bottom_value=bottom["value"], max_min_ratio=top["value"] / bottom["value"],
        east_west_gap=means.get("east", float("nan")) - means.get("west", float("nan")),
    )


def fastest_growers(frame: pl.DataFrame, start: int, end: int, column: str = "index", n: int = 2) -> pl.DataFrame:
    """adcode, growth (relative change start→end), fastest first."""
    first = values_for_year(frame, start, column).rename({"value": "start"})
    last = values_for_year(frame, end, column).rename({"value": "end"})
    return (
        first.join(last, on="adcode")
        .with_columns(((pl.col("end") / pl.col("start")) - 1).alias("growth"))
        .sort("growth", descending=True)
        .head(n)
        .select("adcode", "growth")
    )


def city_offline_spread(channels: pl.DataFrame, year: int, min_sample: int = MIN_CITY_SAMPLE) -> dict:
    """Highest and lowest city offline-preference share, cities with at least min_sample respondents."""
    shares = (
        channels.filter(pl.col("year") == year)
        .group_by("adcode")
        .agg(pl.col("prefers_offline").sum(), pl.col("respondents").sum())
        .filter(pl.col("respondents") >= min_sample)
        .with_columns((pl.col("prefers_offline") / pl.col("respondents")).alias("share"))
        .sort("share", descending=True)
    )
    high, low = shares.row(0, named=True), shares.row(-1, named=True)
    return {"high_adcode": high["adcode"], "high": high["share"], "low_adcode": low["adcode"],
            "low": low["share"], "spread": high["share"] - low["share"], "cities": shares.height}


def open_data_on_time(open_data: pl.DataFrame, year: int) -> float:
    row = open_data.filter(pl.col("year") == year).select(
        pl.col("updated_on_time").sum(), pl.col("platforms").sum()
    ).row(0)
    return row[0] / row[1] if row[1] else float("nan")


def draft_findings(
    index: pl.DataFrame, year: int, lang: str,
    channels: pl.DataFrame | None = None, open_data: pl.DataFrame | None = None,
) -> list[str]:
    """Three to five plain sentences with their numbers, in lang."""
    gazetteer = load_gazetteer()
    points = get_indicator("dgi_index")
    name = lambda adcode: gazetteer[adcode].name(lang)  # noqa: E731
    h = headline(index, year)
    sentences = [
        t("finding.top_bottom", lang, year=year, top=name(h.top_adcode),
          top_value=points.format(h.top_value, lang), bottom=name(h.bottom_adcode),
          bottom_value=points.format(h.bottom_value, lang), ratio=f"{h.max_min_ratio:.2f}"),
        t("finding.east_west", lang, gap=points.format(h.east_west_gap, lang)),
    ]
    ranks = ranking(index, year).join(region_table(), on="adcode").sort("rank")
    west_top = ranks.filter((pl.col("macro_region") == "west") & (pl.col("rank") <= 10))
    if west_top.height:
        listed = t("list.separator", lang).join(
            t("finding.rank_item", lang, region=name(r["adcode"]), rank=r["rank"])
            for r in west_top.iter_rows(named=True)
        )
        west_last = ranks.filter(pl.col("macro_region") == "west").row(-1, named=True)
        sentences.append(t("finding.west_polarised", lang, listed=listed, last=name(west_last["adcode"]),
                           last_rank=west_last["rank"]))
    first_year = int(index["year"].min())
    if first_year < year:
        growers = fastest_growers(index, first_year, year)
        listed = t("list.separator", lang).join(
            t("finding.growth_item", lang, region=name(r["adcode"]), growth=f"{r['growth'] * 100:.1f}")
            for r in growers.iter_rows(named=True)
        )
        sentences.append(t("finding.fastest", lang, start=first_year, end=year, listed=listed))
    if channels is not None and channels.height and year in set(channels["year"].to_list()):
        s = city_offline_spread(channels, year)
        sentences.append(t("finding.offline_spread", lang, spread=f"{s['spread'] * 100:.1f}",
                           high=name(s["high_adcode"]), high_share=f"{s['high'] * 100:.1f}",
                           low=name(s["low_adcode"]), low_share=f"{s['low'] * 100:.1f}"))
    if open_data is not None and open_data.height:
        data_year = min(year, int(open_data["year"].max()))
        on_time = open_data_on_time(open_data, data_year)
        sentences.append(t("finding.open_data", lang, year=data_year, late=f"{(1 - on_time) * 100:.1f}"))
    return sentences


def ranking_table(frame: pl.DataFrame, year: int, indicator_id: str, lang: str) -> pl.DataFrame:
    """The map's table alternative: rank, region, macro-region, formatted value, rank change."""
    indicator = get_indicator(indicator_id)
    gazetteer = load_gazetteer()
    ranks = ranking(frame, year, indicator.column)
    return pl.DataFrame({
        t("column.rank", lang): ranks["rank"],
        t("column.region", lang): [gazetteer[a].name(lang) for a in ranks["adcode"]],
        t("column.adcode", lang): ranks["adcode"],
        t("column.macro_region", lang): [t(f"macro.{gazetteer[a].macro_region}", lang) for a in ranks["adcode"]],
        indicator.name(lang): [indicator.format(v, lang) for v in ranks["value"]],
        t("column.rank_change", lang): ranks["rank_change"],
    })


def macro_region_table(frame: pl.DataFrame, year: int, indicator_id: str, lang: str) -> pl.DataFrame:
    indicator = get_indicator(indicator_id)
    means = macro_region_means(frame, year, indicator.column)
    return pl.DataFrame({
        t("column.macro_region", lang): [t(f"macro.{m}", lang) for m in means["macro_region"]],
        t("column.mean", lang): [indicator.format(v, lang) for v in means["mean"]],
        t("column.provinces", lang): means["provinces"],
    })
