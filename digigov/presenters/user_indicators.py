"""The upload page's words for the indicators a file holds that are not in the catalog: a one-line summary of
what was read, and why an indicator cannot be saved yet, in the page's language."""

from __future__ import annotations

import polars as pl

from digigov.i18n import t
from digigov.ingest.pipeline import UncataloguedIndicator
from digigov.user_indicators import Problem


def handed_summary(handed: UncataloguedIndicator, lang: str) -> str:
    """宽带接入用户(万户)：31 个地区、10 个年份，309 个数值."""
    values = handed.values.filter(pl.col("value").is_not_null())
    return t(
        "user_indicator.item",
        lang,
        label=handed.label,
        regions=values["adcode"].n_unique(),
        years=values["year"].n_unique(),
        count=values.height,
    )


def problem_text(problem: Problem, lang: str) -> str:
    values = dict(problem.values)
    if problem.key == "no_values" and "level" in values:
        values["level"] = t(f"user_indicator.level.{values['level']}", lang)
    return t(f"user_indicator.problem.{problem.key}", lang, **values)
