"""The regional page's section comparing the index with one of the analyst's own indicators (digigov.user_indicators):
the indicator's map and ranking, and the index against it."""

from __future__ import annotations

import streamlit as st

from components.china_map import chart
from components.downloads import table
from components.notices import reference_note
from components.tabs import chart_with_table
from components.url_state import url_choice
from digigov.i18n import t
from digigov.presenters.covariate import CovariateView, covariate_view
from digigov.sources import load_source, sample_watermark, store
from digigov.storage import StorageError
from digigov.text import escape_markdown
from digigov.user_indicators import KIND, StoredIndicator, stored_indicators


# Keyed on the stored version (immutable), so a new version of the indicator is a new entry; bounded.
@st.cache_resource(max_entries=32, show_spinner=False)
def cached_covariate(
    dataset_id: str, version: int, _item: StoredIndicator, source_id: str, year: int, lang: str
) -> CovariateView:
    values = load_source(KIND, dataset_id).select("adcode", "year", "value")
    index = load_source("province_index", source_id)
    return covariate_view(
        _item.spec, dataset_id, values, index, year, lang, watermark=sample_watermark(source_id, lang)
    )


def covariate_section(page: str, source_id: str, year: int, lang: str) -> None:
    st.header(t("covariate.header", lang))
    st.caption(t("covariate.intro", lang))
    try:
        items = {item.dataset_id: item for item in stored_indicators(store())}
        versions = {item_id: store().get(item_id).latest.version for item_id in items}
    except StorageError as err:
        st.error(t("source.store_error", lang, error=escape_markdown(err.message(lang))))
        return
    if not items:
        st.info(t("covariate.none", lang))
        return
    ids = list(items)
    chosen = url_choice(
        page,
        "cov",
        ids,
        default=ids[0],
        label=t("covariate.pick", lang),
        format_func=lambda i: f"{items[i].indicator.name(lang)} · {items[i].dataset_name}",
    )
    view = cached_covariate(chosen, versions[chosen], items[chosen], source_id, year, lang)
    st.caption(
        t("covariate.uploaded", lang) + " " + t("covariate.provenance", lang, text=escape_markdown(view.provenance))
    )
    for sentence in view.findings:
        st.markdown(escape_markdown(sentence))
    left, right = st.columns([3, 2])
    with left:
        if view.map is not None:
            chart(view.map, key=f"{page}_cov_map", page=page, name="covariate_map", lang=lang)
        if view.year is not None:  # the file's own 全国/平均 row of the indicator, when it had one
            reference_note(chosen, view.indicator, view.year, lang, own=True)
    with right:
        if view.ranking is not None:
            chart(view.ranking, key=f"{page}_cov_ranking", page=page, name="covariate_ranking", lang=lang)
    table(view.table, key=f"{page}_cov_table", page=page, name="covariate", lang=lang, sample=False)
    if view.scatter is not None:
        st.markdown(f"**{escape_markdown(t('covariate.scatter_header', lang, name=view.indicator.name(lang)))}**")
        chart_with_table(
            view.scatter,
            view.points,
            page=page,
            name="covariate_scatter",
            chart_key=f"{page}_cov_scatter",
            table_name="covariate_points",
            lang=lang,
        )
