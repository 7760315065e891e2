"""``DIGIGOV_ENGINE`` parsed into an engine, and a connection to it through Ibis.

Unset means the embedded default: records already held as polars frames stay in polars (digigov.engine.polars_pass
says why), records on disk or in a table go to DuckDB in-process. DuckDB was chosen over polars' streaming engine
on the same aggregation of Parquet parts (bench/RESULTS.md §7): 100 M records in 2.9 s with a 277 MB peak
through Ibis, against 9.4 s and 551 MB. Connections are opened once per URL and kept (a Spark Connect session takes
a second to open, even an in-process DuckDB connection 50 ms to open and 80 ms to close); each query holds the
connection's lock, because a PostgreSQL or DuckDB connection must not be used by two threads at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from digigov import settings
from digigov.settings import SettingError

# URL scheme -> Ibis backend. Doris and StarRocks have none: digigov.engine.transpile compiles for them.
SCHEMES = {
    "duckdb": "duckdb",
    "sc": "pyspark",
    "postgres": "postgres",
    "postgresql": "postgres",
    "trino": "trino",
    "clickhouse": "clickhouse",
}
TRANSPILE_ONLY = ("doris", "starrocks")
# Engines that read Parquet parts themselves; the others need the records as a table.
READS_PARQUET = ("duckdb", "pyspark")


class EngineError(ValueError):
    """The engine cannot run the pass (unreachable, no such table, records it cannot read). A ValueError, so the
    import reports it as a failed aggregation instead of crashing the page."""


@dataclass(frozen=True)
class Engine:
    """An engine as ``DIGIGOV_ENGINE`` names it; ``url`` None is the embedded default."""

    url: str | None
    backend: str  # an Ibis backend name

    @property
    def embedded(self) -> bool:
        return self.url is None


EMBEDDED = Engine(None, "duckdb")


def parse(url: str | None) -> Engine:
    """The engine a URL names; SettingError naming DIGIGOV_ENGINE for one that cannot be used."""
    if not url:
        return EMBEDDED
    scheme = urlsplit(url).scheme.lower()
    if scheme in TRANSPILE_ONLY:
        raise SettingError(
            f"DIGIGOV_ENGINE={url!r}: Ibis has no {scheme} backend; compile the pass with "
            f"digigov.engine.transpile.compile_sql(..., dialect={scheme!r}) and run it in {scheme} (README, Engines)"
        )
    if scheme not in SCHEMES:
        raise SettingError(
            f"DIGIGOV_ENGINE={url!r} is not usable; expected one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    return Engine(url, SCHEMES[scheme])


def configured() -> Engine:
    return parse(settings.read("DIGIGOV_ENGINE"))


_lock = threading.Lock()
_servers: dict[str, tuple[Any, threading.Lock]] = {}


def _open(engine: Engine) -> Any:
    import ibis

    if engine.backend == "duckdb":
        path = (engine.url or "duckdb://").split("://", 1)[1]  # duckdb:///abs/file.db, duckdb://rel.db, duckdb://
        return ibis.duckdb.connect(path or ":memory:")
    if engine.backend == "pyspark":
        from pyspark.sql import SparkSession

        # create(), not getOrCreate(): an existing session to another server must not be reused.
        return ibis.pyspark.connect(SparkSession.builder.remote(engine.url or "").create())
    return ibis.connect(engine.url)


@contextlib.contextmanager
def connection(engine: Engine) -> Iterator[Any]:
    """An Ibis backend for the engine, held alone for the duration of the block."""
    url = engine.url or "duckdb://"
    with _lock:
        if url not in _servers:
            try:
                _servers[url] = (_open(engine), threading.Lock())
            except Exception as exc:  # every driver has its own connection errors
                raise EngineError(f"cannot connect to {engine.backend} ({type(exc).__name__}: {exc})") from exc
        con, held = _servers[url]
    with held:
        yield con


def close_all() -> None:
    """Forget the kept server connections (tests stop their servers; a long-running app never needs this)."""
    with _lock:
        entries = list(_servers.values())
        _servers.clear()
    for con, _ in entries:
        with contextlib.suppress(Exception):  # a server already gone cannot be disconnected cleanly
            con.disconnect()
