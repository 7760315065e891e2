"""Regional gaps page in Chromium: the map and the LISA map draw, a click opens the prefecture map."""

from __future__ import annotations

import pytest

from tests.e2e.test_overview_browser import FIND_POINT_INSIDE, screenshot, wait_for_map

pytestmark = pytest.mark.e2e


def test_regional_click_opens_prefecture_map(page, app_url):
    page.goto(f"{app_url}/regional")
    wait_for_map(page, 34)
    page.get_by_text("全局莫兰指数").wait_for(timeout=30_000)
    screenshot(page, "regional_zh.png")
    point = page.evaluate(FIND_POINT_INSIDE, "520000")  # 贵州
    assert point
    page.mouse.click(point["x"], point["y"])
    page.get_by_text("贵州：指数").wait_for(timeout=20_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(p =>"
        " p.querySelectorAll('.choroplethlocation').length === 9)",
        timeout=30_000,
    )
    assert "province=520000" in page.url
    assert page.outside_requests == [] or all("topojson" not in u for u in page.outside_requests)


def test_regional_in_english(page, app_url):
    page.goto(f"{app_url}/regional?lang=en")
    wait_for_map(page, 34)
    page.get_by_text("Global Moran's I").wait_for(timeout=30_000)
    screenshot(page, "regional_en.png")
