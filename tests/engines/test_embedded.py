"""The embedded default (DuckDB in-process for Parquet parts; polars for frames) and the engine setting."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from digigov import engine
from digigov.engine import ParquetParts, column_names, count_rows, first_pass
from digigov.engine.polars_pass import run as polars_reference
from digigov.settings import SettingError
from tests.engines.records import (
    WEIGHTED,
    check_aggregations,
    check_passes,
    raw_frames,
    survey_frames,
    write_parts,
)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(frame=raw_frames())
def test_embedded_passes_equal_polars(tmp_path_factory, frame):
    parts = write_parts(frame, tmp_path_factory.mktemp("parts"))
    check_passes(parts, frame, engine.configured())
    check_passes(parts, frame, engine.parse("duckdb://"))


@FAST
@given(frame=survey_frames())
def test_embedded_aggregations_equal_polars(tmp_path_factory, frame):
    parts = write_parts(frame, tmp_path_factory.mktemp("parts"))
    check_aggregations(parts, frame, None)


def test_parts_schema_and_rows_come_from_the_engine(tmp_path):
    frame = pl.DataFrame({"地区": ["北京", None, "上海"], "年份": [2023, 2023, 2024]})
    parts = write_parts(frame, tmp_path / "p", parts=2)
    assert column_names(parts) == ["地区", "年份"]
    assert count_rows(parts) == 3
    assert count_rows(ParquetParts(str(tmp_path / "p" / "part-00000.parquet"))) == 2


def test_polars_frames_stay_in_polars_whatever_the_setting(monkeypatch):
    monkeypatch.setenv("DIGIGOV_ENGINE", "postgres://nobody@127.0.0.1:1/none")  # unreachable: never contacted
    frame = pl.DataFrame({"地区": ["北京"], "年份": [2023], "渠道": ["网站"], "权重": ["1"]})
    assert first_pass(frame.lazy(), WEIGHTED).equals(polars_reference(frame, WEIGHTED))


def test_a_file_engine_on_disk(tmp_path):
    frame = pl.DataFrame({"地区": ["北京", "北京"], "年份": [2023, 2023], "渠道": ["网站", "App"], "权重": ["1", "x"]})
    parts = write_parts(frame, tmp_path / "p")
    got = first_pass(parts, WEIGHTED, engine.parse(f"duckdb://{tmp_path / 'work.duckdb'}"))
    assert got.sort("__channel")["__wnull"].to_list() == [1, 0]


@pytest.mark.parametrize(
    ("url", "backend"),
    [(None, "duckdb"), ("duckdb://", "duckdb"), ("sc://h:15002", "pyspark"), ("postgresql://u@h/db", "postgres")],
)
def test_engine_urls(url, backend):
    assert engine.parse(url).backend == backend
    assert engine.parse(url).embedded == (url is None)


@pytest.mark.parametrize("url", ["doris://h:9030", "starrocks://h:9030", "mysql://h/db", "nonsense"])
def test_unusable_engine_urls_say_what_to_do(url):
    with pytest.raises(SettingError, match="DIGIGOV_ENGINE"):
        engine.parse(url)


def test_records_from_the_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("DIGIGOV_RECORDS_TABLE", raising=False)
    monkeypatch.delenv("DIGIGOV_RECORDS_LOCATION", raising=False)
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    assert engine.configured_records() == ParquetParts(str(tmp_path / "records"))
    monkeypatch.setenv("DIGIGOV_RECORDS_LOCATION", "s3://bucket/logs/")
    assert engine.configured_records() == ParquetParts("s3://bucket/logs/")
    assert engine.configured_records().glob() == "s3://bucket/logs/*.parquet"
    monkeypatch.setenv("DIGIGOV_RECORDS_TABLE", "ods.service_log")
    table = engine.configured_records()
    assert isinstance(table, engine.RecordsTable) and (table.database, table.table) == ("ods", "service_log")


def test_missing_parts_and_unreadable_records_are_engine_errors(tmp_path):
    with pytest.raises(engine.EngineError, match="no Parquet parts"):
        first_pass(ParquetParts(str(tmp_path / "none")), WEIGHTED)
    with pytest.raises(engine.EngineError, match="does not read Parquet"):
        first_pass(ParquetParts(str(tmp_path)), WEIGHTED, engine.parse("trino://u@h:1/c"))
