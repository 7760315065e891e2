"""Data sharing and openness page in Chromium: the freshness map and the connectivity map draw all regions,
zh and en screenshots saved in test-artifacts/."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import ARTIFACTS, keyed, open_page, outside_map_requests, screenshot, wait_for_map

pytestmark = pytest.mark.e2e

MAP = "data_sharing_map_province"
CONNECTED_MAP = "data_sharing_connected_map"


@pytest.fixture(autouse=True)
def entry_script_has_run(page, app_url):
    """Open the entry page once first (see tests/e2e/test_demand_browser.py: a cold deep link skips app.py)."""
    open_page(page, app_url, "/")
    wait_for_map(page, "overview_map_0", 34)


def test_data_sharing_page_in_chinese(page, app_url):
    open_page(page, app_url, "/data-sharing")
    wait_for_map(page, MAP, 34)
    page.get_by_text("开放数据更新是否及时").first.wait_for(timeout=30_000)
    page.get_by_text("超过一半").first.wait_for(timeout=30_000)
    wait_for_map(page, CONNECTED_MAP, 34)
    screenshot(page, "data_sharing_zh.png")
    matrix = keyed(page, "data_sharing_matrix_chart")
    matrix.locator(".heatmaplayer").first.wait_for(timeout=30_000)
    matrix.scroll_into_view_if_needed()
    matrix.screenshot(path=str(ARTIFACTS / "data_sharing_zh_matrix.png"))
    keyed(page, "data_sharing_cost_chart").screenshot(path=str(ARTIFACTS / "data_sharing_zh_cost.png"))
    assert outside_map_requests(page) == []


def test_data_sharing_page_in_english(page, app_url):
    open_page(page, app_url, "/data-sharing?lang=en")
    wait_for_map(page, MAP, 34)
    page.get_by_text("Is open data updated on time?").first.wait_for(timeout=30_000)
    page.get_by_text("more than half").first.wait_for(timeout=30_000)
    wait_for_map(page, CONNECTED_MAP, 34)
    screenshot(page, "data_sharing_en.png")
    assert "lang=en" in page.url
