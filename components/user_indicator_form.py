"""The upload page's confirmation of the indicators a file holds that are not in the catalog: per indicator, the
analyst's name, unit, direction, level and provenance; only confirmed indicators without problems are saved."""

from __future__ import annotations

import streamlit as st

from digigov.i18n import t
from digigov.ingest import IngestResult
from digigov.presenters.user_indicators import handed_summary, problem_text
from digigov.text import escape_markdown
from digigov.user_indicators import LEVELS, POLARITIES, Provenance, UserIndicatorSpec, problems, proposed_spec


def user_indicator_specs(result: IngestResult, page: str, ident: str, lang: str) -> dict[str, UserIndicatorSpec]:
    """{label: spec} of the indicators the analyst ticked and described without problems (empty when none)."""
    if not result.uncatalogued:
        return {}
    st.header(t("user_indicator.header", lang))
    st.caption(t("user_indicator.intro", lang))
    confirmed = {}
    for i, handed in enumerate(result.uncatalogued):
        key = f"{page}_userind_{ident}_{i}"
        with st.expander(escape_markdown(handed_summary(handed, lang)), expanded=True):
            spec = _form(proposed_spec(handed), key, lang)
            if not st.session_state.get(f"{key}_confirm"):
                continue
            found = problems(handed, spec)
            for problem in found:
                st.warning(escape_markdown(problem_text(problem, lang)))
            if not found:
                confirmed[handed.label] = spec
    return confirmed


def _form(proposed: UserIndicatorSpec, key: str, lang: str) -> UserIndicatorSpec:
    st.checkbox(t("user_indicator.confirm", lang), key=f"{key}_confirm")
    left, right = st.columns(2)
    name_zh = left.text_input(t("user_indicator.name_zh", lang), proposed.name_zh, max_chars=80, key=f"{key}_nzh")
    name_en = right.text_input(t("user_indicator.name_en", lang), proposed.name_en, max_chars=80, key=f"{key}_nen")
    unit_zh = left.text_input(t("user_indicator.unit_zh", lang), proposed.unit_zh, max_chars=80, key=f"{key}_uzh")
    unit_en = right.text_input(t("user_indicator.unit_en", lang), proposed.unit_en, max_chars=80, key=f"{key}_uen")
    polarity = left.selectbox(
        t("user_indicator.polarity_label", lang),
        POLARITIES,
        index=POLARITIES.index(proposed.polarity),
        key=f"{key}_pol",
        format_func=lambda p: t(f"user_indicator.polarity.{p}", lang),
    )
    level = right.selectbox(
        t("user_indicator.level_label", lang),
        LEVELS,
        index=LEVELS.index(proposed.level),
        key=f"{key}_lvl",
        format_func=lambda v: t(f"user_indicator.level.{v}", lang),
    )
    decimals = left.number_input(t("user_indicator.decimals", lang), 0, 4, proposed.decimals, step=1, key=f"{key}_dec")
    source = right.text_input(
        t("user_indicator.source", lang), proposed.provenance.source, max_chars=160, key=f"{key}_src"
    )
    year = left.number_input(
        t("user_indicator.year", lang), min_value=1949, max_value=2100, value=None, step=1, key=f"{key}_yr"
    )
    reference = right.text_input(t("user_indicator.reference", lang), max_chars=500, key=f"{key}_ref")
    note = st.text_input(t("user_indicator.note", lang), max_chars=500, key=f"{key}_note")
    st.caption(t("user_indicator.values_note", lang))
    return UserIndicatorSpec(
        label=proposed.label,
        name_zh=name_zh,
        name_en=name_en,
        unit_zh=unit_zh,
        unit_en=unit_en,
        polarity=polarity,
        level=level,
        decimals=int(decimals),
        provenance=Provenance(
            source=source, year=int(year) if year is not None else None, reference=reference, note=note
        ),
    )
