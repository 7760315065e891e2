"""Online versus offline: city map of on-site preference, spread, channel mix, breakdowns, confidence intervals."""

import streamlit as st

from components.briefing_filters import remember
from components.china_map import chart, china_map
from components.data_source import data_source
from components.downloads import table
from components.language import language_switch
from components.notices import reference_note
from components.tabs import chart_with_table, tabbed
from components.url_state import url_choice, url_multi
from digigov.i18n import t
from digigov.presenters import channels as presenter
from digigov.presenters.channels_preference import PreferenceView, preference_view
from digigov.regions import region_label
from digigov.sources import BUILTIN, list_sources, load_source, sample_watermark
from digigov.storage import StorageError
from digigov.text import escape_markdown

PAGE = "channels"
THRESHOLDS = [10, 20, 30, 50, 100]


# The page is cached as objects (cache_resource: no pickling; plotly's validation is the slow part) and
# st.plotly_chart / st.dataframe only serialise them; keys are the page's plain inputs.
@st.cache_resource(max_entries=64, show_spinner=False)
def cached_view(source_id: str, index_id: str, sel: presenter.Selection, lang: str) -> presenter.ChannelsView:
    frame = load_source("city_channels", source_id)
    index = load_source("province_index", index_id)
    return presenter.present(
        frame, sel, lang, index=index, index_sample=index_id == BUILTIN, watermark=sample_watermark(source_id, lang)
    )


@st.cache_resource(max_entries=128, show_spinner=False)
def cached_mix(
    source_id: str, index_id: str, sel: presenter.Selection, regions: tuple[str, ...], lang: str
) -> presenter.ChannelMix:
    return presenter.channel_mix(cached_view(source_id, index_id, sel, lang), regions, lang)


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_options(source_id: str) -> presenter.PageOptions:
    return presenter.options(load_source("city_channels", source_id))


def keep_valid(key: str, options: list) -> None:
    """Drop a remembered widget value that the current dataset does not offer (another source was chosen)."""
    value = st.session_state.get(key)
    if isinstance(value, list):
        st.session_state[key] = [v for v in value if v in options]
    elif value is not None and value not in options:
        del st.session_state[key]


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_handling(source_id: str, lang: str) -> presenter.HandlingView:
    return presenter.handling_view(load_source("city_transactions", source_id), lang)


def stored_section_source(kind: str, section: str, keys: str) -> str | None:
    """A section shown only for stored datasets of kind: its header (keys.header) and its dataset picker
    (keys.source, opened on ?src= when that names one), or None and nothing drawn when none is stored."""
    try:
        stored = {s.id: s.name for s in list_sources(kind)}
    except StorageError:
        return None
    if not stored:
        return None
    key = f"{PAGE}_{section}_src"
    if key not in st.session_state or st.session_state[key] not in stored:
        wanted = st.query_params.get("src")
        st.session_state[key] = wanted if wanted in stored else next(iter(stored))
    st.header(t(f"{keys}.header", lang))
    return st.selectbox(t(f"{keys}.source", lang), list(stored), key=key, format_func=lambda i: stored[i])


def handling_section() -> None:
    """A stored transaction log (kind city_transactions): the share actually handled at counters, shown apart from
    the survey's stated preference. Nothing when no log is stored."""
    chosen = stored_section_source("city_transactions", "handling", "channels.handling")
    if chosen is None:
        return
    handling = cached_handling(chosen, lang)
    if handling.finding:
        st.markdown(handling.finding)
    table(handling.table, key=f"{PAGE}_handling", page=PAGE, name="handled_at_counter", lang=lang, sample=False)
    st.caption(handling.caption)
    st.divider()


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_preference(source_id: str, lang: str) -> PreferenceView:
    return preference_view(load_source("city_preference", source_id), lang)


def preference_section() -> None:
    """A stored city survey table without the channel mix (kind city_preference): the stated preference for on-site
    handling per city. Nothing when none is stored."""
    chosen = stored_section_source("city_preference", "preference", "channels.preference")
    if chosen is None:
        return
    view = cached_preference(chosen, lang)
    st.caption(escape_markdown(view.caption))  # first: the section sits under the page's sample notice
    for sentence in view.findings:
        st.markdown(escape_markdown(sentence))
    if view.map is not None:
        chart(view.map, key=f"{PAGE}_preference_map", page=PAGE, name="preference_map", lang=lang)
    if view.year is not None:
        for measure in view.measures:  # the file's own 全国/平均 row, when it has one
            reference_note(chosen, measure, view.year, lang)
    table(view.table, key=f"{PAGE}_preference", page=PAGE, name="city_preference", lang=lang, sample=False)
    st.divider()


def index_sources() -> dict[str, str]:
    """id -> name of the development indexes the relation chart can use: the built-in sample, then uploads."""
    try:
        sources = list_sources("province_index")
    except StorageError:
        sources = []
    named = {s.id: (t("source.builtin", lang) if s.is_sample else s.name) for s in sources}
    return named or {BUILTIN: t("source.builtin", lang)}


lang = language_switch()
st.title(t("channels.title", lang))
source = data_source(PAGE, "city_channels", lang)
choices = cached_options(source.id)
st.caption(t("channels.intro", lang))
handling_section()
preference_section()
if not choices.years:
    st.warning(t("channels.no_data", lang))
    st.stop()

years = list(choices.years)
keep_valid(f"{PAGE}_year", years)
row = st.columns([1, 1, 1])
with row[0]:
    year = url_choice(PAGE, "year", years, default=years[-1], label=t("channels.year", lang), cast=int)
with row[1]:
    level = url_choice(
        PAGE,
        "level",
        ["prefecture", "province"],
        default="prefecture",
        label=t("channels.level", lang),
        format_func=lambda v: t(f"channels.level_{v}", lang),
    )
with row[2]:
    min_n = url_choice(PAGE, "min_n", THRESHOLDS, default=30, label=t("channels.min_n", lang), cast=int)
entity_options, category_options = list(choices.entity_types), list(choices.categories)
keep_valid(f"{PAGE}_entity", entity_options)
keep_valid(f"{PAGE}_category", category_options)
row = st.columns(2)
with row[0]:
    entity_types = url_multi(
        PAGE,
        "entity",
        entity_options,
        entity_options,
        t("channels.entity_types", lang),
        format_func=lambda v: presenter.group_label("entity_type", v, lang),
    )
with row[1]:
    categories = url_multi(
        PAGE,
        "category",
        category_options,
        category_options,
        t("channels.categories", lang),
        format_func=lambda v: presenter.group_label("service_category", v, lang),
    )
if not entity_types or not categories:
    st.error(t("channels.filters_empty", lang))
    st.stop()

indexes = index_sources()
index_ids = list(indexes)
keep_valid(f"{PAGE}_index", index_ids)
index_id = st.sidebar.selectbox(
    t("channels.index_source", lang), index_ids, key=f"{PAGE}_index", format_func=lambda i: indexes[i]
)

sel = presenter.Selection(
    year=year,
    entity_types=None if set(entity_types) == set(entity_options) else tuple(entity_types),
    categories=None if set(categories) == set(category_options) else tuple(categories),
    level=level,
    min_n=min_n,
)
remember(PAGE, selection=sel)
view = cached_view(source.id, index_id, sel, lang)
tables = view.tables
for note in view.notes:
    st.caption(note)

left, right = st.columns([3, 2])
with left:
    st.header(t("channels.map_header", lang, year=year))
    tabbed(
        lang,
        lambda: china_map(view.map, key=f"{PAGE}_map_chart", page=PAGE, chart=f"map_{level}", lang=lang),
        lambda: table(tables.units, key=f"{PAGE}_units", page=PAGE, name=f"offline_share_{level}", lang=lang),
        key=f"{PAGE}_map_tabs",
    )
    st.caption(t("map.corps_note", lang))
with right:
    st.header(t("channels.findings_header", lang))
    for sentence in view.findings:
        st.markdown(f"- {sentence}")

st.header(
    t(
        "channels.distribution_header",
        lang,
        units=t("channels.units_city" if level == "prefecture" else "channels.units_province", lang),
    )
)
chart_with_table(
    view.distribution,
    tables.units,
    page=PAGE,
    name="distribution",
    chart_key=f"{PAGE}_distribution_chart",
    table_name="offline_share_distribution",
    lang=lang,
)

st.divider()
st.header(t("channels.mix_header", lang))
keep_valid(f"{PAGE}_mix", list(view.mix_options))
mix_regions = url_multi(
    PAGE,
    "mix",
    list(view.mix_options),
    list(view.mix_default),
    t("channels.mix_regions", lang),
    format_func=lambda a: region_label(a, lang),
)
mix = cached_mix(source.id, index_id, sel, tuple(mix_regions), lang)
chart_with_table(
    mix.chart,
    mix.table,
    page=PAGE,
    name="channel_mix",
    chart_key=f"{PAGE}_mix_chart",
    table_name="channel_mix",
    lang=lang,
)

st.divider()
st.header(t("channels.breakdown_header", lang))
entity_slot, category_slot = st.columns(2)
with entity_slot:
    chart_with_table(
        view.entity,
        tables.entity,
        page=PAGE,
        name="entity_types",
        chart_key=f"{PAGE}_entity_chart",
        table_name="offline_share_by_entity_type",
        lang=lang,
    )
with category_slot:
    chart_with_table(
        view.category,
        tables.category,
        page=PAGE,
        name="service_categories",
        chart_key=f"{PAGE}_category_chart",
        table_name="offline_share_by_service_category",
        lang=lang,
    )

st.divider()
cols = st.columns(2)
with cols[0]:
    st.header(t("channels.trend_header", lang))
    chart_with_table(
        view.trend,
        tables.trend,
        page=PAGE,
        name="trend",
        chart_key=f"{PAGE}_trend_chart",
        table_name="offline_share_trend",
        lang=lang,
    )
with cols[1]:
    st.header(t("channels.relation_header", lang))
    if view.relation_sentence:
        st.markdown(view.relation_sentence)
    st.caption(view.relation_caption)
    chart_with_table(
        view.relation,
        tables.relation,
        page=PAGE,
        name="relation_to_index",
        chart_key=f"{PAGE}_relation_chart",
        table_name="offline_share_vs_index",
        lang=lang,
    )
