"""The regional-gaps page's analyses put together: figures' inputs, localised tables and findings sentences.

Statistics come from inequality, convergence, spatial and composite; this module picks the year, the
macro-region grouping and the wording.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.analysis import composite, convergence, inequality, spatial
from digigov.analysis.overview import region_table, values_for_year
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.regions import MACRO_REGIONS, load_gazetteer

DIMENSION_INDICATORS: dict[str, str] = {
    "organisation": "dgi_organisation", "institutions": "dgi_institutions",
    "capacity": "dgi_capacity", "effect": "dgi_effect",
}
STABILITY_DRAWS = 1000


def _name(adcode: str, lang: str) -> str:
    return load_gazetteer()[adcode].name(lang)


def _join(items: list[str], lang: str) -> str:
    return t("list.separator", lang).join(items)


def mainland(frame: pl.DataFrame) -> pl.DataFrame:
    """Only the 31 mainland provinces: the NBS macro-regions and inequality figures are defined on them."""
    return frame.join(region_table().filter(pl.col("counted_in_31")).select("adcode", "macro_region"),
                      on="adcode", how="inner")


def macro_trend(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """year, macro_region, mean."""
    return (mainland(frame).group_by("year", "macro_region").agg(pl.col(column).mean().alias("mean"))
            .filter(pl.col("macro_region").is_in(list(MACRO_REGIONS))).sort("year", "macro_region"))


@dataclass(frozen=True)
class InequalitySummary:
    year: int
    gini: float
    cv: float
    max_min: float
    theil: inequality.TheilResult
    dagum: inequality.DagumResult


MIN_UNITS = 4  # fewer provinces than this make dispersion and clustering figures meaningless


def inequality_summary(frame: pl.DataFrame, year: int, column: str) -> InequalitySummary | None:
    """None when the year has fewer than MIN_UNITS provinces with values (an analyst's partial upload)."""
    data = mainland(values_for_year(frame, year, column)).drop_nulls("value")
    if data.height < MIN_UNITS or data["macro_region"].n_unique() < 2:
        return None
    values, groups = data["value"], data["macro_region"]
    return InequalitySummary(
        year=year, gini=inequality.gini(values), cv=inequality.coefficient_of_variation(values),
        max_min=inequality.max_min_ratio(values), theil=inequality.theil(values, groups),
        dagum=inequality.dagum_gini(values, groups),
    )


def theil_sentence(summary: InequalitySummary, lang: str) -> str:
    west = next((g.share_of_total for g in summary.theil.groups if g.name == "west"), 0.0)
    return t("regional.theil_sentence", lang, year=summary.year, between=f"{summary.theil.between_share * 100:.1f}",
             within=f"{summary.theil.within_share * 100:.1f}", west=f"{west * 100:.1f}")


def dagum_sentence(summary: InequalitySummary, lang: str) -> str:
    d = summary.dagum
    return t("regional.dagum_sentence", lang, gini=f"{d.total:.4f}", within=f"{d.within_share * 100:.1f}",
             between=f"{d.net_between_share * 100:.1f}", trans=f"{d.transvariation_share * 100:.1f}")


def dagum_tables(summary: InequalitySummary, lang: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(components with their shares, between-region Gini of every pair of macro-regions)."""
    d = summary.dagum
    parts = pl.DataFrame({
        t("regional.dagum_part", lang): [t("regional.dagum_within", lang), t("regional.dagum_net_between", lang),
                                         t("regional.dagum_transvariation", lang), t("regional.gini", lang)],
        t("column.value", lang): [round(d.within, 4), round(d.net_between, 4), round(d.transvariation, 4),
                                  round(d.total, 4)],
        t("regional.dagum_share", lang): [f"{d.within_share * 100:.1f}%", f"{d.net_between_share * 100:.1f}%",
                                          f"{d.transvariation_share * 100:.1f}%", "100.0%"],
    })
    pairs = pl.DataFrame({
        t("regional.pair", lang): [f"{t('macro.' + str(p.high), lang)} – {t('macro.' + str(p.low), lang)}"
                                   for p in d.pairs],
        t("regional.pair_gini", lang): [round(p.gini, 4) for p in d.pairs],
    })
    return parts, pairs


def sigma_table(frame: pl.DataFrame, column: str) -> pl.DataFrame | None:
    """None with fewer than two years: dispersion over time needs a time."""
    table = convergence.sigma_convergence(mainland(frame), value=column)
    return table if table.height >= 2 else None


def sigma_sentence(sigma: pl.DataFrame, lang: str) -> str:
    first, last = sigma.row(0, named=True), sigma.row(-1, named=True)
    key = "regional.sigma_fell" if last["cv"] < first["cv"] else "regional.sigma_rose"
    return t(key, lang, start=first["year"], end=last["year"], cv_start=f"{first['cv']:.3f}",
             cv_end=f"{last['cv']:.3f}")


def beta_result(frame: pl.DataFrame, column: str) -> convergence.BetaResult | None:
    """None with fewer than two years or too few provinces present in both end years."""
    years = sorted(frame["year"].unique().to_list())
    if len(years) < 2:
        return None
    try:
        return convergence.beta_convergence(mainland(frame), years[0], years[-1], value=column)
    except ValueError:
        return None


def beta_sentence(beta: convergence.BetaResult, lang: str, top: int = 2) -> str:
    fastest = beta.points.sort("growth", descending=True).head(top)
    listed = _join([t("finding.growth_item", lang, region=_name(r["adcode"], lang), growth=f"{r['growth'] * 100:.1f}")
                    for r in fastest.iter_rows(named=True)], lang)
    significant = beta.converging and beta.p_value < 0.05 and beta.half_life is not None
    key = "regional.beta_converging" if significant else "regional.beta_not"
    sentence = t(key, lang, beta=f"{beta.beta:.4f}", p=f"{beta.p_value:.3f}", fastest=listed,
                 half_life=f"{beta.half_life:.0f}" if beta.half_life else "—")
    growth = dict(mainland(beta.points).group_by("macro_region").agg(pl.col("growth").mean()).iter_rows())
    if growth.get("west", 0) > growth.get("east", 0):
        sentence += t("regional.west_catching_up", lang, west=f"{growth['west'] * 100:.1f}",
                      east=f"{growth['east'] * 100:.1f}")
    return sentence


@dataclass(frozen=True)
class Clustering:
    moran: spatial.MoranResult
    lisa: pl.DataFrame  # adcode, value, local_i, p_sim, quadrant, category


def clustering(frame: pl.DataFrame, year: int, column: str) -> Clustering | None:
    """None when too few provinces have values for spatial statistics to mean anything."""
    values = mainland(values_for_year(frame, year, column)).drop_nulls("value").select("adcode", "value")
    if values.height < MIN_UNITS:
        return None
    try:
        weights = spatial.queen_weights(values["adcode"].to_list())
        return Clustering(
            moran=spatial.global_moran(values, value="value", weights=weights),
            lisa=spatial.local_lisa(values, value="value", weights=weights),
        )
    except ValueError:
        return None


def moran_sentence(result: Clustering, lang: str) -> str:
    m = result.moran
    meaning = t("regional.moran_clustered" if m.i > 0 and m.p_sim < 0.05 else "regional.moran_not", lang)
    return t("regional.moran_sentence", lang, i=f"{m.i:.3f}", p=f"{m.p_sim:.3f}", permutations=m.permutations,
             meaning=meaning)


def islands_sentence(result: Clustering, lang: str) -> str | None:
    links = [f"{_name(link.adcode, lang)} → {_join([_name(n, lang) for n in link.neighbours], lang)}"
             for link in result.moran.attached]
    return t("regional.islands_rule", lang, links=_join(links, lang)) if links else None


def lisa_table(result: Clustering, indicator_id: str, lang: str) -> pl.DataFrame:
    indicator = get_indicator(indicator_id)
    lisa = result.lisa.sort("category", "adcode")
    return pl.DataFrame({
        t("column.region", lang): [_name(a, lang) for a in lisa["adcode"]],
        indicator.name(lang): [indicator.format(v, lang) for v in lisa["value"]],
        t("regional.lisa_category", lang): [t(f"regional.lisa.{c}", lang) for c in lisa["category"]],
        "p": [round(p, 3) for p in lisa["p_sim"]],
    })


def profile(frame: pl.DataFrame, adcode: str, year: int, lang: str) -> pl.DataFrame:
    """dimension, label, province, macro, national: one row per dimension (display numbers)."""
    data = mainland(frame.filter(pl.col("year") == year))
    macro = load_gazetteer()[adcode].macro_region
    rows = []
    for dimension, indicator_id in DIMENSION_INDICATORS.items():
        own = data.filter(pl.col("adcode") == adcode)[dimension]
        rows.append({
            "dimension": dimension, "label": get_indicator(indicator_id).name(lang),
            "province": float(own[0]) if own.len() else None,
            "macro": float(data.filter(pl.col("macro_region") == macro)[dimension].mean()),
            "national": float(data[dimension].mean()),
        })
    return pl.DataFrame(rows)


def profile_table(profile_frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    return pl.DataFrame({
        t("regional.dimension", lang): profile_frame["label"],
        t("regional.profile_province", lang): profile_frame["province"].round(1),
        t("regional.profile_macro", lang): profile_frame["macro"].round(1),
        t("regional.profile_national", lang): profile_frame["national"].round(1),
    })


@dataclass(frozen=True)
class Reweighting:
    changes: pl.DataFrame  # adcode, rank_equal, rank_weighted, change
    stability: pl.DataFrame  # adcode, base_rank, min_rank, max_rank, median_rank, share_base_rank


def reweight(frame: pl.DataFrame, year: int, weights: dict[str, float], normalisation: str) -> Reweighting:
    data = mainland(frame).drop("macro_region")
    return Reweighting(
        changes=composite.rank_changes_vs_equal(data, weights, normalisation, year),
        stability=composite.rank_stability(data, year, weights, normalisation, draws=STABILITY_DRAWS),
    )


def reweight_sentence(result: Reweighting, lang: str) -> str:
    moved = result.changes.filter(pl.col("change") != 0)
    if moved.is_empty():
        return t("regional.weights_same", lang)
    biggest = moved.sort(pl.col("change").abs(), descending=True).row(0, named=True)
    change = f"{biggest['change']:+d}"
    return t("regional.weights_sentence", lang, moved=moved.height,
             biggest=t("regional.move_item", lang, region=_name(biggest["adcode"], lang), change=change))


def reweight_table(result: Reweighting, lang: str) -> pl.DataFrame:
    joined = result.changes.join(result.stability, on="adcode", how="left").sort("rank_weighted")
    return pl.DataFrame({
        t("column.region", lang): [_name(a, lang) for a in joined["adcode"]],
        t("regional.rank_equal", lang): joined["rank_equal"],
        t("regional.rank_weighted", lang): joined["rank_weighted"],
        t("regional.rank_shift", lang): joined["change"],
        t("regional.rank_min", lang): joined["min_rank"],
        t("regional.rank_max", lang): joined["max_rank"],
        t("regional.keep_share", lang): [f"{s * 100:.0f}%" for s in joined["share_base_rank"]],
    })
