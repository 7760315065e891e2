"""Data sharing between departments, and build versus operate.

Sharing calls are a long table: adcode (the region whose departments exchange), provider, consumer, calls
(counts of data-sharing calls from the consumer to the provider's data). Zero rows matter: a department listed
with no calls at all is an island (孤岛). :func:`from_matrix` turns a provider × consumer table into that shape,
:func:`from_log` counts an exchange log (one row per call).

- island: a department with no calls provided and none consumed (self-calls ignored).
- connected: a department that provides or consumes at least one call with another department.
- one-way pair: provider A → consumer B with calls > 0 while B → A has none.
- concentration: the top provider's share of all calls, and the Herfindahl–Hirschman index
  HHI = Σ sᵢ² over the providers' shares sᵢ of the calls (0 to 1; 1 = one provider serves every call). Bands
  (US DoJ/FTC Horizontal Merger Guidelines 2010, on the 0–10 000 scale): below 0.15 unconcentrated, 0.15–0.25
  moderately, above 0.25 highly concentrated.

Build versus operate (GOV.UK Performance Platform's cost per transaction): cost per transaction = investment /
transactions; an outlier is a platform whose cost lies above Q3 + 1.5 IQR or below Q1 − 1.5 IQR of the
platforms shown (Tukey's fences; quartiles by linear interpolation, numpy's default).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# The shapes sharing tables come in (a matrix, a log) are read in ingest; re-exported for the presenter and tests.
from digigov.ingest.sharing_shapes import CALL_COLUMNS, clean_calls, from_log, from_matrix

__all__ = ["CALL_COLUMNS", "clean_calls", "from_log", "from_matrix"]

HHI_MODERATE = 0.15
HHI_HIGH = 0.25
TUKEY_K = 1.5
OPERATION_COLUMNS: tuple[str, ...] = ("adcode", "platform", "investment", "transactions", "active_users")


def departments(calls: pl.DataFrame) -> pl.DataFrame:
    """adcode, department, provided, consumed (calls with other departments), role: island, provides_only,
    consumes_only or both."""
    provided = calls.group_by("adcode", pl.col("provider").alias("department")).agg(pl.col("calls").sum().alias("p"))
    consumed = calls.group_by("adcode", pl.col("consumer").alias("department")).agg(pl.col("calls").sum().alias("c"))
    both = provided.join(consumed, on=["adcode", "department"], how="full", coalesce=True).with_columns(
        pl.col("p").fill_null(0).alias("provided"), pl.col("c").fill_null(0).alias("consumed")
    )
    role = (
        pl.when((pl.col("provided") == 0) & (pl.col("consumed") == 0))
        .then(pl.lit("island"))
        .when(pl.col("consumed") == 0)
        .then(pl.lit("provides_only"))
        .when(pl.col("provided") == 0)
        .then(pl.lit("consumes_only"))
        .otherwise(pl.lit("both"))
    )
    return both.select("adcode", "department", "provided", "consumed", role.alias("role")).sort("adcode", "department")


def one_way_pairs(calls: pl.DataFrame) -> pl.DataFrame:
    """adcode, provider, consumer, calls: flows with calls > 0 whose reverse flow has none."""
    flows = calls.filter(pl.col("calls") > 0)
    reverse = flows.select(
        "adcode", pl.col("consumer").alias("provider"), pl.col("provider").alias("consumer"), pl.lit(True).alias("__r")
    )
    return (
        flows.join(reverse, on=["adcode", "provider", "consumer"], how="left")
        .filter(pl.col("__r").is_null())
        .drop("__r")
        .sort("adcode", pl.col("calls"), descending=[False, True])
    )


def linked_pairs(calls: pl.DataFrame) -> int:
    """Unordered department pairs with calls in at least one direction."""
    flows = calls.filter(pl.col("calls") > 0)
    if flows.is_empty():
        return 0
    pairs = flows.select(
        "adcode",
        pl.min_horizontal("provider", "consumer").alias("a"),
        pl.max_horizontal("provider", "consumer").alias("b"),
    ).unique()
    return pairs.height


@dataclass(frozen=True)
class Concentration:
    total_calls: int
    providers: int  # departments providing at least one call
    top_provider: str | None
    top_share: float | None
    top_tied: tuple[str, ...]  # every provider with the top count (one name when there is no tie)
    hhi: float | None


def concentration(calls: pl.DataFrame) -> Concentration:
    """The providers' shares of all calls in calls (any number of regions pooled by department name)."""
    per = calls.group_by("provider").agg(pl.col("calls").sum()).filter(pl.col("calls") > 0)
    total = int(per["calls"].sum()) if per.height else 0
    if total == 0:
        return Concentration(0, 0, None, None, (), None)
    shares = per.with_columns((pl.col("calls") / total).alias("s"))
    top = int(shares["calls"].max())  # type: ignore[arg-type]
    tied = tuple(sorted(shares.filter(pl.col("calls") == top)["provider"].to_list()))
    return Concentration(
        total_calls=total,
        providers=per.height,
        top_provider=tied[0],
        top_share=top / total,
        top_tied=tied,
        hhi=float((shares["s"] ** 2).sum()),
    )


def hhi_band(hhi: float | None) -> str | None:
    """unconcentrated / moderate / high by the DoJ/FTC bands (None without calls)."""
    if hhi is None:
        return None
    return "high" if hhi > HHI_HIGH else "moderate" if hhi >= HHI_MODERATE else "unconcentrated"


def region_connectivity(calls: pl.DataFrame) -> pl.DataFrame:
    """One row per region: adcode, departments, connected, islands, connected_share, total_calls, one_way
    (one-way flows), linked (unordered pairs with calls), top_share, hhi."""
    roles = departments(calls)
    per = roles.group_by("adcode").agg(
        pl.len().alias("departments"),
        (pl.col("role") != "island").sum().alias("connected"),
        (pl.col("role") == "island").sum().alias("islands"),
    )
    per = per.with_columns((pl.col("connected") / pl.col("departments")).alias("connected_share"))
    ways = one_way_pairs(calls).group_by("adcode").agg(pl.len().alias("one_way"))
    flows = calls.filter(pl.col("calls") > 0)
    pairs = (
        flows.select(
            "adcode",
            pl.min_horizontal("provider", "consumer").alias("a"),
            pl.max_horizontal("provider", "consumer").alias("b"),
        )
        .unique()
        .group_by("adcode")
        .agg(pl.len().alias("linked"))
    )
    provider = calls.group_by("adcode", "provider").agg(pl.col("calls").sum())
    conc = (
        provider.with_columns((pl.col("calls") / pl.col("calls").sum().over("adcode")).alias("s"))
        .group_by("adcode")
        .agg(
            pl.col("calls").sum().alias("total_calls"),
            pl.col("s").max().alias("top_share"),
            (pl.col("s") ** 2).sum().alias("hhi"),
        )
        .with_columns(
            pl.when(pl.col("total_calls") > 0).then(pl.col("top_share")).otherwise(None),
            pl.when(pl.col("total_calls") > 0).then(pl.col("hhi")).otherwise(None),
        )
    )
    out = (
        per.join(conc, on="adcode", how="left")
        .join(ways, on="adcode", how="left")
        .join(pairs, on="adcode", how="left")
        .with_columns(pl.col("one_way", "linked").fill_null(0).cast(pl.UInt32))
    )
    return out.select(
        "adcode",
        "departments",
        "connected",
        "islands",
        "connected_share",
        "total_calls",
        "one_way",
        "linked",
        "top_share",
        "hhi",
    ).sort("adcode")


def pooled(calls: pl.DataFrame, adcode: str | None) -> pl.DataFrame:
    """The calls of one region, or (adcode None) of every region summed by department name (adcode "all")."""
    if adcode is not None:
        return calls.filter(pl.col("adcode") == adcode)
    return (
        calls.group_by("provider", "consumer")
        .agg(pl.col("calls").sum())
        .with_columns(pl.lit("all").alias("adcode"))
        .select("adcode", "provider", "consumer", "calls")
        .sort("provider", "consumer")
    )


def matrix(calls: pl.DataFrame) -> tuple[list[str], list[list[int]]]:
    """(departments, z) of one region's calls: z[i][j] = calls provided by departments[i] to departments[j];
    departments ordered by calls provided + consumed, largest first (ties by name)."""
    roles = departments(calls).group_by("department").agg(pl.col("provided", "consumed").sum())
    order = roles.with_columns((pl.col("provided") + pl.col("consumed")).alias("t")).sort(
        ["t", "department"], descending=[True, False]
    )
    names = order["department"].to_list()
    index = {n: i for i, n in enumerate(names)}
    z = [[0] * len(names) for _ in names]
    for provider, consumer, count in calls.select("provider", "consumer", "calls").iter_rows():
        z[index[provider]][index[consumer]] += int(count)
    return names, z


# -- build versus operate -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fences:
    q1: float
    q3: float
    iqr: float
    low: float
    high: float


def tukey_fences(values: pl.Series, k: float = TUKEY_K) -> Fences | None:
    """Q1 − k·IQR and Q3 + k·IQR of the finite values (None with fewer than four values)."""
    finite = values.drop_nulls().filter(values.drop_nulls().is_finite())
    if finite.len() < 4:
        return None
    q1 = float(finite.quantile(0.25, interpolation="linear"))  # type: ignore[arg-type]
    q3 = float(finite.quantile(0.75, interpolation="linear"))  # type: ignore[arg-type]
    iqr = q3 - q1
    return Fences(q1=q1, q3=q3, iqr=iqr, low=q1 - k * iqr, high=q3 + k * iqr)


def operations(platforms: pl.DataFrame, yuan_per_unit: float = 10_000.0) -> tuple[pl.DataFrame, Fences | None]:
    """Per platform: the input columns plus cost_per_transaction and cost_per_user in yuan (investment ×
    yuan_per_unit / transactions or active users; investment is in 万元 by default), no_use (no transactions
    recorded: no cost per transaction) and outlier ("high", "low" or null, by Tukey's fences on cost per
    transaction); and the fences."""
    data = platforms.with_columns(
        pl.col("investment").cast(pl.Float64, strict=False),
        pl.col("transactions").cast(pl.Float64, strict=False),
        pl.col("active_users").cast(pl.Float64, strict=False),
    ).with_columns(
        pl.when(pl.col("transactions") > 0)
        .then(pl.col("investment") * yuan_per_unit / pl.col("transactions"))
        .otherwise(None)
        .alias("cost_per_transaction"),
        pl.when(pl.col("active_users") > 0)
        .then(pl.col("investment") * yuan_per_unit / pl.col("active_users"))
        .otherwise(None)
        .alias("cost_per_user"),
        (pl.col("transactions").fill_null(0) <= 0).alias("no_use"),
    )
    fences = tukey_fences(data["cost_per_transaction"])
    if fences is None:
        flag = pl.lit(None, dtype=pl.String)
    else:
        cost = pl.col("cost_per_transaction")
        flag = (
            pl.when(cost > fences.high)
            .then(pl.lit("high"))
            .when(cost < fences.low)
            .then(pl.lit("low"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
    return data.with_columns(flag.alias("outlier")), fences
