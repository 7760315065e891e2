"""Upload in Chromium: a GBK CSV and an .xlsx with title rows are accepted and drawn on the map."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import xlsxwriter

from digigov.storage import DatasetStore
from tests.e2e.helpers import keyed, keyed_prefix, map_locations, open_page, screenshot, wait_for_map
from tests.factories import csv_text, raw_channel_rows
from tests.paths import UPLOADS

pytestmark = pytest.mark.e2e


def index_workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("指数")
    sheet.merge_range(0, 0, 0, 5, "2024 年各省数字政府发展指数（单位：分）")
    sheet.write_row(1, 0, ["省份", "年份", "组织机构", "制度体系", "治理能力", "治理效果"])
    rows = [
        ("广东省", 2024, 80, 82, 84, 86),
        ("Sichuan", 2024, 70, 72, 74, 76),
        ("520000", 2024, 60, 61, 62, 63),
        ("西藏", 2024, 40, 42, 44, 46),
        ("黑龙江", 2024, 50, 51, 52, 53),
    ]
    for i, row in enumerate(rows, start=2):
        sheet.write_row(i, 0, row)
    sheet.write(8, 0, "注：示例用数据")
    book.close()
    return buffer.getvalue()


SAVED = re.compile(r"^已保存“")  # the success message, not the heading 已保存的数据集 that is always there


def upload_and_accept(page, app_url, name: str, data: bytes) -> None:
    open_page(page, app_url, "/upload")
    keyed(page, "upload_file").locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
    )
    page.get_by_text("检查通过，没有发现问题。").wait_for(timeout=60_000)
    # the upload tab's widget keys end in the file's SHA-256 (views/upload.py)
    digest = hashlib.sha256(data).hexdigest()
    keyed(page, f"upload_accept_{digest}").get_by_role("button", name="确认并保存").click()
    page.get_by_text(SAVED).first.wait_for(timeout=30_000)


@pytest.mark.parametrize("kind", ["gbk_csv", "xlsx"])
def test_uploaded_file_appears_on_the_map(page, app_url, data_dir, kind):
    if kind == "gbk_csv":
        name, data = "各省指数_gbk.csv", (UPLOADS / "good_wide_gbk.csv").read_bytes()
    else:
        name, data = "各省指数.xlsx", index_workbook()
    before = {r.id for r in DatasetStore(data_dir).list()}
    upload_and_accept(page, app_url, name, data)
    screenshot(page, f"upload_{kind}.png")
    new = [r for r in DatasetStore(data_dir).list() if r.id not in before]
    assert len(new) == 1
    open_page(page, app_url, f"/?src={new[0].id}")
    wait_for_map(page, "overview_map_0", 34)
    page.get_by_text(name.rsplit(".", 1)[0]).first.wait_for()
    drawn = set(map_locations(page, "overview_map_0"))
    expected = set(DatasetStore(data_dir).load(new[0].id)["adcode"].to_list())
    assert drawn == expected and len(drawn) >= 5
    screenshot(page, f"overview_on_{kind}.png")


PROGRESS_OBSERVER = """() => {
  window.__progress = [];
  const seen = new Set();
  new MutationObserver(() => {
    for (const bar of document.querySelectorAll('[data-testid="stProgress"]')) {
      const text = bar.innerText.trim();
      if (text && !seen.has(text)) { seen.add(text); window.__progress.push(text); }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_a_large_file_from_the_import_folder_shows_progress_and_reaches_the_map(page, app_url, data_dir):
    folder = data_dir / "import"
    folder.mkdir(exist_ok=True)
    path = folder / "渠道原始记录_大文件.csv"
    # large enough that reading it takes several of the page's half-second redraws at import speed (1 MB blocks here)
    path.write_bytes(csv_text(raw_channel_rows(1_000_000)).encode("gb18030"))
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 40
    before = {r.id for r in DatasetStore(data_dir).list()}

    open_page(page, app_url, "/upload")
    page.get_by_role("tab", name="导入文件夹（大文件）").click()
    page.get_by_text("文件开头的").first.wait_for(timeout=60_000)  # the preview of the first records
    page.get_by_text("gbk").first.wait_for()
    page.evaluate(PROGRESS_OBSERVER)
    keyed_prefix(page, "upload_import_run_").get_by_role("button", name="读取并检查全部数据").click()
    page.get_by_text("已读取并检查全部").wait_for(timeout=120_000)
    page.get_by_text("检查通过，没有发现问题。").last.wait_for()
    seen = page.evaluate("() => window.__progress")
    reading = [s for s in seen if s.startswith("已读取")]
    done_mb = [int(s.split()[1].replace(",", "")) for s in reading]
    # The bar moved while the file was read in the background (the fragment redraws it twice a second).
    assert len(reading) >= 2 and done_mb == sorted(done_mb) and done_mb[-1] > done_mb[0], seen
    assert all(f"/ {size_mb:,.0f} MB" in s for s in reading), seen
    # the page has redrawn below the report
    keyed_prefix(page, "upload_import_name_").get_by_label("数据集名称").wait_for()
    screenshot(page, "upload_import_folder.png")
    keyed_prefix(page, "upload_import_accept_").get_by_role("button", name="确认并保存").click()
    page.get_by_text(SAVED).first.wait_for(timeout=30_000)
    new = [r for r in DatasetStore(data_dir).list() if r.id not in before]
    assert len(new) == 1 and new[0].source_file == path.name

    open_page(page, app_url, f"/channels?src={new[0].id}&level=province")
    wait_for_map(page, "channels_map_chart", 5, timeout=60_000)
    screenshot(page, "channels_on_imported_file.png")


def test_a_large_upload_shows_how_far_reading_has_got(page, app_url):
    data = csv_text(raw_channel_rows(350_000)).encode("utf-8")
    size_mb = len(data) / 2**20
    assert size_mb > 20  # well above the 2 MB from which the page shows progress (components/upload_progress.py)
    open_page(page, app_url, "/upload")
    page.evaluate(PROGRESS_OBSERVER)
    keyed(page, "upload_file").locator("input[type=file]").set_input_files(
        files=[{"name": "渠道原始记录.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_text("检查通过，没有发现问题。").wait_for(timeout=120_000)
    seen = page.evaluate("() => window.__progress")
    reading = [s for s in seen if s.startswith("正在读取")]
    done_mb = [float(s.split("：")[1].split()[0].replace(",", "")) for s in reading]
    # The bar said how far reading had got while the script read the file, and was gone once it was read.
    assert reading and done_mb == sorted(done_mb) and done_mb[-1] <= size_mb + 0.1, seen
    assert all(f"/ {size_mb:,.1f} MB" in s for s in reading), seen
    assert page.locator('[data-testid="stProgress"]').count() == 0
