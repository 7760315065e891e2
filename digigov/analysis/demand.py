"""Demand matching (用户需求匹配): need → aware → used → completed → satisfied, the shortfall and its two gaps.

Input shape (``demand_funnel.csv`` or an aggregated upload): one row per unit × year × service category with
counts ``entities, respondents, need, aware, used, completed, satisfied`` and six reason counts
``reason_unaware, reason_no_guidance, reason_no_answer, reason_prefers_face, reason_tech_failure, reason_other``
(need ≥ aware ≥ used ≥ completed ≥ satisfied; the reasons partition need − used; reason_unaware = need − aware).

Definitions (DESIGN.md §2.3), all over respondents:

    potential rate = need / respondents          actual rate = used / respondents
    shortfall      = potential − actual          = (need − used) / respondents
    awareness gap  = (need − aware) / respondents    (needs it, does not know it is online)
    conversion gap = (aware − used) / respondents    (knows, still does not use it: guidance, answers, ...)

The split is made on the integer counts (``non_users == unaware + aware_non_users``) so that it is exact; the
rates are those counts divided by respondents. Each rate is a proportion of the same respondents, so it has a
Wilson interval of its own (reused from proportions.py). Raw answers become these counts in
digigov.ingest.demand_records; the page's protected units are in digigov.analysis.demand_units.

Weighted data: the counts may be sums of weights. ``unweighted_n`` (records per row) and, optionally,
``unweighted_<count>`` (records behind a count, e.g. ``unweighted_reason_other``) and ``sum_weight_sq`` carry
what the small-cell rule and the intervals need. :func:`with_records` adds ``records`` (the unweighted
respondents) and ``records_<reason>`` (the unweighted reason counts): taken from those columns, equal to the
counts themselves for unweighted data, and null where a weighted file does not say (a cell of unknown size is
never shown). Intervals use the effective sample size: Kish's (Σw)²/Σw² when ``sum_weight_sq`` is given, the
record count otherwise, scaled to each rate's denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import polars as pl

from digigov.analysis.channels import apply_filters
from digigov.analysis.proportions import MIN_N, flag_small_samples, wilson_exprs, z_value
from digigov.codes import REASON_COLUMNS, REASONS, STAGES

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

RECORDS = "records"  # unweighted respondents of a row or cell: what the small-cell rule counts
REASON_RECORDS: tuple[str, ...] = tuple(f"records_{c}" for c in REASON_COLUMNS)
WEIGHT_COLUMNS: tuple[str, ...] = ("unweighted_n", "sum_weight_sq")
COUNT_COLUMNS: tuple[str, ...] = (
    "entities",
    "respondents",
    *STAGES,
    *REASON_COLUMNS,
    RECORDS,
    *REASON_RECORDS,
    "sum_weight_sq",
)
# rate column prefix -> (numerator, denominator); completion is over respondents as specified for the page,
# satisfaction over those who completed (a dissatisfied non-user is not a thing).
RATES: dict[str, tuple[str, str]] = {
    "potential": ("need", "respondents"),
    "aware": ("aware", "respondents"),
    "actual": ("used", "respondents"),
    "completion": ("completed", "respondents"),
    "satisfaction": ("satisfied", "completed"),
}
ACTIONS: dict[str, str] = {"awareness": "publicise", "conversion": "fix_guidance"}


# ---------------------------------------------------------------------------------------------------------------
# Funnel
# ---------------------------------------------------------------------------------------------------------------
def _level_filter(lf: pl.LazyFrame, by: Sequence[str], level: str | None) -> pl.LazyFrame:
    """Avoid double counting where a file holds provinces *and* their prefectures (demand_funnel.csv does).

    "auto": when units are not kept apart (``adcode`` not in ``by``), sum province rows only if there are
    any (they are the exact sums of their prefectures, and 兵团 exists only as a province row); otherwise all.
    A level name keeps that level; None keeps everything.
    """
    if "level" not in lf.collect_schema().names() or level is None:
        return lf
    if level != "auto":
        return lf.filter(pl.col("level") == level)
    if "adcode" in by:
        return lf
    is_province = pl.col("level") == "province"
    return lf.filter(is_province | ~is_province.any())


def with_records(frame: Frame) -> Frame:
    """Add ``records`` and ``records_reason_*`` (unweighted counts, see the module docstring) where missing.

    A file is weighted when it carries ``unweighted_n`` or ``sum_weight_sq`` or when any respondents figure is
    not a whole number; then a reason's records come from ``unweighted_reason_*`` or are unknown (null).
    """
    names = frame.collect_schema().names()
    if "respondents" not in names:
        return frame
    respondents = pl.col("respondents").cast(pl.Float64)
    weighted = (
        pl.lit(True)
        if any(c in names for c in WEIGHT_COLUMNS)
        else (respondents.is_not_null() & (respondents != respondents.floor())).any()
    )
    exprs: list[pl.Expr] = []
    if RECORDS not in names:
        exprs.append(
            (pl.col("unweighted_n") if "unweighted_n" in names else pl.when(~weighted).then(pl.col("respondents")))
            .cast(pl.Float64)
            .alias(RECORDS)
        )
    for column, records in zip(REASON_COLUMNS, REASON_RECORDS, strict=True):
        if column not in names or records in names:
            continue
        source = f"unweighted_{column}"
        given = pl.col(source) if source in names else pl.when(~weighted).then(pl.col(column))
        exprs.append(given.cast(pl.Float64).alias(records))
    return frame.with_columns(exprs) if exprs else frame


def _design_ratio(names: Sequence[str]) -> pl.Expr | None:
    """Effective sample size per unit of the (weighted) denominator: Σw/Σw² with Kish's formula, records /
    respondents without it; None when counts are records (the ratio would be 1)."""
    if "sum_weight_sq" in names and "respondents" in names:
        return pl.when(pl.col("sum_weight_sq") > 0).then(
            pl.col("respondents").cast(pl.Float64) / pl.col("sum_weight_sq").cast(pl.Float64)
        )
    if RECORDS in names and "respondents" in names:
        return pl.when(pl.col("respondents") > 0).then(
            pl.col(RECORDS).cast(pl.Float64) / pl.col("respondents").cast(pl.Float64)
        )
    return None


def effective_n(den: str, names: Sequence[str]) -> pl.Expr | None:
    """The sample size an interval over ``den`` must use (None: ``den`` itself)."""
    ratio = _design_ratio(names)
    return None if ratio is None else pl.col(den).cast(pl.Float64) * ratio


def _size_column(den: str) -> str:
    return f"__n_{den}"


def _sample_sizes(names: Sequence[str], dens: Sequence[str]) -> list[pl.Expr]:
    """``__n_<den>``: the sample size an interval over each of ``dens`` uses (see :func:`effective_n`).

    Materialised as columns before the intervals, which name them: written inline, the effective size is repeated
    about ten times in each interval's expression, and polars' time on those trees (not the arithmetic) was most of
    a funnel's (29 ms against 12 ms per funnel of the demand page, measured).
    """
    out = []
    for den in dict.fromkeys(dens):
        n = effective_n(den, names)
        out.append((pl.col(den) if n is None else n).cast(pl.Float64).alias(_size_column(den)))
    return out


def _rate_dens(names: Sequence[str]) -> list[str]:
    return [den for num, den in RATES.values() if num in names and den in names]


def _rate_exprs(names: Sequence[str], confidence: float) -> list[pl.Expr]:
    """The rates' Wilson intervals over the ``__n_<den>`` columns of :func:`_sample_sizes`."""
    exprs: list[pl.Expr] = []
    for prefix, (num, den) in RATES.items():
        if num in names and den in names:
            exprs += wilson_exprs(
                num, den, prefix, confidence=confidence, ci_n=_size_column(den), share_name=f"{prefix}_rate"
            )
    return exprs


def funnel(
    frame: Frame,
    by: Sequence[str] = ("adcode", "year"),
    *,
    year: int | Sequence[int] | None = None,
    service_categories: Sequence[str] | None = None,
    adcodes: Sequence[str] | None = None,
    level: str | None = "auto",
    min_n: int = MIN_N,
    confidence: float = 0.95,
    rates: bool = True,
) -> Frame:
    """Summed funnel counts by ``by`` with rates and Wilson intervals (``rates=False``: the sums only).

    Output: keys; sums of entities, respondents, need, aware, used, completed, satisfied and the reason counts
    (those present); ``potential_rate`` (need / respondents), ``aware_rate``, ``actual_rate`` (used /
    respondents), ``completion_rate`` (completed / respondents), ``satisfaction_rate`` (satisfied / completed),
    each with ``{potential,aware,actual,completion,satisfaction}_low/_high``; ``records`` (unweighted
    respondents, see :func:`with_records`) and ``small_sample`` (records < ``min_n``). ``entities`` summed over
    service categories counts entity-category pairs (one firm needing tax and permits counts twice), which is
    what "entities affected" means per category. See :func:`_level_filter`
    for ``level``. Returns the kind of frame it was given.
    """
    keys = list(by)
    lf = with_records(frame.lazy())
    lf = _level_filter(lf, keys, level)
    lf = apply_filters(lf, year=year, service_categories=service_categories, adcodes=adcodes)
    names = lf.collect_schema().names()
    sums = [pl.col(c).sum() for c in COUNT_COLUMNS if c in names]
    grouped = lf.group_by(keys).agg(sums).sort(keys, nulls_last=True) if keys else lf.select(sums)
    n_col = RECORDS if RECORDS in names else "respondents"
    if rates:
        dens = list(dict.fromkeys(_rate_dens(names)))
        with_rates = grouped.with_columns(_sample_sizes(names, dens)).with_columns(_rate_exprs(names, confidence))
        grouped = flag_small_samples(with_rates.drop([_size_column(d) for d in dens]), n_col, min_n)
    return grouped if isinstance(frame, pl.LazyFrame) else grouped.collect()


def shortfall(funnel_frame: Frame, *, confidence: float = 0.95) -> Frame:
    """Add the shortfall, its awareness / conversion split and the dominant gap to funnel rows.

    Counts: ``non_users`` = need − used, ``unaware`` = need − aware, ``aware_non_users`` = aware − used, so
    ``non_users == unaware + aware_non_users`` holds exactly in integers. Rates (over respondents, Wilson
    intervals): ``shortfall``, ``awareness_gap``, ``conversion_gap`` with ``_low/_high``; as fractions
    shortfall = awareness_gap + conversion_gap exactly (in floating point within one rounding step).
    ``dominant_gap`` is "awareness" or "conversion" (ties go to awareness: a need nobody knows can be met online
    is upstream of every conversion problem), null when there is no shortfall.

    ``gap_difference`` = awareness_gap − conversion_gap with ``gap_difference_low/_high``: the two gaps are
    disjoint categories of the same respondents, so Var(p₁ − p₂) = (p₁ + p₂ − (p₁ − p₂)²) / n (multinomial), a
    normal interval on the effective sample size. A sentence may call one gap larger only when this interval
    excludes 0.
    """
    names = funnel_frame.collect_schema().names()
    ci_n = _size_column("respondents")  # materialised once (see _sample_sizes)
    out = funnel_frame.with_columns(
        (pl.col("need") - pl.col("used")).alias("non_users"),
        (pl.col("need") - pl.col("aware")).alias("unaware"),
        (pl.col("aware") - pl.col("used")).alias("aware_non_users"),
        *_sample_sizes(names, ["respondents"]),
    ).with_columns(
        *wilson_exprs(
            "non_users", "respondents", "shortfall", confidence=confidence, ci_n=ci_n, share_name="shortfall"
        ),
        *wilson_exprs(
            "unaware", "respondents", "awareness_gap", confidence=confidence, ci_n=ci_n, share_name="awareness_gap"
        ),
        *wilson_exprs(
            "aware_non_users",
            "respondents",
            "conversion_gap",
            confidence=confidence,
            ci_n=ci_n,
            share_name="conversion_gap",
        ),
        pl.when(pl.col("non_users") > 0)
        .then(
            pl.when(pl.col("unaware") >= pl.col("aware_non_users"))
            .then(pl.lit("awareness"))
            .otherwise(pl.lit("conversion"))
        )
        .alias("dominant_gap"),
    )
    return out.with_columns(_difference_exprs(ci_n, confidence)).drop(ci_n)


def _difference_exprs(ci_n: str, confidence: float) -> list[pl.Expr]:
    p1, p2 = pl.col("awareness_gap"), pl.col("conversion_gap")
    n = pl.col(ci_n)
    d = p1 - p2
    variance = (p1 + p2 - d * d).clip(lower_bound=0.0) / n
    half = z_value(confidence) * variance.sqrt()
    valid = (n > 0) & p1.is_not_null() & p2.is_not_null()
    return [
        pl.when(valid).then(d).alias("gap_difference"),
        pl.when(valid).then(d - half).alias("gap_difference_low"),
        pl.when(valid).then(d + half).alias("gap_difference_high"),
    ]


def reasons(
    frame: Frame,
    by: Sequence[str] = ("adcode", "year"),
    *,
    year: int | Sequence[int] | None = None,
    service_categories: Sequence[str] | None = None,
    adcodes: Sequence[str] | None = None,
    level: str | None = "auto",
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Why entities that need a service do not use it online: long format, one row per group × reason.

    Columns: keys, ``reason`` (unaware, no_guidance, no_answer, prefers_face, tech_failure, other), ``gap``
    ("awareness" for unaware, "conversion" for the rest), ``count``, ``records`` (the unweighted count behind
    it: what the small-cell rule reads; null when a weighted file does not give it), ``non_users`` (need −
    used), ``share`` = count / non_users with ``share_low/_high`` (Wilson, on the effective sample size). In
    consistent data the six shares sum to 1 per group.
    """
    keys: list[str] = list(by)
    funnel_frame = funnel(frame, keys, year=year, service_categories=service_categories, adcodes=adcodes, level=level)
    agg = funnel_frame.collect() if isinstance(funnel_frame, pl.LazyFrame) else funnel_frame
    present = [c for c in REASON_COLUMNS if c in agg.columns]
    if not present:
        raise ValueError("no reason columns (reason_unaware, reason_no_guidance, ...) in the frame")
    records = [f"records_{c}" for c in present]
    agg = agg.with_columns((pl.col("need") - pl.col("used")).alias("non_users"))
    ratio = _design_ratio(agg.columns)
    agg = agg.with_columns((pl.col("non_users") * (ratio if ratio is not None else 1.0)).alias("__ci_n"))
    index = [*keys, "non_users", "__ci_n"]
    counts = agg.select(*index, *present).unpivot(index=index, on=present, variable_name="reason", value_name="count")
    unweighted = (
        agg.select(*keys, *records)
        .unpivot(index=keys, on=records, variable_name="reason", value_name="records")
        .with_columns(pl.col("reason").str.strip_prefix("records_"))
    )
    long = (
        counts.with_row_index("__row")
        .join(unweighted, on=[*keys, "reason"], how="left", nulls_equal=True)
        .sort("__row")
        .drop("__row")
        .with_columns(pl.col("reason").str.strip_prefix("reason_"))
        .with_columns(
            pl.when(pl.col("reason") == "unaware")
            .then(pl.lit("awareness"))
            .otherwise(pl.lit("conversion"))
            .alias("gap"),
            *wilson_exprs("count", "non_users", "share", confidence=confidence, ci_n="__ci_n", share_name="share"),
        )
        .with_columns(
            pl.col("reason")
            .replace_strict(REASONS, list(range(len(REASONS))), default=len(REASONS), return_dtype=pl.Int64)
            .alias("__order")
        )
        .sort([*keys, "__order"], nulls_last=True)
        .drop("__order", "__ci_n")
    )
    return long.select(*keys, "reason", "gap", "count", "records", "non_users", "share", "share_low", "share_high")


def priorities(
    frame: pl.DataFrame | pl.LazyFrame,
    weight: str | None = "entities",
    *,
    by: Sequence[str] = ("adcode", "service_category"),
    year: int | None = None,
    level: str | None = "auto",
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Where to act first: priority score = shortfall × ``weight`` (entities affected), ranked 1 = highest.

    One year only (``year``; default the latest in the data), rows grouped by ``by`` (default region ×
    category). ``level`` keeps one level ("prefecture" or "province") where the file holds both: ranking a
    province next to its own cities would list the same entities twice; "auto" keeps the prefecture rows when
    there are any (the most specific places to act), None keeps every row. ``weight=None`` ranks by the
    shortfall rate itself. Columns: ``rank``, keys, ``year``, ``priority_score`` (estimated entities that need the
    service but do not use it online), the funnel rates, shortfall and gaps, ``dominant_gap``, ``action``
    ("publicise" for an awareness gap, "fix_guidance" for a conversion gap; the UI translates the key),
    ``top_reason`` (largest conversion reason, when reasons exist and one reason is largest) with
    ``top_reason_records`` (its unweighted count), the gap difference and its interval, ``records`` and
    ``small_sample``. Ties share a rank.
    """
    lf = frame.lazy()
    if year is None:
        year = lf.select(pl.col("year").max()).collect().item()
    if level is not None and "level" in lf.collect_schema().names():
        is_prefecture = pl.col("level") == "prefecture"
        lf = lf.filter(is_prefecture | ~is_prefecture.any() if level == "auto" else pl.col("level") == level)
    keys = [*by, "year"] if "year" not in by else list(by)
    agg = shortfall(
        funnel(lf, keys, year=year, level=None, min_n=min_n, confidence=confidence), confidence=confidence
    ).collect()
    score = pl.col("shortfall") * pl.col(weight) if weight else pl.col("shortfall")
    conversion = [c for c in REASON_COLUMNS[1:] if c in agg.columns]
    if conversion:
        # The largest aware-non-user reason names what "fix_guidance" should fix first; none when two reasons
        # share the largest count (naming one would be a guess) or no reason was given.
        values = pl.concat_list(conversion)
        top = values.list.arg_max()
        largest = values.list.max()
        unique = values.list.eval((pl.element() == pl.element().max()).sum()).list.first() == 1
        records = [f"records_{c}" for c in conversion]
        agg = agg.with_columns(
            pl.when((pl.col("aware_non_users") > 0) & (largest > 0) & unique)
            .then(
                top.replace_strict(
                    list(range(len(conversion))),
                    [c.removeprefix("reason_") for c in conversion],
                    return_dtype=pl.String,
                )
            )
            .alias("top_reason"),
            pl.concat_list(records).list.get(top, null_on_oob=True).alias("top_reason_records")
            if all(r in agg.columns for r in records)
            else pl.lit(None, dtype=pl.Float64).alias("top_reason_records"),
        )
    out = (
        agg.with_columns(score.cast(pl.Float64).alias("priority_score"))
        .with_columns(
            pl.col("priority_score").rank(method="min", descending=True).cast(pl.Int64).alias("rank"),
            pl.col("dominant_gap").replace_strict(ACTIONS, default=None, return_dtype=pl.String).alias("action"),
        )
        .sort(["rank", *keys], nulls_last=True)
    )
    columns = [
        "rank",
        *keys,
        "priority_score",
        *([weight] if weight else []),
        "respondents",
        "potential_rate",
        "actual_rate",
        "shortfall",
        "shortfall_low",
        "shortfall_high",
        "awareness_gap",
        "conversion_gap",
        "dominant_gap",
        "action",
        *(["top_reason", "top_reason_records"] if conversion else []),
        "gap_difference",
        "gap_difference_low",
        "gap_difference_high",
        "records",
        "small_sample",
    ]
    return out.select(list(dict.fromkeys(columns)))
