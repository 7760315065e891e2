"""The portable heavy pass over raw records (DESIGN.md §7: one aggregation, many engines).

Polars loads and validates; the first pass over the records (group by region, period and raw labels, count,
sum weights) is described once (:mod:`digigov.engine.spec`), expressed with Ibis for every engine
(:mod:`digigov.engine.ibis_pass`) and run where the records are: the embedded default with no setup, or the engine
``DIGIGOV_ENGINE`` names (DuckDB, Spark Connect or Sail, PostgreSQL, Trino, ClickHouse;
:mod:`digigov.engine.backends`). Records are polars frames, Parquet parts under a location or a table read in
place (:mod:`digigov.engine.sources`); only the small aggregate comes back, and the rest of each aggregation
stays in polars. Doris and StarRocks get SQL text (:mod:`digigov.engine.transpile`). Ibis, DuckDB and the drivers
are imported only when a pass runs on an engine, so the pages do not pay for them.
"""

from digigov.engine.backends import Engine, EngineError, close_all, configured, parse
from digigov.engine.run import RecordsLike, column_names, count_rows, first_pass
from digigov.engine.sources import ParquetParts, Records, RecordsTable, configured_records
from digigov.engine.spec import FirstPass, Key, Measure, count_by

__all__ = [
    "Engine",
    "EngineError",
    "FirstPass",
    "Key",
    "Measure",
    "ParquetParts",
    "Records",
    "RecordsLike",
    "RecordsTable",
    "close_all",
    "column_names",
    "configured",
    "configured_records",
    "count_by",
    "count_rows",
    "first_pass",
    "parse",
]
