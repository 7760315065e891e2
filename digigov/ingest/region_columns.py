"""The region columns of a table, resolved row by row into adcodes (through regions_resolve), with the report."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from digigov.ingest.columns import ColumnMapping, fold
from digigov.ingest.layout import ADCODE, DRAWN, LEVEL, ROW
from digigov.ingest.regions_resolve import RegionResolution, resolve_region_values, suggestion_text
from digigov.ingest.report import ValidationReport
from digigov.ingest.values import MISSING_TOKENS
from digigov.regions import load_gazetteer

_LEVEL_WORDS = {
    "province": "province",
    "provincial": "province",
    "省": "province",
    "省级": "province",
    "省份": "province",
    "prefecture": "prefecture",
    "city": "prefecture",
    "prefectural": "prefecture",
    "市": "prefecture",
    "地级": "prefecture",
    "地市": "prefecture",
    "市级": "prefecture",
    "地级市": "prefecture",
    "城市": "prefecture",
}


def _merge(into: RegionResolution, part: RegionResolution) -> None:
    into.resolved.update(part.resolved)
    into.unresolved.update(part.unresolved)
    into.invalid_overrides.update(part.invalid_overrides)


def _level_of(value: object) -> str:
    if value is None:
        return ""
    return _LEVEL_WORDS.get(fold(str(value)), "")


def _resolve_column(
    values: pl.DataFrame,
    column: str,
    level: str | None,
    overrides,
    resolution: RegionResolution,
) -> dict[tuple[str, str, str], str]:
    """values holds column, __lvl and __within; returns (value, lvl, within) -> adcode for resolved values."""
    found: dict[tuple[str, str, str], str] = {}
    for (lvl, within), group in values.group_by(["__lvl", "__within"]):
        part = resolve_region_values(
            group.get_column(column).to_list(), level=(lvl or level) or None, overrides=overrides, within=within or None
        )
        _merge(resolution, part)
        for raw, region in part.resolved.items():
            found[(raw, lvl, within)] = region.adcode
    return found


def attach_regions(
    work: pl.DataFrame,
    mapping: ColumnMapping,
    report: ValidationReport,
    resolution: RegionResolution,
    overrides: Mapping[str, str] | None,
) -> pl.DataFrame | None:
    """Add ADCODE, LEVEL and DRAWN from the region columns (a code column wins; a city column is resolved within
    its province column; a level column picks province or prefecture), reporting every unresolved value with
    suggestions, missing regions, bad manual mappings and name/code disagreements."""
    code_col, region_col = mapping.first("region_code"), mapping.first("region")
    city_col, level_col = mapping.first("city"), mapping.first("level")
    if code_col:
        primary, level = code_col, None
    elif city_col:
        primary, level = city_col, "prefecture"
    elif region_col:
        primary, level = region_col, None
    else:
        report.add("no_region_column", "error")
        return None
    if level_col and not code_col:
        words = {v: _level_of(v) for v in work.get_column(level_col).drop_nulls().unique().to_list()}
        lvl_expr = pl.col(level_col).replace_strict(words, default="", return_dtype=pl.String)
    else:
        lvl_expr = pl.lit("")
    work = work.with_columns(lvl_expr.fill_null("").alias("__lvl"), pl.lit("").alias("__within"))
    reported: set[str] = set()
    if primary == city_col and region_col:
        provinces = work.select(pl.col(region_col), pl.lit("province").alias("__lvl"), pl.lit("").alias("__within"))
        province_codes = _resolve_column(provinces.unique(), region_col, "province", overrides, resolution)
        within = {raw: code for (raw, _, _), code in province_codes.items()}
        work = work.with_columns(
            pl.col(region_col)
            .replace_strict(within, default="", return_dtype=pl.String)
            .fill_null("")
            .alias("__within")
        )
        _report_unresolved(report, work, region_col, resolution, reported)
    distinct = work.select(primary, "__lvl", "__within").unique()
    found = _resolve_column(distinct, primary, level, overrides, resolution)
    keys = pl.DataFrame(
        [(raw, lvl, within, code) for (raw, lvl, within), code in found.items()],
        schema={primary: pl.String, "__lvl": pl.String, "__within": pl.String, ADCODE: pl.String},
        orient="row",
    )
    work = work.join(keys, on=[primary, "__lvl", "__within"], how="left", maintain_order="left")
    _report_unresolved(report, work, primary, resolution, reported)
    missing = work.filter(_missing_expr(primary))
    report.add_rows("region_missing", "error", missing, row=ROW, column=primary)
    for raw, code in resolution.invalid_overrides.items():
        report.add("region_override_invalid", "error", value=raw, adcode=code)
    name_col = city_col or region_col
    if code_col and name_col:
        _cross_check(report, work, code_col, name_col, "prefecture" if city_col else None)
    gazetteer = load_gazetteer()
    codes = [c for c in work.get_column(ADCODE).drop_nulls().unique().to_list() if c in gazetteer]
    work = work.with_columns(
        pl.col(ADCODE)
        .replace_strict({c: gazetteer[c].level for c in codes}, default=None, return_dtype=pl.String)
        .alias(LEVEL),
        pl.col(ADCODE)
        .replace_strict({c: gazetteer[c].has_boundary for c in codes}, default=None, return_dtype=pl.Boolean)
        .alias(DRAWN),
    ).drop("__lvl", "__within")
    undrawn = work.filter(pl.col(DRAWN) == False)  # noqa: E712 (polars expression)
    if undrawn.height:
        first = gazetteer[undrawn.item(0, ADCODE)]
        report.add(
            "corps_not_drawn",
            "info",
            row=undrawn.item(0, ROW),
            value=first.name_zh,
            name={"zh": first.name_zh, "en": first.name_en},
            count=undrawn.height,
        )
    return work


def _missing_expr(column: str) -> pl.Expr:
    folded = pl.col(column).str.strip_chars().str.to_lowercase()
    return pl.col(column).is_null() | folded.is_in(list(MISSING_TOKENS)).fill_null(True)


def _report_unresolved(
    report: ValidationReport, work: pl.DataFrame, column: str, resolution: RegionResolution, reported: set[str]
) -> None:
    firsts = dict(work.group_by(column).agg(pl.col(ROW).min()).drop_nulls().iter_rows())
    pending = sorted((firsts[raw], raw) for raw in resolution.unresolved if raw in firsts and raw not in reported)
    for row, raw in pending:
        unresolved = resolution.unresolved[raw]
        reported.add(raw)
        hits = work.filter(pl.col(column) == raw)
        if unresolved.scientific:
            report.add("scientific_notation", "error", row=row, column=column, value=raw, count=hits.height)
        elif unresolved.ambiguous:
            report.add(
                "ambiguous_region",
                "error",
                row=row,
                column=column,
                value=raw,
                count=hits.height,
                suggestions={"zh": suggestion_text(unresolved, "zh"), "en": suggestion_text(unresolved, "en")},
            )
        else:
            report.add(
                "unknown_region",
                "error",
                row=row,
                column=column,
                value=raw,
                count=hits.height,
                suggestions={"zh": suggestion_text(unresolved, "zh"), "en": suggestion_text(unresolved, "en")},
            )


def _cross_check(report: ValidationReport, work: pl.DataFrame, code_col: str, name_col: str, level: str | None) -> None:
    """Where a file has both a code and a name, say when they name different regions (the code is used)."""
    pairs = (
        work.filter(pl.col(ADCODE).is_not_null() & pl.col(name_col).is_not_null())
        .group_by([ADCODE, name_col])
        .agg(pl.col(ROW).min(), pl.len())
    )
    names = resolve_region_values(pairs.get_column(name_col).to_list(), level=level)
    for code, name, row, count in pairs.sort(ROW).iter_rows():
        region = names.resolved.get(name)
        if region is None or region.adcode == code:
            continue
        if level is None and load_gazetteer().province_of(code).adcode == region.adcode:
            continue  # a province name next to one of its prefectures' codes
        report.add(
            "region_name_code_mismatch", "warning", row=row, column=name_col, value=name, adcode=code, count=count
        )
