"""On a session's first page what comes after its map waits for the browser to draw the map (issue 16): the first
run sends the title, the sample notice, the controls and the headline figures, the map and a line saying the rest
follows; the rerun the browser asks for sends everything."""

from __future__ import annotations

from components.first_map import DRAWN, PENDING
from digigov.i18n import t
from tests.app.helpers import chart_specs, open_view
from tests.apptest import new_session


def rest_follows(at) -> bool:
    return any(c.value == t("map.rest_follows", "zh") for c in at.caption)


def test_the_first_run_sends_what_comes_before_the_map_and_the_map_then_stops():
    at = new_session(map_drawn=False).run()
    assert not at.exception
    specs = chart_specs(at)
    assert len(specs) == 1 and any(tr.get("type") == "choropleth" for tr in specs[0]["data"])  # the map only
    assert at.title and at.metric and at.selectbox  # title, headline figures and controls came before it
    assert rest_follows(at)
    assert not any(h.value == t("overview.findings_header", "zh") for h in at.header)  # after the map: not yet
    assert at.session_state[PENDING] and DRAWN not in at.session_state
    assert at.get("bidi_component"), "the browser signal that says the map is drawn is on the page"


def test_once_the_map_is_drawn_everything_is_sent():
    at = new_session(map_drawn=False).run()
    at.session_state[DRAWN] = True  # what the signal's trigger sets in the rerun it causes
    at.run()
    assert not at.exception
    assert not rest_follows(at) and len(chart_specs(at)) >= 2
    assert any(h.value == t("overview.findings_header", "zh") for h in at.header) and at.markdown
    assert not at.get("bidi_component")  # no signal once the session's map has been drawn


def test_a_page_with_many_charts_and_tables_sends_them_after_the_map():
    at = open_view(new_session(map_drawn=False), "regional")
    assert not at.exception
    assert len(chart_specs(at)) == 1 and rest_follows(at) and not at.dataframe
    at.session_state[DRAWN] = True
    at.run()
    assert not at.exception
    assert len(chart_specs(at)) >= 5 and at.dataframe and not rest_follows(at)  # ranking, trends, LISA map ...


def test_the_first_run_builds_the_regional_map_and_leaves_the_rest_of_the_view_for_the_rerun(monkeypatch):
    import streamlit as st

    from digigov.presenters import regional

    built = []
    whole_view = regional.regional_view
    monkeypatch.setattr(regional, "regional_view", lambda *a, **k: built.append(1) or whole_view(*a, **k))
    st.cache_resource.clear()  # another test's cached view would hide the call
    at = open_view(new_session(map_drawn=False), "regional")
    assert len(chart_specs(at)) == 1 and rest_follows(at) and built == []
    at.session_state[DRAWN] = True
    at.run()
    assert not at.exception and built == [1] and len(chart_specs(at)) >= 5
