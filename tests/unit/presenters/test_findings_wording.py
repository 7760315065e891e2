"""Wording at the edges Hypothesis found (CI, issue 16 session): a p just under 5 % and a significant divergence."""

from __future__ import annotations

import pytest

from digigov.findings import p_text
from digigov.presenters.regional_findings import BetaFacts, beta_finding


@pytest.mark.parametrize(
    ("p", "shown"),
    [(0.0496, "p < 0.050"), (0.04949, "p = 0.049"), (0.05, "p = 0.050"), (0.0504, "p = 0.050"), (0.0004, "p < 0.001")],
)
def test_a_p_value_is_never_printed_across_the_five_percent_line(p, shown):
    assert p_text(p) == shown


def facts(beta: float, p: float) -> BetaFacts:
    converging = beta < 0 and p < 0.05
    return BetaFacts(2018, 2024, 31, beta, p, 12.0 if converging else None, converging, (("520000", 0.06),), False)


@pytest.mark.parametrize(
    ("beta", "p", "key", "words"),
    [
        (0.02, 0.011, "regional.beta_diverging", "差距在扩大"),
        (0.02, 0.40, "regional.beta_not", "没有发现"),
        (-0.03, 0.40, "regional.beta_not", "没有发现"),
        (-0.03, 0.001, "regional.beta_converging", ""),
    ],
)
def test_the_beta_sentence_follows_sign_and_significance(beta, p, key, words):
    found = beta_finding(facts(beta, p), "zh")
    assert found.key == key and words in found.text
    english = beta_finding(facts(beta, p), "en").text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)


@pytest.mark.parametrize(("half_life", "shown"), [(0.31, "约 0.31 年"), (4.8, "约 4.8 年"), (12.4, "约 12 年")])
def test_a_fast_convergence_never_has_a_half_life_of_about_0_years(half_life, shown):
    """Hypothesis found "半衰期约 0 年" for β = -0.14 (the gap halves within months)."""
    fast = BetaFacts(2018, 2024, 31, -0.1429, 0.0496, half_life, True, (("370000", 0.048),), False)
    text = beta_finding(fast, "zh").text
    assert shown in text and "约 0 年" not in text
