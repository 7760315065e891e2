"""Running the first pass where the records are, and the two questions the aggregators ask of any records (which
columns, how many rows) answered there too, so that no caller needs to know what engine it talks to.

Records this process already holds as polars frames (an upload, the large-file import's lazy scan of its parts)
are aggregated here in polars whatever DIGIGOV_ENGINE says: sending them to a server only to get the groups back
costs more than grouping them (digigov.engine.polars_pass), and a cluster cannot read this machine's scratch
folder anyway. DIGIGOV_ENGINE decides where records that live outside the app are aggregated: Parquet parts under
a location, or a table in the platform.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from digigov.engine import backends, ibis_pass, polars_pass
from digigov.engine.backends import READS_PARQUET, Engine, EngineError
from digigov.engine.sources import ParquetParts, Records, RecordsTable
from digigov.engine.spec import FirstPass

RecordsLike = pl.DataFrame | pl.LazyFrame | Records


def _table(con: Any, engine: Engine, records: Records) -> Any:
    """The records as an Ibis table on ``con``, read in place."""
    if isinstance(records, RecordsTable):
        return con.table(records.table, database=records.database)
    return con.read_parquet(records.glob() if engine.backend == "duckdb" else records.location)


def _on_engine(engine: Engine, records: Records, query: Any) -> Any:
    """``query(table, con)`` run on the engine; the engine's own errors become EngineError (one message)."""
    if isinstance(records, ParquetParts) and engine.backend not in READS_PARQUET:
        raise EngineError(
            f"{engine.backend} does not read Parquet parts; give the records as a table (DIGIGOV_RECORDS_TABLE)"
        )
    try:
        with backends.connection(engine) as con:
            table = _table(con, engine, records)
            try:
                return query(table, con)
            finally:
                if isinstance(records, ParquetParts):  # read_parquet registered a view: do not keep one per pass
                    con.drop_view(table.get_name(), force=True)
    except EngineError:
        raise
    except Exception as exc:  # Spark, PostgreSQL, DuckDB and Trino each raise their own exception types
        raise EngineError(f"{engine.backend}: {type(exc).__name__}: {str(exc)[:300]}") from exc


def first_pass(records: RecordsLike, spec: FirstPass, engine: Engine | None = None) -> pl.DataFrame:
    """The pass over ``records``, polars frames here, other records on ``engine`` (default: DIGIGOV_ENGINE); keys
    then measures, equal to :func:`digigov.engine.polars_pass.run` on the same records whatever the engine."""
    if isinstance(records, pl.DataFrame | pl.LazyFrame):
        return polars_pass.run(records, spec)
    engine = engine or backends.configured()
    result = _on_engine(engine, records, lambda t, con: con.to_polars(ibis_pass.expression(t, spec)))
    return ibis_pass.finish(result, spec)


def column_names(records: RecordsLike, engine: Engine | None = None) -> list[str]:
    """The records' columns (a table's or the parts' schema, read by the engine without reading the rows)."""
    if isinstance(records, pl.DataFrame | pl.LazyFrame):
        return records.collect_schema().names()
    return list(_on_engine(engine or backends.configured(), records, lambda t, _: t.columns))


def count_rows(records: RecordsLike, engine: Engine | None = None) -> int:
    """How many records there are (Parquet footers or the engine's COUNT(*); polars frames counted here)."""
    if isinstance(records, pl.DataFrame):
        return records.height
    if isinstance(records, pl.LazyFrame):
        return int(records.select(pl.len()).collect().item())
    return int(_on_engine(engine or backends.configured(), records, lambda t, con: con.execute(t.count())))
