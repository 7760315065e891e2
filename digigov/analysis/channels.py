"""Online-versus-offline preference (线上/线下办理偏好): channel mix, offline-preference shares and their spread.

Input shape (``city_channels.csv`` or an aggregated upload): one row per unit × year × entity type × service
category with counts ``respondents, web, mobile_app, self_service_terminal, counter, prefers_offline``
(``web + mobile_app + self_service_terminal + counter == respondents``). Weighted aggregates from
:func:`aggregate_raw_records` carry two more columns, ``unweighted_n`` and ``sum_weight_sq``.

Every share is a pooled survey share (sum of counts / sum of respondents), so larger samples weigh more. Each
share has a 95 % Wilson interval and units with fewer than ``min_n`` respondents are flagged and kept out of
"highest / lowest" claims (see :mod:`digigov.analysis.proportions`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeVar

import numpy as np
import polars as pl

from digigov.analysis.proportions import MIN_N, differences_within_ci, flag_small_samples, wilson_exprs
from digigov.regions import MACRO_REGIONS, Level, UnknownRegionError, load_gazetteer

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

CHANNELS: tuple[str, ...] = ("web", "mobile_app", "self_service_terminal", "counter")
OFFLINE = "prefers_offline"
ENTITY_TYPES: tuple[str, ...] = ("enterprise", "individual_business", "individual")
SERVICE_CATEGORIES: tuple[str, ...] = ("business_registration", "tax", "social_insurance", "permits", "certificates")
# Count columns that may be summed across rows; the last two exist only for weighted aggregates.
COUNT_COLUMNS: tuple[str, ...] = ("respondents", *CHANNELS, OFFLINE, "unweighted_n", "sum_weight_sq")
# share column -> the count column it is computed from
SHARE_COUNTS: dict[str, str] = {**{f"{c}_share": c for c in CHANNELS}, "offline_share": OFFLINE}


# ---------------------------------------------------------------------------------------------------------------
# Label normalisation (shared with demand.py): analysts write answers in Chinese, English, codes or ticks
# ---------------------------------------------------------------------------------------------------------------
class UnknownLabelError(ValueError):
    """Values in a column that could not be mapped; ``unknown`` maps each value (None = missing) to its row count.

    The UI lists them so that the analyst can fix the file or extend the mapping.
    """

    def __init__(self, column: str, unknown: Mapping[str | None, float], expected: str,
                 suggestions: Mapping[str | None, str] | None = None) -> None:
        self.column = column
        self.unknown = dict(sorted(unknown.items(), key=lambda kv: (-kv[1], str(kv[0]))))
        self.expected = expected
        self.suggestions = dict(suggestions or {})
        listed = []
        for value, rows in self.unknown.items():
            shown = "(missing)" if value is None else repr(value)
            hint = f", closest: {self.suggestions[value]}" if self.suggestions.get(value) else ""
            listed.append(f"{shown} ({_fmt_count(rows)} rows{hint})")
        super().__init__(f"unknown values in column {column!r}: {'; '.join(listed)}. Expected {expected}.")


def _fmt_count(rows: float) -> str:
    return str(int(rows)) if float(rows).is_integer() else f"{rows:g}"


_SEPARATORS = re.compile(r"[/|、,，;；+]+")
_FOLD = re.compile(r"[\s\-_·.'’()（）]+")


def label_key(value: object) -> str:
    """Fold width, case, spaces and punctuation so that 'Mobile App', 'mobile_app' and 'ＭＯＢＩＬＥ-APP' meet."""
    return _FOLD.sub("", unicodedata.normalize("NFKC", str(value)).casefold())


def _table(spec: Mapping[str, Iterable[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, labels in spec.items():
        for label in (key, *labels):
            table[label_key(label)] = key
    return table


CHANNEL_LABELS = _table({
    "web": ("网站", "网页", "网页端", "网站端", "pc", "pc端", "电脑", "电脑端", "门户", "门户网站", "政务网",
            "网上办事大厅", "网上大厅", "web portal", "website", "portal", "internet", "online portal", "browser"),
    "mobile_app": ("app", "mobile", "mobile app", "移动端", "移动", "手机", "手机app", "手机端", "掌上办",
                   "小程序", "微信小程序", "支付宝小程序", "微信", "支付宝", "mini program", "miniprogram",
                   "applet", "phone", "smartphone", "h5"),
    "self_service_terminal": ("自助终端", "自助机", "自助", "终端", "一体机", "自助服务终端", "自助服务机",
                              "terminal", "kiosk", "self service", "self-service terminal", "self service kiosk"),
    "counter": ("窗口", "柜台", "现场", "线下", "大厅", "政务大厅", "办事大厅", "服务大厅", "政务服务中心",
                "窗口办理", "现场办理", "面对面", "on site", "onsite", "in person", "face to face", "offline",
                "desk", "window", "service hall"),
})
ENTITY_LABELS = _table({
    "enterprise": ("企业", "公司", "企业法人", "company", "firm", "corporation"),
    "individual_business": ("个体工商户", "个体户", "个体", "individual business", "self employed",
                            "sole proprietor", "sole trader"),
    "individual": ("个人", "自然人", "person", "natural person"),
})
CATEGORY_LABELS = _table({
    "business_registration": ("市场主体登记", "登记", "注册", "工商登记", "商事登记", "企业登记", "年报",
                              "registration", "business registration", "company registration"),
    "tax": ("税务", "纳税", "办税", "税", "taxation", "taxes"),
    "social_insurance": ("社保", "社会保险", "医保", "social security"),
    "permits": ("行政许可", "许可", "审批", "permit", "licence", "license", "licensing", "approvals"),
    "certificates": ("证照", "证明", "证照办理", "证明办理", "证照证明", "certificate", "certification"),
})
_YES = {label_key(v) for v in ("是", "有", "对", "需要", "yes", "y", "true", "t", "1", "1.0", "√", "✓", "✔")}
_NO = {label_key(v) for v in ("否", "无", "没有", "不", "错", "不需要", "no", "n", "false", "f", "0", "0.0",
                              "×", "✗", "✘")}
YES_NO_EXPECTED = "是/否, yes/no, y/n, true/false, 1/0, √/×"


def map_label(value: object, table: Mapping[str, str]) -> str | None:
    """The code for a label, or None when unknown.

    A compound label such as "网站/web/PC" or "App、小程序" is accepted when every part names the same code;
    a label whose parts disagree ("web/counter") stays unknown rather than being guessed.
    """
    if value is None:
        return None
    key = label_key(value)
    if key in table:
        return table[key]
    parts = [label_key(p) for p in _SEPARATORS.split(str(value)) if label_key(p)]
    codes = {table.get(p) for p in parts}
    if len(parts) > 1 and len(codes) == 1 and None not in codes:
        return codes.pop()
    return None


def parse_yes_no(value: object) -> bool | None:
    """True / False for a yes-no answer in zh or en (是/否, yes/no, 1/0, true/false, √/×); None when unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    key = label_key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def _labels_or_raise(counts: pl.DataFrame, raw_col: str, column: str, mapper, expected: str) -> dict:
    """Map each distinct raw value with ``mapper``; raise listing every unmapped value with its row count."""
    per_value = counts.group_by(raw_col).agg(pl.col("__n").sum())
    mapping, unknown = {}, {}
    for value, rows in per_value.iter_rows():
        code = mapper(value)
        if code is None:
            unknown[value] = rows
        mapping[value] = code
    if unknown:
        raise UnknownLabelError(column, unknown, expected)
    return mapping


def _resolve_regions(counts: pl.DataFrame, raw_col: str, column: str, level: Level | None) -> dict:
    gazetteer = load_gazetteer()
    per_value = counts.group_by(raw_col).agg(pl.col("__n").sum())
    mapping, unknown, suggestions = {}, {}, {}
    for value, rows in per_value.iter_rows():
        try:
            if value is None:
                raise UnknownRegionError(value, [])
            mapping[value] = gazetteer.resolve(value, level=level).adcode
        except UnknownRegionError as error:
            unknown[value] = rows
            suggestions[value] = ", ".join(f"{r.name_zh} ({r.adcode})" for r in error.suggestions)
    if unknown:
        raise UnknownLabelError(column, unknown, "a region name or 6-digit adcode", suggestions)
    return mapping


def _period_as_year(frame: pl.DataFrame) -> pl.DataFrame:
    """Periods written as text "2024" become integers so they join with the built-in data; others stay as given."""
    if "year" in frame.columns and frame.schema["year"] == pl.String:
        values = frame["year"].drop_nulls().str.strip_chars()
        if values.len() and values.str.contains(r"^\d{4}$").all():
            return frame.with_columns(pl.col("year").str.strip_chars().cast(pl.Int64))
    return frame


def _missing_columns(names: Sequence[str], wanted: Iterable[str | None]) -> None:
    missing = [c for c in wanted if c is not None and c not in names]
    if missing:
        raise ValueError(f"columns not found: {', '.join(map(repr, missing))}; the file has {', '.join(names)}")


# ---------------------------------------------------------------------------------------------------------------
# Raw records -> counts
# ---------------------------------------------------------------------------------------------------------------
def aggregate_raw_records(
    records: pl.DataFrame | pl.LazyFrame,
    region_col: str,
    channel_col: str,
    offline_col: str | None = None,
    weight_col: str | None = None,
    period_col: str | None = None,
    entity_col: str | None = None,
    category_col: str | None = None,
    *,
    resolve_regions: bool = True,
    level: Level | None = None,
) -> pl.DataFrame:
    """Turn raw survey answers or service transactions (one row each) into the channel counts shape.

    Output columns: ``adcode`` [, ``year``, ``entity_type``, ``service_category``], ``respondents``, ``web``,
    ``mobile_app``, ``self_service_terminal``, ``counter`` [, ``prefers_offline``]; with ``weight_col`` the counts
    are sums of weights (``respondents`` = sum of weights) plus ``unweighted_n`` (records, for the small-sample
    flag and k-suppression) and ``sum_weight_sq`` (so that the Kish effective sample size
    (Σw)²/Σw², which is what a weighted share's interval must use, survives later re-aggregation).

    Channel labels are accepted in zh and en ("网站/web/PC", "App/小程序/mobile", "自助终端/terminal",
    "窗口/柜台/counter/现场"); offline answers as 是/否, yes/no, 1/0, true/false. Unknown labels, missing answers
    and unknown regions raise :class:`UnknownLabelError` listing every offending value with its row count.
    Entity-type and category labels in zh/en are mapped to the built-in codes where recognised and kept as
    written otherwise (they are free dimensions). Regions are resolved with the gazetteer (any spelling); pass
    ``resolve_regions=False`` when the column already holds adcodes.

    Fast on large files: the one lazy pass groups by the *raw* labels (a few thousand groups however many
    rows), then the labels are mapped on that small frame; ``collect()`` is called exactly once.
    """
    lf = records.lazy()
    names = lf.collect_schema().names()
    _missing_columns(names, (region_col, channel_col, offline_col, weight_col, period_col, entity_col, category_col))

    keys = {"__region": region_col, "year": period_col, "entity_type": entity_col, "service_category": category_col}
    keys = {alias: col for alias, col in keys.items() if col is not None}
    select = [pl.col(region_col).cast(pl.String).alias("__region"),
              pl.col(channel_col).cast(pl.String).alias("__channel")]
    if period_col:
        select.append(pl.col(period_col).alias("year"))
    select += [pl.col(keys[alias]).cast(pl.String).alias(alias)
               for alias in ("entity_type", "service_category") if alias in keys]
    if offline_col:
        select.append(pl.col(offline_col).cast(pl.String).alias("__offline"))
    if weight_col:
        select.append(pl.col(weight_col).cast(pl.Float64, strict=False).alias("__w"))
    group = [*keys, "__channel", *(["__offline"] if offline_col else [])]
    aggs = [pl.len().alias("__n")]
    if weight_col:
        aggs += [pl.col("__w").sum().alias("__wsum"), (pl.col("__w") ** 2).sum().alias("__w2"),
                 pl.col("__w").null_count().alias("__wnull"), pl.col("__w").min().alias("__wmin")]
    counts = lf.select(select).group_by(group).agg(aggs).collect()

    if weight_col:
        bad = int(counts["__wnull"].sum())
        if bad:
            raise ValueError(f"column {weight_col!r}: {bad} rows have a missing or non-numeric weight")
        if counts.height and counts["__wmin"].min() < 0:
            raise ValueError(f"column {weight_col!r}: negative weights are not allowed")

    channel_map = _labels_or_raise(counts, "__channel", channel_col, lambda v: map_label(v, CHANNEL_LABELS),
                                   "a channel: web (网站/PC), mobile_app (App/小程序), "
                                   "self_service_terminal (自助终端), counter (窗口/柜台/现场)")
    exprs = [pl.col("__channel").replace_strict(channel_map, return_dtype=pl.String).alias("__channel")]
    if offline_col:
        offline_map = _labels_or_raise(counts, "__offline", offline_col, parse_yes_no, YES_NO_EXPECTED)
        exprs.append(pl.col("__offline").replace_strict(offline_map, return_dtype=pl.Boolean).alias("__offline"))
    if resolve_regions:
        region_map = _resolve_regions(counts, "__region", region_col, level)
        exprs.append(pl.col("__region").replace_strict(region_map, return_dtype=pl.String).alias("__region"))
    for alias, table in (("entity_type", ENTITY_LABELS), ("service_category", CATEGORY_LABELS)):
        if alias in keys:
            # Free dimensions: recognised labels become codes, anything else is kept as written.
            codes = {v: map_label(v, table) or v for v in counts[alias].unique().drop_nulls()}
            exprs.append(pl.col(alias).replace_strict(codes, default=None, return_dtype=pl.String))
    counts = counts.with_columns(exprs).rename({"__region": "adcode"})

    weight = pl.col("__wsum") if weight_col else pl.col("__n")
    out_keys = ["adcode", *[k for k in keys if k != "__region"]]
    aggs = [weight.sum().alias("respondents")]
    aggs += [weight.filter(pl.col("__channel") == c).sum().alias(c) for c in CHANNELS]
    if offline_col:
        aggs.append(weight.filter(pl.col("__offline")).sum().alias(OFFLINE))
    if weight_col:
        aggs += [pl.col("__n").sum().cast(pl.Int64).alias("unweighted_n"), pl.col("__w2").sum().alias("sum_weight_sq")]
    out = counts.group_by(out_keys).agg(aggs)
    if not weight_col:
        out = out.with_columns(pl.col(c).cast(pl.Int64) for c in ("respondents", *CHANNELS,
                                                                    *([OFFLINE] if offline_col else [])))
    return _period_as_year(out).sort(out_keys, nulls_last=True)


# ---------------------------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------------------------
@cache
def _region_lookup() -> pl.DataFrame:
    frame = load_gazetteer().frame
    return frame.select(
        "adcode",
        pl.coalesce(pl.col("parent").replace("", None), pl.col("adcode")).alias("__province"),
    )


@cache
def _macro_lookup() -> pl.DataFrame:
    frame = load_gazetteer().frame
    return frame.filter(pl.col("level") == "province").select(
        pl.col("adcode").alias("province"), pl.col("macro_region").alias("__macro")
    )


def with_region_columns(frame: Frame, adcode_col: str = "adcode") -> Frame:
    """Add ``province`` (the unit's province adcode; a province or 兵团 660000 is its own) and ``macro_region``.

    Codes missing from the gazetteer fall back to the GB/T 2260 structure (first two digits + "0000"), so an
    upload using a newer prefecture code still rolls up to the right province.
    """
    kind = frame.lazy()
    names = kind.collect_schema().names()
    out = (
        kind.drop([c for c in ("province", "macro_region") if c in names])
        .join(_region_lookup().lazy(), left_on=adcode_col, right_on="adcode", how="left", maintain_order="left")
        .with_columns(pl.coalesce("__province", pl.col(adcode_col).str.slice(0, 2) + "0000").alias("province"))
        .join(_macro_lookup().lazy(), on="province", how="left", maintain_order="left")
        .rename({"__macro": "macro_region"})
        .drop("__province")
    )
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


# ---------------------------------------------------------------------------------------------------------------
# Shares
# ---------------------------------------------------------------------------------------------------------------
def _as_list(value: object) -> list | None:
    if value is None:
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


def apply_filters(lf: pl.LazyFrame, *, year: int | Sequence[int] | None = None,
                  entity_types: Sequence[str] | None = None, service_categories: Sequence[str] | None = None,
                  adcodes: Sequence[str] | None = None) -> pl.LazyFrame:
    """Keep the rows of the given years, entity types, categories and adcodes (None = no filter on that column)."""
    for column, values in (("year", _as_list(year)), ("entity_type", _as_list(entity_types)),
                           ("service_category", _as_list(service_categories)), ("adcode", _as_list(adcodes))):
        if values is not None:
            lf = lf.filter(pl.col(column).is_in(values))
    return lf


def _with_shares(lf: pl.LazyFrame, min_n: int, confidence: float) -> pl.LazyFrame:
    names = lf.collect_schema().names()
    ci_n = None
    if "sum_weight_sq" in names:
        # Kish effective sample size: the interval of a weighted share is as wide as this many unweighted records.
        lf = lf.with_columns(
            pl.when(pl.col("sum_weight_sq") > 0).then(pl.col("respondents") ** 2 / pl.col("sum_weight_sq"))
            .alias("effective_n")
        )
        ci_n = "effective_n"
    exprs = []
    for column in (*CHANNELS, OFFLINE):
        if column in names:
            prefix = "offline" if column == OFFLINE else column
            exprs += wilson_exprs(column, "respondents", prefix, confidence=confidence, ci_n=ci_n)
    lf = lf.with_columns(exprs)
    return flag_small_samples(lf, "unweighted_n" if "unweighted_n" in names else "respondents", min_n)


def channel_shares(
    frame: Frame,
    by: Sequence[str] = ("adcode", "year"),
    *,
    year: int | Sequence[int] | None = None,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    adcodes: Sequence[str] | None = None,
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> Frame:
    """Sum the counts by ``by`` after the filters, then add each channel's share and the offline share.

    Output: the ``by`` keys, the summed counts, ``{web,mobile_app,self_service_terminal,counter}_share/_low/_high``,
    ``offline_share/_low/_high`` (Wilson, see proportions.py), ``small_sample`` (n < ``min_n``; n is
    ``unweighted_n`` for weighted data) and, for weighted data, ``effective_n``. ``by=()`` gives one row of
    totals. Returns the same kind of frame it was given (lazy stays lazy); rows are sorted by the keys.
    """
    lf = apply_filters(frame.lazy(), year=year, entity_types=entity_types,
                       service_categories=service_categories, adcodes=adcodes)
    names = lf.collect_schema().names()
    sums = [pl.col(c).sum() for c in COUNT_COLUMNS if c in names]
    keys = list(by)
    grouped = lf.group_by(keys).agg(sums).sort(keys, nulls_last=True) if keys else lf.select(sums)
    out = _with_shares(grouped, min_n, confidence)
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


def province_rollup(frame: Frame, by: Sequence[str] = ("year",), **filters) -> Frame:
    """City rows → province rows (via the gazetteer parent), with the same columns as :func:`channel_shares`.

    兵团 (660000) has no parent and stays itself. The input must hold one level only (e.g. the city rows of
    city_channels.csv): province rows mixed with their own cities would be counted twice.
    ``filters`` are passed to :func:`channel_shares` (year, entity_types, service_categories, min_n, ...).
    """
    lf = with_region_columns(frame.lazy()).with_columns(pl.col("province").alias("adcode"))
    out = channel_shares(lf, by=("adcode", *by), **filters)
    return out if isinstance(frame, pl.LazyFrame) else out.collect()


def breakdown(
    frame: Frame,
    by: Literal["entity_type", "service_category"] | Sequence[str] = "entity_type",
    *,
    region: str | None = None,
    year: int | Sequence[int] | None = None,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Shares by entity type and/or service category, nationally or for one region, with Wilson intervals.

    ``region``: None (national), a macro-region key (east, central, west, northeast), a province adcode (its
    cities, or the province's own rows) or a city adcode. Without ``year`` each year is a row of its own
    (``year`` joins the keys) rather than pooling different survey waves. Rows follow the code-list order.
    """
    keys = [by] if isinstance(by, str) else list(by)
    lf = with_region_columns(frame.lazy())
    if region is not None:
        if region in MACRO_REGIONS or region == "hmt":
            lf = lf.filter(pl.col("macro_region") == region)
        else:
            lf = lf.filter((pl.col("adcode") == region) | (pl.col("province") == region))
    if year is None:
        keys = ["year", *keys]
    out = channel_shares(lf, by=keys, year=year, entity_types=entity_types,
                         service_categories=service_categories, min_n=min_n, confidence=confidence).collect()
    return _order_codes(out, keys)


def _order_codes(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Sort by the code lists' conventional order (unknown codes after, alphabetically)."""
    orders = {"entity_type": ENTITY_TYPES, "service_category": SERVICE_CATEGORIES, "scope": ("national",
                                                                                            *MACRO_REGIONS)}
    sort_exprs = []
    for key in keys:
        if key in orders:
            codes = orders[key]
            sort_exprs.append(pl.col(key).replace_strict(codes, list(range(len(codes))), default=len(codes),
                                                         return_dtype=pl.Int64))
        sort_exprs.append(pl.col(key))
    return frame.sort(sort_exprs, nulls_last=True) if sort_exprs else frame


def trend(
    frame: Frame,
    *,
    entity_types: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    macro_regions: bool = True,
    min_n: int = MIN_N,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Offline share (and the channel mix) by year: a ``scope`` column holds "national" and, with
    ``macro_regions``, east / central / west / northeast. Rows must not overlap (one level only)."""
    lf = with_region_columns(frame.lazy())
    filters = {"entity_types": entity_types, "service_categories": service_categories, "min_n": min_n,
               "confidence": confidence}
    national = channel_shares(lf, by=("year",), **filters).with_columns(pl.lit("national").alias("scope"))
    parts = [national]
    if macro_regions:
        regional = channel_shares(lf, by=("macro_region", "year"), **filters).rename({"macro_region": "scope"})
        parts.append(regional)
    out = pl.concat(pl.collect_all([p.select("scope", pl.exclude("scope")) for p in parts]), how="vertical")
    return _order_codes(out, ["scope", "year"])


# ---------------------------------------------------------------------------------------------------------------
# Spread
# ---------------------------------------------------------------------------------------------------------------
QUANTILE_METHOD = "linear"  # Hyndman & Fan type 7, the numpy / R default: Q(q) interpolates at position q·(n−1)


@dataclass(frozen=True)
class SpreadResult:
    """Spread of a share across units (fractions, not percentage points).

    All figures come from the units with at least ``min_n`` respondents; ``excluded`` counts the others (and
    units without a value). Quantiles use ``quantile_method`` (linear interpolation, Hyndman–Fan type 7).
    """

    value: str
    units: int
    excluded: int
    excluded_ids: tuple[str, ...]
    max_id: str | None
    max_value: float | None
    min_id: str | None
    min_value: float | None
    range: float | None
    p90: float | None
    p10: float | None
    p90_p10: float | None
    q1: float | None
    median: float | None
    q3: float | None
    iqr: float | None
    quantile_method: str = QUANTILE_METHOD


def _n_col(frame: pl.DataFrame, n_col: str | None) -> str:
    if n_col is not None:
        return n_col
    return "unweighted_n" if "unweighted_n" in frame.columns else "respondents"


def _eligible(frame: pl.DataFrame, value: str, n_col: str, min_n: int) -> pl.Expr:
    return pl.col(value).is_not_null() & pl.col(value).is_not_nan() & (pl.col(n_col).fill_null(0) >= min_n)


def spread(
    shares: pl.DataFrame | pl.LazyFrame,
    value: str = "offline_share",
    id: str = "adcode",
    n_col: str | None = None,
    min_n: int = MIN_N,
) -> SpreadResult:
    """max − min (naming the highest and lowest unit), P90 − P10 and IQR of ``value`` across units.

    ``shares`` holds one row per unit (e.g. :func:`channel_shares` for one year). ``n_col`` defaults to
    ``unweighted_n`` when present, else ``respondents``. Units below ``min_n`` are left out of every figure:
    a city with 12 respondents must not headline "the highest offline preference" on noise. Ties for the
    highest / lowest go to the smaller id, so the result does not depend on row order.
    """
    frame = shares.collect() if isinstance(shares, pl.LazyFrame) else shares
    n_col = _n_col(frame, n_col)
    keep = _eligible(frame, value, n_col, min_n)
    eligible = frame.filter(keep).select(pl.col(id).cast(pl.String), pl.col(value).cast(pl.Float64))
    excluded = frame.filter(~keep.fill_null(False)).get_column(id).cast(pl.String).sort().to_list()
    if eligible.height == 0:
        return SpreadResult(value, 0, len(excluded), tuple(excluded), *([None] * 13))
    ordered = eligible.sort([value, id], descending=[True, False])
    top = ordered.row(0)
    bottom = eligible.sort([value, id]).row(0)
    series = eligible.get_column(value)

    def q(p: float) -> float:
        return float(series.quantile(p, interpolation=QUANTILE_METHOD))

    p90, p10, q1, med, q3 = q(0.9), q(0.1), q(0.25), q(0.5), q(0.75)
    return SpreadResult(
        value=value, units=eligible.height, excluded=len(excluded), excluded_ids=tuple(excluded),
        max_id=top[0], max_value=top[1], min_id=bottom[0], min_value=bottom[1], range=top[1] - bottom[1],
        p90=p90, p10=p10, p90_p10=p90 - p10, q1=q1, median=med, q3=q3, iqr=q3 - q1,
    )


def spread_by_macro_region(
    shares: pl.DataFrame | pl.LazyFrame,
    value: str = "offline_share",
    id: str = "adcode",
    n_col: str | None = None,
    min_n: int = MIN_N,
) -> pl.DataFrame:
    """:func:`spread` within each macro region (east, central, west, northeast; others after): one row each."""
    frame = with_region_columns(shares.collect() if isinstance(shares, pl.LazyFrame) else shares, id)
    regions = [r for r in (*MACRO_REGIONS, *sorted(set(frame["macro_region"].drop_nulls()) - set(MACRO_REGIONS)))
               if r in set(frame["macro_region"].drop_nulls())]
    rows = []
    for region in regions:
        result = spread(frame.filter(pl.col("macro_region") == region), value, id, n_col, min_n)
        row = {"macro_region": region, **result.__dict__}
        row["excluded_ids"] = list(result.excluded_ids)
        rows.append(row)
    return pl.DataFrame(rows, schema=_SPREAD_SCHEMA)


_SPREAD_SCHEMA = {
    "macro_region": pl.String, "value": pl.String, "units": pl.Int64, "excluded": pl.Int64,
    "excluded_ids": pl.List(pl.String), "max_id": pl.String, "max_value": pl.Float64, "min_id": pl.String,
    "min_value": pl.Float64, "range": pl.Float64, "p90": pl.Float64, "p10": pl.Float64, "p90_p10": pl.Float64,
    "q1": pl.Float64, "median": pl.Float64, "q3": pl.Float64, "iqr": pl.Float64, "quantile_method": pl.String,
}


# ---------------------------------------------------------------------------------------------------------------
# Relation to the development index
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelationResult:
    """Pearson r and the OLS line ``value = intercept + slope · index`` over units, with outliers to label.

    ``points``: id, index, value, fitted, residual, std_residual, outlier, index_source ("own" when the index
    table has the unit itself, "province" when a city borrows its province's index).
    ``std_residual`` is the internally studentised residual e_i / (s·sqrt(1 − h_ii)), so a point far out on the
    index axis is not under-flagged; outliers have |std_residual| > the threshold (2).
    """

    year: int
    n: int
    r: float | None
    p_value: float | None
    slope: float | None
    intercept: float | None
    points: pl.DataFrame
    outliers: tuple[str, ...]


def relation_to_index(
    shares: pl.DataFrame | pl.LazyFrame,
    index_frame: pl.DataFrame | pl.LazyFrame,
    year: int,
    *,
    value: str = "offline_share",
    id: str = "adcode",
    index_col: str = "index",
    n_col: str | None = None,
    min_n: int = MIN_N,
    threshold: float = 2.0,
) -> RelationResult:
    """Relate each unit's ``value`` (city or province offline share) to the development index of ``year``.

    A unit uses its own index when the index table has it (province_index for provinces, city_index where it
    exists) and otherwise its province's (the brief: cities use their province's index). Units below ``min_n``
    and units without an index are left out of the fit.
    """
    frame = shares.collect() if isinstance(shares, pl.LazyFrame) else shares
    if "year" in frame.columns:
        frame = frame.filter(pl.col("year") == year)
    n_col = _n_col(frame, n_col)
    frame = frame.filter(_eligible(frame, value, n_col, min_n))
    index = (index_frame.lazy().filter(pl.col("year") == year)
             .select(pl.col("adcode").cast(pl.String), pl.col(index_col).cast(pl.Float64).alias("__index")))
    index = index.collect()
    pts = (
        with_region_columns(frame.select(pl.col(id).cast(pl.String).alias("adcode"), pl.col(value)))
        .join(index, on="adcode", how="left")
        .join(index.rename({"adcode": "province", "__index": "__pindex"}), on="province", how="left")
        .with_columns(
            pl.coalesce("__index", "__pindex").alias("index"),
            pl.when(pl.col("__index").is_not_null()).then(pl.lit("own"))
            .when(pl.col("__pindex").is_not_null()).then(pl.lit("province")).alias("index_source"),
        )
        .drop_nulls("index")
        .select(pl.col("adcode").alias(id), "index", pl.col(value).cast(pl.Float64).alias("value"), "index_source")
        .sort(id)
    )
    x, y = pts["index"].to_numpy(), pts["value"].to_numpy()
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        empty = pts.with_columns(pl.lit(None, pl.Float64).alias(c) for c in ("fitted", "residual", "std_residual"))
        return RelationResult(year, n, None, None, None, None, empty.with_columns(pl.lit(False).alias("outlier")), ())
    from scipy import stats  # here, not at the top: importing scipy.stats costs ~1 s, and only this needs it

    r, p_value = stats.pearsonr(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    fitted = intercept + slope * x
    resid = y - fitted
    s = math.sqrt(float(resid @ resid) / (n - 2))
    leverage = 1 / n + (x - x.mean()) ** 2 / float(((x - x.mean()) ** 2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        std_resid = resid / (s * np.sqrt(1 - leverage)) if s > 0 else np.zeros(n)
    pts = pts.with_columns(
        pl.Series("fitted", fitted), pl.Series("residual", resid), pl.Series("std_residual", std_resid),
    ).with_columns((pl.col("std_residual").abs() > threshold).alias("outlier"))
    outliers = tuple(pts.filter(pl.col("outlier")).sort(pl.col("std_residual").abs(), descending=True)[id])
    return RelationResult(year, n, float(r), float(p_value), float(slope), float(intercept), pts, outliers)


# ---------------------------------------------------------------------------------------------------------------
# Numbers behind the findings sentences
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RankedUnit:
    id: str
    share: float
    low: float | None
    high: float | None
    n: float


@dataclass(frozen=True)
class Comparison:
    higher: str
    lower: str
    difference_pp: float
    within_ci: bool  # True: the intervals overlap, so "higher" is not distinguishable from "lower"


@dataclass(frozen=True)
class ChannelFindings:
    """Numbers for "线下办理偏好最高的城市比最低的高 X 个百分点" and its caveats (no text; i18n renders it).

    ``spread_pp`` = highest − lowest in percentage points. ``comparisons`` pairs each of the ``top_k`` highest
    units with each of the ``top_k`` lowest. ``tied_with_highest`` / ``tied_with_lowest`` list units whose
    interval overlaps the highest's / lowest's, i.e. that could equally be "the highest" / "the lowest".
    ``national_*`` is the pooled share over all rows given (including small samples), when counts are present.
    """

    year: int | None
    value: str
    spread: SpreadResult
    spread_pp: float | None
    p90_p10_pp: float | None
    iqr_pp: float | None
    highest: RankedUnit | None
    lowest: RankedUnit | None
    top: tuple[RankedUnit, ...]
    bottom: tuple[RankedUnit, ...]
    comparisons: tuple[Comparison, ...]
    highest_vs_lowest_within_ci: bool
    tied_with_highest: tuple[str, ...]
    tied_with_lowest: tuple[str, ...]
    national_share: float | None
    national_low: float | None
    national_high: float | None


def _pp(x: float | None) -> float | None:
    return None if x is None else x * 100


def findings_numbers(
    shares: pl.DataFrame | pl.LazyFrame,
    *,
    year: int | None = None,
    value: str = "offline_share",
    id: str = "adcode",
    n_col: str | None = None,
    min_n: int = MIN_N,
    top_k: int = 3,
    confidence: float = 0.95,
) -> ChannelFindings:
    """Spread and top-versus-bottom comparisons of ``value`` across units (e.g. cities, one year).

    ``shares`` is :func:`channel_shares` output by ``(adcode, year)``; with ``year`` the rows are filtered to
    it. The interval columns are ``{prefix}_low/_high`` for a ``{prefix}_share`` value.
    """
    frame = shares.collect() if isinstance(shares, pl.LazyFrame) else shares
    if year is not None and "year" in frame.columns:
        frame = frame.filter(pl.col("year") == year)
    n_col = _n_col(frame, n_col)
    prefix = value.removesuffix("_share")
    low_col, high_col = f"{prefix}_low", f"{prefix}_high"
    result = spread(frame, value, id, n_col, min_n)
    eligible = frame.filter(_eligible(frame, value, n_col, min_n))

    def unit(row: dict) -> RankedUnit:
        return RankedUnit(str(row[id]), row[value], row.get(low_col), row.get(high_col), row[n_col])

    desc = [unit(r) for r in eligible.sort([value, id], descending=[True, False]).iter_rows(named=True)]
    asc = [unit(r) for r in eligible.sort([value, id]).iter_rows(named=True)]
    top, bottom = tuple(desc[:top_k]), tuple(asc[:top_k])
    comparisons = tuple(
        Comparison(h.id, lo.id, (h.share - lo.share) * 100, differences_within_ci(h.low, h.high, lo.low, lo.high))
        for h in top for lo in bottom if h.id != lo.id
    )
    highest, lowest = (desc[0], asc[0]) if desc else (None, None)
    tied_high = tuple(u.id for u in desc[1:] if differences_within_ci(u.low, u.high, highest.low, highest.high))
    tied_low = tuple(u.id for u in asc[1:] if differences_within_ci(u.low, u.high, lowest.low, lowest.high))

    national = (None, None, None)
    count_col = SHARE_COUNTS.get(value)
    if count_col in frame.columns and "respondents" in frame.columns:
        totals = channel_shares(frame.select([c for c in COUNT_COLUMNS if c in frame.columns]), by=(),
                                min_n=min_n, confidence=confidence)
        national = totals.row(0, named=True)
        national = (national[value], national[low_col], national[high_col])
    return ChannelFindings(
        year=year, value=value, spread=result, spread_pp=_pp(result.range), p90_p10_pp=_pp(result.p90_p10),
        iqr_pp=_pp(result.iqr), highest=highest, lowest=lowest, top=top, bottom=bottom, comparisons=comparisons,
        highest_vs_lowest_within_ci=(differences_within_ci(highest.low, highest.high, lowest.low, lowest.high)
                                     if highest else True),
        tied_with_highest=tied_high, tied_with_lowest=tied_low,
        national_share=national[0], national_low=national[1], national_high=national[2],
    )
