"""What only a browser shows: the map really draws offline, a click selects a province, both languages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

FIND_POINT_INSIDE = """
(adcode) => {
  const paths = [...document.querySelectorAll('.js-plotly-plot .choroplethlocation')];
  const path = paths.find(p => p.__data__ && p.__data__.loc === adcode);
  if (!path) return null;
  const box = path.getBoundingClientRect();
  for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
    const x = box.left + box.width * i / 12, y = box.top + box.height * j / 12;
    if (document.elementFromPoint(x, y) === path) return {x, y};
  }
  return null;
}
"""


def wait_for_map(page, regions: int, nth: int = 0) -> None:
    page.wait_for_function(
        "([n, k]) => { const plots = document.querySelectorAll('.js-plotly-plot');"
        " return plots.length > k && plots[k].querySelectorAll('.choroplethlocation').length >= n; }",
        arg=[regions, nth], timeout=45_000,
    )


def test_overview_map_draws_offline_and_click_drills_down(page, app_url):
    page.goto(f"{app_url}/")
    wait_for_map(page, 34)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "overview_zh.png"), full_page=True)
    assert page.get_by_text("示例数据 / sample data").first.is_visible()
    assert [u for u in page.outside_requests if "topojson" in u or "plot.ly" in u] == []

    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    point = page.evaluate(FIND_POINT_INSIDE, "330000")
    assert point, "浙江 not found on the map"
    page.mouse.click(point["x"], point["y"])
    page.get_by_text("浙江：指数").wait_for(timeout=20_000)
    assert "province=330000" in page.url
    # the drill-down map holds Zhejiang's 11 prefectures
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(p =>"
        " p.querySelectorAll('.choroplethlocation').length === 11)", timeout=30_000,
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "overview_zh_zhejiang.png"), full_page=True)

    page.get_by_role("button", name="返回全国").click()
    page.get_by_text("浙江：指数").wait_for(state="detached", timeout=20_000)
    assert "province=" not in page.url


def test_overview_in_english_from_the_url(page, app_url):
    page.goto(f"{app_url}/?lang=en")
    wait_for_map(page, 34)
    page.get_by_role("heading", name="Overview").wait_for()
    assert page.get_by_text("Key findings").is_visible()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "overview_en.png"), full_page=True)
    assert "lang=en" in page.url
