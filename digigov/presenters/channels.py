"""The online-versus-offline page (views/channels.py): shares per unit with flags and suppression, the findings
sentences, localised tables and every figure, built once per selection and language into a ChannelsView.
Statistics come from digigov.analysis.channels, shares and proportions; this module picks and words them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import channels
from digigov.analysis.proportions import MIN_N, SUPPRESS_K, adequate_rows, suppress_small_cells, visible_rows
from digigov.codes import CHANNELS, ENTITY_TYPES, SERVICE_CATEGORIES
from digigov.datasets import load_builtin
from digigov.figures import channels as figures
from digigov.i18n import t
from digigov.presenters.survey import interval_text, percent_text, protected_map
from digigov.regions import Level, region_label

MIX_REGIONS_EACH_END = 3  # the mix chart opens on the three highest and three lowest units


@dataclass(frozen=True)
class Selection:
    """What the page shows: one year, the entity types and service categories pooled, cities or provinces,
    the small-sample threshold and the suppression threshold."""

    year: int
    entity_types: tuple[str, ...] = ENTITY_TYPES
    categories: tuple[str, ...] = SERVICE_CATEGORIES
    level: Level = "prefecture"
    min_n: int = MIN_N
    k: int = SUPPRESS_K

    def filters(self) -> dict:
        """The keyword filters of digigov.analysis.channels.channel_shares for this selection."""
        return {
            "entity_types": list(self.entity_types),
            "service_categories": list(self.categories),
            "min_n": self.min_n,
        }


@dataclass(frozen=True)
class ChannelsTables:
    """The table alternative of every chart (the view names each download after what it holds)."""

    units: pl.DataFrame  # the map's and the distribution's table: one row per unit
    entity: pl.DataFrame
    category: pl.DataFrame
    trend: pl.DataFrame
    relation: pl.DataFrame


@dataclass(frozen=True)
class ChannelsView:
    """Everything the channels page lays out for one selection and language."""

    selection: Selection
    map: go.Figure
    distribution: go.Figure
    entity: go.Figure
    category: go.Figure
    trend: go.Figure
    relation: go.Figure
    relation_sentence: str | None
    findings: tuple[str, ...]
    tables: ChannelsTables
    shares: pl.DataFrame  # one row per unit, suppressed shares nulled: what the mix chart draws from
    national: dict  # the pooled national row of channel_shares (shares and intervals)
    mix_options: tuple[str, ...]  # units the mix chart may show, highest offline share first
    mix_default: tuple[str, ...]


@dataclass(frozen=True)
class ChannelMix:
    """The channel-mix chart for the regions the user picked, with its table."""

    chart: go.Figure
    table: pl.DataFrame


def present_values(frame: pl.DataFrame, column: str, known: Sequence[str]) -> list[str]:
    """The known values of column that occur in frame, in catalog order ("all" when an upload has no such
    breakdown)."""
    present = set(frame[column].unique().to_list())
    return [v for v in (*known, "all") if v in present]


def unit_shares(frame: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """One row per unit (city or province) for sel.year: counts, shares with Wilson intervals, small_sample
    flag, and shares from fewer than k respondents suppressed (nulled, flagged)."""
    if sel.level == "province":
        shares = channels.province_rollup(frame, by=("year",), year=sel.year, **sel.filters())
    else:
        shares = channels.channel_shares(frame, by=("adcode", "year"), year=sel.year, **sel.filters())
    shares = shares.filter(pl.col("year") == sel.year)
    return suppress_small_cells(shares, "respondents", list(channels.SHARE_COLUMNS), k=sel.k)


def national_shares(frame: pl.DataFrame, sel: Selection) -> dict:
    """The pooled national shares of the selection (every unit, small samples included)."""
    return channels.channel_shares(frame, by=(), year=sel.year, **sel.filters()).row(0, named=True)


def unit_findings(shares: pl.DataFrame, sel: Selection) -> channels.ChannelFindings:
    """The spread (in percentage points, computed once here for the chart and the sentence) and the
    comparisons across the units that are shown."""
    return channels.findings_numbers(visible_rows(shares), year=sel.year, min_n=sel.min_n)


def findings(
    numbers: channels.ChannelFindings, whole: dict, by_entity: pl.DataFrame, sel: Selection, lang: str
) -> list[str]:
    """The findings sentences: the spread across units and its caveats, the national share, the entity types
    (by_entity: :func:`breakdown_table` by entity type)."""
    sentences: list[str] = []
    if numbers.highest and numbers.lowest:
        sentences.append(
            t(
                "channels.finding_spread",
                lang,
                year=sel.year,
                unit_kind=t("channels.unit_city" if sel.level == "prefecture" else "channels.unit_province", lang),
                high=region_label(numbers.highest.id, lang),
                high_share=percent_text(numbers.highest.share),
                low=region_label(numbers.lowest.id, lang),
                low_share=percent_text(numbers.lowest.share),
                spread=f"{numbers.spread_pp:.1f}",
                p9010=f"{numbers.p90_p10_pp:.1f}",
                iqr=f"{numbers.iqr_pp:.1f}",
            )
        )
        sentences.append(
            t(
                "channels.finding_not_distinct" if numbers.highest_vs_lowest_within_ci else "channels.finding_distinct",
                lang,
            )
        )
        # With few units one can be tied with both ends: name it once.
        ties = list(dict.fromkeys([*numbers.tied_with_highest[:2], *numbers.tied_with_lowest[:2]]))
        if ties:
            sentences.append(
                t(
                    "channels.finding_ties",
                    lang,
                    n_high=len(numbers.tied_with_highest),
                    n_low=len(numbers.tied_with_lowest),
                    examples=t("list.separator", lang).join(region_label(a, lang) for a in ties),
                )
            )
        if numbers.spread.excluded:
            sentences.append(t("channels.finding_excluded", lang, n=numbers.spread.excluded, min_n=sel.min_n))
    sentences.append(
        t(
            "channels.finding_national",
            lang,
            share=percent_text(whole["offline_share"]),
            low=percent_text(whole["offline_low"]),
            high=percent_text(whole["offline_high"]),
            counter=percent_text(whole["counter_share"]),
        )
    )
    if by_entity.height >= 2:
        most, least = by_entity.row(0, named=True), by_entity.row(-1, named=True)
        sentences.append(
            t(
                "channels.finding_entity",
                lang,
                most=t(f"channels.entity.{most['key']}", lang),
                most_share=percent_text(most["share"]),
                least=t(f"channels.entity.{least['key']}", lang),
                least_share=percent_text(least["share"]),
            )
        )
    return sentences


def details_table(shares: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per unit, highest offline share first: share, interval, n, channel mix and flags."""
    ordered = shares.sort("offline_share", descending=True, nulls_last=True)
    flags = []
    for small, hidden in zip(ordered["small_sample"], ordered["suppressed"], strict=True):
        flags.append(t("channels.flag_suppressed", lang) if hidden else t("channels.flag_small", lang) if small else "")
    columns = {
        t("column.region", lang): [region_label(a, lang) for a in ordered["adcode"]],
        t("column.adcode", lang): ordered["adcode"],
        t("channels.col_share", lang): [percent_text(v) for v in ordered["offline_share"]],
        t("channels.col_ci", lang): [
            interval_text(lo, hi) for lo, hi in zip(ordered["offline_low"], ordered["offline_high"], strict=True)
        ],
        t("channels.col_n", lang): [
            None if hidden else n for n, hidden in zip(ordered["respondents"], ordered["suppressed"], strict=True)
        ],
    }
    for channel in CHANNELS:
        columns[t(f"channels.channel.{channel}", lang)] = [percent_text(v) for v in ordered[f"{channel}_share"]]
    columns[t("channels.col_flag", lang)] = flags
    return pl.DataFrame(columns)


def default_mix_regions(shares: pl.DataFrame, sel: Selection, n: int = MIX_REGIONS_EACH_END) -> list[str]:
    """The n highest and n lowest units by offline share (adequate samples only)."""
    codes = adequate_rows(shares).sort("offline_share", descending=True)["adcode"].to_list()
    return [*codes[:n], *codes[-n:]] if len(codes) > 2 * n else codes


def mix_frame(shares: pl.DataFrame, whole: dict, regions: Sequence[str], lang: str) -> pl.DataFrame:
    """label, channel, share: the national row first, then the chosen regions."""
    rows = [{"label": t("channels.national", lang), "channel": c, "share": whole[f"{c}_share"]} for c in CHANNELS]
    chosen = visible_rows(shares.filter(pl.col("adcode").is_in(list(regions))))
    for row in chosen.sort("offline_share", descending=True).iter_rows(named=True):
        rows += [
            {"label": region_label(row["adcode"], lang), "channel": c, "share": row[f"{c}_share"]} for c in CHANNELS
        ]
    return pl.DataFrame(rows, schema={"label": pl.String, "channel": pl.String, "share": pl.Float64})


def breakdown_table(frame: pl.DataFrame, sel: Selection, by: str, lang: str) -> pl.DataFrame:
    """key, group (localised), share, low, high, n, highest share first; by is entity_type or service_category."""
    table = channels.breakdown(frame, by, year=sel.year, **sel.filters()).sort("offline_share", descending=True)
    prefix = "channels.entity" if by == "entity_type" else "channels.category"
    return pl.DataFrame(
        {
            "key": table[by],
            "group": [t(f"{prefix}.{g}", lang) for g in table[by]],
            "share": table["offline_share"],
            "low": table["offline_low"],
            "high": table["offline_high"],
            "n": table["respondents"],
        }
    )


def trend_table(frame: pl.DataFrame, sel: Selection, lang: str) -> pl.DataFrame:
    """scope (localised: the nation, then each macro region), year, share, low, high."""
    table = channels.trend(
        frame, entity_types=list(sel.entity_types), service_categories=list(sel.categories), min_n=sel.min_n
    )
    # A dict lookup, not a Python callback: polars callbacks deadlock against the GIL under concurrent sessions.
    scope_label = {
        s: t("channels.national", lang) if s == "national" else t(f"macro.{s}", lang)
        for s in table["scope"].unique().to_list()
        if s is not None
    }
    return table.select(
        pl.col("scope").replace_strict(scope_label, default=None, return_dtype=pl.String).alias("scope"),
        "year",
        pl.col("offline_share").alias("share"),
        pl.col("offline_low").alias("low"),
        pl.col("offline_high").alias("high"),
    )


def relation(index: pl.DataFrame, shares: pl.DataFrame, sel: Selection) -> channels.RelationResult:
    """Offline share against the development index of sel.year (the latest index year when it has none)."""
    index_year = min(sel.year, int(cast(int, index["year"].max())))
    return channels.relation_to_index(visible_rows(shares), index, index_year, min_n=sel.min_n)


def relation_sentence(result: channels.RelationResult, lang: str) -> str | None:
    if result.r is None:
        return None
    direction = "channels.direction_lower" if result.r < 0 else "channels.direction_higher"
    return t("channels.relation_sentence", lang, r=f"{result.r:.2f}", direction=t(direction, lang))


def present(
    frame: pl.DataFrame, sel: Selection, lang: str, *, index: pl.DataFrame | None = None, watermark: str | None = None
) -> ChannelsView:
    """The whole page for one selection: ``frame`` is city_channels (built-in or an upload), ``index`` the
    province index the relation chart uses (default: the built-in one), ``watermark`` the sample-data mark."""
    index = load_builtin("province_index") if index is None else index
    shares = unit_shares(frame, sel)
    names = {a: region_label(a, lang) for a in shares["adcode"]}
    numbers = unit_findings(shares, sel)
    whole = national_shares(frame, sel)
    entity = breakdown_table(frame, sel, "entity_type", lang)
    category = breakdown_table(frame, sel, "service_category", lang)
    trend = trend_table(frame, sel, lang)
    related = relation(index, shares, sel)
    units = details_table(shares, lang)
    return ChannelsView(
        selection=sel,
        map=protected_map(
            shares,
            "offline_share",
            "offline_pref_share",
            "channels",
            lang,
            min_n=sel.min_n,
            k=sel.k,
            level=sel.level,
            watermark=watermark,
        ),
        distribution=figures.distribution_chart(shares, numbers.spread, numbers.spread_pp, names, lang),
        entity=figures.breakdown_chart(entity, lang),
        category=figures.breakdown_chart(category, lang),
        trend=figures.trend_chart(trend, lang),
        relation=figures.relation_chart(related.points, related.slope, related.intercept, names, lang),
        relation_sentence=relation_sentence(related, lang),
        findings=tuple(findings(numbers, whole, entity, sel, lang)),
        tables=ChannelsTables(units=units, entity=entity, category=category, trend=trend, relation=related.points),
        shares=shares,
        national=whole,
        mix_options=tuple(visible_rows(shares).sort("offline_share", descending=True)["adcode"].to_list()),
        mix_default=tuple(default_mix_regions(shares, sel)),
    )


def channel_mix(view: ChannelsView, regions: Sequence[str], lang: str) -> ChannelMix:
    """The channel mix of the nation and the chosen regions, as a chart and its table."""
    mix = mix_frame(view.shares, view.national, regions, lang)
    return ChannelMix(chart=figures.mix_chart(mix, lang), table=mix)
