"""read_upload's progress callback: called as the reading goes, bytes only growing up to the file's size, the rows
checked ending at the file's rows; by the columnar reading and by the exact one; silent and harmless otherwise."""

from __future__ import annotations

from unittest import mock

import pytest
from polars.testing import assert_frame_equal

import digigov.ingest.csv_reader as reader
from digigov.ingest import Progress, read_upload
from digigov.ingest.progress import STAGES
from tests.factories import csv_text, raw_channel_rows

ROWS = 6_000


def calls_of(data: bytes, **options) -> tuple[list[Progress], object]:
    calls: list[Progress] = []
    result = read_upload("records.csv", data, progress=calls.append, **options)
    return calls, result


def assert_well_formed(calls: list[Progress], size: int, rows: int) -> None:
    assert calls[0] == Progress("reading", 0, size, 0)
    assert calls[-1] == Progress("done", size, size, rows)
    read = [c.bytes_read for c in calls]
    assert read == sorted(read) and all(c.bytes_total == size for c in calls)
    parsing = [c.rows_checked for c in calls if c.stage == "reading"]
    assert parsing == sorted(parsing) and parsing[-1] <= rows
    order = [STAGES.index(c.stage) for c in calls]
    assert order == sorted(order)
    fractions = [c.fraction for c in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


@pytest.mark.parametrize(
    ("delimiter", "note_every", "codec"),
    [("\t", 0, "utf-8"), ("\t", 0, "gb18030"), (",", 7, "utf-8")],  # columnar (UTF-8, GB18030); exact (quotes)
)
def test_progress_grows_to_the_file_size_and_counts_every_row(delimiter, note_every, codec):
    text = csv_text(raw_channel_rows(ROWS, note_every=note_every), delimiter=delimiter)
    data = text.encode(codec)
    with mock.patch.object(reader, "_PLAIN_CHUNK", 32 << 10), mock.patch.object(reader, "_PROGRESS_ROWS", 500):
        calls, result = calls_of(data, mapping={"权重": "ignore"})
    assert result.ok, [i.message_en for i in result.report.errors]
    assert result.text_frame.height == ROWS
    assert_well_formed(calls, len(data), ROWS)
    middle = [c for c in calls if c.stage == "reading" and 0 < c.bytes_read < len(data)]
    assert len(middle) >= 5  # reported while reading, not only at the ends
    assert all(0 < c.rows_checked < ROWS for c in middle)
    assert [c.stage for c in calls if c.stage != "reading"] == ["identifiers", "regions", "values", "done"]


def test_a_refused_file_still_ends_with_done():
    calls, result = calls_of(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert not result.ok
    assert [c.stage for c in calls] == ["reading", "done"] and calls[-1].bytes_read == calls[-1].bytes_total


def test_a_spreadsheet_reports_its_stages(tmp_path):
    from pathlib import Path

    data = (Path(__file__).resolve().parents[2] / "data" / "uploads" / "excel_title_notes.xlsx").read_bytes()
    calls, result = calls_of(data)
    assert_well_formed(calls, len(data), result.text_frame.height)


def test_a_failing_callback_does_not_stop_the_reading_but_a_stop_does():
    data = csv_text(raw_channel_rows(50), delimiter="\t").encode()

    def broken(progress: Progress) -> None:
        raise ValueError("display gone")

    assert read_upload("r.csv", data, progress=broken).text_frame.height == 50

    class Stop(BaseException):  # what Streamlit raises to stop a script run
        pass

    def stop(progress: Progress) -> None:
        if progress.stage == "regions":
            raise Stop

    with pytest.raises(Stop):
        read_upload("r.csv", data, progress=stop)


def test_without_a_callback_the_result_is_the_same():
    data = csv_text(raw_channel_rows(300), delimiter="\t").encode()
    quiet, heard = read_upload("r.csv", data), read_upload("r.csv", data, progress=lambda _: None)
    assert quiet.report.issues == heard.report.issues
    assert quiet.frame is not None and heard.frame is not None
    assert_frame_equal(quiet.frame, heard.frame, check_row_order=False)  # the aggregation's order may vary
