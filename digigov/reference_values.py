"""The aggregate rows of an upload (全国, 平均, 合计 …) as the reference value the file itself states: kept apart from
the regions by ingest, stored with the dataset's meta and shown beside the map as "the file's national figure"
(never recomputed, never mixed with the regions)."""

from __future__ import annotations

from typing import Any

import polars as pl

from digigov.i18n import t
from digigov.indicators import Indicator
from digigov.ingest.pipeline import IngestResult, UncataloguedIndicator
from digigov.ingest.values import parse_number_column

META_KEY = "reference"
SHOWN_KINDS = ("national", "average")  # a total (合计) of scores or shares is no reference value for a region
# The indicator key of an analyst's own indicator's reference values: its id ("user:<dataset id>") is known only
# once the dataset is saved, and a user-indicator dataset holds that one indicator.
OWN = "own"


def reference_values(result: IngestResult) -> list[dict[str, Any]]:
    """[{indicator, year, kind, label, row, value}] of the national and average rows of a wide upload, each value
    stored as the column's regions are (a percentage as a fraction); [] when there are none."""
    rows, mapping = result.aggregates, result.mapping
    if rows is None or mapping is None or not rows.height:
        return []
    year_col = mapping.first("year")
    out = []
    for column, indicator_id in mapping.indicators().items():
        inference = result.units.get(column)
        if column not in rows.columns or inference is None or inference.scale == "count_of":
            continue
        divisor = 100.0 if inference.scale == "percent" else 1.0
        out += _entries(rows, parse_number_column(rows.get_column(column)).values / divisor, year_col, indicator_id)
    return out


def _entries(rows: pl.DataFrame, numbers: pl.Series, year_col: str | None, indicator: str) -> list[dict[str, Any]]:
    """The stored entries of the national and average rows among rows, their values in numbers."""
    years = rows.get_column(year_col).str.extract(r"(\d{4})").cast(pl.Int32, strict=False) if year_col else None
    out = []
    for i, row in enumerate(rows.iter_rows(named=True)):
        value = numbers[i]
        if row["aggregate"] not in SHOWN_KINDS or value is None:
            continue
        out.append(
            {
                "indicator": indicator,
                "year": years[i] if years is not None else None,
                "kind": row["aggregate"],
                "label": str(row["label"]),
                "row": int(row["row"]),
                "value": float(value),
            }
        )
    return out


def own_reference_values(result: IngestResult, handed: UncataloguedIndicator) -> list[dict[str, Any]]:
    """The national and average rows of an indicator that is not in the catalog (an NBS export's 全国 row of
    宽带接入用户), its values as stored for the regions (scale words applied, no percentage scaling), keyed OWN."""
    rows, mapping = result.aggregates, result.mapping
    if rows is None or mapping is None or not rows.height or handed.column not in rows.columns:
        return []
    name_col = mapping.first("indicator")
    if handed.label != handed.column and name_col in rows.columns:  # a long table: the rows of this indicator
        rows = rows.filter(pl.col(name_col).str.strip_chars() == handed.label.strip())
    numbers = parse_number_column(rows.get_column(handed.column)).values
    return _entries(rows, numbers, mapping.first("year"), OWN)


def own_references(references: list[dict[str, Any]], indicator: Indicator) -> list[dict[str, Any]]:
    """A user-indicator dataset's stored OWN entries under the indicator's id, for reference_caption."""
    return [{**r, "indicator": indicator.id} for r in references if r.get("indicator") == OWN]


def reference_caption(references: list[dict[str, Any]], indicator: Indicator, year: int, lang: str) -> str | None:
    """ "文件中的全国值（第 7 行“全国”）：70.2 分" for the indicator and year, the national row first; None when the
    file states none."""
    found = [r for r in references if r.get("indicator") == indicator.id and r.get("year") in (year, None)]
    found.sort(key=lambda r: SHOWN_KINDS.index(r["kind"]) if r.get("kind") in SHOWN_KINDS else len(SHOWN_KINDS))
    if not found:
        return None
    ref = found[0]
    return t(
        f"reference.caption_{ref['kind']}",
        lang,
        row=ref["row"],
        label=ref["label"],
        value=indicator.format(ref["value"], lang),
        year=year,
    )
