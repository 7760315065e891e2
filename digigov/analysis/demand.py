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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import polars as pl

from digigov.analysis.channels import apply_filters
from digigov.analysis.proportions import MIN_N, flag_small_samples, wilson_exprs
from digigov.codes import REASON_COLUMNS, REASONS, STAGES

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

COUNT_COLUMNS: tuple[str, ...] = ("entities", "respondents", *STAGES, *REASON_COLUMNS)
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


def _rate_exprs(names: Sequence[str], confidence: float) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for prefix, (num, den) in RATES.items():
        if num in names and den in names:
            exprs += wilson_exprs(num, den, prefix, confidence=confidence, share_name=f"{prefix}_rate")
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
) -> Frame:
    """Summed funnel counts by ``by`` with rates and Wilson intervals.

    Output: keys; sums of entities, respondents, need, aware, used, completed, satisfied and the reason counts
    (those present); ``potential_rate`` (need / respondents), ``aware_rate``, ``actual_rate`` (used /
    respondents), ``completion_rate`` (completed / respondents), ``satisfaction_rate`` (satisfied / completed),
    each with ``{potential,aware,actual,completion,satisfaction}_low/_high``; ``small_sample`` (respondents <
    ``min_n``). ``entities`` summed over service categories counts entity-category pairs (one firm needing tax
    and permits counts twice), which is what "entities affected" means per category. See :func:`_level_filter`
    for ``level``. Returns the kind of frame it was given.
    """
    keys = list(by)
    lf = _level_filter(frame.lazy(), keys, level)
    lf = apply_filters(lf, year=year, service_categories=service_categories, adcodes=adcodes)
    names = lf.collect_schema().names()
    sums = [pl.col(c).sum() for c in COUNT_COLUMNS if c in names]
    grouped = lf.group_by(keys).agg(sums).sort(keys, nulls_last=True) if keys else lf.select(sums)
    out = flag_small_samples(grouped.with_columns(_rate_exprs(names, confidence)), "respondents", min_n)
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


def shortfall(funnel_frame: Frame, *, confidence: float = 0.95) -> Frame:
    """Add the shortfall, its awareness / conversion split and the dominant gap to funnel rows.

    Counts: ``non_users`` = need − used, ``unaware`` = need − aware, ``aware_non_users`` = aware − used, so
    ``non_users == unaware + aware_non_users`` holds exactly in integers. Rates (over respondents, Wilson
    intervals): ``shortfall``, ``awareness_gap``, ``conversion_gap`` with ``_low/_high``; as fractions
    shortfall = awareness_gap + conversion_gap exactly (in floating point within one rounding step).
    ``dominant_gap`` is "awareness" or "conversion" (ties go to awareness: a need nobody knows can be met online
    is upstream of every conversion problem), null when there is no shortfall.
    """
    out = funnel_frame.with_columns(
        (pl.col("need") - pl.col("used")).alias("non_users"),
        (pl.col("need") - pl.col("aware")).alias("unaware"),
        (pl.col("aware") - pl.col("used")).alias("aware_non_users"),
    ).with_columns(
        *wilson_exprs("non_users", "respondents", "shortfall", confidence=confidence, share_name="shortfall"),
        *wilson_exprs("unaware", "respondents", "awareness_gap", confidence=confidence, share_name="awareness_gap"),
        *wilson_exprs(
            "aware_non_users", "respondents", "conversion_gap", confidence=confidence, share_name="conversion_gap"
        ),
        pl.when(pl.col("non_users") > 0)
        .then(
            pl.when(pl.col("unaware") >= pl.col("aware_non_users"))
            .then(pl.lit("awareness"))
            .otherwise(pl.lit("conversion"))
        )
        .alias("dominant_gap"),
    )
    return out


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
    ("awareness" for unaware, "conversion" for the rest), ``count``, ``non_users`` (need − used), ``share`` =
    count / non_users with ``share_low/_high`` (Wilson). In consistent data the six shares sum to 1 per group.
    """
    keys: list[str] = list(by)
    funnel_frame = funnel(frame, keys, year=year, service_categories=service_categories, adcodes=adcodes, level=level)
    agg = funnel_frame.collect() if isinstance(funnel_frame, pl.LazyFrame) else funnel_frame
    present = [c for c in REASON_COLUMNS if c in agg.columns]
    if not present:
        raise ValueError("no reason columns (reason_unaware, reason_no_guidance, ...) in the frame")
    long = (
        agg.with_columns((pl.col("need") - pl.col("used")).alias("non_users"))
        .select(*keys, "non_users", *present)
        .unpivot(index=[*keys, "non_users"], on=present, variable_name="reason", value_name="count")
        .with_columns(pl.col("reason").str.strip_prefix("reason_"))
        .with_columns(
            pl.when(pl.col("reason") == "unaware")
            .then(pl.lit("awareness"))
            .otherwise(pl.lit("conversion"))
            .alias("gap"),
            *wilson_exprs("count", "non_users", "share", confidence=confidence, share_name="share"),
        )
        .with_columns(
            pl.col("reason")
            .replace_strict(REASONS, list(range(len(REASONS))), default=len(REASONS), return_dtype=pl.Int64)
            .alias("__order")
        )
        .sort([*keys, "__order"], nulls_last=True)
        .drop("__order")
    )
    return long.select(*keys, "reason", "gap", "count", "non_users", "share", "share_low", "share_high")


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
    ``top_reason`` (largest conversion reason, when reasons exist) and ``small_sample``. Ties share a rank.
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
        # The largest aware-non-user reason names what "fix_guidance" should fix first; ties: code-list order.
        top = pl.concat_list(conversion).list.arg_max()
        agg = agg.with_columns(
            pl.when(pl.col("aware_non_users") > 0)
            .then(
                top.replace_strict(
                    list(range(len(conversion))),
                    [c.removeprefix("reason_") for c in conversion],
                    return_dtype=pl.String,
                )
            )
            .alias("top_reason")
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
        *(["top_reason"] if conversion else []),
        "small_sample",
    ]
    return out.select(list(dict.fromkeys(columns)))
