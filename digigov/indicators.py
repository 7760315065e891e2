"""The indicator catalog (data/indicators.toml): names, units, number formats and definitions."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Literal

from digigov.i18n import t
from digigov.paths import DATA_DIR

# "custom": an analyst's own indicator (digigov.user_indicators), whose unit is free text (万户, 元, 个).
Unit = Literal["points", "share", "pp", "count", "days", "custom"]
UNITS: tuple[str, ...] = ("points", "share", "pp", "count", "days")  # the catalog's; "custom" is never in it
Polarity = Literal["higher_better", "lower_better", "neutral"]
CATALOG_PATH = DATA_DIR / "indicators.toml"


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    unit: Unit
    decimals: int
    polarity: Polarity
    domain: str
    dataset: str
    column: str
    definition_zh: str
    definition_en: str
    formula: str
    source: str
    # Shown on the methods page; defaults keep a catalog without them loadable (tests check they are filled).
    formula_latex: str = ""
    caveats_zh: str = ""
    caveats_en: str = ""
    # A custom unit's words as the analyst wrote them (unit "custom" only): "万户" / "10,000 households".
    unit_zh: str = ""
    unit_en: str = ""

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh

    def definition(self, lang: str) -> str:
        return self.definition_en if lang == "en" else self.definition_zh

    def caveats(self, lang: str) -> str:
        return self.caveats_en if lang == "en" else self.caveats_zh

    def unit_label(self, lang: str) -> str:
        if self.unit == "custom":
            return (self.unit_en or self.unit_zh) if lang == "en" else (self.unit_zh or self.unit_en)
        return t(f"unit.{self.unit}", lang)

    @property
    def scale(self) -> float:
        """Factor from stored value to displayed number (shares are stored as fractions)."""
        return 100.0 if self.unit in ("share", "pp") else 1.0

    def display_number(self, value: float | None) -> float | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return value * self.scale

    def format(self, value: float | None, lang: str, with_unit: bool = True) -> str:
        """78.3 分 / 78.3 points; 45.3% ; 12.0 个百分点 / 12.0 pp; '—' when missing."""
        number = self.display_number(value)
        if number is None:
            return t("value.missing", lang)
        text = f"{number:,.{self.decimals}f}"
        if not with_unit or not self.unit_label(lang):
            return text
        if self.unit == "share":
            return f"{text}%"
        return t("value.with_unit", lang, number=text, unit=self.unit_label(lang))


@cache
def load_catalog() -> dict[str, Indicator]:
    with CATALOG_PATH.open("rb") as f:
        raw = tomllib.load(f)
    catalog = {key: Indicator(id=key, **fields) for key, fields in raw.items()}
    for indicator in catalog.values():
        if indicator.unit not in UNITS:
            raise ValueError(f"{CATALOG_PATH.name}: {indicator.id} has unknown unit {indicator.unit!r}")
    return catalog


def get_indicator(indicator_id: str) -> Indicator:
    return load_catalog()[indicator_id]
