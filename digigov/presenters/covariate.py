"""The regional page's comparison with an analyst's own indicator (宽带接入用户, 人均政务支出 …): its map and ranking,
and, for a provincial indicator, the index against it (scatter with the fitted line, Pearson's r with its 95%
interval) stated in words that say only what was checked."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from digigov.analysis import overview
from digigov.analysis.correlation import MIN_POINTS, Correlation, paired, pearson
from digigov.figures.china_map import MapLevel, build_china_map
from digigov.figures.config import BOUNDARY_URL
from digigov.figures.covariate import covariate_scatter
from digigov.figures.regional import ranking_chart
from digigov.findings import p_text
from digigov.i18n import t
from digigov.indicators import Indicator, get_indicator
from digigov.regions import region_name
from digigov.user_indicators import UserIndicatorSpec, nearest_year, year_values

INDEX_ID = "dgi_index"


@dataclass(frozen=True)
class CovariateView:
    indicator: Indicator
    year: int | None  # the indicator's year shown (None: it has no values)
    map: go.Figure | None
    ranking: go.Figure | None  # provinces only (a prefecture ranking of 300 bars is a table)
    table: pl.DataFrame  # rank, region, adcode, value: the map's and the ranking's data
    scatter: go.Figure | None
    points: pl.DataFrame  # adcode, region, index, indicator: the scatter's data
    correlation: Correlation | None
    findings: tuple[str, ...]
    provenance: str  # 来源：… · 表：… · 说明：… (the analyst's words, shown as text)


def covariate_view(
    spec: UserIndicatorSpec,
    dataset_id: str,
    values: pl.DataFrame,
    index: pl.DataFrame,
    index_year: int,
    lang: str,
    *,
    watermark: str | None = None,
) -> CovariateView:
    """values: adcode, year, value of the indicator; index: the page's province_index; watermark marks the
    scatter when the index is the sample (the indicator itself is the analyst's, never marked)."""
    indicator = spec.indicator(dataset_id)
    year = nearest_year(sorted(values["year"].drop_nulls().unique().to_list()), index_year)
    shown = year_values(values, year) if year is not None else values.clear().select("adcode", "value")
    level: MapLevel = "prefecture" if spec.level == "prefecture" else "province"
    table = _table(values, year, indicator, lang) if year is not None else _empty_table(indicator, lang)
    findings = list(_extremes(shown, indicator, lang))
    points, correlation, scatter = pl.DataFrame(), None, None
    if level == "province" and year is not None:
        index_values = overview.values_for_year(index, index_year, "index")
        pairs = paired(index_values, shown)
        correlation = pearson(pairs)
        names = {a: region_name(a, lang) for a in pairs["adcode"]}
        index_indicator = get_indicator(INDEX_ID)
        if pairs.height:
            line = (correlation.slope, correlation.intercept) if correlation else None
            scatter = covariate_scatter(pairs, index_indicator, indicator, names, lang, line=line, watermark=watermark)
        points = _points_table(pairs, names, index_indicator, indicator, lang)
        findings += _relation_sentences(correlation, pairs.height, indicator, year, index_year, lang)
    elif level == "prefecture":
        findings.append(t("covariate.prefecture_only_map", lang, name=indicator.name(lang)))
    return CovariateView(
        indicator=indicator,
        year=year,
        map=build_china_map(shown, indicator, lang, level=level, geojson_base_url=BOUNDARY_URL) if year else None,
        ranking=_ranking_chart(values, year, indicator, lang) if level == "province" and year else None,
        table=table,
        scatter=scatter,
        points=points,
        correlation=correlation,
        findings=tuple(findings),
        provenance=provenance_text(spec, lang),
    )


def _ranking_chart(values: pl.DataFrame, year: int, indicator: Indicator, lang: str) -> go.Figure:
    return ranking_chart(overview.ranking(values, year, "value"), indicator, lang)


def _table(values: pl.DataFrame, year: int, indicator: Indicator, lang: str) -> pl.DataFrame:
    ranks = overview.ranking(values, year, "value")
    return pl.DataFrame(
        {
            t("column.rank", lang): ranks["rank"],
            t("column.region", lang): [region_name(a, lang) for a in ranks["adcode"]],
            t("column.adcode", lang): ranks["adcode"],
            indicator.name(lang): [indicator.format(v, lang) for v in ranks["value"]],
        },
        schema={
            t("column.rank", lang): pl.Int32,
            t("column.region", lang): pl.String,
            t("column.adcode", lang): pl.String,
            indicator.name(lang): pl.String,
        },
    )


def _empty_table(indicator: Indicator, lang: str) -> pl.DataFrame:
    names = (t("column.rank", lang), t("column.region", lang), t("column.adcode", lang), indicator.name(lang))
    return pl.DataFrame(schema=dict.fromkeys(names, pl.String))


def _points_table(pairs: pl.DataFrame, names: dict[str, str], x: Indicator, y: Indicator, lang: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            t("column.region", lang): [names[a] for a in pairs["adcode"]],
            t("column.adcode", lang): pairs["adcode"],
            x.name(lang): [x.format(v, lang) for v in pairs["x"]],
            y.name(lang): [y.format(v, lang) for v in pairs["y"]],
        },
        schema={
            t("column.region", lang): pl.String,
            t("column.adcode", lang): pl.String,
            x.name(lang): pl.String,
            y.name(lang): pl.String,
        },
    )


def _extremes(shown: pl.DataFrame, indicator: Indicator, lang: str) -> list[str]:
    """Highest and lowest, every tied region named; "all equal" when they are; nothing without values."""
    filled = shown.filter(pl.col("value").is_finite())
    if filled.is_empty():
        return [t("covariate.no_values", lang, name=indicator.name(lang))]
    top, bottom = filled["value"].max(), filled["value"].min()
    sep = t("list.separator", lang)

    def named(value: object) -> str:
        return sep.join(region_name(a, lang) for a in filled.filter(pl.col("value") == value)["adcode"].sort())

    if top == bottom:
        return [t("covariate.all_equal", lang, name=indicator.name(lang), value=indicator.format(top, lang))]  # type: ignore[arg-type]
    return [
        t(
            "covariate.extremes",
            lang,
            name=indicator.name(lang),
            n=filled.height,
            top=named(top),
            top_value=indicator.format(top, lang),  # type: ignore[arg-type]
            bottom=named(bottom),
            bottom_value=indicator.format(bottom, lang),  # type: ignore[arg-type]
        )
    ]


def _relation_sentences(
    correlation: Correlation | None, n: int, indicator: Indicator, year: int, index_year: int, lang: str
) -> list[str]:
    out = []
    if year != index_year:
        out.append(t("covariate.year_differs", lang, name=indicator.name(lang), year=year, index_year=index_year))
    if correlation is None:
        key = "covariate.too_few" if n < MIN_POINTS else "covariate.constant"
        out.append(t(key, lang, n=n, min=MIN_POINTS, name=indicator.name(lang)))
        return out
    facts = {
        "n": correlation.n,
        "name": indicator.name(lang),
        "r": f"{correlation.r:.2f}",
        "low": f"{correlation.low:.2f}",
        "high": f"{correlation.high:.2f}",
        "p": p_text(correlation.p_value),
    }
    if not correlation.excludes_zero:
        out.append(t("covariate.no_clear_relation", lang, **facts))
    else:
        out.append(t("covariate.positive" if correlation.r > 0 else "covariate.negative", lang, **facts))
    out.append(t("covariate.not_causal", lang))
    return out


def provenance_text(spec: UserIndicatorSpec, lang: str) -> str:
    """Where the numbers come from, in the analyst's words: source, year, table or URL, note (empty parts left out)."""
    prov = spec.provenance
    parts = [
        t("covariate.prov_source", lang, value=prov.source) if prov.source else "",
        t("covariate.prov_year", lang, value=prov.year) if prov.year else "",
        t("covariate.prov_reference", lang, value=prov.reference) if prov.reference else "",
        t("covariate.prov_note", lang, value=prov.note) if prov.note else "",
    ]
    text = t("list.separator", lang).join(p for p in parts if p)
    return text or t("covariate.prov_none", lang)
