"""The overview map drawing one of the analyst's own provincial indicators (digigov.user_indicators) instead of an
index column: which of them the picker offers, and what the map, the ranking and the macro-region means draw for
the chosen year (the indicator's nearest year when it has none for it, said so in the caption)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from digigov.i18n import t
from digigov.indicators import Indicator, get_indicator
from digigov.presenters.covariate import provenance_text
from digigov.storage import DatasetStore
from digigov.user_indicators import ID_PREFIX, StoredIndicator, UserIndicatorSpec, nearest_year, stored_indicators


@dataclass(frozen=True)
class UserChoice:
    """One stored provincial user indicator the overview's picker offers, with its stored version (the cache key)."""

    item: StoredIndicator
    version: int

    @property
    def dataset_id(self) -> str:
        return self.item.dataset_id

    def label(self, lang: str) -> str:
        """The picker's text: the indicator's name and the dataset it was saved as."""
        return f"{self.item.indicator.name(lang)} · {self.item.dataset_name}"


@dataclass(frozen=True)
class UserMap:
    """The inputs of a user indicator's map: its spec, dataset and stored values (adcode, year, value)."""

    dataset_id: str
    spec: UserIndicatorSpec
    values: pl.DataFrame


@dataclass(frozen=True)
class MapMeasure:
    """What the overview's map, ranking and macro-region means draw: frame[column] in year, formatted by indicator.
    notes are the captions under the map (the analyst's indicator: uploaded, provenance, year shown)."""

    indicator: Indicator
    frame: pl.DataFrame
    column: str
    year: int
    notes: tuple[str, ...] = ()
    user: bool = False


def is_user_id(indicator_id: str) -> bool:
    return indicator_id.startswith(ID_PREFIX)


def user_choices(store: DatasetStore) -> dict[str, UserChoice]:
    """{"user:<dataset id>": choice} of the provincial user indicators the current user may see, newest first.
    StorageError when the store cannot be listed."""
    out = {}
    for item in stored_indicators(store, level="province"):
        out[item.indicator.id] = UserChoice(item, store.get(item.dataset_id).latest.version)
    return out


def catalog_measure(index: pl.DataFrame, indicator_id: str, year: int) -> MapMeasure:
    indicator = get_indicator(indicator_id)
    return MapMeasure(indicator, index, indicator.column, year)


def user_measure(user: UserMap, year: int, lang: str) -> MapMeasure:
    """The analyst's indicator in year, or in its nearest year when it has no value for year (the caption says
    which); the year asked for, with a caption saying so, when it has no values at all."""
    indicator = user.spec.indicator(user.dataset_id)
    values = user.values.select("adcode", pl.col("year").cast(pl.Int32), pl.col("value").cast(pl.Float64))
    filled = values.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    shown = nearest_year(sorted(filled["year"].drop_nulls().unique().to_list()), year)
    notes = [
        t("covariate.uploaded", lang) + " " + t("covariate.provenance", lang, text=provenance_text(user.spec, lang))
    ]
    if shown is None:
        notes.append(t("covariate.no_values", lang, name=indicator.name(lang)))
    elif shown != year:
        notes.append(t("overview.user_year_differs", lang, name=indicator.name(lang), year=shown, wanted=year))
    notes.append(t("overview.kpis_are_index", lang))
    return MapMeasure(indicator, values, "value", year if shown is None else shown, tuple(notes), user=True)


def map_header(measure: MapMeasure, lang: str) -> str:
    if measure.user:
        return t("overview.map_header_user", lang, name=measure.indicator.name(lang), year=measure.year)
    return t("overview.map_header", lang, year=measure.year)
