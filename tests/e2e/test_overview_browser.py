"""What only a browser shows: the map really draws offline, a click selects a province, both languages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

# Centre of the region's path on screen; plotly's geo layer takes the click there (浙江 is compact enough
# that its bounding-box centre lies inside it).
FIND_POINT_INSIDE = """
(adcode) => {
  const paths = [...document.querySelectorAll('.js-plotly-plot .choroplethlocation')];
  const path = paths.find(p => p.__data__ && p.__data__.loc === adcode);
  if (!path) return null;
  const box = path.getBoundingClientRect();
  return {x: box.left + box.width / 2, y: box.top + box.height / 2};
}
"""


def screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its own container, so a tall viewport stands in for a full-page shot."""
    page.set_viewport_size({"width": 1440, "height": 2600})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / name))
    page.set_viewport_size({"width": 1440, "height": 1100})


def wait_for_map(page, regions: int, nth: int = 0) -> None:
    page.wait_for_function(
        "([n, k]) => { const plots = document.querySelectorAll('.js-plotly-plot');"
        " return plots.length > k && plots[k].querySelectorAll('.choroplethlocation').length >= n; }",
        arg=[regions, nth],
        timeout=45_000,
    )


def test_overview_map_draws_offline_and_click_drills_down(page, app_url):
    page.goto(f"{app_url}/")
    wait_for_map(page, 34)
    screenshot(page, "overview_zh.png")
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
        " p.querySelectorAll('.choroplethlocation').length === 11)",
        timeout=30_000,
    )
    screenshot(page, "overview_zh_zhejiang.png")

    page.get_by_role("button", name="返回全国").click()
    page.get_by_text("浙江：指数").wait_for(state="detached", timeout=20_000)
    assert "province=" not in page.url


def test_overview_in_english_from_the_url(page, app_url):
    page.goto(f"{app_url}/?lang=en")
    wait_for_map(page, 34)
    page.get_by_role("heading", name="Overview").wait_for()
    assert page.get_by_text("Key findings").is_visible()
    screenshot(page, "overview_en.png")
    assert "lang=en" in page.url
