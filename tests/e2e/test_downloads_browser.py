"""Downloads in a real browser: a chart PNG, a table CSV, the briefing PNG and PDF."""

from __future__ import annotations

import io
import struct

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_overview_browser import screenshot, wait_for_map

pytestmark = pytest.mark.e2e


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def download(page, button, timeout=120_000) -> bytes:
    with page.expect_download(timeout=timeout) as info:
        button.click()
    path = info.value.path()
    return open(path, "rb").read()


def test_chart_png_and_table_csv(page, app_url):
    page.goto(f"{app_url}/")
    wait_for_map(page, 34)
    png = download(page, page.get_by_role("button", name="下载 PNG").first)
    width, height = png_size(png)
    assert width >= 1000 and height >= 600
    (ARTIFACTS / "download_overview_map.png").write_bytes(png)

    page.get_by_role("tab", name="数据表").first.click()
    csv = download(page, page.get_by_role("button", name="下载 CSV").first)
    assert csv.startswith(b"\xef\xbb\xbf")
    text = csv.decode("utf-8-sig")
    assert "上海" in text.splitlines()[1] and "排名" in text.splitlines()[0]


def test_briefing_png_and_pdf(page, app_url):
    page.goto(f"{app_url}/briefing")
    page.get_by_role("button", name="生成简报").click()
    page.get_by_text("预览").wait_for(timeout=180_000)
    page.locator("img").first.wait_for(timeout=60_000)
    screenshot(page, "briefing_page_zh.png")
    png = download(page, page.get_by_role("button", name="下载 PNG（1654 像素宽）"))
    width, height = png_size(png)
    assert width >= 1600 and height > width
    (ARTIFACTS / "briefing_download.png").write_bytes(png)
    pdf = download(page, page.get_by_role("button", name="下载 PDF（A4）"))
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3
    assert "数字政府建设发展情况简报" in reader.pages[0].extract_text()
    (ARTIFACTS / "briefing_download.pdf").write_bytes(pdf)
