"""digigov.a11y: the document language tag, per-page browser titles and the page script (catalog data only)."""

from __future__ import annotations

import json
import re

import pytest

from digigov import a11y
from digigov.i18n import LANGUAGES, t

NAV_KEYS = ["overview", "regional", "channels", "demand", "data_sharing", "upload", "briefing", "methods"]


def test_language_tags():
    assert a11y.html_lang("zh") == "zh-CN"
    assert a11y.html_lang("en") == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_gets_a_distinct_title_naming_the_page_and_the_app(lang):
    titles = [a11y.page_title(t(f"nav.{key}", lang), lang) for key in NAV_KEYS]
    assert len(set(titles)) == len(NAV_KEYS)
    for key, title in zip(NAV_KEYS, titles, strict=True):
        assert title.startswith(t(f"nav.{key}", lang)) and title.endswith(t("app.title", lang))


def test_english_titles_have_no_chinese():
    assert not [s for s in (a11y.page_title(t(f"nav.{k}", "en"), "en") for k in NAV_KEYS) if re.search("[一-鿿]", s)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_script_holds_only_the_catalog_language_tag(lang):
    script = a11y.page_script(lang)
    assert script.startswith("<script>") and script.endswith("</script>") and script.count("<script") == 1
    assert f'doc.documentElement.lang = "{a11y.html_lang(lang)}";' in script
    # apart from the tag, the script is the same constant text in every language: nothing else varies
    others = {a11y.page_script(other).replace(json.dumps(a11y.html_lang(other)), "TAG") for other in LANGUAGES}
    assert others == {script.replace(json.dumps(a11y.html_lang(lang)), "TAG")}


def test_a_catalog_value_that_is_not_a_language_tag_is_refused(monkeypatch):
    monkeypatch.setattr(a11y, "t", lambda key, lang: '"; alert(1); "')
    with pytest.raises(ValueError):
        a11y.page_script("zh")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_charts_sharing_a_heading_have_their_own_catalog_names(lang):
    names = [a11y.chart_name("channels", chart, lang) for chart in ("entity_types", "service_categories")]
    assert all(names) and len(set(names)) == 2
    assert a11y.chart_name("channels", "mix", lang) is None  # named by its heading in the browser


def test_the_script_prefers_the_chart_title_then_its_alt_then_the_heading():
    script = a11y.page_script("zh")
    assert 'chart.getAttribute("aria-label")' in script
    assert "(title && title.textContent.trim()) || alt || headingBefore(chart)" in script
