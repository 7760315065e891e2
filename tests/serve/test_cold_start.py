"""A freshly started server with many officials at once: no page fails while the first imports happen.

The first script runs of a cold server run in parallel threads and each triggers first imports (numpy, plotly's
validators, ...); before components/preload.py, some of them failed with "partially initialized module 'numpy'"
(4 of 10 cold runs of 25 sessions in bench/bench_load.py --cold). Here: a fresh `streamlit run` and one run of
the load benchmark on it (25 officials arriving within 2 s, each through overview → channels → regional →
upload), and every view must finish without an exception element (counted from the protocol,
bench/stclient.py); the server's own log must hold no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_load  # noqa: E402

SESSIONS = 25


def test_sessions_racing_on_a_cold_server_all_render(tmp_path):
    log = tmp_path / "server.log"
    with bench_load.single_server(log=log, env={"DIGIGOV_DATA_DIR": str(tmp_path / "data")}) as (url, pid):
        result = bench_load.one_run(url, pid, SESSIONS, seed=7)
    text = log.read_text()
    assert result["failures"] == 0 and not result["hung"], (result["failure_kinds"], text[-4000:])
    assert result["views"] == SESSIONS * len(bench_load.ROUTE)
    assert "Traceback" not in text, text[-4000:]
