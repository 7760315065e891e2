"""The map first: on a session's first page, what comes after its map waits until the browser has drawn it.

Measured (bench/RESULTS.md, issue 16): the browser draws every chart of a page in one go once plotly's code has
loaded, and the map, whose boundaries are fetched, comes last: on the regional, channels and demand pages the
other charts kept it waiting about a second after its boundaries had arrived (without them the channels map was
drawn in 4.25 s instead of 5.91 s), and then the text and placeholders after the map still kept it waiting: the
browser renders every element of the run before plotly draws (held back, the regional map came 0.9 s sooner). So
a page's first run sends what comes before the map (title, sample notice, controls, headline figures), the map
and a line saying the rest follows, and stops; a small component in the browser says when the map is drawn (or
after PATIENCE_MS), which reruns the page with everything. Later pages of the session draw at once: plotly's
code and the boundaries are in the browser by then.
"""

from __future__ import annotations

import streamlit as st

from digigov.i18n import t

DRAWN = "first_map_drawn"  # session state: the browser has drawn this session's first map
PENDING = "first_map_pending"  # session state: this run drew a map that the browser has not yet drawn
PATIENCE_MS = 6000  # never hold the charts back longer than this, whatever happens to the map

# Catalog-free, data-free script: it only counts plotly's choropleth shapes in the document.
_SIGNAL_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const drawn = () => document.querySelector('.js-plotly-plot .choroplethlocation') !== null;
  let sent = false;
  let observer = null;
  let timer = null;
  const send = () => {
    if (sent) return;
    sent = true;
    if (observer) observer.disconnect();
    clearTimeout(timer);
    setStateValue('drawn', true);
  };
  observer = new MutationObserver(() => { if (drawn()) send(); });
  observer.observe(document.body, {childList: true, subtree: true});
  timer = setTimeout(send, data.patience_ms);
  if (drawn()) send();
  return () => { observer.disconnect(); clearTimeout(timer); };
}
"""
SIGNAL_NAME = "digigov_first_map_drawn"  # an identifier, not a label: components are named app-wide
_signal = st.components.v2.component(SIGNAL_NAME, js=_SIGNAL_JS)


def new_run() -> None:
    """At the top of every run (app.py): no map of this run is pending yet."""
    st.session_state[PENDING] = False


def after_map(lang: str | None = None) -> None:
    """Called right after a page draws its map. Until the session's first map is drawn in the browser, the run
    ends here, with a line saying the rest follows: everything after the map comes in the rerun the browser asks
    for once the map is drawn (st.stop; charts_wait covers a chart drawn before it)."""
    if st.session_state.get(DRAWN):
        return
    with st.sidebar:
        result = _signal(key="first_map_signal", data={"patience_ms": PATIENCE_MS}, on_drawn_change=_ignore)
    # A state, not a trigger: a trigger lasts one run, and a click that reruns the page at the same moment would
    # lose it (the charts would wait for ever); the state stays until the session has noted it.
    if result.drawn:  # the rerun the browser asked for: draw everything
        st.session_state[DRAWN] = True
        return
    st.session_state[PENDING] = True
    # Measured (bench/RESULTS.md §3): the browser renders every element of the run before plotly draws the map;
    # with the rest of the page held back, the regional map came 0.9 s sooner (4.3 s -> 3.4 s, median of 3).
    st.caption(t("map.rest_follows", lang or "zh"))
    st.stop()


def charts_wait() -> bool:
    return bool(st.session_state.get(PENDING)) and not st.session_state.get(DRAWN)


def placeholder(height: int | None, lang: str | None) -> None:
    """Where a waiting chart will be: a box of its height, with a line saying it follows the map."""
    with st.container(height=height or 360, border=True):
        st.caption(t("map.chart_follows", lang or "zh"))


def _ignore() -> None:
    """The trigger's rerun is what is wanted; nothing to do in the callback."""
