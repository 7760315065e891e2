"""On a session's first page the charts after its map wait for the browser to draw the map (issue 16)."""

from __future__ import annotations

from components.first_map import DRAWN, PENDING
from digigov.i18n import t
from tests.app.helpers import chart_specs, open_view
from tests.apptest import new_session


def waiting(at) -> int:
    return sum(c.value == t("map.chart_follows", "zh") for c in at.caption)


def test_the_first_run_sends_the_map_and_placeholders_for_the_charts_after_it():
    at = new_session(map_drawn=False).run()
    assert not at.exception
    specs = chart_specs(at)
    assert len(specs) == 1 and any(tr.get("type") == "choropleth" for tr in specs[0]["data"])  # the map only
    assert waiting(at) >= 1  # the macro-region chart waits, in a box of its own
    assert at.session_state[PENDING] and DRAWN not in at.session_state
    assert at.get("bidi_component"), "the browser signal that says the map is drawn is on the page"


def test_once_the_map_is_drawn_every_chart_is_sent():
    at = new_session(map_drawn=False).run()
    at.session_state[DRAWN] = True  # what the signal's trigger sets in the rerun it causes
    at.run()
    assert waiting(at) == 0 and len(chart_specs(at)) >= 2
    assert not at.get("bidi_component")  # no signal once the session's map has been drawn


def test_a_page_with_many_charts_waits_for_all_of_them_and_keeps_its_text():
    at = open_view(new_session(map_drawn=False), "regional")
    assert not at.exception
    assert len(chart_specs(at)) == 1 and waiting(at) >= 4  # the ranking, trends, LISA map ... follow the map
    assert at.header and at.markdown  # the headings and findings are there at once


def test_tables_outside_tabs_wait_for_the_map_too():
    """A table's grid code (about 1.3 MB of script) would hold the map up: it follows the map like the charts."""
    at = open_view(new_session(map_drawn=False), "regional")
    assert not at.exception
    assert not at.dataframe  # the rank check, Dagum and re-weighting tables are placeholders
    at.session_state[DRAWN] = True
    at.run()
    assert not at.exception
    assert at.dataframe and waiting(at) == 0
