"""What only a browser shows: the map really draws offline, a click selects a province, both languages."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_region, open_page, outside_map_requests, screenshot, wait_for_map

pytestmark = pytest.mark.e2e

MAP = "overview_map_0"  # the national map's key in a fresh session (components.drilldown.map_key)
CITY_MAP = "overview_city_map"


def test_overview_map_draws_offline_and_click_drills_down(page, app_url):
    open_page(page, app_url, "/")
    wait_for_map(page, MAP, 34)
    screenshot(page, "overview_zh.png")
    assert page.get_by_text("示例数据 / sample data").first.is_visible()
    assert outside_map_requests(page) == []

    # 浙江 is compact enough that its bounding-box centre lies inside it
    click_region(page, MAP, "330000")
    page.get_by_text("浙江：指数").wait_for(timeout=20_000)
    assert "province=330000" in page.url
    # the drill-down map holds Zhejiang's 11 prefectures
    wait_for_map(page, CITY_MAP, 11, exact=True, timeout=30_000)
    screenshot(page, "overview_zh_zhejiang.png")

    page.locator(".st-key-overview_back").get_by_role("button", name="返回全国").click()
    page.get_by_text("浙江：指数").wait_for(state="detached", timeout=20_000)
    assert "province=" not in page.url


def test_overview_in_english_from_the_url(page, app_url):
    open_page(page, app_url, "/?lang=en")
    wait_for_map(page, MAP, 34)
    page.get_by_role("heading", name="Overview").wait_for()
    assert page.get_by_text("Key findings").is_visible()
    screenshot(page, "overview_en.png")
    assert "lang=en" in page.url
