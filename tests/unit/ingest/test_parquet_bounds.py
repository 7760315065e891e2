"""The Parquet reader bounds what it really decodes, not what the footer says (issue 18).

The hostile file: one 200-character string repeated for millions of rows, dictionary-encoded and compressed, so
the file is a few hundred KB and its footer honestly declares a few hundred KB of pages, while the values decode
to hundreds of MB. The footer check lets it through; only counting while reading stops it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from digigov.ingest import parquet_reader, read_upload
from digigov.ingest.limits import MIB

ROWS = 2_000_000
VALUE = "上海市" + "x" * 200  # decodes to ~400 MB in total


def hostile_parquet(rows: int = ROWS) -> bytes:
    values = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array([VALUE]))
    table = pa.table({"地区": values, "年份": pa.array(np.full(rows, 2023, dtype=np.int16))})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def declared_bytes(data: bytes) -> int:
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    return sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))


def test_the_hostile_file_passes_the_footer_check_but_is_stopped_while_reading(monkeypatch):
    data = hostile_parquet()
    cap = 16 * MIB
    assert len(data) < 2 * MIB and declared_bytes(data) < cap  # small file, small footer figure
    monkeypatch.setattr(parquet_reader, "PARQUET_MAX_UNCOMPRESSED_BYTES", cap)
    result = read_upload("评估数据.parquet", data)
    assert result.report.codes == ["parquet_decoded_too_large"]
    issue = result.report.errors[0]
    assert "评估数据.parquet" in issue.message_zh and "16 MB" in issue.message_zh
    assert "“评估数据.parquet”" in issue.message_en and "16 MB" in issue.message_en
    rows = int(issue.message_en.split("after ")[1].split(" rows")[0].replace(",", ""))
    assert rows < ROWS // 10  # it stopped early, it did not decode everything first
    assert result.frame is None and result.text_frame is None


def test_an_honest_file_under_the_cap_still_reads_every_row(monkeypatch):
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 7)  # many batches: the row numbers run on across them
    frame = pl.DataFrame(
        {"地区": ["上海", "浙江", "北京"] * 10, "年份": [2023] * 30, "数字政府发展指数": [90.5, 89.0, None] * 10}
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    result = read_upload("ok.parquet", buffer.getvalue())
    assert result.ok, result.report.to_frame()
    assert result.source_rows.to_list() == list(range(2, 32))
    assert result.text_frame["年份"].to_list() == ["2023"] * 30
    assert result.text_frame["地区"].to_list()[:3] == ["上海", "浙江", "北京"]


def test_an_empty_parquet_file_keeps_its_columns():
    buffer = io.BytesIO()
    pl.DataFrame(schema={"地区": pl.String, "年份": pl.Int64}).write_parquet(buffer)
    result = read_upload("empty.parquet", buffer.getvalue())
    assert result.report.codes == ["header_only"]
    assert result.text_frame.columns == ["地区", "年份"]


_MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from digigov.ingest import parquet_reader
    from digigov.ingest.report import ValidationReport
    from tests.unit.ingest.test_parquet_bounds import hostile_parquet
    parquet_reader.PARQUET_MAX_UNCOMPRESSED_BYTES = int(sys.argv[1])
    data = hostile_parquet(int(sys.argv[2]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = ValidationReport("h.parquet")
    table = parquet_reader.read_parquet_bytes(data, report)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"grew_mb": (after - before) / 1024, "codes": report.codes, "read": table is not None}))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
def test_memory_while_refusing_the_hostile_file_stays_near_the_cap():
    """In a fresh process (the peak resident size is per process): the decoded values would be ~400 MB; with a
    16 MB cap the reader's peak stays within the cap, one batch and the allocator's slack."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(16 * MIB), str(ROWS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    assert measured["codes"] == ["parquet_decoded_too_large"] and not measured["read"]
    assert measured["grew_mb"] < 120, measured
