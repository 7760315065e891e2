"""The heavy first pass over raw records, described once and independently of any engine.

Every raw-record aggregation (channel answers, demand funnels, transaction logs, the validator's label check)
starts the same way: group the records by a few raw columns and count them, with a handful of sums and minima.
That pass touches every record, so it is the part worth running where the records are (DuckDB in-process, a
Spark cluster, a database); what follows (mapping labels, resolving regions, shares) works on the few thousand
groups it returns and stays in polars. The description here is deliberately tiny: a closed set of measures that
every SQL engine computes exactly alike, so that each engine's result equals the polars reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Op = Literal["count", "sum", "sum_sq", "missing", "min"]

# How a measure's partial results combine when groups are merged again (after keys are cast or stripped).
COMBINE: dict[Op, Literal["sum", "min"]] = {
    "count": "sum",
    "sum": "sum",
    "sum_sq": "sum",
    "missing": "sum",
    "min": "min",
}


@dataclass(frozen=True)
class Key:
    """A grouping column. ``text``: grouped as text (what the label mappers read; a region code stored as a
    number groups with its written form); ``strip``: leading and trailing whitespace removed first."""

    name: str
    column: str
    text: bool = True
    strip: bool = False

    @property
    def transformed(self) -> bool:
        return self.text or self.strip


@dataclass(frozen=True)
class Measure:
    """One aggregate of a group. ``count`` counts records (no column); ``sum``, ``sum_sq`` (sum of squares),
    ``missing`` (nulls) and ``min`` read ``column``, parsed as a number first when ``number`` is set (a value that
    is not a number is then missing, as polars' non-strict cast makes it)."""

    name: str
    op: Op
    column: str | None = None
    number: bool = False

    def __post_init__(self) -> None:
        if (self.op == "count") != (self.column is None):
            raise ValueError(f"measure {self.name!r}: count takes no column, every other measure one")


@dataclass(frozen=True)
class FirstPass:
    """Group ``keys``, compute ``measures``: the portable part of an aggregation (see the module docstring)."""

    keys: tuple[Key, ...]
    measures: tuple[Measure, ...]

    def __post_init__(self) -> None:
        names = [k.name for k in self.keys] + [m.name for m in self.measures]
        if len(set(names)) != len(names):
            raise ValueError(f"output names must be unique: {names}")

    @property
    def columns(self) -> list[str]:
        """The source columns the pass reads (only these leave the records' storage)."""
        wanted = [k.column for k in self.keys] + [m.column for m in self.measures if m.column]
        return list(dict.fromkeys(wanted))

    @property
    def key_names(self) -> list[str]:
        return [k.name for k in self.keys]


def count_by(keys: dict[str, str], *, year: str | None = None, strip: frozenset[str] = frozenset()) -> FirstPass:
    """The common case: records counted (``__n``) by ``keys`` (output name -> source column) grouped as text
    (``strip``: the names also stripped of whitespace), and by the period column ``year`` as it is typed."""
    group = [Key(name, column, strip=name in strip) for name, column in keys.items()]
    if year:
        group.append(Key("year", year, text=False))
    return FirstPass(tuple(group), (Measure("__n", "count"),))
