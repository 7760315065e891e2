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


def test_data_sharing_page_on_a_stored_uploaded_exchange_table(page, app_url, data_dir):
    """An exchange table exported by a 共享交换平台 (GB18030 matrix under a title row, with 合计), read as the upload
    page reads it and stored: the heatmap draws its departments and the findings name its island, zh and en."""
    from digigov.ingest.sharing_tables import read_sharing_table
    from digigov.storage import DatasetStore
    from tests.paths import ROOT

    name = "sharing_matrix_zhejiang_gb18030.csv"
    read = read_sharing_table(name, (ROOT / "tests" / "data" / "real" / name).read_bytes())
    assert read.ok and read.frame is not None
    dataset = DatasetStore(data_dir).save(
        read.frame,
        name="浙江省共享交换平台调用统计",
        source_file=name,
        shape="raw",
        column_mapping={},
        meta={"kinds": ["sharing_calls"]},
    )
    for lang, finding in (
        ("zh", "浙江的 7 个部门中有 1 个是孤岛：省档案馆"),
        ("en", "In Zhejiang, 1 of 7 departments"),
    ):
        open_page(page, app_url, f"/data-sharing?src={dataset.id}&lang={lang}")
        matrix = keyed(page, "data_sharing_matrix_chart")
        matrix.locator(".heatmaplayer").first.wait_for(timeout=30_000)
        page.get_by_text(finding).first.wait_for(timeout=30_000)
        ticks = matrix.locator(".ytick text").evaluate_all("nodes => nodes.map(n => n.textContent)")
        assert any("省档案馆" in t for t in ticks) and any("省公安厅" in t for t in ticks), ticks
        assert not any("合计" in t for t in ticks)
        assert page.get_by_text("浙江省共享交换平台调用统计").first.is_visible()
        matrix.scroll_into_view_if_needed()
        screenshot(page, f"data_sharing_uploaded_{lang}.png")
        matrix.screenshot(path=str(ARTIFACTS / f"data_sharing_uploaded_{lang}_matrix.png"))
        page.get_by_text(finding).first.screenshot(path=str(ARTIFACTS / f"data_sharing_uploaded_{lang}_finding.png"))
    assert outside_map_requests(page) == []


def test_data_sharing_page_on_a_stored_uploaded_catalogue(page, app_url, data_dir):
    """A portal's catalogue listing (GB18030, title row, as exported from Excel), read as the upload page reads it
    and stored: the freshness map is drawn from it and the page says whose data it shows, zh and en."""
    from digigov.ingest.catalogue import read_catalogue
    from digigov.storage import DatasetStore
    from tests.paths import ROOT

    name = "catalogue_zhejiang_gb18030.csv"
    read = read_catalogue(name, (ROOT / "tests" / "data" / "real" / name).read_bytes())
    assert read.ok and read.frame is not None
    dataset = DatasetStore(data_dir).save(
        read.frame.drop("source_row"),
        name="浙江省开放数据目录",
        source_file=name,
        shape="wide",
        column_mapping={},
        meta={"kinds": ["open_data_catalogue"]},
    )
    for lang in ("zh", "en"):
        open_page(page, app_url, f"/data-sharing?src={dataset.id}&lang={lang}")
        wait_for_map(page, MAP, 34)
        assert page.get_by_text("浙江省开放数据目录").first.is_visible()
        screenshot(page, f"data_sharing_catalogue_{lang}.png")
    assert outside_map_requests(page) == []
