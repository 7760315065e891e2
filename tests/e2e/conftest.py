"""Start the app on a free port and drive Debian's Chromium with Playwright (never a downloaded browser).
Fixtures only; the helpers the tests share are in tests/e2e/helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e.helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, VIEWPORT, running_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """The server's dataset store: a fresh folder, so tests never touch a developer's userdata/."""
    return tmp_path_factory.mktemp("userdata")


@pytest.fixture(scope="session")
def app_url(data_dir) -> Iterator[str]:
    """The app's URL; the server's output goes to test-artifacts/streamlit.log."""
    with running_app(data_dir, ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make test` (installs Debian's chromium) or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A page that may only reach the app itself: any other request is blocked and recorded."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.outside_requests = []
    app_host = urlparse(app_url).netloc

    def guard(route):
        url = route.request.url
        if urlparse(url).netloc == app_host or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            page.outside_requests.append(url)
            route.abort()

    page.route("**/*", guard)
    yield page
    context.close()
