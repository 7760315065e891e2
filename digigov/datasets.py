"""Built-in sample datasets (data/samples), read with codes kept as text."""

from __future__ import annotations

from functools import cache

import polars as pl

from digigov.paths import SAMPLE_DIR

BUILTIN_DATASETS: tuple[str, ...] = (
    "province_index",
    "city_index",
    "city_channels",
    "demand_funnel",
    "open_data",
)
_TEXT_COLUMNS = {
    "adcode": pl.String,
    "parent": pl.String,
    "level": pl.String,
    "entity_type": pl.String,
    "service_category": pl.String,
}


@cache
def _read(name: str) -> pl.DataFrame:
    if name not in BUILTIN_DATASETS:
        raise KeyError(f"unknown built-in dataset {name!r}")
    path = SAMPLE_DIR / f"{name}.csv"
    header = path.open(encoding="utf-8").readline().strip().split(",")
    overrides = {c: dtype for c, dtype in _TEXT_COLUMNS.items() if c in header}
    return pl.read_csv(path, schema_overrides=overrides)


def load_builtin(name: str) -> pl.DataFrame:
    """A built-in sample dataset. Polars frames are immutable, so the cached frame is safe to share."""
    return _read(name)
