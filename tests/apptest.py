"""A new AppTest session of the app (or of one page's script), as after the session's first map was drawn.

AppTest runs no JavaScript, so the browser's "map drawn" signal (components/first_map.py) never arrives: without
the flag, every chart after a page's first map would stay a placeholder. The waiting itself is tested in
tests/app/test_first_map.py and, in Chromium, by the e2e suite.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.first_map import DRAWN
from tests.paths import ROOT


def new_session(script: Path | str = ROOT / "app.py", timeout: float = 60, *, map_drawn: bool = True) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=timeout)
    if map_drawn:
        at.session_state[DRAWN] = True
    return at
