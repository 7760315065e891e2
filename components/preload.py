"""Import, once per server process, everything the pages use, before any two sessions can race for it.

On a freshly started server, the first officials' scripts run in parallel threads and each triggers the first
import of numpy, pandas, plotly's validators, polars' interop, scipy, esda ... Python then sometimes hands one
thread a module another thread is still initialising: a load test of 25 sessions on a cold server failed pages
with "partially initialized module 'numpy' has no attribute 'ndarray'" (plotly's validator) in 4 of 10 runs.
app.py imports this module first; the interpreter's per-module import lock makes every other session's thread
wait here until the imports below are complete, and later runs find them in sys.modules (no cost).
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects as go
import plotly.io  # noqa: F401
import polars  # noqa: F401
import pyarrow  # noqa: F401
import streamlit.emojis  # noqa: F401  (imported by the first alert with an icon: 0.26-0.5 s, measured on regional)

import digigov

# Not served by pages: the multi-process supervisor.
_NOT_FOR_PAGES = ("digigov.serve",)


def _import_domain_package() -> list[str]:
    names = [
        m.name for m in pkgutil.walk_packages(digigov.__path__, "digigov.") if not m.name.startswith(_NOT_FOR_PAGES)
    ]
    for name in names:
        importlib.import_module(name)
    return names


def _import_plotly_validators() -> None:
    """plotly imports a trace type's and the layout's validators on first use (0.16 s for the first figure with a
    layout here, 4 ms for the next): one small figure of each trace type the pages draw."""
    for trace in (go.Choropleth, go.Scattergeo, go.Bar, go.Scatter, go.Heatmap, go.Box, go.Histogram):
        go.Figure(trace()).update_layout(
            title="", xaxis_title="", yaxis_title="", legend={"x": 0}, geo={"projection": {"type": "mercator"}}
        )


PRELOADED = _import_domain_package()
_import_plotly_validators()
