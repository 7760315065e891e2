"""An analyst's own indicators: numbers read from a file that are not in the indicator catalog (宽带接入用户 in an
NBS export, a column 人均政务支出 in a department's table), stored with the name, unit, polarity, level and
provenance the analyst confirmed, then drawn on the map, ranked and set against the index like a catalog
indicator (issue 19).

The values are stored as read (scale words such as 万 already applied by ingest, no percentage scaling): a user
indicator's number is shown exactly as the analyst's file states it, with the analyst's unit beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, get_args

import polars as pl

from digigov.access import current_user, visible
from digigov.indicators import Indicator, Polarity
from digigov.ingest.pipeline import IngestResult, UncataloguedIndicator
from digigov.storage import DatasetNotFoundError, DatasetStore, clean_user_text

KIND = "user_indicator"
COLUMNS: tuple[str, ...] = ("adcode", "year", "value")
POLARITIES: tuple[str, ...] = get_args(Polarity)
LEVELS: tuple[str, ...] = ("province", "prefecture")
ID_PREFIX = "user:"
TEXT_MAX = 80  # names and units: what fits a legend and a table header
NOTE_MAX = 500


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from, as the analyst states it: shown under every chart of the indicator."""

    source: str = ""  # 国家统计局
    year: int | None = None  # the year of publication
    reference: str = ""  # the table, page or URL: 分省年度数据 · 宽带接入用户 / https://data.stats.gov.cn/…
    note: str = ""  # free text: 口径说明、调整


@dataclass(frozen=True)
class UserIndicatorSpec:
    """What the analyst confirmed about one indicator of the file; label names it in the file (the handed-over
    UncataloguedIndicator.label)."""

    label: str
    name_zh: str
    name_en: str = ""
    unit_zh: str = ""
    unit_en: str = ""
    polarity: str = "neutral"  # one of POLARITIES; neutral until the analyst says which direction is better
    level: str = "province"  # one of LEVELS
    decimals: int = 1
    provenance: Provenance = field(default_factory=Provenance)

    def cleaned(self) -> UserIndicatorSpec:
        """The spec as stored: control characters removed, texts trimmed to their caps, decimals in 0..4."""
        prov = self.provenance
        return replace(
            self,
            name_zh=clean_user_text(self.name_zh, TEXT_MAX),
            name_en=clean_user_text(self.name_en, TEXT_MAX),
            unit_zh=clean_user_text(self.unit_zh, TEXT_MAX),
            unit_en=clean_user_text(self.unit_en, TEXT_MAX),
            decimals=min(max(int(self.decimals), 0), 4),
            provenance=Provenance(
                source=clean_user_text(prov.source, TEXT_MAX * 2),
                year=prov.year,
                reference=clean_user_text(prov.reference, NOTE_MAX),
                note=clean_user_text(prov.note, NOTE_MAX),
            ),
        )

    def to_meta(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> UserIndicatorSpec:
        known = {k: v for k, v in meta.items() if k in cls.__dataclass_fields__ and k != "provenance"}
        provenance = Provenance(**{k: v for k, v in (meta.get("provenance") or {}).items() if k in _PROV_FIELDS})
        return cls(**known, provenance=provenance)

    def indicator(self, dataset_id: str) -> Indicator:
        """The spec as a catalog Indicator (unit "custom"), so that maps, rankings and tables format it."""
        name_en = self.name_en or self.name_zh
        definition = " · ".join(p for p in (self.provenance.source, self.provenance.reference) if p)
        return Indicator(
            id=f"{ID_PREFIX}{dataset_id}",
            name_zh=self.name_zh,
            name_en=name_en,
            unit="custom",
            decimals=self.decimals,
            polarity=self.polarity,  # type: ignore[arg-type]  # checked against POLARITIES by problems()
            domain="user",
            dataset=KIND,
            column="value",
            definition_zh=definition,
            definition_en=definition,
            formula="",
            source=self.provenance.source or "user",
            unit_zh=self.unit_zh,
            unit_en=self.unit_en or self.unit_zh,
        )


_PROV_FIELDS = frozenset(Provenance.__dataclass_fields__)


@dataclass(frozen=True)
class Problem:
    """Why a spec cannot be saved yet: a catalog key (user_indicator.problem.<key>) and its values."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


def proposed_spec(handed: UncataloguedIndicator) -> UserIndicatorSpec:
    """The form's starting point: the file's name and unit, the level most of its values are at, decimals as
    written (at most 2), the file's stated source; polarity neutral (a direction is the analyst's call)."""
    values = handed.values
    levels = values.get_column("level").drop_nulls()
    level = levels.mode().sort()[0] if levels.len() else "province"
    return UserIndicatorSpec(
        label=handed.label,
        name_zh=handed.name,
        unit_zh=handed.unit or "",
        level=level if level in LEVELS else "province",
        decimals=_decimals(values.get_column("value")),
        provenance=Provenance(source=handed.source or ""),
    )


def _decimals(values: pl.Series) -> int:
    """The digits after the point the values need (0..2): 150 → 0, 12.5 → 1, 0.25 → 2."""
    filled = values.drop_nulls().drop_nans() if values.dtype.is_float() else values.drop_nulls()
    for digits in range(3):
        if filled.is_empty() or ((filled * 10**digits).round(0) - filled * 10**digits).abs().max() < 1e-6:
            return digits
    return 2


def indicator_frame(handed: UncataloguedIndicator, spec: UserIndicatorSpec) -> pl.DataFrame:
    """adcode, year, value of the handed-over values at the spec's level (the stored table of the indicator)."""
    return (
        handed.values.filter((pl.col("level") == spec.level) & pl.col("value").is_not_null())
        .filter(pl.col("value").is_finite())
        .select(pl.col("adcode").cast(pl.String), pl.col("year").cast(pl.Int32), pl.col("value").cast(pl.Float64))
        .sort("adcode", "year")
    )


def problems(handed: UncataloguedIndicator, spec: UserIndicatorSpec) -> list[Problem]:
    """What stops the indicator from being saved as the analyst described it (empty when it may be saved)."""
    found = []
    clean = spec.cleaned()
    if not clean.name_zh:
        found.append(Problem("name_missing"))
    if clean.polarity not in POLARITIES:
        found.append(Problem("polarity_unknown", {"value": str(clean.polarity)}))
    if clean.level not in LEVELS:
        found.append(Problem("level_unknown", {"value": str(clean.level)}))
    frame = indicator_frame(handed, clean)
    if frame.is_empty():
        found.append(Problem("no_values", {"level": clean.level}))
    repeated = frame.filter(pl.struct("adcode", "year").is_duplicated())
    if repeated.height:
        first = repeated.row(0, named=True)
        found.append(
            Problem("repeated", {"count": str(repeated.height), "adcode": first["adcode"], "year": str(first["year"])})
        )
    year = clean.provenance.year
    if year is not None and not 1949 <= year <= 2100:
        found.append(Problem("year_out_of_range", {"value": str(year)}))
    return found


def saveable(
    result: IngestResult, specs: dict[str, UserIndicatorSpec]
) -> dict[str, tuple[UserIndicatorSpec, pl.DataFrame]]:
    """{label: (spec, table)} of the handed-over indicators the analyst confirmed and that have no problems."""
    out = {}
    for handed in result.uncatalogued:
        spec = specs.get(handed.label)
        if spec is not None and not problems(handed, spec):
            clean = spec.cleaned()
            out[handed.label] = (clean, indicator_frame(handed, clean))
    return out


# -- stored indicators ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredIndicator:
    dataset_id: str
    dataset_name: str
    spec: UserIndicatorSpec

    @property
    def indicator(self) -> Indicator:
        return self.spec.indicator(self.dataset_id)


def stored_indicators(store: DatasetStore, level: str | None = None) -> list[StoredIndicator]:
    """Every stored user indicator (newest first), optionally only those at one level. An entry whose meta is
    unreadable is left out rather than taking a page down."""
    out = []
    for record in visible(current_user(), store.list()):  # only what this run's user may see
        meta = record.meta or {}
        if KIND not in (meta.get("kinds") or []) or not isinstance(meta.get("indicator"), dict):
            continue
        try:
            spec = UserIndicatorSpec.from_meta(meta["indicator"])
        except (TypeError, ValueError):
            continue
        if level is None or spec.level == level:
            out.append(StoredIndicator(record.id, record.name, spec))
    return out


def load_values(store: DatasetStore, dataset_id: str) -> pl.DataFrame:
    """The stored table (adcode, year, value) of one user indicator; StorageError when it is gone."""
    frame = store.load(dataset_id)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DatasetNotFoundError()
    return frame.select(COLUMNS)


def year_values(values: pl.DataFrame, year: int) -> pl.DataFrame:
    """adcode, value for one year (the frame a map or a ranking draws)."""
    return values.filter(pl.col("year") == year).select("adcode", "value")


def nearest_year(years: list[int], wanted: int) -> int | None:
    """The indicator's year closest to wanted (the earlier of two equally close), None without years."""
    if not years:
        return None
    return min(years, key=lambda y: (abs(y - wanted), y))
