"""Import, once per server process, everything the pages use, before any two sessions can race for it.

On a freshly started server, the first officials' scripts run in parallel threads and each triggers the first
import of numpy, pandas, plotly's validators, polars' interop, scipy, esda ... Python then sometimes hands one
thread a module another thread is still initialising: a load test of 25 sessions on a cold server failed pages
with "partially initialized module 'numpy' has no attribute 'ndarray'" (plotly's validator) in 4 of 10 runs.
app.py imports this module first; the interpreter's per-module import lock makes every other session's thread
wait here until the imports below are complete, and later runs find them in sys.modules (no cost). The shared
data every page reads is loaded here too, for the same reason and so that no official's first page pays for it.
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


def _load_shared_data() -> None:
    """The process-wide data every session shares, read once at start as a server that has served a few pages has
    it: the boundary layers (the prefecture layer's 1.2 MB took 0.2 s of the channels page's first run), the
    gazetteer, the adjacency table, the indicator and text catalogs, the built-in samples."""
    from digigov.analysis.adjacency import province_adjacency
    from digigov.boundaries import layer_ids, load_south_china_sea
    from digigov.datasets import BUILTIN_DATASETS, load_builtin
    from digigov.i18n import catalog
    from digigov.indicators import load_catalog
    from digigov.regions import load_gazetteer

    for level in ("province", "prefecture"):
        layer_ids(level)  # reads the layer too
    load_south_china_sea()
    load_gazetteer()
    province_adjacency()
    catalog()
    load_catalog()
    for name in BUILTIN_DATASETS:
        load_builtin(name)


PRELOADED = _import_domain_package()
_import_plotly_validators()
_load_shared_data()
