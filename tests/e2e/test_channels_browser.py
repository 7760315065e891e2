"""Online-versus-offline page in Chromium: the prefecture map draws all 367 units offline."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_page, outside_map_requests, screenshot, wait_for_map

pytestmark = pytest.mark.e2e

MAP = "channels_map_chart"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_channels_city_map(page, app_url, lang):
    open_page(page, app_url, "/channels" + ("?lang=en" if lang == "en" else ""))
    wait_for_map(page, MAP, 367)
    page.get_by_text("P90−P10").first.wait_for(timeout=30_000)
    screenshot(page, f"channels_{lang}.png")
    assert outside_map_requests(page) == []
