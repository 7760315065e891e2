"""The regional-gaps page: the index map and ranking, macro-regions, inequality, convergence, clustering, a
province's dimension profile and the re-weighted ranking.

Each number shown is computed here by one call into analysis (inequality, convergence, spatial, composite) on the
mainland provinces that analysis.regional selects; this module picks the year, the grouping and the wording.
The profile and the re-weighting follow widgets of their own, so they are views of their own: moving a weight
slider must not rebuild the maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import composite, convergence, inequality, overview, regional, spatial, tiers
from digigov.figures import regional as figures
from digigov.figures.china_map import build_category_map, build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.findings import Finding, signed
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters import regional_findings as findings
from digigov.presenters.overview import Kpi, macro_region_table, ranking_table
from digigov.regions import load_gazetteer, region_name

DIMENSION_INDICATORS = regional.DIMENSION_INDICATORS
INDICATORS: tuple[str, ...] = ("dgi_index", *DIMENSION_INDICATORS.values())
NORMALISATIONS = composite.NORMALISATIONS
STABILITY_DRAWS = 1000
MIN_REWEIGHT_UNITS = 2  # ranks under other weights need at least two provinces with every dimension


# --------------------------------------------------------------------------------------------- statistics used
@dataclass(frozen=True)
class InequalitySummary:
    year: int
    gini: float
    cv: float
    max_min: float
    theil: inequality.TheilResult
    dagum: inequality.DagumResult


def inequality_summary(frame: pl.DataFrame, year: int, column: str) -> InequalitySummary | None:
    """None when the year has fewer than MIN_UNITS provinces with values (an analyst's partial upload)."""
    data = regional.mainland_values(frame, year, column)
    if data.height < regional.MIN_UNITS or data["macro_region"].n_unique() < 2:
        return None
    values, groups = data["value"], data["macro_region"]
    return InequalitySummary(
        year=year,
        gini=inequality.gini(values),
        cv=inequality.coefficient_of_variation(values),
        max_min=inequality.max_min_ratio(values) if float(cast(float, values.min())) > 0 else math.nan,
        theil=inequality.theil(values, groups),
        dagum=inequality.dagum_gini(values, groups),
    )


def sigma_table(frame: pl.DataFrame, column: str) -> pl.DataFrame | None:
    """year, n, mean, sd, cv, gini, theil of the mainland provinces with a value in every year (a balanced panel:
    a change in who reports is not a change in dispersion); None with fewer than two years or too few provinces."""
    panel = findings.sigma_panel(frame, column)
    return panel[0] if panel else None


def beta_result(frame: pl.DataFrame, column: str) -> convergence.BetaResult | None:
    """None with fewer than two years or too few provinces present in both end years."""
    years = sorted(frame["year"].unique().to_list())
    if len(years) < 2:
        return None
    try:
        return convergence.beta_convergence(regional.mainland(frame), years[0], years[-1], value=column)
    except ValueError:
        return None


@dataclass(frozen=True)
class Clustering:
    moran: spatial.MoranResult
    lisa: pl.DataFrame  # adcode, value, local_i, p_sim, quadrant, category


def clustering(frame: pl.DataFrame, year: int, column: str) -> Clustering | None:
    """None when too few provinces have values for spatial statistics to mean anything."""
    values = regional.mainland_values(frame, year, column).select("adcode", "value")
    if values.height < regional.MIN_UNITS:
        return None
    try:
        weights = spatial.queen_weights(values["adcode"].to_list())
        return Clustering(
            moran=spatial.global_moran(values, value="value", weights=weights),
            lisa=spatial.local_lisa(values, value="value", weights=weights),
        )
    except ValueError:
        return None


@dataclass(frozen=True)
class Reweighting:
    changes: pl.DataFrame  # adcode, rank_equal, rank_weighted, change
    stability: pl.DataFrame  # adcode, base_rank, min_rank, max_rank, median_rank, share_base_rank


def complete_units(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """The mainland provinces' rows of year with all four dimension scores (re-weighting needs every one)."""
    dimensions = list(DIMENSION_INDICATORS)
    present = [d for d in dimensions if d in frame.columns]
    rows = regional.mainland(frame).drop("macro_region").filter(pl.col("year") == year)
    if len(present) < len(dimensions):
        return rows.clear()
    return rows.filter(pl.all_horizontal(pl.col(d).is_not_null() & pl.col(d).is_not_nan() for d in dimensions))


def reweight(
    frame: pl.DataFrame, year: int, weights: dict[str, float], normalisation: composite.Normalisation
) -> Reweighting:
    data = complete_units(frame, year)
    return Reweighting(
        changes=composite.rank_changes_vs_equal(data, weights, normalisation, year),
        stability=composite.rank_stability(data, year, weights, normalisation, draws=STABILITY_DRAWS),
    )


# --------------------------------------------------------------------------------------------- wording
def _join(items: list[str], lang: str) -> str:
    return t("list.separator", lang).join(items)


def _pct(share: float) -> str:
    return f"{share * 100:.1f}"


def dagum_sentence(summary: InequalitySummary, lang: str) -> str | None:
    """None when there is no inequality to apportion (every province equal)."""
    dagum = summary.dagum
    if not dagum.total > findings.NO_INEQUALITY:
        return None
    return t(
        "regional.dagum_sentence",
        lang,
        gini=f"{dagum.total:.4f}",
        within=_pct(dagum.within_share),
        between=_pct(dagum.net_between_share),
        trans=_pct(dagum.transvariation_share),
    )


def inequality_cards(summary: InequalitySummary, lang: str) -> tuple[Kpi, ...]:
    return (
        Kpi(t("regional.gini", lang), f"{summary.gini:.4f}"),
        Kpi(t("regional.theil", lang), f"{summary.theil.total:.4f}"),
        Kpi(t("regional.cv", lang), f"{summary.cv:.4f}"),
        Kpi(
            t("regional.max_min", lang),
            f"{summary.max_min:.2f}" if math.isfinite(summary.max_min) else t("value.missing", lang),
        ),
    )


def dagum_tables(summary: InequalitySummary, lang: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(components with their shares, between-region Gini of every pair of macro-regions)."""
    dagum = summary.dagum
    components = pl.DataFrame(
        {
            t("regional.dagum_part", lang): [
                t("regional.dagum_within", lang),
                t("regional.dagum_net_between", lang),
                t("regional.dagum_transvariation", lang),
                t("regional.gini", lang),
            ],
            t("column.value", lang): [
                round(dagum.within, 4),
                round(dagum.net_between, 4),
                round(dagum.transvariation, 4),
                round(dagum.total, 4),
            ],
            t("regional.dagum_share", lang): [
                f"{_pct(dagum.within_share)}%",
                f"{_pct(dagum.net_between_share)}%",
                f"{_pct(dagum.transvariation_share)}%",
                "100.0%",
            ],
        }
    )
    pairs = pl.DataFrame(
        {
            t("regional.pair", lang): [
                f"{t('macro.' + str(p.high), lang)} – {t('macro.' + str(p.low), lang)}" for p in dagum.pairs
            ],
            t("regional.pair_gini", lang): [round(p.gini, 4) for p in dagum.pairs],
        }
    )
    return components, pairs


def islands_sentence(result: Clustering, lang: str) -> str | None:
    links = [
        f"{region_name(link.adcode, lang)} → {_join([region_name(n, lang) for n in link.neighbours], lang)}"
        for link in result.moran.attached
    ]
    return t("regional.islands_rule", lang, links=_join(links, lang)) if links else None


def lisa_table(result: Clustering, indicator_id: str, lang: str) -> pl.DataFrame:
    indicator = get_indicator(indicator_id)
    lisa = result.lisa.sort("category", "adcode")
    return pl.DataFrame(
        {
            t("column.region", lang): [region_name(a, lang) for a in lisa["adcode"]],
            indicator.name(lang): [indicator.format(v, lang) for v in lisa["value"]],
            t("regional.lisa_category", lang): [t(f"regional.lisa.{c}", lang) for c in lisa["category"]],
            "p": [round(p, 3) for p in lisa["p_sim"]],
            t("regional.p_fdr", lang): [round(p, 3) for p in lisa["p_adjusted"]],
        }
    )


def lisa_map(
    result: Clustering, lang: str, *, watermark: str | None = None, geojson_base_url: str | None = None
) -> go.Figure:
    """The provinces coloured by LISA category (geojson_base_url None: boundaries embedded, for exports)."""
    labels = {c: t(f"regional.lisa.{c}", lang) for c in figures.LISA_ORDER}
    return build_category_map(
        result.lisa.select("adcode", "category"),
        figures.LISA_ORDER,
        figures.LISA_COLOURS,
        labels,
        lang,
        watermark=watermark,
        geojson_base_url=geojson_base_url,
    )


# --------------------------------------------------------------------------------------------- findings
def section_findings(
    index: pl.DataFrame,
    year: int,
    column: str,
    lang: str,
    *,
    summary: InequalitySummary | None,
    beta: convergence.BetaResult | None,
    clusters: Clustering | None,
) -> dict[str, Finding]:
    """{section: finding} for the sections whose premise holds on the data."""
    found: dict[str, Finding] = {}
    if summary and (theil := findings.theil_facts(year, summary.theil)):
        found["theil"] = findings.theil_finding(theil, lang)
    panel = findings.sigma_panel(index, column)
    if panel and (sigma := findings.sigma_facts(*panel)):
        found["sigma"] = findings.sigma_finding(sigma, lang)
    if beta and (beta_facts := findings.beta_facts(beta)):
        found["beta"] = findings.beta_finding(beta_facts, lang)
        if catching := findings.catching_up_facts(beta, index, column):
            found["catching_up"] = findings.catching_up_finding(catching, lang)
    if clusters:
        moran = clusters.moran
        found["moran"] = findings.moran_finding(findings.moran_facts(moran.i, moran.p_sim, moran.permutations), lang)
        found["lisa"] = findings.lisa_finding(findings.lisa_facts(clusters.lisa), lang)
    return found


def regional_findings(index: pl.DataFrame, year: int, lang: str, indicator_id: str = "dgi_index") -> list[Finding]:
    """The regional page's sentences for year and indicator, each only where its premise holds (for the CLI)."""
    column = get_indicator(indicator_id).column
    return list(
        section_findings(
            index,
            year,
            column,
            lang,
            summary=inequality_summary(index, year, column),
            beta=beta_result(index, column),
            clusters=clustering(index, year, column),
        ).values()
    )


def _text(finding: Finding | None) -> str | None:
    return finding.text if finding else None


def _join_texts(parts: list[Finding | None]) -> str | None:
    texts = [p.text for p in parts if p]
    return " ".join(texts) if texts else None


# --------------------------------------------------------------------------------------------- the page
@dataclass(frozen=True)
class RegionalSentences:
    """Findings of each section; None where the section has too few provinces or years to say anything."""

    theil: str | None
    dagum: str | None
    sigma: str | None
    beta: str | None
    moran: str | None
    islands: str | None  # only when islands were attached to the mainland to have neighbours


@dataclass(frozen=True)
class RegionalTables:
    """The chart alternatives and the Dagum tables, each downloadable under its field name."""

    ranking: pl.DataFrame
    macro_regions: pl.DataFrame
    macro_trend: pl.DataFrame
    dagum_components: pl.DataFrame | None
    dagum_pairs: pl.DataFrame | None
    sigma: pl.DataFrame | None
    beta: pl.DataFrame | None
    lisa: pl.DataFrame | None


@dataclass(frozen=True)
class RegionalView:
    """Figures are None (and inequality empty) where the section has too few provinces or years."""

    map: go.Figure
    ranking: go.Figure
    macro: go.Figure
    inequality: tuple[Kpi, ...]
    theil: go.Figure | None
    trend: go.Figure
    sigma: go.Figure | None
    beta: go.Figure | None
    lisa: go.Figure | None
    sentences: RegionalSentences
    tables: RegionalTables
    findings: tuple[Finding, ...] = ()  # every sentence above with the facts it was chosen by
    rank_check: RankCheck | None = None  # an uploaded ranking whose order contradicts its scores


def regional_map(
    index: pl.DataFrame, year: int, indicator_id: str, lang: str, *, watermark: str | None = None
) -> go.Figure:
    """The page's map alone: a session's first run sends it before anything else is computed
    (components/first_map.py)."""
    indicator = get_indicator(indicator_id)
    values = overview.values_for_year(index, year, indicator.column)
    return build_china_map(values, indicator, lang, watermark=watermark, geojson_base_url=BOUNDARY_URL)


def regional_view(
    index: pl.DataFrame,
    year: int,
    indicator_id: str,
    lang: str,
    *,
    watermark: str | None = None,
    map_figure: go.Figure | None = None,
) -> RegionalView:
    """Every section of the page but the profile and the re-weighting, for one year and indicator (``map_figure``:
    the page's map from :func:`regional_map`, built here when not given)."""
    indicator = get_indicator(indicator_id)
    column = indicator.column
    values = overview.values_for_year(index, year, column)
    summary = inequality_summary(index, year, column)
    trend = regional.macro_trend(index, column)
    sigma = sigma_table(index, column)
    beta = beta_result(index, column)
    clusters = clustering(index, year, column)
    components, pairs = dagum_tables(summary, lang) if summary else (None, None)
    found = section_findings(index, year, column, lang, summary=summary, beta=beta, clusters=clusters)
    return RegionalView(
        map=map_figure
        if map_figure is not None
        else regional_map(index, year, indicator_id, lang, watermark=watermark),
        ranking=figures.ranking_chart(overview.ranking(index, year, column), indicator, lang),
        macro=figures.macro_strip(values, indicator, lang),
        inequality=inequality_cards(summary, lang) if summary else (),
        theil=figures.theil_bar(summary.theil.between, summary.theil.within, lang) if summary else None,
        trend=figures.trend_chart(trend, indicator, lang),
        sigma=figures.sigma_chart(sigma, lang) if sigma is not None else None,
        beta=figures.beta_chart(beta.points, beta.beta, beta.intercept, lang) if beta else None,
        lisa=lisa_map(clusters, lang, watermark=watermark, geojson_base_url=BOUNDARY_URL) if clusters else None,
        sentences=RegionalSentences(
            theil=_text(found.get("theil")),
            dagum=dagum_sentence(summary, lang) if summary else None,
            sigma=_text(found.get("sigma")),
            beta=_join_texts([found.get("beta"), found.get("catching_up")]),
            moran=_join_texts([found.get("moran"), found.get("lisa")]),
            islands=islands_sentence(clusters, lang) if clusters else None,
        ),
        findings=tuple(found.values()),
        rank_check=rank_check(index, "index", lang),
        tables=RegionalTables(
            ranking=regional_ranking_table(index, year, indicator_id, lang),
            macro_regions=macro_region_table(index, year, indicator_id, lang),
            macro_trend=trend,
            dagum_components=components,
            dagum_pairs=pairs,
            sigma=sigma,
            beta=beta.points if beta else None,
            lisa=lisa_table(clusters, indicator_id, lang) if clusters else None,
        ),
    )


# --------------------------------------------------------------------------------------------- ranks and tiers
def _points(value: float | None, indicator_id: str, lang: str) -> str:
    """A signed difference in the indicator's decimals ('—' when missing)."""
    if value is None or not math.isfinite(value):
        return t("value.missing", lang)
    return signed(value, get_indicator(indicator_id).decimals)


def regional_ranking_table(frame: pl.DataFrame, year: int, indicator_id: str, lang: str) -> pl.DataFrame:
    """The overview's ranking table (rank, region, adcode, macro-region, value, rank change) with the gap to the
    leader and to the national mean and the peer group's view: rank within the macro-region and the gap to its
    mean. Ranks are competition ranks ("1224"): equal scores share a rank."""
    detail = overview.ranking_detail(frame, year, get_indicator(indicator_id).column)
    base = ranking_table(frame, year, indicator_id, lang)
    return base.with_columns(
        pl.Series(t("regional.gap_leader", lang), [_points(v, indicator_id, lang) for v in detail["gap_leader"]]),
        pl.Series(t("regional.gap_mean", lang), [_points(v, indicator_id, lang) for v in detail["gap_mean"]]),
        pl.Series(t("regional.peer_rank", lang), detail["peer_rank"]),
        pl.Series(t("regional.gap_peer", lang), [_points(v, indicator_id, lang) for v in detail["gap_peer_mean"]]),
    )


def city_ranking_table(
    cities: pl.DataFrame, year: int, indicator_id: str, lang: str, within: str | None = None
) -> pl.DataFrame:
    """The city rows ranked with their peers: rank among all the cities in the data, the peer group
    (sub-provincial city, other provincial capital, other prefecture: digigov.regions.city_group), the rank
    within the group (of how many) and the gap to the group's mean. within: only that province's cities
    shown, ranked against every city. Competition ranks ("1224"), as the province ranking."""
    indicator = get_indicator(indicator_id)
    detail = overview.city_ranking_detail(cities, year, indicator.column)
    if within is not None:
        own = load_gazetteer().frame.filter(pl.col("parent") == within).select("adcode")
        detail = detail.join(own, on="adcode", how="semi", maintain_order="left")
    return pl.DataFrame(
        {
            t("column.rank", lang): detail["rank"],
            t("column.region", lang): [region_name(a, lang) for a in detail["adcode"]],
            t("column.adcode", lang): detail["adcode"],
            t("regional.city_group_column", lang): [t(f"regional.city_group.{g}", lang) for g in detail["city_group"]],
            indicator.name(lang): [indicator.format(v, lang) for v in detail["value"]],
            t("regional.city_peer_rank", lang): [
                t("regional.city_peer_rank_of", lang, rank=r, n=n)
                for r, n in zip(detail["peer_rank"], detail["peers"], strict=True)
            ],
            t("regional.city_gap_peer", lang): [_points(v, indicator_id, lang) for v in detail["gap_peer_mean"]],
        },
        schema_overrides={t("column.rank", lang): pl.Int32},
    )


@dataclass(frozen=True)
class RankCheck:
    """Pairs of an uploaded ranking whose order contradicts its scores: a warning and the table of every pair."""

    sentence: str
    table: pl.DataFrame
    pairs: int


RANK_CHECK_NAMED = 3  # pairs named in the warning; the table has all of them


def _rank_text(value: float) -> str:
    return f"{value:g}"


def rank_check(frame: pl.DataFrame, score: str, lang: str) -> RankCheck | None:
    """None unless the stored upload carries a stated rank (stated_rank) and a score column, and some unit is
    ranked above another with a lower score in the same year."""
    if "stated_rank" not in frame.columns or score not in frame.columns:
        return None
    columns = [c for c in ("adcode", "year", "row") if c in frame.columns]
    stated = frame.select(*columns, pl.col("stated_rank").alias("rank"), pl.col(score).alias("value"))
    pairs = tiers.rank_contradictions(stated)
    if pairs.is_empty():
        return None
    indicator = get_indicator("dgi_index")

    def unit(row: dict, side: str) -> str:
        return t(
            "regional.rank_check_unit",
            lang,
            row=row[f"row_{side}"] if row[f"row_{side}"] is not None else t("value.missing", lang),
            region=region_name(row[f"adcode_{side}"], lang),
            rank=_rank_text(row[f"rank_{side}"]),
            score=indicator.format(row[f"value_{side}"], lang, with_unit=False),
        )

    named = [
        t("regional.rank_check_pair", lang, a=unit(row, "a"), b=unit(row, "b"))
        for row in pairs.head(RANK_CHECK_NAMED).iter_rows(named=True)
    ]
    missing = t("value.missing", lang)
    table = pl.DataFrame(
        {
            t("regional.year", lang): pairs["year"],
            t("regional.rank_check_above", lang): [region_name(a, lang) for a in pairs["adcode_a"]],
            t("regional.rank_check_row", lang): [str(r) if r is not None else missing for r in pairs["row_a"]],
            t("regional.stated_rank", lang): [_rank_text(r) for r in pairs["rank_a"]],
            t("regional.stated_score", lang): pairs["value_a"],
            t("regional.rank_check_below", lang): [region_name(a, lang) for a in pairs["adcode_b"]],
            t("regional.rank_check_row_b", lang): [str(r) if r is not None else missing for r in pairs["row_b"]],
            t("regional.stated_rank_b", lang): [_rank_text(r) for r in pairs["rank_b"]],
            t("regional.stated_score_b", lang): pairs["value_b"],
        }
    )
    return RankCheck(
        sentence=t("regional.rank_check", lang, pairs=pairs.height, named=_join(named, lang)),
        table=table,
        pairs=pairs.height,
    )


# The tier map's colours, highest tier darkest (ColorBrewer YlGnBu, colour-blind safe, distinct from the grey of
# "no data").
TIER_COLOURS: dict[str, str] = dict(
    zip(tiers.TIERS, ("#253494", "#2c7fb8", "#41b6c4", "#a1dab4", "#ffffcc"), strict=True)
)
TIER_MODES: tuple[str, ...] = ("quantile", "custom")
# Sections of the page that need scores: on a tiers-only dataset each says so in its place.
SCORE_SECTIONS: tuple[str, ...] = (
    "ranking_header",
    "macro_header",
    "inequality_header",
    "trend_header",
    "sigma_header",
    "beta_header",
    "lisa_header",
    "profile_header",
    "weights_header",
)


def tier_labels(lang: str) -> dict[str, str]:
    """{tier key: label}, highest first."""
    return {key: t(f"regional.tier.{key}", lang) for key in tiers.TIERS}


def edges_to_text(edges: tuple[float, ...]) -> str:
    """The URL form of band edges ("85,75.5,65,55"), read back by tiers.edges_from_text."""
    return ",".join(f"{e:g}" for e in edges)


def default_edges(index: pl.DataFrame, year: int, indicator_id: str) -> tuple[float, ...]:
    """The quantile edges of the year's scores (quintiles), rounded to the indicator's decimals: the default
    bands."""
    indicator = get_indicator(indicator_id)
    values = overview.values_for_year(index, year, indicator.column)
    return tuple(round(e, indicator.decimals) for e in tiers.quantile_edges(values["value"]))


@dataclass(frozen=True)
class TierView:
    """The tier map (None when no province has a tier), the tier table and the caption saying how the tiers
    were set."""

    map: go.Figure | None
    table: pl.DataFrame
    caption: str
    counts: str  # provinces per tier
    edges: tuple[float, ...]  # the bands applied, highest first (empty for stated tiers)


def _bands_text(edges: tuple[float, ...], indicator_id: str, lang: str) -> str:
    indicator, labels = get_indicator(indicator_id), list(tier_labels(lang).values())

    def fmt(value: float) -> str:
        return indicator.format(value, lang, with_unit=False)

    parts = [t("regional.band_top", lang, tier=labels[0], low=fmt(edges[0]))]
    parts += [
        t("regional.band_mid", lang, tier=labels[k], low=fmt(edges[k]), high=fmt(edges[k - 1]))
        for k in range(1, len(edges))
    ]
    parts.append(t("regional.band_bottom", lang, tier=labels[len(edges)], high=fmt(edges[-1])))
    return _join(parts, lang)


def _tier_map(frame: pl.DataFrame, lang: str, watermark: str | None, geojson_base_url: str | None) -> go.Figure:
    categories = frame.select(
        "adcode",
        pl.col("tier").replace_strict(dict(enumerate(tiers.TIERS, 1)), return_dtype=pl.String).alias("category"),
    )
    return build_category_map(
        categories,
        list(tiers.TIERS),
        TIER_COLOURS,
        tier_labels(lang),
        lang,
        watermark=watermark,
        geojson_base_url=geojson_base_url,
    )


def _counts_text(frame: pl.DataFrame, lang: str) -> str:
    labels = list(tier_labels(lang).values())
    counts = dict(frame.group_by("tier").len().iter_rows())
    return _join([t("regional.tier_count", lang, tier=labels[k - 1], n=counts.get(k, 0)) for k in range(1, 6)], lang)


def tier_view(
    index: pl.DataFrame,
    year: int,
    indicator_id: str,
    lang: str,
    edges: tuple[float, ...] | None = None,
    *,
    watermark: str | None = None,
    geojson_base_url: str | None = BOUNDARY_URL,
) -> TierView:
    """Tiers of the year's scores by bands: the user's edges (highest first), or None for the quantile bands.
    Scores are compared with the edges as the table shows them (rounded to the indicator's decimals), so a
    score shown on an edge is in the higher tier."""
    indicator = get_indicator(indicator_id)
    values = overview.values_for_year(index, year, indicator.column)
    shown = values.with_columns(pl.col("value").round(indicator.decimals))
    mode = "custom" if edges else "quantile"
    applied = tuple(sorted(edges, reverse=True)) if edges else default_edges(index, year, indicator_id)
    assigned = tiers.assign_tiers(shown, applied)
    ranks = tiers.competition_ranks(values).select("adcode", "rank")
    assigned = assigned.join(ranks, on="adcode", how="left").sort(["tier", "rank", "adcode"])
    labels = list(tier_labels(lang).values())
    columns = {
        t("regional.tier_column", lang): [labels[k - 1] for k in assigned["tier"]],
        t("column.region", lang): [region_name(a, lang) for a in assigned["adcode"]],
        indicator.name(lang): [indicator.format(v, lang) for v in assigned["value"]],
        t("column.rank", lang): assigned["rank"],
    }
    if "stated_tier" in index.columns:
        stated = dict(index.filter(pl.col("year") == year).select("adcode", "stated_tier").iter_rows())
        columns[t("regional.stated_tier", lang)] = [
            labels[stated[a] - 1] if stated.get(a) else t("value.missing", lang) for a in assigned["adcode"]
        ]
    caption = t(
        f"regional.tiers_caption_{mode}",
        lang,
        indicator=indicator.name(lang),
        year=year,
        bands=_bands_text(applied, indicator_id, lang) if applied else t("value.missing", lang),
    )
    return TierView(
        map=_tier_map(assigned, lang, watermark, geojson_base_url) if assigned.height else None,
        table=pl.DataFrame(columns),
        caption=caption + " " + t("regional.tiers_names_note", lang),
        counts=_counts_text(assigned, lang),
        edges=applied,
    )


@dataclass(frozen=True)
class TiersOnlyView:
    """A dataset that carries tiers (and maybe a stated rank and score) but no dimension scores."""

    tiers: TierView
    rank_check: RankCheck | None


def stated_tiers_view(
    frame: pl.DataFrame,
    year: int,
    lang: str,
    *,
    watermark: str | None = None,
    geojson_base_url: str | None = BOUNDARY_URL,
) -> TiersOnlyView:
    """The tiers as the dataset states them (never re-banded), with its score and rank where it has them."""
    data = frame.filter(pl.col("year") == year).drop_nulls("tier").sort(["tier", "adcode"])
    if "stated_rank" in data.columns:
        data = data.sort(["tier", "stated_rank", "adcode"], nulls_last=True)
    labels = list(tier_labels(lang).values())
    columns: dict[str, list] = {
        t("regional.tier_column", lang): [labels[k - 1] for k in data["tier"]],
        t("column.region", lang): [region_name(a, lang) for a in data["adcode"]],
    }
    if "index" in data.columns:
        indicator = get_indicator("dgi_index")
        columns[indicator.name(lang)] = [indicator.format(v, lang) for v in data["index"]]
    if "stated_rank" in data.columns:
        missing = t("value.missing", lang)
        columns[t("regional.stated_rank", lang)] = [
            _rank_text(r) if r is not None else missing for r in data["stated_rank"]
        ]
    view = TierView(
        map=_tier_map(data, lang, watermark, geojson_base_url) if data.height else None,
        table=pl.DataFrame(columns),
        caption=t("regional.tiers_caption_stated", lang, year=year) + " " + t("regional.tiers_names_note", lang),
        counts=_counts_text(data, lang),
        edges=(),
    )
    return TiersOnlyView(tiers=view, rank_check=rank_check(frame, "index", lang))


# --------------------------------------------------------------------------------------------- the profile
@dataclass(frozen=True)
class ProfileView:
    chart: go.Figure
    table: pl.DataFrame


def dimension_labels(lang: str) -> list[str]:
    """The dimensions' names, in the order of DIMENSION_INDICATORS."""
    return [get_indicator(i).name(lang) for i in DIMENSION_INDICATORS.values()]


def profile_view(index: pl.DataFrame, adcode: str, year: int, lang: str) -> ProfileView:
    """The province's four dimensions beside its macro-region's and the national means."""
    labels = dict(zip(DIMENSION_INDICATORS, dimension_labels(lang), strict=True))
    profile = regional.dimension_profile(index, adcode, year).with_columns(
        pl.col("dimension").replace_strict(labels, return_dtype=pl.String).alias("label")
    )
    return ProfileView(
        chart=figures.profile_chart(profile, lang),
        table=pl.DataFrame(
            {
                t("regional.dimension", lang): profile["label"],
                t("regional.profile_province", lang): profile["province"].round(1),
                t("regional.profile_macro", lang): profile["macro"].round(1),
                t("regional.profile_national", lang): profile["national"].round(1),
            }
        ),
    )


# --------------------------------------------------------------------------------------------- re-weighting
@dataclass(frozen=True)
class ReweightingView:
    sentence: str
    table: pl.DataFrame


def reweight_sentence(result: Reweighting, lang: str) -> str:
    moved = result.changes.filter(pl.col("change") != 0)
    if moved.is_empty():
        return t("regional.weights_same", lang)
    biggest = moved.sort(pl.col("change").abs(), descending=True).row(0, named=True)
    return t(
        "regional.weights_sentence",
        lang,
        moved=moved.height,
        biggest=t(
            "regional.move_item", lang, region=region_name(biggest["adcode"], lang), change=f"{biggest['change']:+d}"
        ),
    )


def reweight_table(result: Reweighting, lang: str) -> pl.DataFrame:
    joined = result.changes.join(result.stability, on="adcode", how="left").sort("rank_weighted")
    return pl.DataFrame(
        {
            t("column.region", lang): [region_name(a, lang) for a in joined["adcode"]],
            t("regional.rank_equal", lang): joined["rank_equal"],
            t("regional.rank_weighted", lang): joined["rank_weighted"],
            t("regional.rank_shift", lang): joined["change"],
            t("regional.rank_min", lang): joined["min_rank"],
            t("regional.rank_max", lang): joined["max_rank"],
            t("regional.keep_share", lang): [
                t("value.missing", lang) if s is None else f"{s * 100:.0f}%" for s in joined["share_base_rank"]
            ],
        }
    )


def reweighting_view(
    index: pl.DataFrame, year: int, weights: dict[str, float], normalisation: str, lang: str
) -> ReweightingView:
    """Ranks under the user's weights against equal weights, and how stable each rank is under nearby weights."""
    # the widget's text; composite checks it against NORMALISATIONS and raises on anything else
    units = complete_units(index, year).height
    if units < MIN_REWEIGHT_UNITS:
        return ReweightingView(
            sentence=t("regional.weights_too_few", lang, units=units, year=year, needed=MIN_REWEIGHT_UNITS),
            table=pl.DataFrame(),
        )
    result = reweight(index, year, weights, cast(composite.Normalisation, normalisation))
    return ReweightingView(sentence=reweight_sentence(result, lang), table=reweight_table(result, lang))
