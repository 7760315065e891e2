"""Where raw records are, when they are not a polars frame in this process: Parquet parts under a location, or
a table the engine already holds (logs that live in the platform are aggregated in place)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digigov import settings


@dataclass(frozen=True)
class ParquetParts:
    """Records as Parquet part files: a folder of parts, a glob, or one file. A local path, or a URI the engine
    reads itself (``s3://``, ``hdfs://``, ``abfs://``), passed through unchanged: the app never copies them."""

    location: str

    @property
    def remote(self) -> bool:
        return "://" in self.location

    def glob(self) -> str:
        """The location as a pattern of files (DuckDB reads files, not folders)."""
        if self.location.endswith(".parquet") or "*" in self.location:
            return self.location
        if not self.remote and not Path(self.location).is_dir():
            raise FileNotFoundError(f"no Parquet parts at {self.location}")
        return self.location.rstrip("/") + "/*.parquet"


@dataclass(frozen=True)
class RecordsTable:
    """Records as a table the engine reads in place: ``table`` or ``database.table`` (a Hive or catalog
    schema for Spark and Trino, a schema for PostgreSQL)."""

    name: str

    @property
    def database(self) -> str | None:
        return self.name.rpartition(".")[0] or None

    @property
    def table(self) -> str:
        return self.name.rpartition(".")[2]


Records = ParquetParts | RecordsTable


def configured_records() -> Records:
    """The platform's records from the settings: ``DIGIGOV_RECORDS_TABLE`` if set, else the Parquet parts under
    ``DIGIGOV_RECORDS_LOCATION`` (default ``$DIGIGOV_DATA_DIR/records``). Pass it to an aggregator
    (e.g. aggregate_raw_records) with the saved column mapping; only the aggregate comes back."""
    table = settings.read("DIGIGOV_RECORDS_TABLE")
    if table:
        return RecordsTable(table)
    location = settings.read("DIGIGOV_RECORDS_LOCATION")
    if location:
        return ParquetParts(location)
    data_dir = settings.read("DIGIGOV_DATA_DIR") or Path.cwd() / "userdata"
    return ParquetParts(str(Path(data_dir) / "records"))
