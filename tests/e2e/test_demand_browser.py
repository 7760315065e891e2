"""Demand-matching page in Chromium: the shortfall map draws, a click opens the province's prefecture map."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_region, open_page, outside_map_requests, screenshot, wait_for_map

pytestmark = pytest.mark.e2e

MAP = "demand_map_0"  # the national (province-level) map's key in a fresh session
DRILL_MAP = "demand_drill_map"


@pytest.fixture(autouse=True)
def entry_script_has_run(page, app_url):
    """Open the entry page once first. While no session of a fresh server has run app.py, Streamlit 1.67
    treats pages/ as an old-style (v1) pages folder: a deep link such as /demand then runs views/demand.py
    without app.py (no wide layout, file names as navigation). Reported; this keeps the screenshots about
    this page whatever order the browser tests run in."""
    open_page(page, app_url, "/")
    wait_for_map(page, "overview_map_0", 34)


def test_demand_click_opens_prefecture_map(page, app_url):
    open_page(page, app_url, "/demand")
    wait_for_map(page, MAP, 34)
    page.get_by_text("优先行动清单（前 20 位）").wait_for(timeout=30_000)
    page.get_by_text("办事漏斗：西藏与全国").wait_for(timeout=30_000)
    screenshot(page, "demand_zh.png")
    click_region(page, MAP, "510000")  # 四川
    page.get_by_text("四川各地级单位的需求匹配缺口").wait_for(timeout=20_000)
    page.get_by_text("办事漏斗：四川与全国").wait_for(timeout=20_000)
    wait_for_map(page, DRILL_MAP, 21, exact=True, timeout=30_000)
    assert "province=510000" in page.url and "region=510000" in page.url
    screenshot(page, "demand_zh_sichuan.png")
    assert outside_map_requests(page) == []


def test_demand_in_english(page, app_url):
    open_page(page, app_url, "/demand?lang=en")
    wait_for_map(page, MAP, 34)
    page.get_by_text("Priority list (top 20)").wait_for(timeout=30_000)
    page.get_by_text("Service funnel: Xizang against the national funnel").wait_for(timeout=30_000)
    screenshot(page, "demand_en.png")
    assert "lang=en" in page.url
