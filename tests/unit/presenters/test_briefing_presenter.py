"""The briefing page's presenter: the form's defaults, sections that follow each page's filters, the document."""

import datetime as dt

import plotly.graph_objects as go
import pytest

from digigov.export.briefing import Briefing
from digigov.i18n import t
from digigov.presenters import briefing as presenter
from digigov.presenters.channels import Selection
from tests.factories import latest_year

LATEST = latest_year()


def test_every_section_has_a_builder_and_a_page_to_follow():
    assert set(presenter.BUILDERS) == set(presenter.MAPS) | set(presenter.CHARTS) == set(presenter.SOURCE_PAGE)
    assert set(presenter.DEFAULT_CHARTS) <= set(presenter.CHARTS)
    assert len(presenter.DEFAULT_CHARTS) <= presenter.MAX_CHARTS


def test_form_offers_every_heading_and_drafted_text():
    form = presenter.briefing_form(LATEST, "dgi_index", "zh")
    assert list(form.headings) == [*presenter.MAPS, *presenter.CHARTS]
    assert form.headings["ranking"] == t("briefing.section.ranking", "zh", year=LATEST)
    assert form.scope == t("briefing.default_scope", "zh", year=LATEST)
    lines = form.findings.splitlines()
    assert 3 <= len(lines) <= presenter.MAX_FINDINGS and "上海" in lines[0]


def test_findings_lines_drop_blank_lines_and_padding():
    assert presenter.findings_lines("  第一条 \n\n 第二条\n   \n") == ("第一条", "第二条")


def test_sections_follow_the_filters_their_pages_remembered():
    filters = {"regional": {"year": 2019, "indicator_id": "dgi_effect"}}
    assert presenter.effective_filters("ranking", LATEST, "dgi_index", filters) == (2019, "dgi_effect")
    assert presenter.effective_filters("macro", LATEST, "dgi_index", filters) == (LATEST, "dgi_index")
    channels = {"channels": {"selection": Selection(year=2022)}}
    assert presenter.effective_filters("channel_mix", LATEST, "dgi_index", channels) == (2022, "dgi_index")
    assert presenter.caption("ranking", filters, "zh") == t("briefing.filters_from", "zh", page=t("nav.regional", "zh"))
    assert presenter.caption("macro", filters, "zh") == ""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_put_the_map_first_and_keep_at_most_four_charts(lang):
    filters = {"regional": {"year": 2019, "indicator_id": "dgi_index"}}
    charts = ["ranking", "macro", "trend", "sigma", "beta"]
    sections = presenter.sections("index_map", charts, LATEST, "dgi_index", lang, filters)
    assert len(sections) == 1 + presenter.MAX_CHARTS
    assert sections[0].heading == presenter.heading("index_map", LATEST, "dgi_index", lang)
    assert sections[1].heading == t("briefing.section.ranking", lang, year=2019)
    assert sections[1].caption and not sections[2].caption
    assert all(isinstance(s.figure, go.Figure) for s in sections)


def test_every_map_and_chart_builds_on_the_samples():
    for choice in (*presenter.MAPS, *presenter.CHARTS):
        assert isinstance(presenter.BUILDERS[choice](LATEST, "dgi_index", "en", {}), go.Figure), choice


def test_document_wraps_the_users_text_around_the_sections():
    text = presenter.BriefingText(
        title="简报", subtitle="副标题", date=dt.date(2025, 5, 6), scope="范围", findings=("一", "二"), source="来源"
    )
    document = presenter.briefing_document(None, ["macro"], LATEST, "dgi_index", "zh", text)
    assert isinstance(document, Briefing)
    assert (document.title, document.subtitle, document.scope, document.source) == ("简报", "副标题", "范围", "来源")
    assert document.findings == ("一", "二") and document.sample_data and document.lang == "zh"
    assert [s.heading for s in document.section_list()] == [t("briefing.section.macro", "zh", year=LATEST)]
    assert presenter.download_stem(2024, dt.date(2025, 5, 6)) == "briefing_2024_20250506"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_open_data_freshness_sections_carry_their_findings_and_the_sample_label(lang):
    sections = presenter.sections("freshness_map", ["freshness_ranking"], LATEST, "dgi_index", lang, {})
    reference = presenter.sharing_presenter.SAMPLE_REFERENCE
    assert [s.heading for s in sections] == [
        presenter.freshness_heading(choice, reference, "province", lang)
        for choice in ("freshness_map", "freshness_ranking")
    ]
    assert reference.isoformat() in sections[0].heading
    label = t("briefing.freshness_sample_caption", lang, reference=reference.isoformat())
    assert sections[0].caption == sections[1].caption == label
    # The map (first) carries the page's first findings, unescaped; the ranking does not repeat them.
    assert len(sections[0].findings) == presenter.SECTION_FINDINGS and not sections[1].findings
    assert ("47.0%" in sections[0].findings[0]) and "\\" not in "".join(sections[0].findings)
    assert all(not isinstance(t.geojson, str) for t in sections[0].figure.data if hasattr(t, "geojson"))
    # The ranking: the five highest and the five lowest provinces, highest first.
    bars = sections[1].figure.data[0]
    assert len(bars.y) == 2 * presenter.FRESHNESS_EACH_END and list(bars.x) == sorted(bars.x, reverse=True)


def test_the_freshness_sections_follow_the_data_sharing_page_when_it_remembered_a_date():
    filters = {"data_sharing": {"reference": dt.date(2024, 6, 30), "level": "prefecture"}}
    chosen = presenter.freshness_choice(filters)
    assert chosen == presenter.FreshnessChoice(dt.date(2024, 6, 30), "prefecture")
    (section,) = presenter.sections(None, ["freshness_ranking"], LATEST, "dgi_index", "zh", filters)
    assert "2024-06-30" in section.heading
    assert section.caption.startswith(t("briefing.filters_from", "zh", page=t("nav.data_sharing", "zh")))
    assert presenter.freshness_choice({}).reference == presenter.sharing_presenter.SAMPLE_REFERENCE
