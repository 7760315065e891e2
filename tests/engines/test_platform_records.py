"""A log that lives in the platform, aggregated in place with the mapping its upload was saved with (issue 14):
the same counts as the upload of the same records, on Parquet parts and on a table of the embedded DuckDB, and
every problem reported instead of raised."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from digigov.engine import RecordsTable
from digigov.platform_records import aggregate_platform, template_meta, templates
from digigov.storage import DatasetStore
from tests.engines.records import write_parts
from tests.factories import as_written, csv_text, raw_channel_rows, saved_template
from tests.paths import REAL_DATA


def same_counts(got: pl.DataFrame, want: pl.DataFrame) -> None:
    keys = [c for c in ("adcode", "year", "entity_type", "service_category") if c in want.columns]
    assert_frame_equal(
        got.select(want.columns).sort(keys, nulls_last=True),
        want.sort(keys, nulls_last=True),
        check_dtypes=False,
        check_exact=False,
        rel_tol=1e-12,
    )


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path / "data"))
    return DatasetStore(tmp_path / "data")


def test_a_survey_log_as_parquet_parts_gives_the_uploads_counts(store, tmp_path):
    data = csv_text(raw_channel_rows(600, seed=11)).encode("utf-8")
    template, upload = saved_template(store, data, "survey.csv")
    assert [r.id for r in templates(store)] == [template.id]
    parts = write_parts(as_written(data), tmp_path / "parts")
    result = aggregate_platform(template, parts)
    assert result.ok and result.kind == "city_channels", result.report.errors
    same_counts(result.counts, upload.aggregated)
    assert any(i.code == "raw_aggregated" for i in result.report.issues)


def test_a_transaction_log_as_a_table_of_the_engine_gives_the_uploads_counts(store, tmp_path, monkeypatch):
    data = (REAL_DATA / "transactions_zhejiang_jiangsu_rating_utf8bom.csv").read_bytes()
    template, upload = saved_template(store, data)
    database = tmp_path / "platform.duckdb"
    frame = as_written(data.removeprefix(b"\xef\xbb\xbf"))
    with duckdb.connect(str(database)) as con:
        con.register("log", frame.to_arrow())
        con.execute("CREATE TABLE service_log AS SELECT * FROM log")
    monkeypatch.setenv("DIGIGOV_ENGINE", f"duckdb://{database}")
    result = aggregate_platform(template, RecordsTable("service_log"))
    assert result.ok and result.kind == "city_transactions", result.report.errors
    same_counts(result.counts, upload.aggregated)
    assert result.source == "service_log"


def test_what_the_platforms_records_hold_that_the_upload_did_not_is_reported(store, tmp_path):
    data = csv_text(raw_channel_rows(300, seed=5)).encode("utf-8")
    template, _ = saved_template(store, data, "survey.csv")
    channel = "主要办理渠道"
    log = as_written(data).with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("传真")).otherwise(pl.col(channel)).alias(channel)
    )
    result = aggregate_platform(template, write_parts(log, tmp_path / "parts"))
    assert not result.ok and result.counts is None
    (error,) = result.report.errors
    assert error.code == "raw_aggregation_failed" and "传真" in error.message_zh


def test_a_missing_table_is_a_report_not_a_crash(store):
    data = csv_text(raw_channel_rows(100, seed=3)).encode("utf-8")
    template, _ = saved_template(store, data, "survey.csv")
    result = aggregate_platform(template, RecordsTable("ods.no_such_log"))
    assert not result.ok and result.report.errors[0].code == "raw_aggregation_failed"


def test_an_upload_without_region_or_year_is_no_template():
    assert template_meta("channels", None) == {}
