"""The online-versus-offline page's analyses put together: shares per unit with flags and suppression,
findings sentences and localised tables. Statistics come from channels and proportions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from digigov.analysis import channels
from digigov.analysis.proportions import SUPPRESS_K, suppress_small_cells
from digigov.i18n import t
from digigov.regions import load_gazetteer

Level = Literal["prefecture", "province"]
ENTITY_TYPES: tuple[str, ...] = ("enterprise", "individual_business", "individual")
CATEGORIES: tuple[str, ...] = ("business_registration", "tax", "social_insurance", "permits", "certificates")
SHARE_COLUMNS: tuple[str, ...] = ("offline_share", "offline_low", "offline_high", "web_share", "mobile_app_share",
                                  "self_service_terminal_share", "counter_share")


def present_values(frame: pl.DataFrame, column: str, known: Sequence[str]) -> list[str]:
    """The known values of column that occur in frame, in catalog order ("all" when an upload has no such
    breakdown)."""
    present = set(frame[column].unique().to_list())
    return [v for v in (*known, "all") if v in present]


@dataclass(frozen=True)
class Selection:
    year: int
    entity_types: tuple[str, ...] = ENTITY_TYPES
    categories: tuple[str, ...] = CATEGORIES
    level: Level = "prefecture"
    min_n: int = channels.MIN_N
    k: int = SUPPRESS_K

    def filters(self) -> dict:
        return {"entity_types": list(self.entity_types), "service_categories": list(self.categories),
                "min_n": self.min_n}


def unit_shares(frame: pl.DataFrame, sel: Selection) -> pl.DataFrame:
    """One row per unit (city or province) for sel.year: counts, shares with Wilson intervals, small_sample
    flag, and shares from fewer than k respondents suppressed (nulled, flagged)."""
    if sel.level == "province":
        shares = channels.province_rollup(frame, by=("year",), year=sel.year, **sel.filters())
    else:
        shares = channels.channel_shares(frame, by=("adcode", "year"), year=sel.year, **sel.filters())
    shares = shares.filter(pl.col("year") == sel.year)
    return suppress_small_cells(shares, "respondents", list(SHARE_COLUMNS), k=sel.k)


def national(frame: pl.DataFrame, sel: Selection) -> dict:
    row = channels.channel_shares(frame, by=(), year=sel.year, **sel.filters()).row(0, named=True)
    return row


def _name(adcode: str, lang: str) -> str:
    gazetteer = load_gazetteer()
    if adcode not in gazetteer:
        return adcode
    region = gazetteer[adcode]
    if region.level == "prefecture" and region.parent and gazetteer[region.parent].short_zh != region.short_zh:
        return f"{region.name(lang)}（{gazetteer[region.parent].name(lang)}）" if lang == "zh" else \
            f"{region.name(lang)} ({gazetteer[region.parent].name(lang)})"
    return region.name(lang)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}"


def findings(frame: pl.DataFrame, shares: pl.DataFrame, sel: Selection, lang: str) -> list[str]:
    visible = shares.filter(~pl.col("suppressed"))
    numbers = channels.findings_numbers(visible, year=sel.year, min_n=sel.min_n)
    sentences: list[str] = []
    if numbers.highest and numbers.lowest:
        s = numbers.spread
        sentences.append(t(
            "channels.finding_spread", lang, year=sel.year,
            unit_kind=t("channels.unit_city" if sel.level == "prefecture" else "channels.unit_province", lang),
            high=_name(numbers.highest.id, lang), high_share=_pct(numbers.highest.share),
            low=_name(numbers.lowest.id, lang), low_share=_pct(numbers.lowest.share),
            spread=f"{numbers.spread_pp:.1f}", p9010=f"{numbers.p90_p10_pp:.1f}", iqr=f"{numbers.iqr_pp:.1f}",
        ))
        sentences.append(t("channels.finding_not_distinct" if numbers.highest_vs_lowest_within_ci
                           else "channels.finding_distinct", lang))
        # With few units one can be tied with both ends: name it once.
        ties = list(dict.fromkeys([*numbers.tied_with_highest[:2], *numbers.tied_with_lowest[:2]]))
        if ties:
            sentences.append(t("channels.finding_ties", lang, n_high=len(numbers.tied_with_highest),
                               n_low=len(numbers.tied_with_lowest),
                               examples=t("list.separator", lang).join(_name(a, lang) for a in ties)))
        if s.excluded:
            sentences.append(t("channels.finding_excluded", lang, n=s.excluded, min_n=sel.min_n))
    whole = national(frame, sel)
    sentences.append(t("channels.finding_national", lang, share=_pct(whole["offline_share"]),
                       low=_pct(whole["offline_low"]), high=_pct(whole["offline_high"]),
                       counter=_pct(whole["counter_share"])))
    by_entity = channels.breakdown(frame, "entity_type", year=sel.year, **sel.filters())
    if by_entity.height >= 2:
        ordered = by_entity.sort("offline_share", descending=True)
        most, least = ordered.row(0, named=True), ordered.row(-1, named=True)
        sentences.append(t("channels.finding_entity", lang,
                           most=t(f"channels.entity.{most['entity_type']}", lang),
                           most_share=_pct(most["offline_share"]),
                           least=t(f"channels.entity.{least['entity_type']}", lang),
                           least_share=_pct(least["offline_share"])))
    return sentences


def map_values(shares: pl.DataFrame) -> pl.DataFrame:
    return shares.select("adcode", pl.col("offline_share").alias("value"))


def flagged_units(shares: pl.DataFrame) -> tuple[list[str], list[str]]:
    """(small-sample units not suppressed, suppressed units)."""
    small = shares.filter(pl.col("small_sample") & ~pl.col("suppressed"))["adcode"].to_list()
    return small, shares.filter(pl.col("suppressed"))["adcode"].to_list()


def details_table(shares: pl.DataFrame, lang: str) -> pl.DataFrame:
    ordered = shares.sort("offline_share", descending=True, nulls_last=True)
    flags = []
    for small, hidden in zip(ordered["small_sample"], ordered["suppressed"], strict=True):
        flags.append(t("channels.flag_suppressed", lang) if hidden else
                     t("channels.flag_small", lang) if small else "")
    columns = {
        t("column.region", lang): [_name(a, lang) for a in ordered["adcode"]],
        t("column.adcode", lang): ordered["adcode"],
        t("channels.col_share", lang): [_pct(v) for v in ordered["offline_share"]],
        t("channels.col_ci", lang): [
            "—" if lo is None else f"{_pct(lo)}–{_pct(hi)}" for lo, hi in
            zip(ordered["offline_low"], ordered["offline_high"], strict=True)],
        t("channels.col_n", lang): [None if hidden else n for n, hidden in
                                   zip(ordered["respondents"], ordered["suppressed"], strict=True)],
    }
    for channel in channels.CHANNELS:
        columns[t(f"channels.channel.{channel}", lang)] = [_pct(v) for v in ordered[f"{channel}_share"]]
    columns[t("channels.col_flag", lang)] = flags
    return pl.DataFrame(columns)


def default_mix_regions(shares: pl.DataFrame, sel: Selection, n: int = 3) -> list[str]:
    """The n highest and n lowest units by offline share (adequate samples only)."""
    eligible = shares.filter(~pl.col("small_sample") & ~pl.col("suppressed")).sort("offline_share", descending=True)
    codes = eligible["adcode"].to_list()
    return [*codes[:n], *codes[-n:]] if len(codes) > 2 * n else codes


def mix_frame(shares: pl.DataFrame, whole: dict, regions: Sequence[str], lang: str) -> pl.DataFrame:
    """label, channel, share: the national row first, then the chosen regions."""
    rows = [{"label": t("channels.national", lang), "channel": c, "share": whole[f"{c}_share"]}
            for c in channels.CHANNELS]
    chosen = shares.filter(pl.col("adcode").is_in(list(regions)) & ~pl.col("suppressed"))
    for row in chosen.sort("offline_share", descending=True).iter_rows(named=True):
        rows += [{"label": _name(row["adcode"], lang), "channel": c, "share": row[f"{c}_share"]}
                 for c in channels.CHANNELS]
    return pl.DataFrame(rows, schema={"label": pl.String, "channel": pl.String, "share": pl.Float64})


def breakdown_table(frame: pl.DataFrame, sel: Selection, by: str, lang: str) -> pl.DataFrame:
    """group (localised), offline share with interval, n; by is entity_type or service_category."""
    table = channels.breakdown(frame, by, year=sel.year, **sel.filters()).sort("offline_share", descending=True)
    prefix = "channels.entity" if by == "entity_type" else "channels.category"
    return pl.DataFrame({
        "key": table[by], "group": [t(f"{prefix}.{g}", lang) for g in table[by]],
        "share": table["offline_share"], "low": table["offline_low"], "high": table["offline_high"],
        "n": table["respondents"],
    })


def trend_table(frame: pl.DataFrame, sel: Selection, lang: str) -> pl.DataFrame:
    table = channels.trend(frame, entity_types=list(sel.entity_types), service_categories=list(sel.categories),
                           min_n=sel.min_n)
    # A dict lookup, not a Python callback: polars callbacks deadlock against the GIL under concurrent sessions.
    scope_label = {s: t("channels.national", lang) if s == "national" else t(f"macro.{s}", lang)
                   for s in table["scope"].unique().to_list() if s is not None}
    return table.select(
        pl.col("scope").replace_strict(scope_label, default=None, return_dtype=pl.String).alias("scope"),
        "year", pl.col("offline_share").alias("share"), pl.col("offline_low").alias("low"),
        pl.col("offline_high").alias("high"),
    )


def relation(frame: pl.DataFrame, index: pl.DataFrame, shares: pl.DataFrame, sel: Selection) -> channels.RelationResult:
    index_year = min(sel.year, int(index["year"].max()))
    visible = shares.filter(~pl.col("suppressed"))
    return channels.relation_to_index(visible, index, index_year, min_n=sel.min_n)


def relation_sentence(result: channels.RelationResult, lang: str) -> str | None:
    if result.r is None:
        return None
    direction = "channels.direction_lower" if result.r < 0 else "channels.direction_higher"
    return t("channels.relation_sentence", lang, r=f"{result.r:.2f}", direction=t(direction, lang))


def display_name(adcode: str, lang: str) -> str:
    return _name(adcode, lang)
