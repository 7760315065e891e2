import os

from tests.paths import ROOT

# A missing translation fails the test instead of showing a placeholder.
os.environ["DIGIGOV_STRICT_I18N"] = "1"

ARTIFACTS = ROOT / "test-artifacts"
# Production hides error details from users (.streamlit/config.toml); tests need them.
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"
