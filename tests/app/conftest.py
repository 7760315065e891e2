from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app():
    """The whole app (navigation included), as a user opens it."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
