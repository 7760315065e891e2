"""Child process for test_preload.py (not collected: no test_ prefix).

    python _import_race.py raw|preload

Two threads build plotly traces (whose validators look numpy and pandas up in sys.modules) while a third
imports pandas for the first time, as the first sessions of a cold server do. Prints ERRORS [...]: in `raw`
the validators meet a partially initialised pandas/numpy; in `preload` every thread first imports
components.preload, as app.py does, and nothing fails.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
mode = sys.argv[1]
errors: list[str] = []


def first_import() -> None:
    try:
        if mode == "preload":
            import components.preload  # noqa: F401
        import pandas  # noqa: F401
    except Exception as error:  # the test reads every error
        errors.append(repr(error))


def build_traces() -> None:
    try:
        if mode == "preload":
            import components.preload  # noqa: F401
        import plotly.graph_objects as go

        for _ in range(3000):
            go.Choropleth(customdata=[[1, 2]], z=[1.0], locations=["a"])
    except Exception as error:
        errors.append(repr(error))


if mode == "raw":
    import plotly.graph_objects  # noqa: F401  (plotly loaded, numpy and pandas not yet)
threads = [threading.Thread(target=build_traces) for _ in range(2)] + [threading.Thread(target=first_import)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("ERRORS", errors)
