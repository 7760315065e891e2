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
import plotly.graph_objects
import plotly.io  # noqa: F401
import polars  # noqa: F401
import pyarrow  # noqa: F401

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


PRELOADED = _import_domain_package()
