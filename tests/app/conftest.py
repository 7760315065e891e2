from pathlib import Path

import pytest

from tests.apptest import new_session

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app():
    """The whole app (navigation included), as a user opens it."""
    return new_session()
