"""Issue 18 in AppTest: the two breakdown charts under one heading of the channels page carry their own names
(Streamlit's alt), and every chart's toolbar gets the page language's plotly locale."""

from __future__ import annotations

import json

import pytest

from digigov.a11y import chart_name


def _charts(app, lang: str):
    if lang == "en":
        app.query_params["lang"] = "en"
    at = app.run()
    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception
    return at.get("plotly_chart")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_charts_get_their_names_and_toolbar_locale(app, lang):
    charts = _charts(app, lang)
    alts = [c.proto.alt for c in charts if c.proto.alt]
    assert alts == [chart_name("channels", "entity_types", lang), chart_name("channels", "service_categories", lang)]
    tag = {"zh": "zh-CN", "en": "en"}[lang]
    configs = [json.loads(c.proto.config) for c in charts]
    assert configs and all(c["locale"] == tag and tag in c["locales"] for c in configs)
