"""Data sources for the pages: the built-in samples or an analyst's stored dataset of the same kind.

Every page asks for a kind of table (the shape of one built-in sample); an uploaded dataset that has the
kind's required columns can stand in for the sample on every page that uses that kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from digigov.access import can_see, current_user, visible
from digigov.datasets import BUILTIN_DATASETS, load_builtin
from digigov.storage import DatasetNotFoundError, DatasetStore, default_data_dir

BUILTIN = "builtin"

# Columns a dataset must have to stand in for each built-in sample (the analysis code reads these).
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "province_index": ("adcode", "year", "organisation", "institutions", "capacity", "effect", "index"),
    "city_index": ("adcode", "year", "parent", "index"),
    "city_channels": (
        "adcode",
        "year",
        "respondents",
        "web",
        "mobile_app",
        "self_service_terminal",
        "counter",
        "prefers_offline",
    ),
    "demand_funnel": ("adcode", "year", "service_category", "respondents", "need", "aware", "used"),
    # A 政务服务 system's transaction log aggregated (digigov.ingest.channel_records.aggregate_transactions): 办件 per
    # channel, completed, rated, satisfied and handled_at_counter = counter / records, the share actually handled at
    # counters. Shown on the channels page as actual handling, never as a preference for offline service.
    "city_transactions": (
        "adcode",
        "year",
        "records",
        "web",
        "mobile_app",
        "self_service_terminal",
        "counter",
        "handled_at_counter",
    ),
    "open_data": ("adcode", "year", "platforms", "updated_on_time"),
    # a ranking report's tiers (1 = highest), optionally with its score (index) and stated rank
    "province_tiers": ("adcode", "year", "tier"),
    # The data sharing and openness page (views/data_sharing.py): a portal's catalogue (one row per dataset,
    # read by digigov.ingest.catalogue), data-sharing calls between departments, platforms' investment and use.
    "open_data_catalogue": ("adcode", "title", "frequency", "last_updated"),
    "sharing_calls": ("adcode", "provider", "consumer", "calls"),
    # A city survey's published shares without the channel mix (样本量, 倾向线下办理占比, 知晓率, 线上办理率): the
    # stated preference as counts (share × n) and the other rates as read; a section of the channels page.
    "city_preference": ("adcode", "year", "respondents", "prefers_offline"),
    # An analyst's own indicator (digigov.user_indicators): one indicator's values, its name and unit in the meta.
    "user_indicator": ("adcode", "year", "value"),
    "platform_operations": ("adcode", "platform", "investment", "transactions", "active_users"),
}
# Samples of the data sharing page that digigov.datasets does not list (yet): read here, with the same rules
# (codes as text; the catalogue's dates as dates). If BUILTIN_DATASETS gains them, that loader is used instead.
PAGE_SAMPLES: dict[str, dict[str, pl.DataType]] = {
    "open_data_catalogue": {"adcode": pl.String(), "last_updated": pl.Date()},
    "sharing_calls": {"adcode": pl.String(), "provider": pl.String(), "consumer": pl.String()},
    "platform_operations": {"adcode": pl.String(), "platform": pl.String()},
}
# Pages that show more than one kind list the datasets of all of them under one name (the first kind's sample
# is the built-in choice); each Source keeps the kind it was stored as.
SOURCE_GROUPS: dict[str, tuple[str, ...]] = {
    "province_scores_or_tiers": ("province_index", "province_tiers"),
}
# Optional columns filled with a neutral value when an upload lacks them, so the analyses still run.
KIND_DEFAULTS: dict[str, dict[str, object]] = {
    "city_preference": {"awareness_rate": None, "actual_usage_rate": None},
    "city_channels": {"entity_type": "all", "service_category": "all"},
    "demand_funnel": {"level": "province", "entities": None, "completed": None, "satisfied": None},
    "open_data_catalogue": {"department": None, "formats": None, "open_type": None, "platform": None},
}


@dataclass(frozen=True)
class Source:
    id: str  # BUILTIN or a stored dataset id
    name: str
    kind: str

    @property
    def is_sample(self) -> bool:
        return self.id == BUILTIN


def sample_watermark(source_id: str, lang: str) -> str | None:
    """The 示例数据 mark that figures of the built-in samples carry (None for an analyst's own dataset)."""
    from digigov.i18n import t

    return t("sample.watermark", lang) if source_id == BUILTIN else None


def matching_kinds(columns: list[str]) -> list[str]:
    """The kinds whose required columns all appear in columns (most specific first)."""
    present = set(columns)
    kinds = [k for k, needed in KIND_COLUMNS.items() if set(needed) <= present]
    return sorted(kinds, key=lambda k: -len(KIND_COLUMNS[k]))


def store(root: Path | None = None) -> DatasetStore:
    return DatasetStore(root or default_data_dir())


def list_sources(kind: str, dataset_store: DatasetStore | None = None) -> list[Source]:
    """The built-in sample first, then every stored dataset usable as kind (newest first). kind may name one of
    SOURCE_GROUPS: then the datasets of each of its kinds, each Source with the kind it was stored as."""
    wanted = SOURCE_GROUPS.get(kind, (kind,))
    sources = [Source(BUILTIN, "", k) for k in wanted[:1] if k in BUILTIN_DATASETS or k in PAGE_SAMPLES]
    dataset_store = dataset_store or store()
    for record in visible(current_user(), dataset_store.list()):  # only what this run's user may see
        kinds = (record.meta or {}).get("kinds") or []
        stored_as = next((k for k in wanted if k in kinds), None)
        if stored_as is not None:
            sources.append(Source(record.id, record.name, stored_as))
    return sources


def load_source(kind: str, source_id: str, dataset_store: DatasetStore | None = None) -> pl.DataFrame:
    if source_id == BUILTIN:
        if kind not in BUILTIN_DATASETS and kind in PAGE_SAMPLES:
            return _page_sample(kind)
        return load_builtin(kind)
    dataset_store = dataset_store or store()
    record = dataset_store.get(source_id)
    if not can_see(current_user(), record.meta):  # a hand-typed ?src= of someone else's dataset: as if absent
        raise DatasetNotFoundError("access.not_allowed")
    return _load_stored(kind, source_id, record.latest.version, str(dataset_store.root))


@lru_cache(maxsize=16)
def _load_stored(kind: str, source_id: str, version: int, root: str) -> pl.DataFrame:
    # Stored versions are immutable, so (id, version) identifies the content.
    frame = DatasetStore(Path(root)).load(source_id, version=version)
    for column, value in KIND_DEFAULTS.get(kind, {}).items():
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(value).alias(column))
    return frame


@lru_cache(maxsize=8)
def _page_sample(kind: str) -> pl.DataFrame:
    from digigov.paths import SAMPLE_DIR

    return pl.read_csv(SAMPLE_DIR / f"{kind}.csv", schema_overrides=PAGE_SAMPLES[kind])


def stored_meta(source_id: str, dataset_store: DatasetStore | None = None) -> dict:
    """The meta a stored dataset was saved with ({} for the samples): its kinds, encoding, the file's own
    reference values (digigov.reference_values) …"""
    if source_id == BUILTIN:
        return {}
    meta = dict((dataset_store or store()).get(source_id).meta or {})
    if not can_see(current_user(), meta):
        raise DatasetNotFoundError("access.not_allowed")
    return meta
