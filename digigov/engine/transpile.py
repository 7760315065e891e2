"""The first pass as SQL text, for engines the app does not connect to itself.

Ibis compiles it for its own SQL backends (``trino``, ``clickhouse``, ``postgres``, ``duckdb``, ``pyspark``...).
Apache Doris and StarRocks (what many provincial data platforms run, reached over the MySQL protocol) have no Ibis
backend: the same expression is compiled for Trino (ANSI, TRY_CAST) and transpiled by sqlglot. Both write
TRY_CAST as CAST, which there returns NULL for text that is not a number, as TRY_CAST does. Run the SQL in the
platform (a scheduled job, a view) and read back its small result; it is checked by compile-only tests
(tests/engines/test_compile.py), not against a live Doris or StarRocks, which cannot be installed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from digigov.engine import ibis_pass
from digigov.engine.spec import FirstPass

TRANSPILED = {"doris": "trino", "starrocks": "trino"}  # target dialect -> the Ibis dialect compiled from


def compile_sql(spec: FirstPass, table: str, schema: Mapping[str, str], dialect: str) -> str:
    """The pass over ``table`` (``db.table`` allowed) with ``schema`` (column -> Ibis type, e.g. "string",
    "int32") as SQL for ``dialect``. The engine's result still goes through digigov.engine.ibis_pass.finish."""
    import ibis
    import sqlglot

    name, _, database = table.rpartition(".")[::-1]
    records = ibis.table(dict(schema), name=name, database=database or None)
    expr = ibis_pass.expression(records, spec)
    source = TRANSPILED.get(dialect)
    if source is None:
        return str(ibis.to_sql(expr, dialect=dialect))
    return sqlglot.transpile(str(ibis.to_sql(expr, dialect=source)), read=source, write=dialect, pretty=True)[0]
