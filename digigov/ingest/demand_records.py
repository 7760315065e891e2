"""Raw demand answers (one row per respondent: need / aware / used / completed / satisfied and a reason)
aggregated into the funnel counts that digigov.analysis.demand reads, with a report of answers that contradict
the funnel's order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from digigov.codes import REASON_COLUMNS, REASONS
from digigov.engine import RecordsLike, column_names, count_by, first_pass
from digigov.ingest.labels import (
    CATEGORY_LABELS,
    REASON_LABELS,
    YES_NO_EXPECTED,
    free_dimension_codes,
    labels_or_raise,
    map_label,
    parse_yes_no,
    period_as_year,
    require_columns,
    resolve_region_labels,
)
from digigov.regions import Level


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
    records: RecordsLike,
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

    Large files: one pass groups by the raw answer combination (few distinct combinations), so labels and
    consistency are worked out on a small frame; on Parquet parts or a table that pass runs on the configured
    engine (digigov.engine).
    """
    if satisfied_col and not completed_col:
        raise ValueError("satisfied_col needs completed_col: satisfaction is asked of those who completed")
    names = column_names(records)
    require_columns(
        names,
        (region_col, need_col, aware_col, used_col, completed_col, satisfied_col, reason_col, period_col, category_col),
    )
    given = {
        "need": need_col,
        "aware": aware_col,
        "used": used_col,
        "completed": completed_col,
        "satisfied": satisfied_col,
    }
    stage_cols = {k: v for k, v in given.items() if v}
    raw = {"__region": region_col, **{f"__{stage}": col for stage, col in stage_cols.items()}}
    raw |= {name: col for name, col in (("__reason", reason_col), ("service_category", category_col)) if col}
    combos = first_pass(records, count_by(raw, year=period_col))

    combos = _code_answers(
        combos,
        stage_cols,
        reason_col,
        region_col if resolve_regions else None,
        level,
        has_category=category_col is not None,
    )

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
        issues["reason_conflict"] = (
            (aware_non_user & (reason == "unaware")) | (unaware & reason.is_not_null() & (reason != "unaware"))
        ).fill_null(False)
        # Aware non-users with no usable reason are "other"; unaware non-users are "unaware" by definition.
        effective = (
            pl.when(unaware)
            .then(pl.lit("unaware"))
            .when(aware_non_user & (reason.is_null() | (reason == "unaware")))
            .then(pl.lit("other"))
            .when(aware_non_user)
            .then(reason)
        )
    counted = combos.with_columns(
        *[pl.when(expr).then(pl.col("__n")).otherwise(0).alias(f"__issue_{key}") for key, expr in issues.items()],
        *[pl.when(expr).then(pl.col("__n")).otherwise(0).alias(stage) for stage, expr in derived.items()],
        pl.when(respondent).then(pl.col("__n")).otherwise(0).alias("respondents"),
        *(
            [
                pl.when(non_user & (effective == r)).then(pl.col("__n")).otherwise(0).alias(f"reason_{r}")
                for r in REASONS
            ]
            if reason_col
            else []
        ),
    )
    keys = ["adcode", *(["year"] if period_col else []), *(["service_category"] if category_col else [])]
    value_cols = ["respondents", *stages, *(REASON_COLUMNS if reason_col else [])]
    out = counted.group_by(keys).agg(pl.col(c).sum().cast(pl.Int64) for c in value_cols)
    out = period_as_year(out).sort(keys, nulls_last=True)
    totals = counted.select(pl.col("__n").sum(), *[pl.col(f"__issue_{k}").sum() for k in issues]).row(0)
    report = ConsistencyReport(
        rows=int(totals[0] or 0),
        respondents=int(out["respondents"].sum()),
        issues={k: int(v or 0) for k, v in zip(issues, totals[1:], strict=True)},
    )
    return AggregatedAnswers(out, report)


def _code_answers(
    combos: pl.DataFrame,
    stage_cols: dict[str, str],
    reason_col: str | None,
    region_col: str | None,
    level: Level | None,
    *,
    has_category: bool,
) -> pl.DataFrame:
    """The raw answers of each combination replaced by booleans and codes (regions resolved when region_col is
    given); every unknown value of a column is reported at once."""
    exprs = []
    for stage, col in stage_cols.items():
        mapping = _yes_no_mapping(combos, f"__{stage}", col)
        exprs.append(pl.col(f"__{stage}").replace_strict(mapping, return_dtype=pl.Boolean))
    if reason_col:
        reasons = _reason_mapping(combos, reason_col)
        exprs.append(pl.col("__reason").replace_strict(reasons, return_dtype=pl.String))
    if region_col:
        regions = resolve_region_labels(combos, "__region", region_col, level)
        exprs.append(pl.col("__region").replace_strict(regions, return_dtype=pl.String))
    if has_category:
        exprs.append(free_dimension_codes(combos, "service_category", CATEGORY_LABELS))
    return combos.with_columns(exprs).rename({"__region": "adcode"})


def _yes_no_mapping(combos: pl.DataFrame, raw_col: str, column: str) -> dict:
    return labels_or_raise(combos, raw_col, column, parse_yes_no, YES_NO_EXPECTED, blanks_allowed=True)


def _reason_mapping(combos: pl.DataFrame, column: str) -> Mapping[str, str]:
    expected = (
        "a reason: "
        + ", ".join(REASONS)
        + " (或中文: 不知道可网办, 缺少指引, 问题无人解答, 偏好面对面, 系统故障, 其他)"
    )
    return labels_or_raise(
        combos, "__reason", column, lambda v: map_label(v, REASON_LABELS), expected, blanks_allowed=True
    )


def category_codes(frame: pl.DataFrame, column: str = "service_category") -> pl.Expr:
    """``column`` of an aggregated table with service-category labels in zh or en (税务, "Tax", 社会保险) replaced
    by their codes and any other label kept as written (so 税务 and tax in one file are one category)."""
    values = frame.get_column(column).cast(pl.String).unique().drop_nulls().to_list()
    codes = {v: map_label(v, CATEGORY_LABELS) or v for v in values}
    return pl.col(column).cast(pl.String).replace_strict(codes, default=None, return_dtype=pl.String).alias(column)
