"""Inequality measures for regional gaps: Gini, Theil T (with its group decomposition), Dagum's Gini
decomposition, coefficient of variation and the max/min ratio.

Conventions shared by every function here:

* ``values`` may be a list, a numpy array or a polars Series. Missing observations (``None``, polars
  null, ``NaN``) are **dropped** before anything is computed, together with their group label and
  weight; an observation whose group label or weight is missing is dropped too. What is left must be
  non-empty and finite, otherwise ``ValueError``.
* The measures describe the distribution of a non-negative attainment (an index score, GDP per head),
  so negative values raise ``ValueError`` and so does a mean that is not positive.
* Every unit counts once unless ``weights`` are given; weights are population-like sizes and are
  rescaled to shares that sum to 1, so only their ratios matter.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

ArrayLike = Sequence[float | None] | np.ndarray | pl.Series


# -- input handling ------------------------------------------------------------------------------
def _to_float_array(values: Any, what: str) -> np.ndarray:
    if isinstance(values, pl.Series):
        # Casting first turns polars nulls into NaN on the way to numpy, so one rule (drop NaN) covers both.
        return values.cast(pl.Float64).to_numpy().astype(float, copy=True)
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric: {exc}") from exc
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {array.shape}")
    return array.copy()


def _to_labels(groups: Any, n: int) -> list[Hashable | None]:
    labels = groups.to_list() if isinstance(groups, pl.Series) else list(groups)
    if len(labels) != n:
        raise ValueError(f"groups has {len(labels)} labels for {n} values")
    return labels


def _is_missing_label(label: object) -> bool:
    return label is None or (isinstance(label, float) and math.isnan(label))


def _clean(
    values: Any, weights: Any = None, groups: Any = None
) -> tuple[np.ndarray, np.ndarray | None, list[Hashable] | None]:
    """Drop missing observations; validate what is left (non-empty, finite, non-negative, positive mean)."""
    x = _to_float_array(values, "values")
    keep = ~np.isnan(x)
    w = None
    if weights is not None:
        w = _to_float_array(weights, "weights")
        if w.shape != x.shape:
            raise ValueError(f"weights has {w.size} entries for {x.size} values")
        keep &= ~np.isnan(w)
    labels = None
    if groups is not None:
        labels = _to_labels(groups, x.size)
        keep &= np.array([not _is_missing_label(g) for g in labels], dtype=bool)
    x = x[keep]
    _check_values(x)
    if w is not None:
        w = _normalised_weights(w[keep])
    if labels is not None:
        labels = [g for g, k in zip(labels, keep, strict=True) if k]
    mean = float(np.dot(w, x)) if w is not None else float(x.mean())
    if mean <= 0:
        raise ValueError("the mean must be positive")
    return x, w, labels


def _check_values(x: np.ndarray) -> None:
    if x.size == 0:
        raise ValueError("no observations left after dropping missing values")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    if np.any(x < 0):
        raise ValueError("values must be non-negative (these measures describe a non-negative attainment)")


def _normalised_weights(w: np.ndarray) -> np.ndarray:
    """The kept weights, checked (finite, non-negative, not all zero) and scaled to sum to 1."""
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError("weights must not all be zero")
    return w / w.sum()


def _group_order(labels: Iterable[Hashable]) -> list[Hashable]:
    # Order of first appearance: deterministic and follows the caller's own ordering of the data.
    return list(dict.fromkeys(labels))


# -- Gini ----------------------------------------------------------------------------------------
def _gini_array(x: np.ndarray, p: np.ndarray | None = None) -> float:
    """Gini of clean data; p are population shares summing to 1 (None = equal shares)."""
    n = x.size
    if p is None:
        p = np.full(n, 1.0 / n)
    order = np.argsort(x, kind="stable")
    xs, ps = x[order], p[order]
    mean = float(np.dot(ps, xs))
    if mean == 0:
        return 0.0  # only possible inside a Dagum group of zeros: all equal, no inequality
    # Σ_i Σ_j p_i p_j |x_i − x_j| = 2 Σ_i p_i x_i (P_below(i) − P_above(i)) for sorted x: each unit
    # adds its value once for every unit below it and subtracts it once for every unit above it.
    # Tied values cancel whichever way they are ordered, so the stable sort needs no tie rule.
    cum = np.cumsum(ps)
    below = cum - ps
    above = 1.0 - cum
    g = float(np.dot(ps * xs, below - above)) / mean
    # Rounding can leave -1e-17 for perfectly equal data; the Gini is non-negative by definition.
    return max(g, 0.0)


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient.

    Formula (mean absolute difference over twice the mean)::

        G = Σ_i Σ_j p_i p_j |x_i − x_j| / (2 μ),   μ = Σ_i p_i x_i

    where p_i are population shares (weights rescaled to sum to 1) or 1/n when ``weights`` is None.
    Without weights this is Σ_i Σ_j |x_i − x_j| / (2 n² μ), the same convention as PySAL's
    ``inequality.gini.Gini`` (pairs include i = j; no n/(n−1) small-sample correction), so G lies in
    [0, 1 − 1/n] for n equally weighted units and is 0 only when all values are equal.

    Missing values (and their weights) are dropped. Raises ValueError on empty input, negative
    values or a non-positive mean. Computed in O(n log n) from the sorted values.
    """
    x, w, _ = _clean(values, weights)
    return _gini_array(x, w)


# -- Theil T -------------------------------------------------------------------------------------
def _xlogx_ratio(x: np.ndarray, mean: float) -> np.ndarray:
    """(x/μ)·ln(x/μ) with the limit 0·ln 0 = 0, so zero values are allowed."""
    r = x / mean
    out = np.zeros_like(r)
    positive = r > 0
    out[positive] = r[positive] * np.log(r[positive])
    return out


def _theil_array(x: np.ndarray, p: np.ndarray) -> float:
    mean = float(np.dot(p, x))
    return float(np.dot(p, _xlogx_ratio(x, mean)))


@dataclass(frozen=True)
class TheilGroup:
    """One group's part of a Theil decomposition.

    ``theil`` is Theil T computed inside the group alone; ``contribution`` = value share × ``theil`` is
    what the group adds to the within-group term; ``share_of_total`` = contribution / total Theil.
    """

    name: Hashable
    n: int
    population_share: float
    value_share: float
    mean: float
    theil: float
    contribution: float
    share_of_total: float


@dataclass(frozen=True)
class TheilResult:
    """Theil T and its exact decomposition total = between + within.

    Shares are NaN when the total is 0 (all values equal): there is no inequality to apportion.
    """

    total: float
    between: float
    within: float
    groups: tuple[TheilGroup, ...]

    @property
    def between_share(self) -> float:
        return self.between / self.total if self.total > 0 else math.nan

    @property
    def within_share(self) -> float:
        return self.within / self.total if self.total > 0 else math.nan


def theil(values: ArrayLike, groups: ArrayLike | None = None, weights: ArrayLike | None = None) -> TheilResult:
    """Theil T index with its between/within-group decomposition.

    Formulas, with population shares p_i (weights rescaled to sum 1, or 1/n) and μ = Σ p_i x_i::

        T       = Σ_i p_i (x_i/μ) ln(x_i/μ)
        P_g     = Σ_{i∈g} p_i,     μ_g = Σ_{i∈g} p_i x_i / P_g,     S_g = P_g μ_g / μ  (value share)
        T_g     = Σ_{i∈g} (p_i/P_g) (x_i/μ_g) ln(x_i/μ_g)           (Theil inside group g)
        between = Σ_g S_g ln(μ_g/μ)
        within  = Σ_g S_g T_g

    and T = between + within holds exactly (checked to 1e-12 in the tests; the three terms are computed
    independently, not one as the difference of the others). Unweighted, T = Σ s_i ln(n s_i) with
    s_i = x_i/Σx, which is PySAL's ``inequality.theil.Theil``; ``between`` equals ``TheilD.bg``.

    Zero values are allowed (0·ln 0 = 0). Without ``groups`` all units form one group named "all", so
    between = 0 and within = total. Groups are listed in order of first appearance. Observations with a
    missing value, weight or group label are dropped.
    """
    x, w, labels = _clean(values, weights, groups)
    p = w if w is not None else np.full(x.size, 1.0 / x.size)
    mean = float(np.dot(p, x))
    total = _theil_array(x, p)
    names: list[Hashable] = ["all"] if labels is None else _group_order(labels)
    label_array = np.array(["all"] * x.size if labels is None else labels, dtype=object)
    parts: list[tuple[Hashable, int, float, float, float, float]] = []
    between = 0.0
    within = 0.0
    for name in names:
        member = label_array == name
        pg = float(p[member].sum())
        if pg <= 0:
            # A group whose units all carry zero population weight holds no one; it cannot add inequality.
            parts.append((name, int(member.sum()), 0.0, 0.0, math.nan, 0.0))
            continue
        mean_g = float(np.dot(p[member], x[member])) / pg
        share_g = pg * mean_g / mean
        theil_g = _theil_array(x[member], p[member] / pg) if mean_g > 0 else 0.0
        if mean_g > 0:
            between += share_g * math.log(mean_g / mean)
        within += share_g * theil_g
        parts.append((name, int(member.sum()), pg, share_g, mean_g, theil_g))
    group_results = tuple(
        TheilGroup(
            name=name,
            n=n,
            population_share=pg,
            value_share=sg,
            mean=mg,
            theil=tg,
            contribution=sg * tg,
            share_of_total=(sg * tg / total) if total > 0 else math.nan,
        )
        for name, n, pg, sg, mg, tg in parts
    )
    return TheilResult(total=total, between=between, within=within, groups=group_results)


# -- Dagum's decomposition of the Gini -----------------------------------------------------------
def _pair_moments(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Σ_{i,r} max(a_i − b_r, 0), Σ_{i,r} max(b_r − a_i, 0)) in O((n+m) log m) via sorted cumulative sums."""
    bs = np.sort(b)
    cum = np.concatenate(([0.0], np.cumsum(bs)))
    k = np.searchsorted(bs, a, side="left")  # number of b strictly below each a_i
    sum_below = cum[k]
    above_count = bs.size - k
    sum_above = cum[-1] - sum_below
    positive = float(np.sum(a * k - sum_below))  # a_i exceeds each of the k smaller b values
    negative = float(np.sum(sum_above - a * above_count))  # ties in "above" add 0, so side="left" is safe
    return positive, negative


@dataclass(frozen=True)
class DagumGroup:
    """One group: size, mean, its own Gini G_jj, population share p_j, value share s_j and the term
    p_j·s_j·G_jj it adds to the within-group component Gw."""

    name: Hashable
    n: int
    mean: float
    gini: float
    population_share: float
    value_share: float
    contribution: float


@dataclass(frozen=True)
class DagumPair:
    """A pair of groups j (higher mean) and h (lower mean).

    ``gini`` is the between-group Gini G_jh; ``d`` the gross economic affluence d_jh (mean of
    y_j − y_h over pairs where the j unit is ahead), ``p`` the transvariation p_jh (mean of y_h − y_j
    where the h unit is ahead), ``relative_affluence`` D_jh = (d_jh − p_jh)/(d_jh + p_jh);
    ``net_contribution`` and ``transvariation_contribution`` are the pair's terms in Gnb and Gt.
    """

    high: Hashable
    low: Hashable
    gini: float
    d: float
    p: float
    relative_affluence: float
    net_contribution: float
    transvariation_contribution: float


@dataclass(frozen=True)
class DagumResult:
    """Dagum decomposition G = Gw + Gnb + Gt, with groups ordered by ascending mean."""

    total: float
    within: float
    net_between: float
    transvariation: float
    groups: tuple[DagumGroup, ...]
    pairs: tuple[DagumPair, ...]

    @property
    def gross_between(self) -> float:
        """Gb = Gnb + Gt, all inequality between units of different groups."""
        return self.net_between + self.transvariation

    def _share(self, part: float) -> float:
        return part / self.total if self.total > 0 else math.nan

    @property
    def within_share(self) -> float:
        return self._share(self.within)

    @property
    def net_between_share(self) -> float:
        return self._share(self.net_between)

    @property
    def transvariation_share(self) -> float:
        return self._share(self.transvariation)

    def between_gini(self, a: Hashable, b: Hashable) -> float:
        """G_jh for two groups in either order; G_jj (the group's own Gini) when a == b."""
        if a == b:
            return next(g.gini for g in self.groups if g.name == a)
        for pair in self.pairs:
            if {pair.high, pair.low} == {a, b}:
                return pair.gini
        raise KeyError(f"no pair of groups {a!r}, {b!r}")


def dagum_gini(values: ArrayLike, groups: ArrayLike) -> DagumResult:
    """Dagum (1997) decomposition of the Gini coefficient by subgroups.

    With k groups of sizes n_j and means μ_j (n = Σ n_j, μ the overall mean), groups ordered so that
    μ_1 ≤ … ≤ μ_k, p_j = n_j/n and s_j = n_j μ_j/(n μ)::

        G    = Σ_j Σ_h Σ_i Σ_r |y_ji − y_hr| / (2 n² μ)              (= gini(values))
        G_jj = Σ_i Σ_r |y_ji − y_jr| / (2 n_j² μ_j)                 (within group j)
        G_jh = Σ_i Σ_r |y_ji − y_hr| / (n_j n_h (μ_j + μ_h))        (between groups j and h)
        d_jh = mean over pairs of max(y_ji − y_hr, 0)               (gross economic affluence, μ_j ≥ μ_h)
        p_jh = mean over pairs of max(y_hr − y_ji, 0)               (first moment of transvariation)
        D_jh = (d_jh − p_jh) / (d_jh + p_jh)                        (relative economic affluence)
        Gw   = Σ_j G_jj p_j s_j
        Gnb  = Σ_{j>h} G_jh (p_j s_h + p_h s_j) D_jh
        Gt   = Σ_{j>h} G_jh (p_j s_h + p_h s_j) (1 − D_jh)

    and G = Gw + Gnb + Gt exactly. Gnb is the part of the gap explained by group means differing; Gt is
    the part due to overlap (units of the poorer group ahead of units of the richer one). When
    d_jh + p_jh = 0 (all values of both groups equal) D_jh is set to 0; the pair adds nothing anyway
    since G_jh = 0. Units are equally weighted (Dagum's formulas use counts). With one group everything
    is within-group inequality. Missing values or labels are dropped.
    """
    x, _, labels = _clean(values, None, groups)
    assert labels is not None  # groups is required, so _clean returned labels
    n = x.size
    mean = float(x.mean())
    label_array = np.array(labels, dtype=object)
    members = {name: x[label_array == name] for name in _group_order(labels)}
    # Ordering by mean fixes which group of each pair is "j" (richer), so D_jh ≥ 0 and Gnb ≥ 0.
    # Ties are broken by first appearance (sorted() is stable); tied means give D_jh = 0 either way.
    ordered = sorted(members, key=lambda name: float(members[name].mean()))

    group_results = []
    for name in ordered:
        y = members[name]
        mean_g = float(y.mean())
        gini_g = _gini_array(y)  # equals Σ|y_i − y_r| / (2 n_j² μ_j)
        p_j, s_j = y.size / n, y.size * mean_g / (n * mean)
        group_results.append(
            DagumGroup(
                name=name,
                n=int(y.size),
                mean=mean_g,
                gini=gini_g,
                population_share=p_j,
                value_share=s_j,
                contribution=gini_g * p_j * s_j,
            )
        )
    by_name = {g.name: g for g in group_results}

    pair_results = []
    for j_index in range(1, len(ordered)):
        for h_index in range(j_index):
            gj, gh = by_name[ordered[j_index]], by_name[ordered[h_index]]
            yj, yh = members[gj.name], members[gh.name]
            ahead, behind = _pair_moments(yj, yh)
            pairs_count = yj.size * yh.size
            d_jh, p_jh = ahead / pairs_count, behind / pairs_count
            # Two all-zero groups (possible only when other groups carry the positive mean) do not differ.
            gini_jh = (ahead + behind) / (pairs_count * (gj.mean + gh.mean)) if gj.mean + gh.mean > 0 else 0.0
            big_d = (d_jh - p_jh) / (d_jh + p_jh) if d_jh + p_jh > 0 else 0.0
            weight = gj.population_share * gh.value_share + gh.population_share * gj.value_share
            pair_results.append(
                DagumPair(
                    high=gj.name,
                    low=gh.name,
                    gini=gini_jh,
                    d=d_jh,
                    p=p_jh,
                    relative_affluence=big_d,
                    net_contribution=gini_jh * weight * big_d,
                    transvariation_contribution=gini_jh * weight * (1.0 - big_d),
                )
            )

    return DagumResult(
        total=_gini_array(x),
        within=float(sum(g.contribution for g in group_results)),
        net_between=float(sum(p.net_contribution for p in pair_results)),
        transvariation=float(sum(p.transvariation_contribution for p in pair_results)),
        groups=tuple(group_results),
        pairs=tuple(pair_results),
    )


# -- simple dispersion measures ------------------------------------------------------------------
def coefficient_of_variation(values: ArrayLike, ddof: int = 0) -> float:
    """Coefficient of variation: standard deviation / mean.

    By default (``ddof=0``) the population standard deviation sqrt(Σ(x − μ)²/n) is used, the usual
    choice for σ-convergence over a fixed set of regions (they are the population, not a sample);
    pass ``ddof=1`` for the sample SD. Missing values are dropped; ValueError when empty, when
    n − ddof ≤ 0, on negative values or a non-positive mean.
    """
    x, _, _ = _clean(values)
    if x.size - ddof <= 0:
        raise ValueError(f"need more than {ddof} observations for ddof={ddof}")
    return float(x.std(ddof=ddof) / x.mean())


def max_min_ratio(values: ArrayLike) -> float:
    """Largest value divided by the smallest (≥ 1). Missing values are dropped; ValueError when empty,
    on negative values, a non-positive mean, or a minimum of 0 (the ratio is unbounded)."""
    x, _, _ = _clean(values)
    smallest = float(x.min())
    if smallest <= 0:
        raise ValueError("max/min ratio needs a positive minimum")
    return float(x.max()) / smallest
