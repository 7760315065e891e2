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
Wilson interval of its own (reused from proportions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import polars as pl

from digigov.analysis.channels import (
    CATEGORY_LABELS,
    YES_NO_EXPECTED,
    UnknownLabelError,
    _missing_columns,
    _period_as_year,
    _resolve_regions,
    _table,
    apply_filters,
    map_label,
    parse_yes_no,
)
from digigov.analysis.proportions import MIN_N, flag_small_samples, wilson_exprs
from digigov.regions import Level

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

STAGES: tuple[str, ...] = ("need", "aware", "used", "completed", "satisfied")
REASONS: tuple[str, ...] = ("unaware", "no_guidance", "no_answer", "prefers_face", "tech_failure", "other")
REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{r}" for r in REASONS)
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
        *wilson_exprs("aware_non_users", "respondents", "conversion_gap", confidence=confidence,
                      share_name="conversion_gap"),
        pl.when(pl.col("non_users") > 0).then(
            pl.when(pl.col("unaware") >= pl.col("aware_non_users"))
            .then(pl.lit("awareness")).otherwise(pl.lit("conversion"))
        ).alias("dominant_gap"),
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
    keys = list(by)
    agg = funnel(frame, keys, year=year, service_categories=service_categories, adcodes=adcodes, level=level)
    agg = agg.collect() if isinstance(agg, pl.LazyFrame) else agg
    present = [c for c in REASON_COLUMNS if c in agg.columns]
    if not present:
        raise ValueError("no reason columns (reason_unaware, reason_no_guidance, ...) in the frame")
    long = (
        agg.with_columns((pl.col("need") - pl.col("used")).alias("non_users"))
        .select(*keys, "non_users", *present)
        .unpivot(index=[*keys, "non_users"], on=present, variable_name="reason", value_name="count")
        .with_columns(pl.col("reason").str.strip_prefix("reason_"))
        .with_columns(
            pl.when(pl.col("reason") == "unaware").then(pl.lit("awareness")).otherwise(pl.lit("conversion"))
            .alias("gap"),
            *wilson_exprs("count", "non_users", "share", confidence=confidence, share_name="share"),
        )
        .with_columns(pl.col("reason").replace_strict(REASONS, list(range(len(REASONS))), default=len(REASONS),
                                                      return_dtype=pl.Int64).alias("__order"))
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
    agg = shortfall(funnel(lf, keys, year=year, level=None, min_n=min_n, confidence=confidence),
                    confidence=confidence).collect()
    score = pl.col("shortfall") * pl.col(weight) if weight else pl.col("shortfall")
    conversion = [c for c in REASON_COLUMNS[1:] if c in agg.columns]
    if conversion:
        # The largest aware-non-user reason names what "fix_guidance" should fix first; ties: code-list order.
        top = pl.concat_list(conversion).list.arg_max()
        agg = agg.with_columns(
            pl.when(pl.col("aware_non_users") > 0)
            .then(top.replace_strict(list(range(len(conversion))), [c.removeprefix("reason_") for c in conversion],
                                     return_dtype=pl.String))
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
    columns = ["rank", *keys, "priority_score", *([weight] if weight else []), "respondents", "potential_rate",
               "actual_rate", "shortfall", "shortfall_low", "shortfall_high", "awareness_gap", "conversion_gap",
               "dominant_gap", "action", *(["top_reason"] if conversion else []), "small_sample"]
    return out.select(list(dict.fromkeys(columns)))


# ---------------------------------------------------------------------------------------------------------------
# Raw answers -> funnel counts
# ---------------------------------------------------------------------------------------------------------------
REASON_LABELS = _table({
    "unaware": ("不知道可网办", "不知道可以网上办", "不知道", "不知晓", "不了解", "未听说", "reason_unaware",
                "not aware", "did not know", "didn't know", "didnt know", "unaware of online service"),
    "no_guidance": ("缺少指引", "缺乏指引", "没有指引", "无指引", "指引不清", "不会用", "不会操作", "操作复杂",
                    "流程复杂", "reason_no_guidance", "no guidance", "lack of guidance", "did not know how",
                    "too complicated"),
    "no_answer": ("问题无人解答", "无人解答", "没人解答", "咨询无回应", "没有回应", "无人回复", "reason_no_answer",
                  "no answer", "no response", "questions unanswered", "unanswered"),
    "prefers_face": ("偏好面对面", "喜欢面对面", "偏好线下", "习惯线下", "更喜欢现场", "面对面",
                     "reason_prefers_face", "prefers face to face", "prefer face to face", "prefers in person",
                     "prefer in person", "face to face"),
    "tech_failure": ("系统故障", "技术故障", "系统卡顿", "系统问题", "网站打不开", "登录失败",
                     "reason_tech_failure", "technical failure", "tech failure", "system failure", "system error",
                     "technical problem"),
    "other": ("其他", "其它", "reason_other", "others"),
})


@dataclass(frozen=True)
class ConsistencyReport:
    """Answers that contradict the funnel's order, counted (never silently dropped or rewritten).

    ``issues`` maps a problem key to its number of rows:
    ``missing_need`` (no answer to the need question: the row is not a respondent),
    ``aware_without_need``, ``used_without_aware``, ``completed_without_used``, ``satisfied_without_completed``
    (a later stage "yes" after an earlier "no" or blank), ``missing_answer`` (blank right after a "yes"),
    ``reason_from_user`` (a reason given by someone who used the service), ``missing_reason`` (an aware non-user
    without a reason), ``reason_conflict`` (an aware non-user answering "unaware", or an unaware one another
    reason). How they are counted: a stage counts a respondent only when every earlier stage is "yes" (the
    funnel's definition: "aware" means needs it *and* knows), blanks count as "no", an aware non-user without a
    usable reason counts as "other" and an unaware non-user always as "unaware" (reason_unaware = need − aware).
    """

    rows: int
    respondents: int
    issues: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.issues.values())


@dataclass(frozen=True)
class AggregatedAnswers:
    counts: pl.DataFrame
    report: ConsistencyReport


def aggregate_raw_answers(
    records: pl.DataFrame | pl.LazyFrame,
    region_col: str,
    need_col: str,
    aware_col: str,
    used_col: str,
    completed_col: str | None = None,
    satisfied_col: str | None = None,
    reason_col: str | None = None,
    period_col: str | None = None,
    category_col: str | None = None,
    *,
    resolve_regions: bool = True,
    level: Level | None = None,
) -> AggregatedAnswers:
    """Raw survey answers (one row per respondent) → funnel counts, plus a report of contradictory answers.

    Yes/no answers in zh or en (是/否, yes/no, 1/0, true/false, √/×); reasons in zh or en, mapped to
    unaware, no_guidance, no_answer, prefers_face, tech_failure, other. Output columns: ``adcode``
    [, ``year``, ``service_category``], ``respondents``, ``need``, ``aware``, ``used`` [, ``completed``
    [, ``satisfied``]] [, the six ``reason_*``]. Unknown labels raise :class:`UnknownLabelError` with counts.
    See :class:`ConsistencyReport` for how contradictions are counted and treated.

    Large files: one lazy pass groups by the raw answer combination (few distinct combinations), so labels and
    consistency are worked out on a small frame; ``collect()`` is called once.
    """
    if satisfied_col and not completed_col:
        raise ValueError("satisfied_col needs completed_col: satisfaction is asked of those who completed")
    lf = records.lazy()
    names = lf.collect_schema().names()
    _missing_columns(names, (region_col, need_col, aware_col, used_col, completed_col, satisfied_col, reason_col,
                             period_col, category_col))
    stage_cols = {"need": need_col, "aware": aware_col, "used": used_col, "completed": completed_col,
                  "satisfied": satisfied_col}
    stage_cols = {k: v for k, v in stage_cols.items() if v}
    select = [pl.col(region_col).cast(pl.String).alias("__region")]
    select += [pl.col(col).cast(pl.String).alias(f"__{stage}") for stage, col in stage_cols.items()]
    if reason_col:
        select.append(pl.col(reason_col).cast(pl.String).alias("__reason"))
    if period_col:
        select.append(pl.col(period_col).alias("year"))
    if category_col:
        select.append(pl.col(category_col).cast(pl.String).alias("service_category"))
    raw = [e.meta.output_name() for e in select]
    combos = lf.select(select).group_by(raw).agg(pl.len().alias("__n")).collect()

    # Map the answers of each distinct raw value; report every unknown value of a column at once.
    exprs = []
    for stage, col in stage_cols.items():
        mapping = _yes_no_mapping(combos, f"__{stage}", col)
        exprs.append(pl.col(f"__{stage}").replace_strict(mapping, return_dtype=pl.Boolean))
    if reason_col:
        mapping = _reason_mapping(combos, reason_col)
        exprs.append(pl.col("__reason").replace_strict(mapping, return_dtype=pl.String))
    if resolve_regions:
        regions = _resolve_regions(combos, "__region", region_col, level)
        exprs.append(pl.col("__region").replace_strict(regions, return_dtype=pl.String))
    if category_col:
        codes = {v: map_label(v, CATEGORY_LABELS) or v for v in combos["service_category"].unique().drop_nulls()}
        exprs.append(pl.col("service_category").replace_strict(codes, default=None, return_dtype=pl.String))
    combos = combos.with_columns(exprs).rename({"__region": "adcode"})

    # The funnel's nested definition, and the contradictions against it.
    stages = list(stage_cols)
    yes = {s: pl.col(f"__{s}").fill_null(False) for s in stages}
    chain: dict[str, pl.Expr] = {}
    previous: pl.Expr | None = None
    issues: dict[str, pl.Expr] = {"missing_need": pl.col("__need").is_null()}
    missing_answer = pl.lit(False)
    for stage in stages:
        chain[stage] = yes[stage] if previous is None else previous & yes[stage]
        if previous is not None:
            issues[f"{stage}_without_{stages[stages.index(stage) - 1]}"] = yes[stage] & ~previous
            missing_answer = missing_answer | (previous & pl.col(f"__{stage}").is_null())
        previous = chain[stage]
    issues["missing_answer"] = missing_answer
    respondent = pl.col("__need").is_not_null()
    derived = {s: (respondent & chain[s]) for s in stages}
    non_user = derived["need"] & ~derived["used"]
    unaware = derived["need"] & ~derived["aware"]
    aware_non_user = derived["aware"] & ~derived["used"]
    if reason_col:
        reason = pl.col("__reason")
        issues["reason_from_user"] = derived["used"] & reason.is_not_null()
        issues["missing_reason"] = aware_non_user & reason.is_null()
        issues["reason_conflict"] = ((aware_non_user & (reason == "unaware"))
                                     | (unaware & reason.is_not_null() & (reason != "unaware"))).fill_null(False)
        # Aware non-users with no usable reason are "other"; unaware non-users are "unaware" by definition.
        effective = (pl.when(unaware).then(pl.lit("unaware"))
                     .when(aware_non_user & (reason.is_null() | (reason == "unaware"))).then(pl.lit("other"))
                     .when(aware_non_user).then(reason))
    counted = combos.with_columns(
        *[pl.when(expr).then(pl.col("__n")).otherwise(0).alias(f"__issue_{key}") for key, expr in issues.items()],
        *[pl.when(expr).then(pl.col("__n")).otherwise(0).alias(stage) for stage, expr in derived.items()],
        pl.when(respondent).then(pl.col("__n")).otherwise(0).alias("respondents"),
        *([pl.when(non_user & (effective == r)).then(pl.col("__n")).otherwise(0).alias(f"reason_{r}")
           for r in REASONS] if reason_col else []),
    )
    keys = ["adcode", *(["year"] if period_col else []), *(["service_category"] if category_col else [])]
    value_cols = ["respondents", *stages, *(REASON_COLUMNS if reason_col else [])]
    out = counted.group_by(keys).agg(pl.col(c).sum().cast(pl.Int64) for c in value_cols)
    out = _period_as_year(out).sort(keys, nulls_last=True)
    totals = counted.select(pl.col("__n").sum(), *[pl.col(f"__issue_{k}").sum() for k in issues]).row(0)
    report = ConsistencyReport(
        rows=int(totals[0] or 0), respondents=int(out["respondents"].sum()),
        issues={k: int(v or 0) for k, v in zip(issues, totals[1:], strict=True)},
    )
    return AggregatedAnswers(out, report)


def _yes_no_mapping(combos: pl.DataFrame, raw_col: str, column: str) -> dict:
    # Blanks are allowed (survey skip logic leaves later questions empty); anything else must be a yes or a no.
    per_value = combos.group_by(raw_col).agg(pl.col("__n").sum())
    mapping, unknown = {}, {}
    for value, rows in per_value.iter_rows():
        if value is None or not value.strip():
            mapping[value] = None
            continue
        answer = parse_yes_no(value)
        if answer is None:
            unknown[value] = rows
        mapping[value] = answer
    if unknown:
        raise UnknownLabelError(column, unknown, YES_NO_EXPECTED)
    return mapping


def _reason_mapping(combos: pl.DataFrame, column: str) -> Mapping[str, str]:
    per_value = combos.group_by("__reason").agg(pl.col("__n").sum())
    mapping, unknown = {}, {}
    for value, rows in per_value.iter_rows():
        if value is None or not value.strip():
            mapping[value] = None
            continue
        code = map_label(value, REASON_LABELS)
        if code is None:
            unknown[value] = rows
        mapping[value] = code
    if unknown:
        raise UnknownLabelError(column, unknown, "a reason: " + ", ".join(REASONS) + " (或中文: 不知道可网办, "
                                "缺少指引, 问题无人解答, 偏好面对面, 系统故障, 其他)")
    return mapping
