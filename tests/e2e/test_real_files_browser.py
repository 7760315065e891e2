"""Analysts' real files in Chromium (issue 19): an NBS export of an indicator not in the catalog (宽带接入用户, 万户,
GBK) is saved as the analyst's own indicator and compared with the index on the regional page; a city survey table
without the channel mix is saved and drawn on the channels page's prefecture map."""

from __future__ import annotations

import hashlib
import re

import pytest

from digigov.storage import DatasetStore
from digigov.user_indicators import KIND
from tests.e2e.helpers import (
    keyed,
    keyed_prefix,
    map_locations,
    open_page,
    screenshot,
    wait_for_map,
    wait_for_script,
)
from tests.paths import ROOT

pytestmark = pytest.mark.e2e

REAL = ROOT / "tests" / "data" / "real"
NBS = "layout_nbs_broadband_provinces.csv"
COV_MAP, COV_RANKING, COV_SCATTER = "regional_cov_map", "regional_cov_ranking", "regional_cov_scatter"
PREFERENCE_MAP = "channels_preference_map"
SAVED = re.compile(r"^已保存“")

# Streamlit draws a widget whose code is still loading as a skeleton: a screenshot must wait for the real thing.
NO_SKELETON_JS = "() => document.querySelectorAll('[data-testid=stSkeleton]').length === 0"

# The fill colours of the keyed map's drawn shapes: {values: [...], other: [...]}; values are the shapes of traces on
# the colour axis (the main map's and the South China Sea inset's), other the grey of regions without a value.
FILLS_JS = """(key) => {
  const out = {values: [], other: []};
  for (const group of document.querySelectorAll(`.st-key-${key} .choroplethlayer .trace`)) {
    const fills = [...group.querySelectorAll('.choroplethlocation')].map(path => getComputedStyle(path).fill);
    out[group.__data__[0].trace.coloraxis ? 'values' : 'other'].push(fills);
  }
  return out;
}"""

# Per trace of the keyed plotly chart: type, mode and number of x values; and the markers drawn per scatter trace.
TRACES_JS = """(key) => {
  const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  return {
    traces: plot.data.map(t => [t.type, t.mode || null, (t.x || []).length]),
    drawn: [...plot.querySelectorAll('.scatterlayer .trace')].map(t => t.querySelectorAll('.point').length),
    bars: plot.querySelectorAll('.barlayer .point').length,
  };
}"""


# The grids draw on a canvas; their accessible tables (for screen readers) hold the text of the visible cells.
# [header, rows] of each dataframe on the page.
GRIDS_JS = """() => [...document.querySelectorAll('[data-testid=stDataFrame] table[role=grid]')].map(table => [
  [...table.querySelectorAll('th[role=columnheader]')].map(th => th.textContent.trim()),
  [...table.querySelectorAll('tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim())),
])"""


def upload(page, app_url, name: str, data: bytes, lang: str = "zh") -> str:
    """Hand the file to the upload page and wait until the page is drawn up to its save button; the file's
    SHA-256 (the suffix of the upload widgets' keys)."""
    open_page(page, app_url, "/upload" + ("?lang=en" if lang == "en" else ""))
    keyed(page, "upload_file").locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    digest = hashlib.sha256(data).hexdigest()
    label = "Accept and save" if lang == "en" else "确认并保存"
    keyed(page, f"upload_accept_{digest}").get_by_role("button", name=label).wait_for(timeout=60_000)
    settle(page)
    return digest


def settle(page) -> None:
    page.wait_for_function(NO_SKELETON_JS, timeout=30_000)


def grid(page, column: str) -> tuple[list[str], list[list[str]]]:
    """Header and visible rows of the first dataframe with the given column, once it is drawn."""
    page.wait_for_function(
        f"() => ({GRIDS_JS})().some(([header, rows]) => header.includes({column!r}) && rows.length > 0)",
        timeout=30_000,
    )
    return next((h, r) for h, r in page.evaluate(GRIDS_JS) if column in h)


def new_datasets(data_dir, before: set[str]):
    return [r for r in DatasetStore(data_dir).list() if r.id not in before]


def test_nbs_export_saved_as_own_indicator_and_compared_on_the_regional_page(page, app_url, data_dir):
    data = (REAL / NBS).read_bytes()
    before = {r.id for r in DatasetStore(data_dir).list()}
    digest = upload(page, app_url, NBS, data)
    page.get_by_role("heading", name=re.compile("^检查报告")).wait_for()
    header, rows = grid(page, "问题")
    assert header[:2] == ["问题", "严重程度"]  # the message first, the report's own words in Chinese
    assert {row[1] for row in rows} == {"错误", "提示"} and "None" not in {cell for row in rows for cell in row}
    # the one error: the indicator is not in the catalog, and the message says where to save it instead
    (error,) = [row[0] for row in rows if row[1] == "错误"]
    assert "宽带接入用户" in error and "“未收录的指标”" in error, error
    screenshot(page, "real_nbs_upload_zh.png")

    page.get_by_role("heading", name="未收录的指标").wait_for()
    page.get_by_text("宽带接入用户(万户)：31 个地区、10 个年份").wait_for()
    form = keyed_prefix(page, "upload_userind_")
    assert form.get_by_label("中文名称").first.input_value() == "宽带接入用户"
    assert form.get_by_label("单位（中文）").first.input_value() == "万户"
    accept = keyed(page, f"upload_accept_{digest}").get_by_role("button", name="确认并保存")
    assert accept.is_disabled()  # nothing is saved before the analyst confirms the indicator
    page.get_by_test_id("stCheckbox").filter(has_text="作为自定义指标保存").click()
    page.wait_for_function("(button) => !button.disabled", arg=accept.element_handle(), timeout=30_000)
    wait_for_script(page)
    settle(page)
    screenshot(page, "real_nbs_indicator_form.png")
    accept.click()
    page.get_by_text(SAVED).first.wait_for(timeout=30_000)
    (saved,) = new_datasets(data_dir, before)
    assert saved.meta["kinds"] == [KIND]
    expected = sorted(set(DatasetStore(data_dir).load(saved.id)["adcode"].to_list()))
    assert len(expected) == 31

    open_page(page, app_url, f"/regional?cov={saved.id}")
    section = page.get_by_role("heading", name="与其他指标对照")
    section.wait_for(timeout=30_000)
    wait_for_map(page, COV_MAP, 31, timeout=60_000)
    assert sorted(map_locations(page, COV_MAP)) == expected  # the trace with values: every province of the file
    fills = page.evaluate(FILLS_JS, COV_MAP)
    values, no_data = fills["values"][0], {fill for trace in fills["other"] for fill in trace}
    # all 31 drawn, each in a colour of the scale (not the no-data grey), and the colours differ with the values
    assert len(values) == 31 and not set(values) & no_data and len(set(values)) >= 20, fills
    page.get_by_text("宽带接入用户最高的是新疆（1,386 万户）").wait_for()
    page.get_by_text(re.compile(r"r = -?\d\.\d\d，95% 置信区间 -?\d\.\d\d 至 -?\d\.\d\d")).wait_for()
    assert page.evaluate(TRACES_JS, COV_RANKING)["bars"] == 31  # the ranking: one bar per province
    keyed(page, COV_SCATTER).scroll_into_view_if_needed()
    page.wait_for_function(
        "(key) => document.querySelectorAll(`.st-key-${key} .scatterlayer .point`).length > 0",
        arg=COV_SCATTER,
        timeout=30_000,
    )
    scatter = page.evaluate(TRACES_JS, COV_SCATTER)
    # one marker per province with both values, and the fitted line
    assert scatter["traces"][0] == ["scatter", "markers", 31] and scatter["drawn"][0] == 31, scatter
    assert ["scatter", "lines", 2] in scatter["traces"], scatter
    section.evaluate("(heading) => heading.scrollIntoView({block: 'start'})")  # the whole section in the shot
    screenshot(page, "real_nbs_regional_comparison.png")


def test_nbs_export_report_in_english(page, app_url):
    digest = upload(page, app_url, NBS, (REAL / NBS).read_bytes(), lang="en")
    page.get_by_role("heading", name=re.compile("^Validation report")).wait_for()
    header, rows = grid(page, "Problem")
    assert header == ["Problem", "Severity", "Count", "Rows", "Column", "Value"]
    assert {row[1] for row in rows} == {"Error", "Note"}
    (error,) = [row[0] for row in rows if row[1] == "Error"]
    assert error.startswith("The indicator in the title line") and "Indicators not in the catalog" in error, error
    page.get_by_role("heading", name="Indicators not in the catalog").wait_for()
    page.get_by_test_id("stCheckbox").filter(has_text="Save as my own indicator").wait_for()
    assert keyed(page, f"upload_accept_{digest}").get_by_role("button", name="Accept and save").is_disabled()
    screenshot(page, "real_nbs_upload_en.png")


# file -> the cities on the map, and the rows only in the table (a 兵团 row without a city is provincial-level)
SURVEYS = {
    "regions_city_survey_gb18030.csv": (
        ["220100", "220200", "320100", "330100", "330200", "460100", "632500", "650100"],  # 吉林市, 海南州 by province
        ["660000"],
    ),
    "values_survey_city_gb18030.csv": (["330100", "330200", "440100", "440300", "510100", "510700"], []),
}


@pytest.mark.parametrize("name", list(SURVEYS))
def test_city_survey_saved_and_drawn_on_the_channels_page(page, app_url, data_dir, name):
    cities, not_drawn = SURVEYS[name]
    before = {r.id for r in DatasetStore(data_dir).list()}
    digest = upload(page, app_url, name, (REAL / name).read_bytes())
    keyed(page, f"upload_accept_{digest}").get_by_role("button", name="确认并保存").click()
    page.get_by_text(SAVED).first.wait_for(timeout=30_000)
    (saved,) = new_datasets(data_dir, before)
    assert saved.meta["kinds"] == ["city_preference"]
    assert sorted(DatasetStore(data_dir).load(saved.id)["adcode"].to_list()) == sorted(cities + not_drawn)

    open_page(page, app_url, f"/channels?src={saved.id}")
    section = page.get_by_role("heading", name="城市调查：倾向线下办理的比例")
    section.wait_for(timeout=30_000)
    wait_for_map(page, PREFERENCE_MAP, 300, timeout=60_000)  # the prefecture layer, not the provinces
    assert sorted(map_locations(page, PREFERENCE_MAP)) == cities
    fills = page.evaluate(FILLS_JS, PREFERENCE_MAP)
    values, no_data = fills["values"][0], {fill for trace in fills["other"] for fill in trace}
    assert len(values) == len(cities) and not set(values) & no_data, fills
    header, rows = grid(page, "95% 置信区间")
    assert header[:4] == ["地区", "年份", "样本量", "倾向线下办理"] and len(rows) == len(cities) + len(not_drawn)
    assert all(re.fullmatch(r"\d+\.\d%", row[3]) for row in rows), rows
    page.get_by_text("倾向线下办理比例最高的是").wait_for()
    screenshot(page, f"real_city_survey_channels_{name.split('_')[0]}.png")
