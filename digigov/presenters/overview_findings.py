"""The overview's drafted findings: for each sentence, the facts it rests on and the wording those facts allow.

Each ``*_facts`` function checks its premise on the data and returns None when it fails (too few provinces, a
group absent, nothing to compare); each ``*_finding`` picks the catalog key from the facts (which side is larger,
the sign of a change, whether a difference is significant), so no sentence asserts what was not computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import polars as pl

from digigov.analysis import overview
from digigov.findings import Finding, p_text, signed
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import region_name

HEADLINE_INDICATOR = "dgi_index"  # the findings speak of the composite index whatever the map shows
SIGNIFICANCE = 0.05
TOP_N = 10  # "the national top ten"
GROWERS = 2


def _join(items: list[str], lang: str) -> str:
    return t("list.separator", lang).join(items)


def _names(adcodes: tuple[str, ...], lang: str) -> str:
    return _join([region_name(a, lang) for a in adcodes], lang)


def _pct(share: float) -> str:
    return f"{share * 100:.1f}"


# --------------------------------------------------------------------------------------------- highest, lowest
@dataclass(frozen=True)
class TopBottomFacts:
    year: int
    provinces: int
    top: tuple[str, ...]  # every unit sharing the highest value
    top_value: float
    bottom: tuple[str, ...]
    bottom_value: float
    ratio: float  # NaN when the lowest value is not positive


def _units_at(values: pl.DataFrame, value: float) -> tuple[str, ...]:
    return tuple(sorted(values.filter(pl.col("value") == value)["adcode"].to_list()))


def top_bottom_facts(index: pl.DataFrame, year: int, column: str = "index") -> TopBottomFacts | None:
    """None with fewer than two units with a value."""
    values = overview.values_for_year(index, year, column).drop_nulls("value").filter(pl.col("value").is_not_nan())
    if values.height < 2:
        return None
    high, low = float(cast(float, values["value"].max())), float(cast(float, values["value"].min()))
    return TopBottomFacts(
        year=year,
        provinces=values.height,
        top=_units_at(values, high),
        top_value=high,
        bottom=_units_at(values, low),
        bottom_value=low,
        ratio=high / low if low > 0 else math.nan,
    )


def top_bottom_finding(facts: TopBottomFacts, lang: str) -> Finding:
    points = get_indicator(HEADLINE_INDICATOR)
    if facts.top_value == facts.bottom_value:
        key = "finding.all_equal"
    else:
        key = "finding.top_bottom" if math.isfinite(facts.ratio) else "finding.top_bottom_no_ratio"
    text = t(
        key,
        lang,
        year=facts.year,
        provinces=facts.provinces,
        top=_names(facts.top, lang),
        top_value=points.format(facts.top_value, lang),
        bottom=_names(facts.bottom, lang),
        bottom_value=points.format(facts.bottom_value, lang),
        ratio=f"{facts.ratio:.2f}",
    )
    return Finding(key, text, facts)


# --------------------------------------------------------------------------------------------- East and West
@dataclass(frozen=True)
class EastWestFacts:
    year: int
    east_mean: float
    west_mean: float
    east_provinces: int
    west_provinces: int
    gap: float  # east − west
    p_value: float  # Welch's t-test; NaN when it cannot be computed

    @property
    def significant(self) -> bool | None:
        return None if math.isnan(self.p_value) else self.p_value < SIGNIFICANCE


def east_west_facts(index: pl.DataFrame, year: int, column: str = "index") -> EastWestFacts | None:
    """None unless both the East and the West have a value in year."""
    diff = overview.macro_region_difference(index, year, "east", "west", column)
    if not (diff.n_a and diff.n_b):
        return None
    return EastWestFacts(year, diff.mean_a, diff.mean_b, diff.n_a, diff.n_b, diff.difference, diff.p_value)


def east_west_finding(facts: EastWestFacts, lang: str) -> Finding:
    points = get_indicator(HEADLINE_INDICATOR)
    gap = round(facts.gap, points.decimals)
    if gap > 0:
        key = "finding.east_above_west"
    elif gap < 0:
        key = "finding.west_above_east"
    else:
        key = "finding.east_west_equal"
    text = t(
        key,
        lang,
        east=points.format(facts.east_mean, lang),
        west=points.format(facts.west_mean, lang),
        gap=points.format(abs(facts.gap), lang),
    )
    if gap != 0:
        test = {True: "finding.significant", False: "finding.not_significant", None: "finding.untested"}
        text += t(test[facts.significant], lang, p=p_text(facts.p_value))
    return Finding(key, text, facts)


# --------------------------------------------------------------------------------------------- the West's spread
@dataclass(frozen=True)
class WestSpreadFacts:
    year: int
    provinces: int  # units ranked
    west_top: tuple[tuple[str, int], ...]  # western provinces in the national top ten, with their rank
    west_last: tuple[str, int]  # the lowest-ranked western province
    bottom_third_from: int  # ranks from here on are the bottom third


def west_spread_facts(index: pl.DataFrame, year: int, column: str = "index") -> WestSpreadFacts | None:
    """The West is polarised when it has provinces both in the national top ten and in the bottom third;
    None when it does not (or fewer than twenty units are ranked, so a top ten says little)."""
    ranks = overview.ranking(index, year, column).join(overview.region_table(), on="adcode").sort("rank", "adcode")
    if ranks.height < 2 * TOP_N:
        return None
    west = ranks.filter(pl.col("macro_region") == "west")
    top = west.filter(pl.col("rank") <= TOP_N)
    bottom_third_from = ranks.height - ranks.height // 3 + 1
    if top.is_empty() or west.is_empty():
        return None
    last = west.row(-1, named=True)
    if last["rank"] < bottom_third_from:
        return None
    return WestSpreadFacts(
        year=year,
        provinces=ranks.height,
        west_top=tuple((r["adcode"], r["rank"]) for r in top.iter_rows(named=True)),
        west_last=(last["adcode"], last["rank"]),
        bottom_third_from=bottom_third_from,
    )


def west_spread_finding(facts: WestSpreadFacts, lang: str) -> Finding:
    listed = _join([t("finding.rank_item", lang, region=region_name(a, lang), rank=r) for a, r in facts.west_top], lang)
    key = "finding.west_polarised"
    text = t(
        key,
        lang,
        listed=listed,
        last=region_name(facts.west_last[0], lang),
        last_rank=facts.west_last[1],
        provinces=facts.provinces,
    )
    return Finding(key, text, facts)


# --------------------------------------------------------------------------------------------- growth
@dataclass(frozen=True)
class GrowthFacts:
    start: int
    end: int
    provinces: int  # units with a value in both years
    leaders: tuple[tuple[str, float], ...]  # the largest relative changes, largest first
    all_fell: bool  # every unit fell: the leaders are the smallest declines
    none_grew: bool  # no unit grew (some may be unchanged)


def growth_facts(index: pl.DataFrame, start: int, end: int, column: str = "index") -> GrowthFacts | None:
    """None when start is not before end or fewer than two units have a value in both years."""
    if start >= end:
        return None
    growth = overview.growth(index, start, end, column)
    if growth.height < 2:
        return None
    leaders = growth.head(GROWERS)
    return GrowthFacts(
        start=start,
        end=end,
        provinces=growth.height,
        leaders=tuple(zip(leaders["adcode"].to_list(), leaders["growth"].to_list(), strict=True)),
        all_fell=float(cast(float, growth["growth"].max())) < 0,
        none_grew=float(cast(float, growth["growth"].max())) <= 0,
    )


def growth_item(adcode: str, growth: float, lang: str) -> str:
    return t("finding.growth_item", lang, region=region_name(adcode, lang), growth=signed(growth * 100))


def growth_finding(facts: GrowthFacts, lang: str) -> Finding:
    if facts.none_grew and not facts.all_fell:
        return Finding("finding.no_growth", t("finding.no_growth", lang, start=facts.start, end=facts.end), facts)
    key = "finding.least_decline" if facts.all_fell else "finding.fastest"
    listed = _join([growth_item(a, g, lang) for a, g in facts.leaders if facts.all_fell or g > 0], lang)
    return Finding(key, t(key, lang, start=facts.start, end=facts.end, listed=listed), facts)


# --------------------------------------------------------------------------------------------- other samples
def offline_spread_finding(channels: pl.DataFrame, year: int, lang: str) -> Finding | None:
    """The gap between the cities most and least inclined to on-site handling (None with under two cities)."""
    spread = overview.city_offline_spread(channels, year)
    if spread is None:
        return None
    key = "finding.offline_spread" if spread.spread > 0 else "finding.offline_equal"
    text = t(
        key,
        lang,
        spread=_pct(spread.spread),
        high=region_name(spread.high_adcode, lang),
        high_share=_pct(spread.high),
        low=region_name(spread.low_adcode, lang),
        low_share=_pct(spread.low),
        cities=spread.cities,
    )
    return Finding(key, text, spread)


@dataclass(frozen=True)
class OpenDataFacts:
    year: int
    on_time: int
    platforms: int


def open_data_finding(open_data: pl.DataFrame, year: int, lang: str) -> Finding | None:
    """The share of platforms not updated on time in the latest year up to ``year`` (None when none counted)."""
    years = [y for y in open_data["year"].unique().to_list() if y <= year]
    if not years:
        return None
    data_year = max(years)
    on_time, platforms = overview.open_data_counts(open_data, data_year)
    if not platforms:
        return None
    facts = OpenDataFacts(data_year, on_time, platforms)
    key = "finding.open_data"
    return Finding(key, t(key, lang, year=data_year, late=_pct(1 - on_time / platforms)), facts)


# --------------------------------------------------------------------------------------------- the page
def overview_findings(
    index: pl.DataFrame,
    year: int,
    lang: str,
    channels: pl.DataFrame | None = None,
    open_data: pl.DataFrame | None = None,
) -> list[Finding]:
    """The overview's sentences for year, each only where its premise holds on the data."""
    findings: list[Finding] = []
    if (top := top_bottom_facts(index, year)) is not None:
        findings.append(top_bottom_finding(top, lang))
    if (east_west := east_west_facts(index, year)) is not None:
        findings.append(east_west_finding(east_west, lang))
    if (west := west_spread_facts(index, year)) is not None:
        findings.append(west_spread_finding(west, lang))
    years = index.filter(pl.col("index").is_not_null())["year"]
    if years.len() and (grew := growth_facts(index, int(cast(int, years.min())), year)) is not None:
        findings.append(growth_finding(grew, lang))
    if channels is not None and channels.height and (spread := offline_spread_finding(channels, year, lang)):
        findings.append(spread)
    if open_data is not None and open_data.height and (late := open_data_finding(open_data, year, lang)):
        findings.append(late)
    return findings
