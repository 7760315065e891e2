"""The columnar reader of large files (digigov.ingest.fast_blocks): it cuts the file as the text reader does, it
reads only what the strict reader would read the same way, and an import through it gives the same report and
the same records as the exact path block by block, problems and line numbers included."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from digigov.ingest import chunked, fast_blocks
from digigov.ingest.chunked import import_csv_file, text_blocks
from digigov.ingest.fast_blocks import Layout, byte_blocks, plain_frame
from tests.factories import HEADER, csv_text, raw_channel_rows

BLOCK = 64 * 1024


def issues(result) -> list[tuple]:
    return [(i.code, i.severity, i.row, i.column, i.value, i.message_en) for i in result.report.issues]


def exact_only(monkeypatch) -> None:
    monkeypatch.setattr(chunked, "read_group", lambda layout, group: None)


def both(path: Path, monkeypatch, **options):
    calls: list[int] = []
    real = fast_blocks.read_group

    def counted(layout, group):
        chunk = real(layout, group)
        calls.append(chunk is not None)
        return chunk

    monkeypatch.setattr(chunked, "read_group", counted)
    fast = import_csv_file(path, block_bytes=BLOCK, **options)
    exact_only(monkeypatch)
    exact = import_csv_file(path, block_bytes=BLOCK, **options)
    return fast, exact, calls


def _rows(n: int, seed: int = 7) -> list[list[str]]:
    return [[*row[:-1], row[-1].replace(",", "")] for row in raw_channel_rows(n, seed=seed)]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_byte_blocks_cut_where_the_text_reader_cuts(tmp_path, encoding):
    path = tmp_path / "q.csv"
    path.write_bytes(csv_text(raw_channel_rows(4000, note_every=97)).encode(encoding))
    blocks = text_blocks(path, encoding, block_bytes=4096)
    texts = [(b.text.encode(encoding), b.first_line, b.bytes_done) for b in blocks]
    raws = [(b.data, b.first_line, b.bytes_done) for b in byte_blocks(path, block_bytes=4096)]
    assert texts == raws and len(raws) > 10


def test_only_plain_bytes_are_read_by_polars():
    layout = Layout("f.csv", "a,b,c", ",", "utf-8", None, {})
    frame = plain_frame(b"1,x,y\r\n2,,z\n", layout)
    assert frame is not None and frame.rows() == [(2, "1", "x", "y"), (3, "2", None, "z")]
    quoted = plain_frame(b'1,"x,y",z\n2,"","w"\r\n"3","a""b",c\n', layout)
    assert quoted is not None and quoted.rows() == [(2, "1", "x,y", "z"), (3, "2", None, "w"), (4, "3", 'a"b', "c")]
    for declined in (
        b'1,"x\ny",z\n',  # a quoted field over a line break: the strict reader decides where the record ends
        b'1,"x,y\n',  # a quote never closed
        b'1,x"y,z\n',  # a quote inside an unquoted field
        b'1,"x"y,z\n',  # text after a closing quote
        b'1, "x",z\n',  # a space before the opening quote
        b"1,x\n2,y,z\n",  # too few fields
        b"1,x,y,z\n",  # too many
        b"1,x,y\n\n",  # a blank line
        b"1,x,y\n,,\n",  # a row of empty cells
        b"1,\xffx,y\n",  # not UTF-8
        b"1,x\ry,z\n",  # a lone carriage return
        b"1,x,y",  # no line end (the file's last line: the exact path)
    ):
        assert plain_frame(declined, layout) is None, declined


def test_a_clean_file_goes_through_the_columnar_reader_with_the_same_result(tmp_path, monkeypatch):
    path = tmp_path / "clean.csv"
    path.write_text(csv_text(_rows(8000), delimiter=";"), encoding="utf-8")
    fast, exact, calls = both(path, monkeypatch)
    assert fast.ok and exact.ok and calls and all(calls)
    assert issues(fast) == issues(exact)
    assert_frame_equal(fast.aggregated, exact.aggregated, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(fast.frame, exact.frame, check_exact=False, rel_tol=1e-12)


def test_problems_in_later_blocks_are_reported_as_by_the_exact_path(tmp_path, monkeypatch):
    rows = _rows(8000)
    rows[3000][1] = "火星市"  # an unknown region
    rows[5200][2] = "二〇二三年度x"  # a year that does not parse
    rows[6100][-1] = "联系 13812345678"  # a mobile number in a free-text cell
    path = tmp_path / "problems.csv"
    text = csv_text(rows, delimiter=";")
    lines = text.split("\n")
    lines[7000] = ";".join(lines[7000].split(";")[:-2])  # a short row far into the file
    path.write_text("\n".join(lines), encoding="utf-8")
    fast, exact, calls = both(path, monkeypatch)
    assert not calls or not all(calls)  # the groups with problems were read again by the exact path
    assert issues(fast) == issues(exact)
    codes = {i[0] for i in issues(fast)}
    assert {"unknown_region", "ragged_row", "pii_cells_redacted"} <= codes, codes
    assert next(i for i in issues(fast) if i[0] == "ragged_row")[2] == 7001


def test_groups_read_at_once_are_taken_in_the_files_order(tmp_path, monkeypatch):
    """READ_THREADS groups are checked at once; a group that finishes last is still merged in its turn, so the
    report, the records and the progress equal reading the groups one after the other."""
    import threading
    import time

    rows = _rows(20000, seed=3)
    rows[15000][-1] = "联系 13812345678"  # a warning in a late group: that group goes to the exact path in its turn
    path = tmp_path / "many.csv"
    path.write_text(csv_text(rows, delimiter=";"), encoding="utf-8")
    real = fast_blocks.read_group
    first = threading.Event()

    def slow_first(layout, group):
        if not first.is_set():  # the first group submitted finishes after the next one
            first.set()
            time.sleep(0.3)
        return real(layout, group)

    def run(threads: int):
        monkeypatch.setattr(chunked, "READ_THREADS", threads)
        monkeypatch.setattr(chunked, "read_group", slow_first if threads > 1 else real)
        first.clear()
        seen: list[tuple[str, int, int]] = []
        result = import_csv_file(
            path, block_bytes=BLOCK, on_progress=lambda p: seen.append((p.stage, p.bytes_done, p.rows))
        )
        return result, seen

    together, progress_together = run(2)
    alone, progress_alone = run(1)
    assert len(progress_alone) > 8 and together.ok and "pii_cells_redacted" in {i[0] for i in issues(together)}
    assert issues(together) == issues(alone)
    assert [s for s in progress_together if s[0] == "reading"] == [s for s in progress_alone if s[0] == "reading"]
    assert_frame_equal(together.aggregated, alone.aggregated, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(together.frame, alone.frame, check_exact=False, rel_tol=1e-12)


NOTES = ["", "ok", "好,的", 'say "hi"', '"', ",", '""', "a,b,c", " spaced ", "x\ny"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    notes=st.lists(st.sampled_from(NOTES), min_size=1, max_size=4),
    quote_all=st.booleans(),
    broken=st.sampled_from([None, 'x"y', '"x"y', '"never closed']),
)
def test_quoted_files_read_by_polars_give_the_exact_readers_report_and_records(
    tmp_path, monkeypatch, seed, notes, quote_all, broken
):
    """Fields quoted as a whole (commas, doubled quotes, empty quoted cells, every field quoted) are read by the
    columnar reader; a group with a multi-line field or a stray quote goes to the exact path. Either way the
    import's report and records are the exact path's."""
    import random

    rng = random.Random(seed)
    rows = [[*row[:-1], rng.choice(notes)] for row in raw_channel_rows(1500, seed=seed)]
    lines = [",".join(HEADER)]
    for row in rows:
        cells = ['"' + v.replace('"', '""') + '"' if quote_all or any(c in v for c in ',"\n') else v for v in row]
        lines.append(",".join(cells))
    if broken is not None:  # a malformed cell far into the file: its line number must be the exact path's
        at = 1 + rng.randrange(900, 1500)
        lines[at] = ",".join([*lines[at].split(",")[:-1], broken]) if not quote_all else lines[at] + broken
    path = tmp_path / f"q{seed}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, exact, calls = both(path, monkeypatch)
    assert issues(fast) == issues(exact)
    assert fast.ok == exact.ok
    if exact.ok:
        assert_frame_equal(fast.aggregated, exact.aggregated, check_exact=False, rel_tol=1e-12)
    if broken is None and "x\ny" not in notes:
        assert calls and all(calls)  # every group was read by polars
