"""Large files read in blocks (digigov.ingest.chunked): the same result and report as reading the file at once,
in bounded memory, with progress, for every encoding, with quoted newlines across block boundaries."""

from __future__ import annotations

import codecs
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from digigov.ingest import read_upload
from digigov.ingest.chunked import ImportProgress, import_csv_file, preview_csv_file, record_end, text_blocks
from digigov.ingest.import_folder import (
    ENV_IMPORT_DIR,
    ImportFileError,
    import_dir,
    import_file_path,
    list_import_files,
)
from digigov.ingest.limits import ENV_MAX_UPLOAD_MB
from digigov.ingest.report import ValidationReport
from tests.factories import csv_text, raw_channel_rows
from tests.paths import ROOT

BLOCK = 64 * 1024  # small blocks, so that a few thousand rows make many of them


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def same_result(path: Path, **options):
    whole = read_upload(path.name, path.read_bytes(), max_bytes=path.stat().st_size + 1, **options)
    blocks = import_csv_file(path, block_bytes=BLOCK, **options)
    return whole, blocks


def assert_same_frames(whole, blocks) -> None:
    assert whole.ok and blocks.ok, (whole.report.codes, blocks.report.codes)
    # Weights are summed per block and then across blocks: equal up to floating-point rounding.
    assert_frame_equal(whole.frame, blocks.frame, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(whole.aggregated, blocks.aggregated, check_exact=False, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("utf-8", ",", b""),
        ("utf-8", ",", codecs.BOM_UTF8),
        ("gb18030", ",", b""),
        ("utf-16-le", "\t", codecs.BOM_UTF16_LE),
        ("utf-8", ";", b""),
        ("utf-8", "|", b""),
    ],
)
def test_blocks_give_the_same_dataset_as_one_read(tmp_path, encoding, delimiter, bom):
    text = csv_text(raw_channel_rows(6000), delimiter)
    path = tmp_path / "records.csv"
    path.write_bytes(bom + text.encode(encoding))
    assert path.stat().st_size > 4 * BLOCK
    whole, blocks = same_result(path)
    assert_same_frames(whole, blocks)
    assert blocks.shape == "raw_channels"
    assert blocks.encoding == whole.encoding and blocks.delimiter == whole.delimiter
    assert blocks.report.find("raw_aggregated")[0].message_en == whole.report.find("raw_aggregated")[0].message_en


def test_quoted_newlines_across_block_boundaries_crlf_and_a_title_row(tmp_path):
    text = csv_text(raw_channel_rows(5000, note_every=3), title="2024年企业办事渠道调查原始记录", newline="\r\n")
    path = write(tmp_path / "quoted.csv", text)
    whole, blocks = same_result(path)
    assert_same_frames(whole, blocks)
    assert blocks.header_row == whole.header_row == 2
    assert blocks.report.counts() == whole.report.counts()


def test_block_cuts_never_fall_inside_a_quoted_field(tmp_path):
    text = csv_text(raw_channel_rows(3000, note_every=2))
    path = write(tmp_path / "q.csv", text)
    blocks = list(text_blocks(path, "utf-8", block_bytes=4096))
    assert len(blocks) > 20
    assert "".join(b.text for b in blocks) == text
    for block in blocks:
        assert block.text.count('"') % 2 == 0
        assert text.count("\n", 0, text.index(block.text)) + 1 == block.first_line
    assert record_end('a,"x\ny"\nb,c') == 8
    assert record_end('a,"x\ny') == 0 or record_end('a,"x\ny') == 5  # stray quote: the last newline
    assert record_end("no newline") == 0


def test_errors_in_later_blocks_carry_the_files_line_numbers_and_summed_counts(tmp_path):
    rows = raw_channel_rows(6000)
    rows[1][1] = "火星市"  # file line 3
    rows[4500][1] = "火星市"  # file line 4502, several blocks later
    rows[5000][5] = "飞鸽传书"  # file line 5002
    rows[5100][2] = "去年"  # file line 5102
    path = write(tmp_path / "bad.csv", csv_text(rows))
    whole, blocks = same_result(path)
    assert not blocks.ok and blocks.frame is None
    for code in ("unknown_region", "unknown_channel", "year_unparseable"):
        assert [(i.row, i.value, i.message_en) for i in blocks.report.find(code)] == [
            (i.row, i.value, i.message_en) for i in whole.report.find(code)
        ], code
    unknown = blocks.report.find("unknown_region")[0]
    assert unknown.row == 3 and "2 rows" in unknown.message_en
    assert blocks.report.find("unknown_channel")[0].row == 5002
    assert blocks.report.find("year_unparseable")[0].row == 5102
    assert "火星市" in blocks.regions.unresolved


def test_a_region_mapped_by_hand_applies_to_every_block(tmp_path):
    rows = raw_channel_rows(6000)
    rows[5500][1] = "杭州市区"
    path = write(tmp_path / "hand.csv", csv_text(rows))
    blocks = import_csv_file(path, block_bytes=BLOCK)
    assert "杭州市区" in blocks.regions.unresolved
    fixed = import_csv_file(path, block_bytes=BLOCK, region_overrides={"杭州市区": "330100"})
    assert fixed.ok, fixed.report.codes


def test_identifiers_found_in_any_block_are_removed_and_reported(tmp_path):
    rows = raw_channel_rows(6000)
    rows[5800][8] = "联系人 11010519491231002X 13912345678"
    path = write(tmp_path / "pii.csv", csv_text(rows))
    blocks = import_csv_file(path, block_bytes=BLOCK)
    assert blocks.ok
    assert blocks.privacy is not None and blocks.privacy.any
    text = json.dumps([i.as_dict() for i in blocks.report.issues], ensure_ascii=False)
    assert "11010519491231002X" not in text and "13912345678" not in text
    assert "11010519491231002X" not in blocks.frame.write_csv()


def test_progress_is_reported_per_block_and_ends_done(tmp_path):
    path = write(tmp_path / "p.csv", csv_text(raw_channel_rows(6000)))
    seen: list[ImportProgress] = []
    result = import_csv_file(path, block_bytes=BLOCK, on_progress=seen.append)
    assert result.ok
    reading = [p for p in seen if p.stage == "reading"]
    assert len(reading) >= 5
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 < fractions[0] < 0.5
    assert [p.stage for p in seen[-2:]] == ["aggregating", "done"]
    assert seen[-1].rows == 6000 and seen[-1].bytes_done == seen[-1].bytes_total == path.stat().st_size
    assert reading[0].remaining_seconds is not None and reading[0].remaining_seconds >= 0
    assert seen[-1].remaining_seconds is None
    assert ImportProgress("reading", 25, 100, 10, 2.0).remaining_seconds == pytest.approx(6.0)


def test_cancelling_leaves_no_temporary_parts(tmp_path):
    path = write(tmp_path / "c.csv", csv_text(raw_channel_rows(6000)))
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def cancel(progress: ImportProgress) -> None:
        if progress.bytes_done > 2 * BLOCK:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv_file(path, block_bytes=BLOCK, on_progress=cancel, scratch_dir=scratch)
    assert list(scratch.iterdir()) == []


def test_a_file_that_grows_while_it_is_read_is_refused(tmp_path):
    path = write(tmp_path / "copying.csv", csv_text(raw_channel_rows(6000)))
    more = csv_text(raw_channel_rows(100, seed=9)).split("\n", 1)[1]

    def copy_goes_on(progress: ImportProgress) -> None:
        if progress.stage == "reading" and progress.bytes_done < 2 * BLOCK:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(more)

    result = import_csv_file(path, block_bytes=BLOCK, on_progress=copy_goes_on)
    assert not result.ok and result.frame is None
    assert result.report.has("import_file_changed")


def test_a_bad_byte_far_into_the_file_is_reported_with_its_line(tmp_path):
    text = csv_text(raw_channel_rows(6000))
    data = bytearray(text.encode("utf-8"))
    line_start = [i + 1 for i, b in enumerate(data) if b == 0x0A][4999]  # start of file line 5001
    data[line_start] = 0xFF
    path = tmp_path / "broken.csv"
    path.write_bytes(bytes(data))
    result = import_csv_file(path, block_bytes=BLOCK)
    assert not result.ok
    issue = result.report.find("decode_failed")[0]
    assert issue.row == 5001


def test_small_files_and_summary_tables_are_read_whole(tmp_path, monkeypatch):
    small = ROOT / "tests" / "data" / "uploads" / "good_wide_gbk.csv"
    assert import_csv_file(small).frame.equals(read_upload(small.name, small.read_bytes()).frame)
    wide = pl.read_csv(ROOT / "data" / "samples" / "province_index.csv", infer_schema=False)
    path = tmp_path / "wide.csv"
    wide.write_csv(path)
    result = import_csv_file(path, block_bytes=16 * 1024)
    assert result.ok and result.shape == "wide"
    assert result.frame.equals(read_upload(path.name, path.read_bytes()).frame)
    monkeypatch.setenv(ENV_MAX_UPLOAD_MB, "0.005")
    too_large = import_csv_file(path, block_bytes=4 * 1024)
    assert not too_large.ok and too_large.report.has("import_summary_too_large")


def test_a_large_file_that_is_not_text_is_refused_with_a_reason(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    path.write_bytes((ROOT / "tests" / "data" / "uploads" / "excel_two_sheets.xlsx").read_bytes())
    monkeypatch.setenv(ENV_MAX_UPLOAD_MB, "0.001")
    result = import_csv_file(path, block_bytes=1024)
    assert not result.ok and result.report.has("import_not_csv")
    assert "CSV" in result.report.errors[0].message_en


def test_absorb_sums_counts_of_the_same_value_and_keeps_the_first_row():
    first, second = ValidationReport(file="f.csv"), ValidationReport(file="f.csv", row_offset=100)
    first.add("unknown_region", "error", row=3, column="城市", value="火星", count=2, suggestions="-")
    second.add("unknown_region", "error", row=5, column="城市", value="火星", count=3, suggestions="-")
    second.add("unknown_region", "error", row=6, column="城市", value="月球", count=1, suggestions="-")
    first.absorb(second)
    rows = [(i.row, i.value, i.message_en) for i in first.find("unknown_region")]
    assert rows[0][:2] == (3, "火星") and "5 rows" in rows[0][2]
    assert rows[1][:2] == (106, "月球")


def test_memory_stays_bounded_by_the_block_not_the_file(tmp_path):
    """A 37 MB file in 2 MB blocks: the import's peak memory grows by far less than the file's size (reading it
    whole takes several times the file size). Measured in a fresh interpreter, after a warm-up import."""
    path = write(tmp_path / "big.csv", csv_text(raw_channel_rows(600_000)))
    size = path.stat().st_size
    assert size > 35 * 2**20
    script = f"""
import json, resource
from pathlib import Path
from digigov.ingest.chunked import import_csv_file
small = Path({str(tmp_path / "warm.csv")!r})
small.write_text(Path({str(path)!r}).read_text(encoding='utf-8')[:3_000_000].rsplit(chr(10), 1)[0] + chr(10))
import_csv_file(small, block_bytes=2 * 2**20)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
result = import_csv_file(Path({str(path)!r}), block_bytes=2 * 2**20)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"ok": result.ok, "growth": after - before, "rows": result.aggregated["respondents"].len()}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    assert measured["ok"]
    assert measured["growth"] < 0.5 * size, measured


def test_utf16_without_a_byte_order_mark_streams_when_the_user_names_the_encoding(tmp_path):
    path = tmp_path / "nobom.txt"
    path.write_bytes(csv_text(raw_channel_rows(5000), "\t").encode("utf-16-le"))
    refused = import_csv_file(path, block_bytes=BLOCK)
    assert not refused.ok
    whole, blocks = same_result(path, encoding="utf-16-le")
    assert_same_frames(whole, blocks)


def test_preview_reads_the_first_records_only_and_proposes_the_mapping(tmp_path):
    path = write(tmp_path / "p.csv", csv_text(raw_channel_rows(6000), title="调查原始记录"))
    preview = preview_csv_file(path, sample_bytes=BLOCK)
    assert preview.shape == "raw_channels" and preview.header_row == 2
    assert preview.size == path.stat().st_size
    assert 0 < preview.text_frame.height < 6000
    assert preview.mapping.first("channel") == "主要办理渠道"
    assert preview.frame is None  # nothing to accept before the whole file is read
    small = preview_csv_file(path, sample_bytes=path.stat().st_size)
    assert small.ok and small.text_frame.height == 6000


def test_import_folder_lists_only_plain_csv_files_inside_it(tmp_path, monkeypatch):
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n", encoding="utf-8")
    (folder / "b.TSV").write_text("x\n", encoding="utf-8")
    (folder / ".hidden.csv").write_text("x\n", encoding="utf-8")
    (folder / "notes.docx").write_bytes(b"PK")
    (folder / "sub.csv").mkdir()
    (tmp_path / "secret.csv").write_text("s\n", encoding="utf-8")
    monkeypatch.setenv(ENV_IMPORT_DIR, str(folder))
    assert import_dir() == folder
    assert [f.name for f in list_import_files()] == ["a.csv", "b.TSV"]
    assert import_file_path("a.csv") == folder / "a.csv"
    for name in ("../secret.csv", "secret.csv", str(tmp_path / "secret.csv"), "sub.csv", ".hidden.csv"):
        with pytest.raises(ImportFileError):
            import_file_path(name)
    monkeypatch.setenv(ENV_IMPORT_DIR, str(tmp_path / "absent"))
    assert list_import_files() == []
    monkeypatch.delenv(ENV_IMPORT_DIR)
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    assert import_dir() == folder


def test_an_import_job_runs_in_the_background_and_keeps_its_result(tmp_path):
    from digigov.ingest.jobs import start_import

    path = write(tmp_path / "job.csv", csv_text(raw_channel_rows(6000)))
    job = start_import(path, block_bytes=BLOCK)
    assert job.wait(60) and job.done
    assert job.error is None and not job.cancelled
    assert job.result.ok and job.progress.stage == "done" and job.progress.rows == 6000


def test_a_cancelled_job_stops_at_the_next_block_and_a_failure_is_kept(tmp_path, monkeypatch):
    import digigov.ingest.jobs as jobs

    blocks_read = []

    def endless(path, on_progress, **options):  # a file that never ends: only a cancel stops it
        while True:
            blocks_read.append(1)
            on_progress(ImportProgress("reading", len(blocks_read), 10**9, len(blocks_read), 0.1))

    monkeypatch.setattr(jobs, "import_csv_file", endless)
    job = jobs.start_import(tmp_path / "endless.csv")
    while not blocks_read:
        time.sleep(0.001)
    job.cancel()
    assert job.wait(10) and job.cancelled and job.result is None and job.error is None
    monkeypatch.undo()
    missing = jobs.start_import(tmp_path / "gone.csv")
    assert missing.wait(60) and missing.result is None and missing.error.startswith("FileNotFoundError")


def raw_demand_text(n: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    lines = ["问卷编号,省份,年份,事项类别,是否有需求,是否知晓,是否使用,是否办成,是否满意,未使用原因"]
    reasons = ("不知道可以网上办", "缺少指引", "偏好面对面", "")
    for i in range(n):
        need, aware, used = (rng.random() < p for p in (0.8, 0.7, 0.6))
        if i % 97 == 0:
            aware, used = False, True  # contradictory: used without knowing the service exists
        done = used and rng.random() < 0.9
        yes = {True: "是", False: "否"}
        lines.append(
            ",".join(
                [
                    f"Q{i:06d}",
                    rng.choice(("浙江", "四川", "贵州", "Guangdong")),
                    "2024",
                    rng.choice(("税务", "社保")),
                    yes[need],
                    yes[aware],
                    yes[used],
                    yes[done] if used else "",
                    yes[rng.random() < 0.8] if done else "",
                    "" if used else rng.choice(reasons),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def test_raw_demand_answers_in_blocks_give_the_same_funnel_and_consistency_report(tmp_path):
    path = write(tmp_path / "demand.csv", raw_demand_text(8000))
    whole, blocks = same_result(path)
    assert blocks.shape == whole.shape == "raw_demand"
    assert_same_frames(whole, blocks)
    inconsistent = [(i.value, i.message_en) for i in blocks.report.find("answers_inconsistent")]
    assert inconsistent and inconsistent == [(i.value, i.message_en) for i in whole.report.find("answers_inconsistent")]
