import os

import pytest

from digigov import access
from tests.paths import ROOT

# A missing translation fails the test instead of showing a placeholder.
os.environ["DIGIGOV_STRICT_I18N"] = "1"

ARTIFACTS = ROOT / "test-artifacts"
# Production hides error details from users (.streamlit/config.toml); tests need them.
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"


@pytest.fixture(autouse=True)
def _no_user_left_over():
    """AppTest runs the app in the test's own thread, so the signed-in user of one test (digigov.access's
    ContextVar and its sign-in flag) would otherwise still be set in the next."""
    yield
    access.set_current_user(None)
    access.require_sign_in(False)
