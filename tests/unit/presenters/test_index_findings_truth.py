"""The overview's and the regional page's sentences say only what their facts show, and the facts are right.

Every finding key of the two pages must be produced by some dataset here (normal, reversed, tied, declining,
partial, gappy, generated), and every produced finding is checked against a computation written here, on the
same frame, without the code under test: which side is larger, the sign of a change, the ties, the significance.
"""

from __future__ import annotations

import math
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from digigov.findings import Finding, p_text
from digigov.i18n import catalog, t
from digigov.presenters.overview_findings import overview_findings
from digigov.presenters.regional import regional_findings
from digigov.regions import load_gazetteer

MAINLAND = {r.adcode: r.macro_region for r in load_gazetteer().provinces(counted_in_31_only=True)}
ADCODES = sorted(MAINLAND)
DIMENSIONS = ("organisation", "institutions", "capacity", "effect")

# The keys whose wording is a finding (clauses and list items are checked with the sentence they belong to).
FINDING_KEYS = {
    "finding.top_bottom",
    "finding.top_bottom_no_ratio",
    "finding.all_equal",
    "finding.east_above_west",
    "finding.west_above_east",
    "finding.east_west_equal",
    "finding.west_polarised",
    "finding.fastest",
    "finding.least_decline",
    "finding.no_growth",
    "regional.theil_sentence",
    "regional.theil_sentence_tied",
    "regional.sigma_fell",
    "regional.sigma_rose",
    "regional.sigma_same",
    "regional.beta_converging",
    "regional.beta_not",
    "regional.beta_overtaking",
    "regional.beta_diverging",
    "regional.west_catching_up",
    "regional.moran_clustered",
    "regional.moran_dispersed",
    "regional.moran_none",
    "regional.lisa_fdr",
}


def frame_of(values: dict[int, dict[str, float | None]]) -> pl.DataFrame:
    """{year: {adcode: index}} as a province-index table (the dimensions equal the index)."""
    rows = [
        {"adcode": a, "year": y, "index": v, **{d: v for d in DIMENSIONS}}
        for y, by_unit in values.items()
        for a, v in by_unit.items()
    ]
    schema = {"adcode": pl.String, "year": pl.Int64, "index": pl.Float64, **{d: pl.Float64 for d in DIMENSIONS}}
    return pl.DataFrame(rows, schema=schema)


def level(adcode: str, east: float, west: float, other: float) -> float:
    return {"east": east, "west": west}.get(MAINLAND[adcode], other)


def east_high(years=(2020, 2024), growth=0.05) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    base = {a: level(a, 80, 55, 65) + rng.normal(0, 4) for a in ADCODES}
    return frame_of({y: {a: v * (1 + growth) ** (y - years[0]) for a, v in base.items()} for y in years})


def reversed_pattern() -> pl.DataFrame:
    """The West above the East, the East growing faster: every ordering of the samples turned round."""
    rng = np.random.default_rng(2)
    base = {a: level(a, 50, 80, 65) + rng.normal(0, 3) for a in ADCODES}
    rate = {a: 0.06 if MAINLAND[a] == "east" else 0.01 for a in ADCODES}
    return frame_of({y: {a: v * (1 + rate[a]) ** (y - 2020) for a, v in base.items()} for y in (2020, 2024)})


def tied() -> pl.DataFrame:
    return frame_of({y: dict.fromkeys(ADCODES, 60.0) for y in (2020, 2024)})


def declining() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return frame_of(
        {
            2020: {a: 70 + rng.normal(0, 5) for a in ADCODES},
            2024: {a: 50 + rng.normal(0, 5) for a in ADCODES},
        }
    )


def polarised_west() -> pl.DataFrame:
    """Sichuan and Guizhou in the top ten, Xizang last: the samples' pattern, built here."""
    values = {a: level(a, 75, 55, 62) for a in ADCODES}
    values |= {"510000": 90.0, "520000": 89.0, "540000": 30.0}
    return frame_of({2024: values})


def dispersed() -> pl.DataFrame:
    """A checkerboard: neighbours differ (negative spatial autocorrelation)."""
    from digigov.analysis.spatial import queen_weights

    neighbours = queen_weights(ADCODES).w.neighbors
    colour: dict[str, int] = {}
    for a in ADCODES:  # greedy two-colouring, good enough to make neighbours mostly differ
        used = {colour[n] for n in neighbours[a] if n in colour}
        colour[a] = 0 if 0 not in used else 1
    return frame_of({2024: {a: 90.0 if colour[a] else 40.0 for a in ADCODES}})


def gappy() -> pl.DataFrame:
    """Ten provinces report only in the last year: a balanced panel must leave them out of σ."""
    late = set(ADCODES[:10])
    first = {a: v for a, v in east_high().filter(pl.col("year") == 2020).select("adcode", "index").iter_rows()}
    last = {a: v for a, v in east_high().filter(pl.col("year") == 2024).select("adcode", "index").iter_rows()}
    return frame_of({2020: {a: v for a, v in first.items() if a not in late}, 2024: last})


def catching_up() -> pl.DataFrame:
    """The East high and slow, the West low and fast."""
    rng = np.random.default_rng(4)
    base = {a: level(a, 80, 50, 65) + rng.normal(0, 3) for a in ADCODES}
    rate = {a: {"east": 0.01, "west": 0.08}.get(MAINLAND[a], 0.04) for a in ADCODES}
    return frame_of({y: {a: v * (1 + rate[a]) ** (y - 2020) for a, v in base.items()} for y in (2020, 2024)})


def pulling_ahead() -> pl.DataFrame:
    """The higher a province starts, the faster it grows: the gap widens (beta divergence)."""
    rng = np.random.default_rng(6)
    base = {a: 40 + 40 * rng.random() for a in ADCODES}
    return frame_of(
        {
            y: {a: v * (1 + (v - 40) / 800 + rng.normal(0, 0.001)) ** (y - 2020) for a, v in base.items()}
            for y in (2020, 2024)
        }
    )


def noise() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    return frame_of({2024: {a: 60 + rng.normal(0, 10) for a in ADCODES}})


def two_regions_alike() -> pl.DataFrame:
    """Three eastern and three western provinces with the same values: their within parts tie."""
    east, west = ["110000", "310000", "330000"], ["510000", "520000", "530000"]
    return frame_of({2024: dict(zip(east + west, [50.0, 60.0, 70.0] * 2, strict=True))})


SCENARIOS = {
    "catching_up": catching_up,
    "pulling_ahead": pulling_ahead,
    "noise": noise,
    "two_regions_alike": two_regions_alike,
    "east_high": east_high,
    "reversed": reversed_pattern,
    "tied": tied,
    "tied_at_one": lambda: frame_of({2015: dict.fromkeys(ADCODES, 1.0)}),  # Theil 1e-17 from rounding, not 0
    "declining": declining,
    "polarised_west": polarised_west,
    "dispersed": dispersed,
    "gappy": gappy,
    "three_provinces": lambda: frame_of({2024: {"310000": 90.0, "330000": 80.0, "510000": 70.0}}),
    "one_year": lambda: east_high(years=(2024,)),
    "with_nulls": lambda: east_high().with_columns(
        pl.when(pl.col("adcode").is_in(["110000", "650000"])).then(None).otherwise(pl.col("index")).alias("index")
    ),
    "zero_floor": lambda: frame_of({2024: {a: (0.0 if a == "540000" else level(a, 80, 55, 65)) for a in ADCODES}}),
}


# --------------------------------------------------------------------------------------------- the check
def latest(frame: pl.DataFrame) -> int:
    return int(frame["year"].max())


def values_in(frame: pl.DataFrame, year: int) -> dict[str, float]:
    rows = frame.filter(pl.col("year") == year).select("adcode", "index").iter_rows()
    return {a: v for a, v in rows if v is not None and not math.isnan(v)}


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def check_finding(finding: Finding, frame: pl.DataFrame, year: int, lang: str = "zh") -> None:  # noqa: C901 - one case per key
    """The finding's key and facts agree with what is computed here from the frame."""
    facts, key = finding.facts, finding.key
    now = values_in(frame, year)
    assert "+-" not in finding.text and "⟦" not in finding.text
    assert not re.search(r"\b(nan|inf|None)\b", finding.text, re.IGNORECASE), finding.text
    if key.startswith("finding.top_bottom") or key == "finding.all_equal":
        high, low = max(now.values()), min(now.values())
        assert set(facts.top) == {a for a, v in now.items() if v == high}
        assert set(facts.bottom) == {a for a, v in now.items() if v == low}
        assert (key == "finding.all_equal") == (high == low)
        assert (key == "finding.top_bottom") == (high != low and low > 0)
    elif key in ("finding.east_above_west", "finding.west_above_east", "finding.east_west_equal"):
        east = [v for a, v in now.items() if MAINLAND.get(a) == "east"]
        west = [v for a, v in now.items() if MAINLAND.get(a) == "west"]
        gap = round(mean(east) - mean(west), 1)
        assert (
            key
            == {1: "finding.east_above_west", -1: "finding.west_above_east", 0: "finding.east_west_equal"}[
                (gap > 0) - (gap < 0)
            ]
        )
        if gap and len(east) > 1 and len(west) > 1 and (np.std(east) > 0 or np.std(west) > 0):
            p = stats.ttest_ind(east, west, equal_var=False).pvalue
            assert facts.p_value == pytest.approx(p)
            clause = "finding.significant" if p < 0.05 else "finding.not_significant"
            assert finding.text.endswith(t(clause, lang, p=p_text(p)))
    elif key == "finding.west_polarised":
        ranked = sorted(now, key=lambda a: (-now[a], a))
        ranks = {a: 1 + sum(now[b] > now[a] for b in now) for a in now}
        west_ranks = [ranks[a] for a in ranked if MAINLAND.get(a) == "west"]
        assert len(now) >= 20 and min(west_ranks) <= 10 and max(west_ranks) >= len(now) - len(now) // 3 + 1
    elif key in ("finding.fastest", "finding.least_decline", "finding.no_growth"):
        first = values_in(frame, facts.start)
        growth = {a: now[a] / first[a] - 1 for a in now if a in first and first[a] > 0}
        assert (key == "finding.least_decline") == (max(growth.values()) < 0)
        assert (key == "finding.no_growth") == (max(growth.values()) == 0)
        best = sorted(growth, key=lambda a: (-growth[a], a))[: len(facts.leaders)]
        assert [a for a, _ in facts.leaders] == best
        for a, g in facts.leaders:
            assert g == pytest.approx(growth[a])
    elif key.startswith("regional.theil_sentence"):
        check_theil(finding, now)
    elif key.startswith("regional.sigma_"):
        check_sigma(finding, frame)
    elif key.startswith("regional.beta_"):
        check_beta(finding, frame)
    elif key == "regional.west_catching_up":
        assert facts.west_growth > facts.east_growth and facts.west_start < facts.east_start
    elif key.startswith("regional.moran_"):
        pattern = key.removeprefix("regional.moran_")
        significant = facts.p_value < 0.05
        expected = "none"
        if significant:
            expected = "clustered" if facts.i > 0 else "dispersed"
        assert pattern == expected
    elif key == "regional.lisa_fdr":
        assert facts.significant <= facts.significant_uncorrected <= facts.provinces
    else:
        raise AssertionError(f"no check for {key}")


def check_theil(finding: Finding, now: dict[str, float]) -> None:
    mainland = {a: v for a, v in now.items() if a in MAINLAND}
    total_value = sum(mainland.values())
    mu = mean(mainland.values())
    total = mean((v / mu) * math.log(v / mu) for v in mainland.values() if v > 0)
    contributions = {}
    for group in {MAINLAND[a] for a in mainland}:
        part = [v for a, v in mainland.items() if MAINLAND[a] == group]
        g_mean = mean(part)
        theil_g = mean((v / g_mean) * math.log(v / g_mean) for v in part if v > 0)
        contributions[group] = sum(part) / total_value * theil_g / total
    top = max(round(c * 100, 1) for c in contributions.values())
    assert set(finding.facts.largest) == {g for g, c in contributions.items() if round(c * 100, 1) == top}
    assert (finding.key == "regional.theil_sentence") == (len(finding.facts.largest) == 1)


def check_sigma(finding: Finding, frame: pl.DataFrame) -> None:
    years = sorted(frame["year"].unique().to_list())
    per_year = [values_in(frame, y) for y in years]
    panel = set(MAINLAND).intersection(*[set(v) for v in per_year])
    cv = [np.std([v[a] for a in panel]) / mean(v[a] for a in panel) for v in per_year]
    change = round(cv[-1], 3) - round(cv[0], 3)
    assert finding.key == "regional.sigma_" + ("fell" if change < 0 else "rose" if change > 0 else "same")
    assert finding.facts.units == len(panel)
    reporting = {a for v in per_year for a in v if a in MAINLAND} | {a for a in frame["adcode"] if a in MAINLAND}
    assert set(finding.facts.dropped) == reporting - panel


def check_beta(finding: Finding, frame: pl.DataFrame) -> None:
    facts = finding.facts
    first, last = values_in(frame, facts.start), values_in(frame, facts.end)
    both = [a for a in MAINLAND if a in first and a in last and first[a] > 0 and last[a] > 0]
    x = [math.log(first[a]) for a in both]
    g = [math.log(last[a] / first[a]) / (facts.end - facts.start) for a in both]
    fit = stats.linregress(x, g)
    assert facts.beta == pytest.approx(fit.slope, abs=1e-9)
    significant = fit.pvalue < 0.05
    assert (finding.key == "regional.beta_diverging") == (fit.slope > 0 and significant)  # the gap widens
    assert (finding.key == "regional.beta_not") == (not significant or fit.slope == 0)
    overshoot = 1 + fit.slope * (facts.end - facts.start) <= 0
    assert (finding.key == "regional.beta_overtaking") == (fit.slope < 0 and fit.pvalue < 0.05 and overshoot)


def findings_of(frame: pl.DataFrame, lang: str = "zh") -> list[Finding]:
    year = latest(frame)
    return overview_findings(frame, year, lang) + regional_findings(frame, year, lang)


# --------------------------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_finding_agrees_with_the_frame(name, lang):
    frame = SCENARIOS[name]()
    for finding in findings_of(frame, lang):
        check_finding(finding, frame, latest(frame), lang)


def test_every_finding_key_is_produced_and_checked():
    """Each wording of the catalog is reached by some dataset above, so none is unchecked."""
    produced = {f.key for make in SCENARIOS.values() for f in findings_of(make())}
    assert FINDING_KEYS - produced == set()
    assert set(catalog()) >= FINDING_KEYS
    # and no finding-looking key of the two pages is left out of FINDING_KEYS
    finding_like = {k for k in catalog() if re.fullmatch(r"finding\.[a-z_]+", k)} - {
        "finding.rank_item",
        "finding.growth_item",
        "finding.significant",
        "finding.not_significant",
        "finding.untested",
        "finding.offline_spread",
        "finding.offline_equal",
        "finding.open_data",
    }
    assert finding_like <= FINDING_KEYS


def test_reversed_data_reverse_the_sentences():
    normal = {f.key for f in findings_of(catching_up())}
    turned = {f.key for f in findings_of(reversed_pattern())}
    assert "finding.east_above_west" in normal and "finding.west_above_east" in turned
    assert "regional.west_catching_up" in normal and "regional.west_catching_up" not in turned
    texts = " ".join(f.text for f in findings_of(reversed_pattern()))
    assert "西部地区平均指数" in texts and "东部地区平均指数" not in texts


def test_the_samples_conclusions_are_not_printed_on_tied_data():
    texts = " ".join(f.text for f in findings_of(tied()))
    for claim in ("贡献最大", "两极分化", "增长最快", "差异在缩小", "高 "):
        assert claim not in texts, claim
    assert "相同" in texts


def test_declines_carry_their_sign():
    growth = next(f for f in findings_of(declining()) if f.key == "finding.least_decline")
    assert re.search(r"（-\d+\.\d%）", growth.text), growth.text
    assert "增长最快" not in growth.text


def test_sigma_reads_a_balanced_panel_and_names_who_was_left_out():
    sigma = next(f for f in findings_of(gappy()) if f.key.startswith("regional.sigma_"))
    assert sigma.facts.units == 21 and len(sigma.facts.dropped) == 10
    assert "未计入" in sigma.text and "10 个省份" in sigma.text


# --------------------------------------------------------------------------------------------- generated data
@st.composite
def index_frames(draw) -> pl.DataFrame:
    """Partial coverage, one to four years with gaps, nulls, ties (values on a coarse grid), any pattern."""
    units = draw(st.lists(st.sampled_from(ADCODES), min_size=1, max_size=31, unique=True))
    years = draw(st.lists(st.integers(2018, 2024), min_size=1, max_size=4, unique=True))
    value = st.one_of(st.none(), st.integers(0, 40).map(lambda v: 20.0 + v * 2.0), st.floats(1, 100))
    return frame_of({y: {a: draw(value) for a in units} for y in sorted(years)})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=index_frames())
def test_generated_index_findings_agree_with_the_frame(frame):
    if not values_in(frame, latest(frame)):
        assert findings_of(frame) == [] or all(f.key.startswith("regional.") for f in findings_of(frame))
        return
    for finding in findings_of(frame):
        check_finding(finding, frame, latest(frame))
