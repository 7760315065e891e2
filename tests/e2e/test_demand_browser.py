"""Demand-matching page in Chromium: the shortfall map draws, a click opens the province's prefecture map."""

from __future__ import annotations

import pytest

from tests.e2e.test_overview_browser import FIND_POINT_INSIDE, screenshot, wait_for_map

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def entry_script_has_run(page, app_url):
    """Open the entry page once first. While no session of a fresh server has run app.py, Streamlit 1.67
    treats pages/ as an old-style (v1) pages folder: a deep link such as /demand then runs views/demand.py
    without app.py (no wide layout, file names as navigation). Reported; this keeps the screenshots about
    this page whatever order the browser tests run in."""
    page.goto(f"{app_url}/")
    wait_for_map(page, 34)


def test_demand_click_opens_prefecture_map(page, app_url):
    page.goto(f"{app_url}/demand")
    wait_for_map(page, 34)
    page.get_by_text("优先行动清单（前 20 位）").wait_for(timeout=30_000)
    page.get_by_text("办事漏斗：西藏与全国").wait_for(timeout=30_000)
    screenshot(page, "demand_zh.png")
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    point = page.evaluate(FIND_POINT_INSIDE, "510000")  # 四川
    assert point
    page.mouse.click(point["x"], point["y"])
    page.get_by_text("四川各地级单位的需求匹配缺口").wait_for(timeout=20_000)
    page.get_by_text("办事漏斗：四川与全国").wait_for(timeout=20_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(p =>"
        " p.querySelectorAll('.choroplethlocation').length === 21)",
        timeout=30_000,
    )
    assert "province=510000" in page.url and "region=510000" in page.url
    screenshot(page, "demand_zh_sichuan.png")
    assert [u for u in page.outside_requests if "topojson" in u or "plot.ly" in u] == []


def test_demand_in_english(page, app_url):
    page.goto(f"{app_url}/demand?lang=en")
    wait_for_map(page, 34)
    page.get_by_text("Priority list (top 20)").wait_for(timeout=30_000)
    page.get_by_text("Service funnel: Xizang against the national funnel").wait_for(timeout=30_000)
    screenshot(page, "demand_en.png")
    assert "lang=en" in page.url
