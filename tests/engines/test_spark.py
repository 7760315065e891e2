"""The pass on Spark's own Spark Connect server (the one inside the pyspark wheel, Java 17, local[2]): what a
government data platform runs. Started once for this module (~11 s here), so it runs in `make test`;
`pytest -m "not spark"` leaves it out."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from digigov import engine
from digigov.engine import RecordsTable, backends, column_names, count_rows
from tests.engines.records import check_aggregations, check_passes, raw_frames, survey_frames, write_parts

pytestmark = pytest.mark.spark
SPARK = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SPARK
@given(frame=raw_frames())
def test_spark_passes_equal_polars(spark_url, tmp_path_factory, frame):
    check_passes(write_parts(frame, tmp_path_factory.mktemp("parts")), frame, engine.parse(spark_url))


@SPARK
@given(frame=survey_frames())
def test_spark_aggregations_equal_polars(spark_url, tmp_path_factory, frame):
    check_aggregations(write_parts(frame, tmp_path_factory.mktemp("parts")), frame, spark_url)


def test_spark_reads_a_table_in_place(spark_url, tmp_path):
    frame = pl.DataFrame({"地区": ["北京", "上海", "北京"], "年份": [2023, 2023, 2024]})
    parts = write_parts(frame, tmp_path / "p")
    spark = engine.parse(spark_url)
    with backends.connection(spark) as con:
        con.read_parquet(parts.location, table_name="service_log")
    table = RecordsTable("service_log")
    assert column_names(table, spark) == ["地区", "年份"]
    assert count_rows(table, spark) == 3 == count_rows(parts, spark)
