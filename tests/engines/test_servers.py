"""The pass on real servers started by the tests: Sail (Spark Connect) reading Parquet parts, PostgreSQL reading a
table in place. Each result equals the polars reference on the same records."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import HealthCheck, given, settings

from digigov import engine
from digigov.engine import RecordsTable, backends, column_names, count_rows
from tests.engines.records import check_aggregations, check_passes, raw_frames, survey_frames, write_parts

SERVER = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_names = itertools.count()


@SERVER
@given(frame=raw_frames())
def test_sail_passes_equal_polars(sail_url, tmp_path_factory, frame):
    parts = write_parts(frame, tmp_path_factory.mktemp("parts"))
    check_passes(parts, frame, engine.parse(sail_url))


@SERVER
@given(frame=survey_frames())
def test_sail_aggregations_equal_polars(sail_url, tmp_path_factory, frame):
    check_aggregations(write_parts(frame, tmp_path_factory.mktemp("parts")), frame, sail_url)


def test_sail_reads_a_table_in_place(sail_url, tmp_path):
    frame = pl.DataFrame({"地区": ["北京", "上海", "北京"], "年份": [2023, 2023, 2024]})
    parts = write_parts(frame, tmp_path / "p")
    sail = engine.parse(sail_url)
    with backends.connection(sail) as con:
        con.read_parquet(parts.location, table_name="service_log")
    table = RecordsTable("service_log")
    assert column_names(table, sail) == ["地区", "年份"]
    assert count_rows(table, sail) == 3 == count_rows(parts, sail)


def postgres_table(url: str, frame: pl.DataFrame, schema: str | None = None) -> RecordsTable:
    """The records as a PostgreSQL table (what DIGIGOV_RECORDS_TABLE names on a platform's database)."""
    name = f"records_{next(_names)}"
    with backends.connection(engine.parse(url)) as con:
        if schema:
            con.raw_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}").close()
        con.create_table(name, frame.to_arrow(), database=schema, overwrite=True)
    return RecordsTable(f"{schema}.{name}" if schema else name)


def _numeric_weights(frame: pl.DataFrame) -> pl.DataFrame:
    # PostgreSQL has no TRY_CAST (Ibis casts): text that is no number fails the query there, so the records
    # hold only numbers and blanks as weights; every other engine is tested with "abc" as well.
    return frame.with_columns(pl.col("权重").replace("abc", None))


@SERVER
@given(frame=raw_frames())
def test_postgres_passes_equal_polars(postgres_url, frame):
    frame = _numeric_weights(frame)
    check_passes(postgres_table(postgres_url, frame), frame, engine.parse(postgres_url))


@SERVER
@given(frame=survey_frames())
def test_postgres_aggregations_equal_polars(postgres_url, frame):
    check_aggregations(postgres_table(postgres_url, frame, schema="ods"), frame, postgres_url)


def test_postgres_table_schema_and_rows(postgres_url):
    frame = pl.DataFrame({"地区": ["北京", None], "年份": [2023, 2024]})
    table = postgres_table(postgres_url, frame, schema="ods")
    pg = engine.parse(postgres_url)
    assert column_names(table, pg) == ["地区", "年份"] and count_rows(table, pg) == 2
