"""Spatial autocorrelation of a provincial indicator: queen contiguity weights from the committed province
boundaries, global Moran's I and local Moran (LISA) clusters, computed with libpysal and esda.

Islands. Queen contiguity links provinces whose polygons share at least one boundary point; the province
layer is coverage-simplified, so shared borders coincide exactly and no snapping tolerance is needed.
A unit left without any land neighbour among the units analysed (海南 460000 and 台湾 710000 in the
full layer) is attached to its ``k`` nearest units (k = 1 by default), and the link is made symmetric
(the neighbour also gains the island), like ``libpysal.weights.util.attach_islands``. "Nearest" is by
default the shortest distance between the two boundaries in an equal-area projection, so a strait
counts as a short border: 海南 → 广东 (14 km across the Qiongzhou Strait), 台湾 → 福建. Centroid distance,
which ``island_distance="centroid"`` selects, would attach 海南 to 广西 instead (518 km vs 592 km between
centroids), because Guangdong's centroid lies far to the north-east. The attached links are reported in
every result. Weights are row-standardised after attachment.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import esda
import libpysal
import numpy as np
import polars as pl
from scipy import stats

from digigov.analysis.adjacency import province_adjacency

DEFAULT_SEED = 12345
LISA_CATEGORIES: tuple[str, ...] = ("high_high", "low_low", "high_low", "low_high", "not_significant")
IslandDistance = Literal["boundary", "centroid"]

# esda.Moran draws its permutations from numpy's global RNG and Moran_Local reseeds it. Streamlit
# runs sessions in threads, so seeding and drawing happen under one lock and the global state is
# restored afterwards: a fixed seed gives the same p-values and other code's random stream is untouched.
_RNG_LOCK = threading.Lock()
# esda.Moran_Local quadrant codes (PySAL scheme, geoda_quads=False).
_QUADRANTS = {1: "high_high", 2: "low_high", 3: "low_low", 4: "high_low"}


@dataclass(frozen=True)
class IslandLink:
    """An island (no land neighbour among the units analysed) and the nearest units it was attached to."""

    adcode: str
    neighbours: tuple[str, ...]
    distances_km: tuple[float, ...]


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Row-standardised queen contiguity weights with islands attached.

    ``w`` is a fresh libpysal W on every call of ``queen_weights`` (safe to hand to esda, which sets its
    transform in place); ``neighbours`` is the symmetric neighbour list after attaching islands;
    ``attached`` records which units were islands and to whom they were linked.
    """

    ids: tuple[str, ...]
    neighbours: Mapping[str, tuple[str, ...]]
    attached: tuple[IslandLink, ...]
    k: int
    island_distance: IslandDistance
    w: libpysal.weights.W = field(repr=False)


@lru_cache(maxsize=64)  # keyed by the provinces a dataset covers: an upload can bring any subset
def _neighbours(
    ids: tuple[str, ...], k: int, island_distance: IslandDistance
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[IslandLink, ...]]:
    """Queen neighbours plus island links for a sorted tuple of adcodes, from the committed adjacency table."""
    table = province_adjacency()
    members = set(ids)
    neighbours = {i: set(table.queen[i] & members) for i in ids}
    links = []
    islands = [i for i in ids if not neighbours[i]]
    for island in islands:
        distance = table.distances(island, island_distance)
        # Ties are broken by adcode so the rule is deterministic.
        nearest = sorted((distance[code], code) for code in ids if code != island)[:k]
        targets = tuple(code for _, code in nearest)
        for target in targets:
            neighbours[island].add(target)
            neighbours[target].add(island)
        links.append(
            IslandLink(adcode=island, neighbours=targets, distances_km=tuple(round(d / 1000, 1) for d, _ in nearest))
        )
    frozen = tuple((i, tuple(sorted(neighbours[i]))) for i in ids)
    return frozen, tuple(links)


def queen_weights(adcodes: Iterable[str], k: int = 1, island_distance: IslandDistance = "boundary") -> SpatialWeights:
    """Row-standardised queen contiguity weights among ``adcodes`` (province level), islands attached.

    Only the given units take part: a province without data is not a neighbour of anyone, and a unit
    whose only neighbours are absent becomes an island. Every island is linked (symmetrically) to its
    ``k`` nearest units by ``island_distance`` ("boundary": shortest distance between the polygons,
    the default; "centroid": distance between centroids), both measured in an equal-area projection.
    Ids are sorted. Raises ValueError for adcodes without a province polygon (e.g. 新疆生产建设兵团
    660000, or prefecture codes), for duplicates, for fewer than 2 units, or k < 1.
    """
    codes = [str(a) for a in adcodes]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate adcodes")
    if len(codes) < 2:
        raise ValueError("need at least 2 units for spatial weights")
    if k < 1 or k >= len(codes):
        raise ValueError(f"k must be between 1 and {len(codes) - 1}")
    if island_distance not in ("boundary", "centroid"):
        raise ValueError("island_distance must be 'boundary' or 'centroid'")
    unknown = sorted(set(codes) - set(province_adjacency().ids))
    if unknown:
        raise ValueError(f"no province boundary for adcode(s) {unknown}")
    ids = tuple(sorted(codes))
    neighbours, links = _neighbours(ids, k, island_distance)
    neighbour_map = dict(neighbours)
    w = libpysal.weights.W({i: list(nb) for i, nb in neighbour_map.items()}, id_order=list(ids), silence_warnings=True)
    w.transform = "r"
    return SpatialWeights(ids=ids, neighbours=neighbour_map, attached=links, k=k, island_distance=island_distance, w=w)


def _unit_values(frame: pl.DataFrame, value: str, id: str) -> tuple[list[str], np.ndarray]:
    """One value per unit with data and a boundary, sorted by adcode (the order of queen_weights)."""
    for column in (value, id):
        if column not in frame.columns:
            raise ValueError(f"frame has no column {column!r}")
    data = frame.select(pl.col(id).cast(pl.String), pl.col(value).cast(pl.Float64))
    data = data.filter(pl.col(value).is_not_null() & pl.col(value).is_not_nan())
    if data[id].is_duplicated().any():
        raise ValueError(f"several rows per {id}: filter the frame to one year first")
    # Units without a polygon (新疆生产建设兵团 660000) cannot have neighbours: they are left out.
    data = data.filter(pl.col(id).is_in(list(province_adjacency().ids))).sort(id)
    if data.height < 4:
        raise ValueError(f"need at least 4 units with data and a boundary, got {data.height}")
    values = data[value].to_numpy()
    if np.ptp(values) == 0:
        raise ValueError("all values are equal: spatial autocorrelation is undefined")
    return data[id].to_list(), values


def _check_weights(weights: SpatialWeights | None, ids: list[str]) -> SpatialWeights:
    if weights is None:
        return queen_weights(ids)
    if list(weights.ids) != ids:
        raise ValueError("weights were built for other units than the frame's units with data")
    return weights


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I under row-standardised queen weights.

    ``z`` and ``p_norm`` use the normality assumption (two-sided); ``p_sim`` is esda's permutation
    pseudo p-value, one-sided towards the observed tail: (min(#sim ≥ I, #sim < I) + 1)/(permutations + 1).
    """

    i: float
    expected_i: float
    z: float
    p_norm: float
    z_sim: float
    p_sim: float
    n: int
    permutations: int
    seed: int
    ids: tuple[str, ...]
    attached: tuple[IslandLink, ...]


def global_moran(
    frame: pl.DataFrame,
    value: str = "index",
    id: str = "adcode",
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    weights: SpatialWeights | None = None,
) -> MoranResult:
    """Global Moran's I of ``value`` across the units of ``frame`` (one row per unit: filter a year first).

    I = (n / S0) · Σ_i Σ_j w_ij z_i z_j / Σ_i z_i², z = y − ȳ, computed by ``esda.Moran`` on
    ``queen_weights`` of the units with a non-null value (or on ``weights`` built for exactly those
    units). E[I] = −1/(n − 1). esda 2.9's ``Moran`` has no seed argument and permutes with numpy's
    global RNG, so it is seeded with ``seed`` under a lock and the previous global state is restored:
    the same seed gives the same ``p_sim``, equal to ``np.random.seed(seed); esda.Moran(y, w)``.
    """
    if permutations < 1:
        raise ValueError("permutations must be positive")
    ids, y = _unit_values(frame, value, id)
    sw = _check_weights(weights, ids)
    with _RNG_LOCK:
        state = np.random.get_state()
        try:
            np.random.seed(seed)
            moran = esda.Moran(y, sw.w, transformation="r", permutations=permutations)
        finally:
            np.random.set_state(state)
    return MoranResult(
        i=float(moran.I),
        expected_i=float(moran.EI),
        z=float(moran.z_norm),
        p_norm=float(moran.p_norm),
        z_sim=float(moran.z_sim),
        p_sim=float(moran.p_sim),
        n=len(ids),
        permutations=permutations,
        seed=seed,
        ids=tuple(ids),
        attached=sw.attached,
    )


def local_lisa(
    frame: pl.DataFrame,
    value: str = "index",
    id: str = "adcode",
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    significance: float = 0.05,
    weights: SpatialWeights | None = None,
    correction: Literal["fdr", "none"] = "fdr",
) -> pl.DataFrame:
    """Local Moran's I (LISA) per unit with cluster categories.

    Columns: id, value, z (standardised value), lag (row-standardised spatial lag of z), local_i, p_sim,
    p_adjusted, quadrant, category. One test per unit means many tests at once: with ``correction="fdr"``
    (the default) ``p_adjusted`` is the Benjamini–Hochberg adjusted p-value, which keeps the expected share of
    false discoveries among the units called significant at ``significance``; with ``"none"`` it equals p_sim.
    ``quadrant`` is the Moran-scatter quadrant whatever the significance: high_high (z > 0, lag > 0),
    low_high, low_low, high_low (a value of exactly 0 counts as low, as in esda). ``category`` is the quadrant
    when p_adjusted < ``significance`` (strict, as esda's ``get_cluster_labels``) and "not_significant"
    otherwise. p_sim is esda's conditional-permutation pseudo p-value, one-sided towards the observed tail:
    (min(#sim ≥ I_i, #sim < I_i) + 1)/(permutations + 1).
    ``seed`` goes to ``esda.Moran_Local(seed=...)``, which reseeds numpy's global RNG, so the global
    state is saved and restored around the call. Sorted by id.
    """
    if not 0 < significance < 1:
        raise ValueError("significance must be between 0 and 1")
    if permutations < 1:
        raise ValueError("permutations must be positive")
    ids, y = _unit_values(frame, value, id)
    sw = _check_weights(weights, ids)
    with _RNG_LOCK:
        state = np.random.get_state()
        try:
            with warnings.catch_warnings():
                # esda 2.9's Moran_Local calls crand without `alternative`, which warns that the default
                # will change; Moran_Local (keep_simulations=True) then recomputes p_sim itself from the
                # simulations with the folded rule, so the warning does not apply to what we report.
                warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
                lisa = esda.Moran_Local(y, sw.w, transformation="r", permutations=permutations, seed=seed)
        finally:
            np.random.set_state(state)
    z = np.asarray(lisa.z, dtype=float)
    lag = libpysal.weights.lag_spatial(sw.w, z)
    quadrant = [_QUADRANTS[int(q)] for q in lisa.q]
    p_sim = np.asarray(lisa.p_sim, dtype=float)
    if correction not in ("fdr", "none"):
        raise ValueError(f"unknown correction {correction!r}")
    p_adjusted = stats.false_discovery_control(p_sim, method="bh") if correction == "fdr" else p_sim
    category = [q if p < significance else "not_significant" for q, p in zip(quadrant, p_adjusted, strict=True)]
    return pl.DataFrame(
        {
            id: ids,
            "value": y,
            "z": z,
            "lag": np.asarray(lag, dtype=float),
            "local_i": np.asarray(lisa.Is, dtype=float),
            "p_sim": p_sim,
            "p_adjusted": np.asarray(p_adjusted, dtype=float),
            "quadrant": quadrant,
            "category": category,
        }
    )
