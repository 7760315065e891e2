"""Downloads in a real browser: a chart PNG, a table CSV, the briefing PNG and PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.e2e.helpers import ARTIFACTS, download, download_button, keyed, open_page, png_size, screenshot, wait_for_map

pytestmark = pytest.mark.e2e


def test_chart_png_and_table_csv(page, app_url):
    open_page(page, app_url, "/")
    wait_for_map(page, "overview_map_0", 34)
    png = download(page, download_button(page, "overview_map_0_png", "下载 PNG"))
    width, height = png_size(png)
    assert width >= 1000 and height >= 600
    (ARTIFACTS / "download_overview_map.png").write_bytes(png)

    # the map's tab bar (the page has other chart/table tab bars); the table is drawn when its tab is opened
    keyed(page, "overview_map_tabs").get_by_role("tab", name="数据表").click()
    csv = download(page, download_button(page, "overview_ranking_csv", "下载 CSV"))
    assert csv.startswith(b"\xef\xbb\xbf")
    text = csv.decode("utf-8-sig")
    assert "上海" in text.splitlines()[1] and "排名" in text.splitlines()[0]


def test_briefing_png_and_pdf(page, app_url):
    open_page(page, app_url, "/briefing")
    keyed(page, "briefing_generate").get_by_role("button", name="生成简报").click()
    page.get_by_text("预览").wait_for(timeout=180_000)
    page.get_by_test_id("stMain").get_by_test_id("stImage").locator("img").wait_for(timeout=60_000)
    screenshot(page, "briefing_page_zh.png")
    png = download(page, download_button(page, "briefing_png", "下载 PNG（1654 像素宽）"))
    width, height = png_size(png)
    assert width >= 1600 and height > width
    (ARTIFACTS / "briefing_download.png").write_bytes(png)
    pdf = download(page, download_button(page, "briefing_pdf", "下载 PDF（A4）"))
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3
    assert "数字政府建设发展情况简报" in reader.pages[0].extract_text()
    (ARTIFACTS / "briefing_download.pdf").write_bytes(pdf)
