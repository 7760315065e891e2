"""The upload page's import-folder tab in AppTest: a large raw-records file is previewed, read in blocks with a
progress bar, corrected, accepted and shown on the channels page; nothing outside the folder is offered."""

from __future__ import annotations

import threading
import time

import pytest

from digigov.storage import DatasetStore
from tests.factories import csv_text, raw_channel_rows


def progress_bars(at):
    return [e for e in at.get("progress")]


def read_whole_file(at):
    """Click the button, wait for the background import, and rerun the page as the progress fragment would."""
    run_button(at).click().run()
    assert not at.exception, at.exception
    job = at.session_state["upload_import_job"]["job"]
    assert job.wait(120) and job.error is None, job.error
    at.run()
    assert not at.exception, at.exception
    return job


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    data, imports = tmp_path / "data", tmp_path / "import"
    imports.mkdir()
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(data))
    monkeypatch.setenv("DIGIGOV_IMPORT_DIR", str(imports))
    monkeypatch.setenv("DIGIGOV_IMPORT_BLOCK_MB", "0.05")  # ~50 KB blocks: a 300 KB file is read in several
    (tmp_path / "outside.csv").write_text("地区,年份\n浙江,2024\n", encoding="utf-8")

    def open_page(files: dict[str, str] | None = None):
        for name, text in (files or {}).items():
            (imports / name).write_bytes(text.encode("utf-8"))
        at = app.run()
        at.switch_page("views/upload.py").run()
        assert not at.exception, at.exception
        return at

    open_page.store = DatasetStore(data)
    return open_page


def run_button(at):
    return next(b for b in at.button if b.key and b.key.startswith("upload_import_run"))


def accept_button(at):
    return next(b for b in at.button if b.key and b.key.startswith("upload_import_accept"))


def test_an_empty_folder_says_where_to_put_files(folder, tmp_path):
    at = folder()
    assert any("导入文件夹中还没有" in i.value for i in at.info)
    assert any(c.value == str(tmp_path / "import") for c in at.code)
    assert not [s for s in at.selectbox if s.key == "upload_import_file"]


def test_a_large_file_is_previewed_read_in_blocks_and_accepted(folder):
    at = folder({"渠道原始记录.csv": csv_text(raw_channel_rows(6000)), "other.csv": "a,b\n1,2\n"})
    picker = at.selectbox(key="upload_import_file")
    assert picker.options == ["other.csv · 0.0 MB", "渠道原始记录.csv · 0.3 MB"] or len(picker.options) == 2
    picker.set_value("渠道原始记录.csv").run()
    assert not at.exception, at.exception
    assert any("文件开头的" in c.value for c in at.caption)  # the sample, not yet the whole file
    assert "**原始记录：办理渠道（每行一个受访者或一笔业务）**" in [m.value for m in at.markdown]
    assert not [b for b in at.button if b.key and b.key.startswith("upload_import_accept")]

    job = read_whole_file(at)
    assert job.progress.stage == "done" and job.progress.rows == 6000
    assert not progress_bars(at)  # the bar is gone once the job has ended
    assert any(c.value.startswith("已读取并检查全部") and "6,000 行" in c.value for c in at.caption)
    assert any(s.value == "检查通过，没有发现问题。" for s in at.success)
    assert not accept_button(at).disabled
    accept_button(at).click().run()
    assert any(s.value.startswith("已保存") for s in at.success)
    records = folder.store.list()
    assert len(records) == 1 and records[0].meta["kinds"] == ["city_channels"]
    assert records[0].source_file == "渠道原始记录.csv"
    counts = folder.store.load(records[0].id)
    assert int(counts["unweighted_n"].sum()) == 6000  # respondents are weighted

    at.switch_page("views/channels.py").run()
    at.selectbox(key="channels_src").set_value(records[0].id).run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart")


def test_an_unknown_region_deep_in_the_file_is_reported_and_can_be_mapped_by_hand(folder):
    rows = raw_channel_rows(6000)
    rows[5500][1] = "杭州市区"
    at = folder({"records.csv": csv_text(rows)})
    read_whole_file(at)
    report = at.dataframe[0].value  # a pandas frame in AppTest
    unknown = report[report["值"] == "杭州市区"]  # one row per kind of problem, in Chinese
    assert unknown["行号"].tolist() == ["5502"] and unknown["严重程度"].tolist() == ["错误"]
    assert accept_button(at).disabled
    choice = next(s for s in at.selectbox if s.key and s.key.startswith("upload_import_region"))
    choice.set_value("330100").run()
    assert not at.exception, at.exception
    read_whole_file(at)
    assert any(s.value == "检查通过，没有发现问题。" for s in at.success)
    assert not accept_button(at).disabled


def test_a_file_replaced_in_the_folder_is_read_afresh(folder, tmp_path):
    at = folder({"records.csv": csv_text(raw_channel_rows(3000))})
    assert read_whole_file(at).progress.rows == 3000
    (tmp_path / "import" / "records.csv").write_bytes(csv_text(raw_channel_rows(4000)).encode("utf-8"))
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("upload_import_accept")]  # old result gone
    assert read_whole_file(at).progress.rows == 4000


def test_a_running_import_shows_progress_and_can_be_cancelled(folder, monkeypatch):
    import digigov.ingest.jobs as jobs

    gate = threading.Event()
    real = jobs.import_csv_file

    def slow_import(path, on_progress, **options):
        def held(progress):
            on_progress(progress)
            gate.wait(30)  # hold the job after each block until the test lets it go on

        return real(path, on_progress=held, **options)

    monkeypatch.setattr(jobs, "import_csv_file", slow_import)
    at = folder({"records.csv": csv_text(raw_channel_rows(6000))})
    run_button(at).click().run()
    job = at.session_state["upload_import_job"]["job"]
    for _ in range(100):
        if job.progress is not None:
            break
        time.sleep(0.05)
    at.run()
    assert not at.exception, at.exception
    bar = progress_bars(at)[-1]
    assert 0 < bar.proto.value < 100 and "已读取" in bar.proto.text and "预计还需" in bar.proto.text
    assert run_button(at).disabled  # one import at a time
    next(b for b in at.button if b.key == "upload_import_cancel").click().run()
    gate.set()
    assert job.wait(60) and job.cancelled and job.result is None
    at.run()
    assert any(i.value == "已取消读取，没有保存任何内容。" for i in at.info)
    assert not run_button(at).disabled
