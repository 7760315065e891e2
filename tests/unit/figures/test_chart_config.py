"""The toolbar's texts in the page language (issue 18): chart_config gives plotly.js the page language's locale
and its dictionary, and every English text the dictionary translates is one Streamlit's bundled plotly.js asks for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import streamlit

from digigov.figures.config import TOOLBAR_TEXTS, chart_config
from digigov.i18n import LANGUAGES, t

PLOTLY_BUNDLES = sorted((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("PlotlyChart*.js"))


def test_without_a_language_the_toolbar_is_plotly_s_english():
    assert "locale" not in chart_config("channels", "mix") and "locales" not in chart_config("channels", "mix")


def test_the_chinese_page_gets_a_zh_cn_dictionary_of_the_kept_buttons():
    config = chart_config("channels", "mix", lang="zh")
    assert config["locale"] == "zh-CN"
    dictionary = config["locales"]["zh-CN"]["dictionary"]
    assert dictionary["Download plot as a PNG"] == t("toolbar.download_png", "zh")
    assert dictionary["Reset axes"] == "复原坐标轴"
    assert all(re.search("[一-鿿]", text) for text in dictionary.values()), dictionary
    json.dumps(config)  # goes to the browser as JSON


def test_the_english_page_keeps_plotly_s_own_words():
    config = chart_config("overview", "map", lang="en")
    assert config["locale"] == "en"
    assert config["locales"]["en"]["dictionary"] == {english: english for english in TOOLBAR_TEXTS}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_locale_of_the_page_language_with_every_text(lang):
    config = chart_config("overview", "map", lang=lang)
    (tag,) = config["locales"]
    assert tag == config["locale"] and set(config["locales"][tag]["dictionary"]) == set(TOOLBAR_TEXTS)


def test_the_dictionary_translates_texts_the_bundled_plotly_js_looks_up():
    """A plotly.js upgrade that renames a text would leave it English again: the test names it."""
    assert PLOTLY_BUNDLES, "Streamlit's PlotlyChart bundle not found"
    bundle = PLOTLY_BUNDLES[0].read_text(encoding="utf-8")
    assert "localeRegistry" in bundle and "locales" in bundle  # plotly.js reads config.locales
    missing = [english for english in TOOLBAR_TEXTS if f"`{english}`" not in bundle and f'"{english}"' not in bundle]
    assert missing == []


def test_the_kept_buttons_tooltips_are_all_translated():
    """The buttons the toolbar keeps on our charts: the camera and the reset of each kind of chart."""
    bundle = PLOTLY_BUNDLES[0].read_text(encoding="utf-8")
    kept = ["toImage", "resetScale2d", "resetGeo", "resetViewMap"]
    removed = set(chart_config("overview", "map")["modeBarButtonsToRemove"])
    assert not set(kept) & removed
    for name in kept:
        definition = re.search(rf"u\.{name}=\{{name:`{name}`.{{0,300}}", bundle)
        assert definition, name
        for english in re.findall(r"\(e,`([^`]+)`\)", definition.group(0).split("click:")[0]):
            assert english in TOOLBAR_TEXTS, (name, english)
