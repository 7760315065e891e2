"""Regional gaps page in Chromium: the map and the LISA map draw, a click opens the prefecture map."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_region, open_page, screenshot, wait_for_map

pytestmark = pytest.mark.e2e

MAP = "regional_map_0"  # the national map's key in a fresh session (components.drilldown.map_key)
CITY_MAP = "regional_city_map"


def test_regional_click_opens_prefecture_map(page, app_url):
    open_page(page, app_url, "/regional")
    wait_for_map(page, MAP, 34)
    page.get_by_text("全局莫兰指数").wait_for(timeout=30_000)
    screenshot(page, "regional_zh.png")
    click_region(page, MAP, "520000")  # 贵州
    page.get_by_text("贵州：指数").wait_for(timeout=20_000)
    wait_for_map(page, CITY_MAP, 9, exact=True, timeout=30_000)
    assert "province=520000" in page.url
    assert page.outside_requests == [] or all("topojson" not in u for u in page.outside_requests)


def test_regional_in_english(page, app_url):
    open_page(page, app_url, "/regional?lang=en")
    wait_for_map(page, MAP, 34)
    page.get_by_text("Global Moran's I =").wait_for(timeout=30_000)  # the sentence, not the methods link
    screenshot(page, "regional_en.png")
