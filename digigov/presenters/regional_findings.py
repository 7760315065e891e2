"""The regional page's sentences: for each, the facts computed on the data and the wording those facts allow.

Inequality shares are worded only when there is inequality to apportion; "the largest contributor" names the
group that is largest (all of them on a tie); σ-convergence is read on a balanced panel (the provinces with a
value in every year), naming those left out; β-convergence and "the West is catching up" carry their tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from digigov.analysis import convergence, inequality, overview, regional
from digigov.findings import Finding, p_text, signed
from digigov.i18n import t
from digigov.regions import region_name

SIGNIFICANCE = 0.05
SHARE_DIGITS = 1  # shares are shown in percent with one decimal: groups equal at that precision are tied
CV_DIGITS = 3
NO_INEQUALITY = 1e-9  # a Theil or Gini this small comes from floating-point error on equal values


def _join(items: list[str], lang: str) -> str:
    return t("list.separator", lang).join(items)


def _pct(share: float) -> str:
    return f"{share * 100:.{SHARE_DIGITS}f}"


def _significance(p_value: float, lang: str) -> str:
    if math.isnan(p_value):
        return t("finding.untested", lang)
    return t("finding.significant" if p_value < SIGNIFICANCE else "finding.not_significant", lang, p=p_text(p_value))


# --------------------------------------------------------------------------------------------- Theil
@dataclass(frozen=True)
class TheilFacts:
    year: int
    total: float
    between_share: float
    within_share: float
    contributions: tuple[tuple[str, float], ...]  # macro-region, share of the total, largest first
    largest: tuple[str, ...]  # every macro-region tied for the largest share at the shown precision


def theil_facts(year: int, theil: inequality.TheilResult) -> TheilFacts | None:
    """None when there is no inequality to apportion (all values equal: a total at rounding-error size, whose
    shares would be noise)."""
    if not theil.total > NO_INEQUALITY:
        return None
    contributions = sorted(((str(g.name), g.share_of_total) for g in theil.groups), key=lambda c: (-c[1], c[0]))
    top = round(contributions[0][1] * 100, SHARE_DIGITS)
    largest = tuple(name for name, share in contributions if round(share * 100, SHARE_DIGITS) == top)
    return TheilFacts(year, theil.total, theil.between_share, theil.within_share, tuple(contributions), largest)


def theil_finding(facts: TheilFacts, lang: str) -> Finding:
    key = "regional.theil_sentence" if len(facts.largest) == 1 else "regional.theil_sentence_tied"
    shares = dict(facts.contributions)
    text = t(
        key,
        lang,
        year=facts.year,
        between=_pct(facts.between_share),
        within=_pct(facts.within_share),
        largest=_join([t(f"macro.{m}", lang) for m in facts.largest], lang),
        largest_share=_pct(shares[facts.largest[0]]),
    )
    return Finding(key, text, facts)


# --------------------------------------------------------------------------------------------- σ-convergence
@dataclass(frozen=True)
class SigmaFacts:
    start: int
    end: int
    cv_start: float
    cv_end: float
    units: int  # provinces with a value in every year
    dropped: tuple[str, ...]  # provinces left out because they miss a year

    @property
    def direction(self) -> str:
        change = round(self.cv_end, CV_DIGITS) - round(self.cv_start, CV_DIGITS)
        return "fell" if change < 0 else "rose" if change > 0 else "same"


def balanced_panel(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The mainland provinces with a value in every year of the frame, and the adcodes left out."""
    data = regional.mainland(frame).filter(pl.col(column).is_not_null() & pl.col(column).is_not_nan())
    years = frame["year"].n_unique()
    complete = data.group_by("adcode").agg(pl.col("year").n_unique().alias("years"))
    kept = complete.filter(pl.col("years") == years)["adcode"]
    present = set(regional.mainland(frame)["adcode"].to_list())
    dropped = tuple(sorted(present - set(kept.to_list())))
    return data.filter(pl.col("adcode").is_in(kept.implode())), dropped


def sigma_panel(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, tuple[str, ...]] | None:
    """The σ table (year, n, mean, sd, cv, gini, theil) on the balanced panel and the provinces dropped; None
    with fewer than two years or fewer than MIN_UNITS provinces in every year."""
    panel, dropped = balanced_panel(frame, column)
    if panel["adcode"].n_unique() < regional.MIN_UNITS or panel["year"].n_unique() < 2:
        return None
    try:
        return convergence.sigma_convergence(panel, value=column), dropped
    except ValueError:  # negative values or a non-positive mean: dispersion ratios are undefined
        return None


def sigma_facts(table: pl.DataFrame, dropped: tuple[str, ...]) -> SigmaFacts | None:
    first, last = table.row(0, named=True), table.row(-1, named=True)
    if not (math.isfinite(first["cv"]) and math.isfinite(last["cv"])):
        return None
    return SigmaFacts(first["year"], last["year"], first["cv"], last["cv"], first["n"], dropped)


def sigma_finding(facts: SigmaFacts, lang: str) -> Finding:
    key = f"regional.sigma_{facts.direction}"
    text = t(
        key,
        lang,
        start=facts.start,
        end=facts.end,
        cv_start=f"{facts.cv_start:.{CV_DIGITS}f}",
        cv_end=f"{facts.cv_end:.{CV_DIGITS}f}",
        units=facts.units,
    )
    if facts.dropped:
        text += t(
            "regional.sigma_dropped",
            lang,
            n=len(facts.dropped),
            dropped=_join([region_name(a, lang) for a in facts.dropped], lang),
        )
    return Finding(key, text, facts)


# --------------------------------------------------------------------------------------------- β-convergence
@dataclass(frozen=True)
class BetaFacts:
    start: int
    end: int
    provinces: int
    beta: float
    p_value: float
    half_life: float | None
    converging: bool  # β < 0 and p < SIGNIFICANCE
    leaders: tuple[tuple[str, float], ...]  # fastest annual growth first
    all_fell: bool


def beta_facts(beta: convergence.BetaResult, top: int = 2) -> BetaFacts | None:
    """None when the regression is undefined (every province starting at the same level)."""
    if not math.isfinite(beta.p_value):
        return None
    ordered = beta.points.sort(["growth", "adcode"], descending=[True, False])
    leaders = ordered.head(top)
    return BetaFacts(
        start=beta.start_year,
        end=beta.end_year,
        provinces=beta.n,
        beta=beta.beta,
        p_value=beta.p_value,
        half_life=beta.half_life,
        converging=beta.converging and beta.p_value < SIGNIFICANCE,
        leaders=tuple(zip(leaders["adcode"].to_list(), leaders["growth"].to_list(), strict=True)),
        all_fell=bool(ordered["growth"].max() < 0),  # type: ignore[operator]
    )


def beta_finding(facts: BetaFacts, lang: str) -> Finding:
    listed = _join(
        [
            t("finding.growth_item", lang, region=region_name(a, lang), growth=signed(g * 100))
            for a, g in facts.leaders
            if facts.all_fell or g > 0
        ],
        lang,
    )
    if facts.beta > 0 and facts.p_value < SIGNIFICANCE:  # the leaders pulled further ahead: say so, not "no sign"
        key = "regional.beta_diverging"
    elif not facts.converging:
        key = "regional.beta_not"
    else:  # without a half-life when 1 + βT ≤ 0: the laggards overtook the leaders within the period
        key = "regional.beta_converging" if facts.half_life else "regional.beta_overtaking"
    leaders_key = "regional.beta_least_decline" if facts.all_fell else "regional.beta_fastest"
    text = t(
        key,
        lang,
        beta=f"{facts.beta:.4f}",
        p=p_text(facts.p_value),
        half_life=_years(facts.half_life) if facts.half_life else t("value.missing", lang),
    )
    if listed:  # nobody grew and nobody fell: there is no leader to name
        text += t(leaders_key, lang, listed=listed)
    return Finding(key, text, facts)


@dataclass(frozen=True)
class CatchingUpFacts:
    west_growth: float  # mean annual growth of the western provinces
    east_growth: float
    west_start: float  # mean initial level
    east_start: float
    p_value: float  # Welch's t-test of the growth rates


def catching_up_facts(beta: convergence.BetaResult, frame: pl.DataFrame, column: str) -> CatchingUpFacts | None:
    """The West is catching up when it started lower and grows faster on average; None otherwise."""
    points = regional.mainland(beta.points)
    west = points.filter(pl.col("macro_region") == "west")["growth"]
    east = points.filter(pl.col("macro_region") == "east")["growth"]
    if west.is_empty() or east.is_empty():
        return None
    growth = overview.group_difference(west, east)
    start = overview.macro_region_difference(frame, beta.start_year, "west", "east", column)
    if not (growth.difference > 0 and start.difference < 0):
        return None
    return CatchingUpFacts(growth.mean_a, growth.mean_b, start.mean_a, start.mean_b, growth.p_value)


def catching_up_finding(facts: CatchingUpFacts, lang: str) -> Finding:
    key = "regional.west_catching_up"
    text = t(key, lang, west=_pct(facts.west_growth), east=_pct(facts.east_growth)) + _significance(facts.p_value, lang)
    return Finding(key, text, facts)


# --------------------------------------------------------------------------------------------- Moran's I
@dataclass(frozen=True)
class MoranFacts:
    i: float
    p_value: float
    permutations: int
    pattern: str  # clustered (I > 0, significant), dispersed (I < 0, significant) or none


def moran_facts(i: float, p_value: float, permutations: int) -> MoranFacts:
    significant = p_value < SIGNIFICANCE
    pattern = "clustered" if significant and i > 0 else "dispersed" if significant and i < 0 else "none"
    return MoranFacts(i, p_value, permutations, pattern)


def moran_finding(facts: MoranFacts, lang: str) -> Finding:
    meaning = t(f"regional.moran_{facts.pattern}", lang)
    key = "regional.moran_sentence"
    text = t(key, lang, i=f"{facts.i:.3f}", p=p_text(facts.p_value), permutations=facts.permutations, meaning=meaning)
    return Finding(f"regional.moran_{facts.pattern}", text, facts)


@dataclass(frozen=True)
class LisaFacts:
    provinces: int
    significant: int  # after Benjamini-Hochberg control of the false discovery rate
    significant_uncorrected: int


def lisa_facts(lisa: pl.DataFrame) -> LisaFacts:
    return LisaFacts(
        provinces=lisa.height,
        significant=int((lisa["category"] != "not_significant").sum()),
        significant_uncorrected=int((lisa["p_sim"] < SIGNIFICANCE).sum()),
    )


def lisa_finding(facts: LisaFacts, lang: str) -> Finding:
    key = "regional.lisa_fdr"
    text = t(
        key,
        lang,
        provinces=facts.provinces,
        significant=facts.significant,
        uncorrected=facts.significant_uncorrected,
        level=f"{SIGNIFICANCE * 100:.0f}",
    )
    return Finding(key, text, facts)


def _years(years: float) -> str:
    """A half-life as a reader takes it: whole years from 10 on, two significant digits below (a fast convergence
    has a half-life of 0.31 years, never "about 0 years")."""
    return f"{years:.0f}" if years >= 10 else f"{years:.2g}"
