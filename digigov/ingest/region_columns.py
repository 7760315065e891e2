"""The region columns of a table, resolved row by row into adcodes (through regions_resolve), with the report.

Before that, `split_aggregates` takes out the rows that are totals or averages (全国, 合计, 平均, 全省): they are a
reference value, not a region. `attach_regions` then resolves the rest, says once when a file holds countries
rather than Chinese regions, keeps 兵团 (and other units without prefectures) rows with an empty city cell as
provincial-level rows, and explains every value it cannot place: a former name (resolved with a note), a
county-level unit, a country, a name with several readings, a city outside its row's province.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import polars as pl

from digigov.i18n import t
from digigov.ingest.columns import ColumnMapping, fold
from digigov.ingest.layout import ADCODE, DRAWN, LEVEL, ROW
from digigov.ingest.regions_resolve import (
    RegionResolution,
    Unresolved,
    aggregate_kind,
    district_parent,
    district_text,
    resolve_region_values,
    suggestion_text,
)
from digigov.ingest.report import Severity, ValidationReport
from digigov.ingest.values import MISSING_TOKENS
from digigov.regions import Region, country_named, load_gazetteer

# A file is one of countries when at least this many of its distinct region values, and at least half, are.
COUNTRY_FILE_MIN = 3
COUNTRY_FILE_MAX_VALUES = 1000  # a column with more distinct values (record ids, free text) is not a country list
_KIND = "__aggregate"

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
    into.notes.update(part.notes)


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
    chosen = _primary(work, mapping, overrides)
    if work.height == 0 and chosen is not None:
        return None  # nothing but aggregate rows (reported by split_aggregates)
    if chosen is None:
        report.add("no_region_column", "error")
        return None
    primary, level = chosen
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
    if primary == city_col and region_col:
        work = _province_level_rows(report, work, city_col, region_col)
    _report_unresolved(report, work, primary, resolution, reported, province_col=region_col if city_col else None)
    _report_successors(report, work, primary, resolution)
    missing = work.filter(_missing_expr(primary) & pl.col(ADCODE).is_null())
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


def _primary(
    work: pl.DataFrame, mapping: ColumnMapping, overrides: Mapping[str, str] | None
) -> tuple[str, str | None] | None:
    """The column that places each row (a code column, else a city column, else a region column) and the level
    it is read at; None without any region column."""
    code_col, region_col, city_col = mapping.first("region_code"), mapping.first("region"), mapping.first("city")
    if code_col:
        return code_col, None
    if city_col:
        return city_col, "prefecture"
    if region_col is None:
        return None
    if not mapping.first("level") and _mostly_prefectures(work, region_col, overrides):
        return region_col, "prefecture"  # a list of cities in a 地区 column: 吉林 there is 吉林市 as likely as 吉林省
    return region_col, None


def _missing_expr(column: str) -> pl.Expr:
    folded = pl.col(column).str.strip_chars().str.to_lowercase()
    return pl.col(column).is_null() | folded.is_in(list(MISSING_TOKENS)).fill_null(True)


def _report_unresolved(
    report: ValidationReport,
    work: pl.DataFrame,
    column: str,
    resolution: RegionResolution,
    reported: set[str],
    province_col: str | None = None,
) -> None:
    """One issue per unresolved value of column (at its first row still without a region), saying why."""
    pending_rows = work.filter(pl.col(ADCODE).is_null()) if ADCODE in work.columns else work
    firsts = dict(pending_rows.group_by(column).agg(pl.col(ROW).min()).drop_nulls().iter_rows())
    pending = sorted((firsts[raw], raw) for raw in resolution.unresolved if raw in firsts and raw not in reported)
    for row, raw in pending:
        unresolved = resolution.unresolved[raw]
        reported.add(raw)
        hits = pending_rows.filter(pl.col(column) == raw)
        province = hits.item(0, province_col) if province_col and hits.height else ""
        code, severity, params = _explain(unresolved, province or "")
        report.add(code, severity, row=row, column=column, value=raw, count=hits.height, **params)


def _explain(unresolved: Unresolved, province: str) -> tuple[str, Severity, dict[str, Any]]:
    """The issue code, severity and message parameters for one unresolved value."""
    if unresolved.scientific:
        return "scientific_notation", "error", {}
    if unresolved.aggregate:
        return "aggregate_rows", "info", {"kind": _kind_text(unresolved.aggregate)}
    if unresolved.outside is not None:
        actual = {lang: _region_with_province(unresolved.outside, lang) for lang in ("zh", "en")}
        return "city_outside_province", "error", {"actual": actual, "province": province}
    if unresolved.districts and not unresolved.ambiguous:
        return "region_district_level", "error", _district_params(unresolved)
    if unresolved.country is not None:
        country = {"zh": unresolved.country.name_zh, "en": unresolved.country.name_en}
        return "region_is_country", "error", {"country": country}
    code = "unknown_region"
    if unresolved.ambiguous:
        code = "ambiguous_region_column" if unresolved.undecided else "ambiguous_region"
    suggestions = {"zh": suggestion_text(unresolved, "zh"), "en": suggestion_text(unresolved, "en")}
    return code, "error", {"suggestions": suggestions}


def _first_row(group: pl.DataFrame) -> int | None:
    first = group.get_column(ROW).min()
    return int(cast(int, first)) if first is not None else None


def _kind_text(kind: str) -> dict[str, str]:
    return {lang: t(f"ingest.aggregate_kind.{kind}", lang) for lang in ("zh", "en")}


def _region_with_province(region: Region, lang: str) -> str:
    gazetteer = load_gazetteer()
    province = gazetteer.province_of(region.adcode)
    name = region.name_en if lang == "en" else region.name_zh
    if province.adcode == region.adcode:
        return f"{name} ({region.adcode})" if lang == "en" else f"{name}（{region.adcode}）"
    if lang == "en":
        return f"{name} ({region.adcode}) in {province.name_en}"
    return f"{province.name_zh}的{name}（{region.adcode}）"


def _district_params(unresolved: Unresolved) -> dict[str, object]:
    parent = district_parent(unresolved)
    sep = {"zh": "、", "en": ", "}
    districts = {lang: sep[lang].join(district_text(d, lang) for d in unresolved.districts) for lang in ("zh", "en")}
    if parent is not None:
        advice = {
            lang: t(
                "ingest.region.district_advice_parent",
                lang,
                parent=parent.name_en if lang == "en" else parent.name_zh,
                adcode=parent.adcode,
            )
            for lang in ("zh", "en")
        }
    else:
        advice = {lang: t("ingest.region.district_advice", lang) for lang in ("zh", "en")}
    return {"districts": districts, "advice": advice}


def _report_successors(report: ValidationReport, work: pl.DataFrame, column: str, resolution: RegionResolution) -> None:
    """A former name or code resolved to its successor: said once per value, at its first row."""
    if not resolution.notes:
        return
    firsts = dict(work.group_by(column).agg(pl.col(ROW).min()).drop_nulls().iter_rows())
    counts = dict(work.group_by(column).len().drop_nulls().iter_rows())
    gazetteer = load_gazetteer()
    for row, raw in sorted((firsts[raw], raw) for raw in resolution.notes if raw in firsts):
        old = resolution.notes[raw]
        successor = gazetteer[old.successor]
        code = {"rename": "region_renamed", "merge": "region_merged", "split": "region_split"}[old.change]
        report.add(
            code,
            "info" if old.change == "rename" else "warning",
            row=row,
            column=column,
            value=raw,
            count=counts.get(raw, 0),
            year=old.year,
            note={"zh": old.note_zh, "en": old.note_en},
            successor={"zh": successor.name_zh, "en": successor.name_en},
            adcode=successor.adcode,
        )


def _mostly_prefectures(work: pl.DataFrame, column: str, overrides: Mapping[str, str] | None) -> bool:
    """True when a region column's values name prefectures more often than provinces (a list of cities)."""
    values = work.get_column(column).drop_nulls().unique().to_list()
    resolved = resolve_region_values(values, overrides=overrides).resolved
    levels = [r.level for r in resolved.values()]
    return len(levels) >= COUNTRY_FILE_MIN and levels.count("prefecture") * 2 > len(levels)


def _few_values(work: pl.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """{column: its distinct non-blank values in order of appearance} of the String columns with at most
    COUNTRY_FILE_MAX_VALUES distinct values; a column with more (record ids, times) is told by its first rows
    when they already have that many, as a large block's id column does, without listing a million values.
    One select per step over all the columns, which polars runs in parallel."""
    text = [c for c in dict.fromkeys(columns) if work.schema[c] == pl.String]
    if not text:
        return {}
    head = work.head(20 * COUNTRY_FILE_MAX_VALUES).select(pl.col(c).n_unique() for c in text).row(0, named=True)
    few = [c for c in text if head[c] <= COUNTRY_FILE_MAX_VALUES]
    if not few:
        return {}
    distinct = work.select(pl.col(c).unique(maintain_order=True).implode() for c in few).row(0, named=True)
    return {
        c: [v for v in distinct[c] if v is not None and v.strip()]
        for c in few
        if len(distinct[c]) <= COUNTRY_FILE_MAX_VALUES
    }


def holds_countries(work: pl.DataFrame, mapping: ColumnMapping, report: ValidationReport) -> bool:
    """A file whose regions are mostly countries (UN E-Government Survey layout: Denmark, Republic of Korea …)
    gets one error saying so, not one suggestion per row. The region columns are looked at first, then every
    other text column (a "Country Name" header is not a region role). Returns True when the file holds countries."""
    mapped = [c for c in (mapping.first("region"), mapping.first("city"), mapping.first("region_code")) if c]
    others = [c for c in work.columns if c != ROW and not c.startswith("__") and c not in mapped]
    ordered = [*mapped, *others]  # a "Region" column may hold continents beside the "Country Name" column
    distinct = _few_values(work, ordered)
    for column in ordered:
        if column not in distinct:
            continue
        values = distinct[column]
        if len(values) < COUNTRY_FILE_MIN:
            continue
        # the per-value Python work is a dict lookup on the distinct values, outside polars
        known = {v: country_named(v) for v in values}
        countries = [v for v in values if known[v] is not None or aggregate_kind(v) == "national"]
        if len(countries) >= COUNTRY_FILE_MIN and len(countries) * 2 >= len(values):
            report.add(
                "regions_are_countries",
                "error",
                column=column,
                count=len(values),
                countries=len(countries),
                examples={"zh": "、".join(countries[:3]), "en": ", ".join(countries[:3])},
            )
            return True
    return False


def _province_level_rows(report: ValidationReport, work: pl.DataFrame, city_col: str, region_col: str) -> pl.DataFrame:
    """A row with an empty city cell whose province has no prefecture-level units (新疆生产建设兵团, 香港, 澳门,
    台湾) is that province-level unit's own row, not a missing region."""
    gazetteer = load_gazetteer()
    whole = [r.adcode for r in gazetteer.provinces() if not gazetteer.children(r.adcode)]
    rows = _missing_expr(city_col) & pl.col(ADCODE).is_null() & pl.col("__within").is_in(whole)
    found = work.filter(rows)
    if found.height == 0:
        return work
    for (code,), group in found.group_by("__within", maintain_order=True):
        region = gazetteer[str(code)]
        report.add(
            "province_level_row",
            "info",
            row=_first_row(group),
            column=city_col,
            value=group.item(0, region_col),
            name={"zh": region.name_zh, "en": region.name_en},
            count=group.height,
        )
    return work.with_columns(pl.when(rows).then(pl.col("__within")).otherwise(pl.col(ADCODE)).alias(ADCODE))


# -- aggregate rows -----------------------------------------------------------------------------------------
def split_aggregates(
    work: pl.DataFrame, mapping: ColumnMapping, report: ValidationReport
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """(the rows that name regions, the aggregate rows or None). Aggregate rows (全国, 合计, 总计, 平均, 全省 …
    in a region, city or code column) are a reference value, not regions: they are reported once per label
    (info) and returned apart, as read (text), with columns row, label, aggregate (national / total /
    average / provincial), province (the adcode of the row's province, for 全省 under a province column) and
    the file's own columns."""
    columns = [c for c in (mapping.first("region"), mapping.first("city"), mapping.first("region_code")) if c]
    if not columns or work.height == 0:
        return work, None
    kinds: list[pl.Expr] = []
    for column in columns:
        words = {v: aggregate_kind(v) for v in work.get_column(column).drop_nulls().unique().to_list()}
        words = {v: k for v, k in words.items() if k}
        kinds.append(pl.col(column).replace_strict(words, default=None, return_dtype=pl.String))
    flagged = work.with_columns(pl.coalesce(kinds).alias(_KIND))
    aggregates = flagged.filter(pl.col(_KIND).is_not_null())
    if aggregates.height == 0:
        return work, None
    labels = pl.coalesce([pl.when(kind.is_not_null()).then(pl.col(c)) for c, kind in zip(columns, kinds, strict=True)])
    aggregates = aggregates.with_columns(labels.alias("__label"), _province_expr(aggregates, mapping))
    for column, kind in zip(columns, kinds, strict=True):
        hits = aggregates.filter(kind.is_not_null())
        for (label,), group in hits.group_by(column, maintain_order=True):
            report.add(
                "aggregate_rows",
                "info",
                row=_first_row(group),
                column=column,
                value=label,
                kind=_kind_text(str(group.item(0, _KIND))),
                count=group.height,
            )
    rest = flagged.filter(pl.col(_KIND).is_null()).drop(_KIND)
    if rest.height == 0:
        report.add("only_aggregate_rows", "error")
    own = [c for c in work.columns if c != ROW and not c.startswith("__")]
    kept = aggregates.select(
        pl.col(ROW).alias("row"),
        pl.col("__label").alias("label"),
        pl.col(_KIND).alias("aggregate"),
        pl.col("__province").alias("province"),
        *own,
    )
    return rest, kept


def _province_expr(aggregates: pl.DataFrame, mapping: ColumnMapping) -> pl.Expr:
    region_col, city_col = mapping.first("region"), mapping.first("city")
    if not (region_col and city_col):
        return pl.lit(None, dtype=pl.String).alias("__province")
    values = aggregates.get_column(region_col).drop_nulls().unique().to_list()
    codes = {raw: r.adcode for raw, r in resolve_region_values(values, level="province").resolved.items()}
    return pl.col(region_col).replace_strict(codes, default=None, return_dtype=pl.String).alias("__province")


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
