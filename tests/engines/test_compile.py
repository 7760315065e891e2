"""Compile-only golden tests for the engines that cannot run here: Trino and ClickHouse (Ibis backends), Doris and
StarRocks (the Trino SQL transpiled by sqlglot). A change in Ibis or sqlglot that changes the SQL shows up here;
regenerate with DIGIGOV_UPDATE_GOLDEN=1 after reading the diff."""

from __future__ import annotations

import os

import pytest

from digigov.engine.transpile import compile_sql
from tests.engines.records import STRIPPED, WEIGHTED
from tests.paths import TESTS

GOLDEN = TESTS / "engines" / "golden"
SCHEMA = {"地区": "string", "年份": "int32", "渠道": "string", "办结": "string", "权重": "string"}


@pytest.mark.parametrize("dialect", ["trino", "clickhouse", "doris", "starrocks"])
@pytest.mark.parametrize("name", ["weighted", "stripped"])
def test_compiled_sql_matches_golden(dialect, name):
    spec = {"weighted": WEIGHTED, "stripped": STRIPPED}[name]
    sql = compile_sql(spec, "ods.service_log", SCHEMA, dialect) + "\n"
    golden = GOLDEN / f"{name}.{dialect}.sql"
    if os.environ.get("DIGIGOV_UPDATE_GOLDEN") == "1":
        golden.write_text(sql, encoding="utf-8")
    assert sql == golden.read_text(encoding="utf-8")


def test_transpiled_sql_keeps_the_groups_and_measures():
    sql = compile_sql(WEIGHTED, "ods.service_log", SCHEMA, "doris")
    assert "FROM `ods`.`service_log`" in sql and "TRY_CAST" not in sql and "COUNT(*) AS `__n`" in sql
    for column in ("`地区` AS `__region`", "`年份`", "`渠道` AS `__channel`"):
        assert column in sql
