"""The regional-gaps page: the index map and ranking, macro-regions, inequality, convergence, clustering, a
province's dimension profile and the re-weighted ranking.

Each number shown is computed here by one call into analysis (inequality, convergence, spatial, composite) on the
mainland provinces that analysis.regional selects; this module picks the year, the grouping and the wording.
The profile and the re-weighting follow widgets of their own, so they are views of their own: moving a weight
slider must not rebuild the maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import composite, convergence, inequality, overview, regional, spatial
from digigov.figures import regional as figures
from digigov.figures.china_map import build_category_map, build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters.overview import Kpi, macro_region_table, ranking_table
from digigov.regions import region_name

DIMENSION_INDICATORS = regional.DIMENSION_INDICATORS
INDICATORS: tuple[str, ...] = ("dgi_index", *DIMENSION_INDICATORS.values())
NORMALISATIONS = composite.NORMALISATIONS
STABILITY_DRAWS = 1000


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
        max_min=inequality.max_min_ratio(values),
        theil=inequality.theil(values, groups),
        dagum=inequality.dagum_gini(values, groups),
    )


def sigma_table(frame: pl.DataFrame, column: str) -> pl.DataFrame | None:
    """year, cv, gini, theil of the mainland provinces; None with fewer than two years (dispersion over time)."""
    table = convergence.sigma_convergence(regional.mainland(frame), value=column)
    return table if table.height >= 2 else None


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


def reweight(
    frame: pl.DataFrame, year: int, weights: dict[str, float], normalisation: composite.Normalisation
) -> Reweighting:
    data = regional.mainland(frame).drop("macro_region")
    return Reweighting(
        changes=composite.rank_changes_vs_equal(data, weights, normalisation, year),
        stability=composite.rank_stability(data, year, weights, normalisation, draws=STABILITY_DRAWS),
    )


# --------------------------------------------------------------------------------------------- wording
def _join(items: list[str], lang: str) -> str:
    return t("list.separator", lang).join(items)


def _pct(share: float) -> str:
    return f"{share * 100:.1f}"


def theil_sentence(summary: InequalitySummary, lang: str) -> str:
    west = next((g.share_of_total for g in summary.theil.groups if g.name == "west"), 0.0)
    return t(
        "regional.theil_sentence",
        lang,
        year=summary.year,
        between=_pct(summary.theil.between_share),
        within=_pct(summary.theil.within_share),
        west=_pct(west),
    )


def dagum_sentence(summary: InequalitySummary, lang: str) -> str:
    dagum = summary.dagum
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
        Kpi(t("regional.max_min", lang), f"{summary.max_min:.2f}"),
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


def sigma_sentence(sigma: pl.DataFrame, lang: str) -> str:
    first, last = sigma.row(0, named=True), sigma.row(-1, named=True)
    key = "regional.sigma_fell" if last["cv"] < first["cv"] else "regional.sigma_rose"
    return t(
        key, lang, start=first["year"], end=last["year"], cv_start=f"{first['cv']:.3f}", cv_end=f"{last['cv']:.3f}"
    )


def beta_sentence(beta: convergence.BetaResult, lang: str, top: int = 2) -> str:
    fastest = beta.points.sort("growth", descending=True).head(top)
    listed = _join(
        [
            t("finding.growth_item", lang, region=region_name(r["adcode"], lang), growth=_pct(r["growth"]))
            for r in fastest.iter_rows(named=True)
        ],
        lang,
    )
    significant = beta.converging and beta.p_value < 0.05 and beta.half_life is not None
    key = "regional.beta_converging" if significant else "regional.beta_not"
    sentence = t(
        key,
        lang,
        beta=f"{beta.beta:.4f}",
        p=f"{beta.p_value:.3f}",
        fastest=listed,
        half_life=f"{beta.half_life:.0f}" if beta.half_life else "—",
    )
    growth = regional.mean_growth_by_macro_region(beta.points)
    if growth.get("west", 0) > growth.get("east", 0):
        sentence += t("regional.west_catching_up", lang, west=_pct(growth["west"]), east=_pct(growth["east"]))
    return sentence


def moran_sentence(result: Clustering, lang: str) -> str:
    moran = result.moran
    meaning = t("regional.moran_clustered" if moran.i > 0 and moran.p_sim < 0.05 else "regional.moran_not", lang)
    return t(
        "regional.moran_sentence",
        lang,
        i=f"{moran.i:.3f}",
        p=f"{moran.p_sim:.3f}",
        permutations=moran.permutations,
        meaning=meaning,
    )


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


def regional_view(
    index: pl.DataFrame, year: int, indicator_id: str, lang: str, *, watermark: str | None = None
) -> RegionalView:
    """Every section of the page but the profile and the re-weighting, for one year and indicator."""
    indicator = get_indicator(indicator_id)
    column = indicator.column
    values = overview.values_for_year(index, year, column)
    summary = inequality_summary(index, year, column)
    trend = regional.macro_trend(index, column)
    sigma = sigma_table(index, column)
    beta = beta_result(index, column)
    clusters = clustering(index, year, column)
    components, pairs = dagum_tables(summary, lang) if summary else (None, None)
    return RegionalView(
        map=build_china_map(values, indicator, lang, watermark=watermark, geojson_base_url=BOUNDARY_URL),
        ranking=figures.ranking_chart(overview.ranking(index, year, column), indicator, lang),
        macro=figures.macro_strip(values, indicator, lang),
        inequality=inequality_cards(summary, lang) if summary else (),
        theil=figures.theil_bar(summary.theil.between, summary.theil.within, lang) if summary else None,
        trend=figures.trend_chart(trend, indicator, lang),
        sigma=figures.sigma_chart(sigma, lang) if sigma is not None else None,
        beta=figures.beta_chart(beta.points, beta.beta, beta.intercept, lang) if beta else None,
        lisa=lisa_map(clusters, lang, watermark=watermark, geojson_base_url=BOUNDARY_URL) if clusters else None,
        sentences=RegionalSentences(
            theil=theil_sentence(summary, lang) if summary else None,
            dagum=dagum_sentence(summary, lang) if summary else None,
            sigma=sigma_sentence(sigma, lang) if sigma is not None else None,
            beta=beta_sentence(beta, lang) if beta else None,
            moran=moran_sentence(clusters, lang) if clusters else None,
            islands=islands_sentence(clusters, lang) if clusters else None,
        ),
        tables=RegionalTables(
            ranking=ranking_table(index, year, indicator_id, lang),
            macro_regions=macro_region_table(index, year, indicator_id, lang),
            macro_trend=trend,
            dagum_components=components,
            dagum_pairs=pairs,
            sigma=sigma,
            beta=beta.points if beta else None,
            lisa=lisa_table(clusters, indicator_id, lang) if clusters else None,
        ),
    )


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
            t("regional.keep_share", lang): [f"{s * 100:.0f}%" for s in joined["share_base_rank"]],
        }
    )


def reweighting_view(
    index: pl.DataFrame, year: int, weights: dict[str, float], normalisation: str, lang: str
) -> ReweightingView:
    """Ranks under the user's weights against equal weights, and how stable each rank is under nearby weights."""
    # the widget's text; composite checks it against NORMALISATIONS and raises on anything else
    result = reweight(index, year, weights, cast(composite.Normalisation, normalisation))
    return ReweightingView(sentence=reweight_sentence(result, lang), table=reweight_table(result, lang))
