"""Gazetteer of China's provincial- and prefecture-level divisions, and a resolver for region names.

Analysts write regions in every spelling: 上海, 上海市, Shanghai, shanghai, 310000, 沪. The resolver maps
all of them to the 6-digit GB/T 2260 adcode, and names the closest candidates when it cannot.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

import polars as pl

from digigov.paths import DATA_DIR

Level = Literal["province", "prefecture"]
MACRO_REGIONS: tuple[str, ...] = ("east", "central", "west", "northeast")
CORPS_ADCODE = "660000"  # 新疆生产建设兵团: reports like a province, has no boundary of its own

_STRIP = re.compile(r"[\s'’`·\-_.,()（）]+")
_STAT_CODE = re.compile(r"^(\d{6})(0{3}|0{6})$")  # 9- or 12-digit statistical codes padded with zeros


@dataclass(frozen=True)
class Region:
    adcode: str
    level: Level
    name_zh: str
    short_zh: str
    name_en: str
    parent: str | None
    macro_region: str
    has_boundary: bool
    counted_in_31: bool

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.short_zh


class UnknownRegionError(ValueError):
    """A region name that the gazetteer does not know, with the closest known names."""

    def __init__(self, value: object, suggestions: list[Region], ambiguous: bool = False) -> None:
        self.value = value
        self.suggestions = suggestions
        self.ambiguous = ambiguous
        names = ", ".join(f"{r.name_zh} ({r.adcode})" for r in suggestions) or "-"
        kind = "ambiguous region" if ambiguous else "unknown region"
        super().__init__(f"{kind} {value!r}; closest: {names}")


def normalise_key(text: str) -> str:
    """Fold width, case, spaces and punctuation so 'Nei Mongol', 'nei-mongol' and 'NEIMONGOL' meet."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("ü", "v")
    return _STRIP.sub("", folded)


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Gazetteer:
    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.regions: dict[str, Region] = {}
        self._keys: dict[str, list[str]] = {}
        for row in frame.iter_rows(named=True):
            region = Region(
                adcode=row["adcode"],
                level=row["level"],
                name_zh=row["name_zh"],
                short_zh=row["short_zh"],
                name_en=row["name_en"],
                parent=row["parent"] or None,
                macro_region=row["macro_region"],
                has_boundary=row["has_boundary"],
                counted_in_31=row["counted_in_31"],
            )
            if region.adcode in self.regions:
                raise ValueError(f"gazetteer: adcode {region.adcode} names two units")
            self.regions[region.adcode] = region
            names = [region.adcode, region.name_zh, region.short_zh, region.name_en, _unaccented(region.name_en)]
            names += [a for a in (row["aliases"] or "").split("|") if a]
            for name in names:
                key = normalise_key(name)
                if key and region.adcode not in self._keys.setdefault(key, []):
                    self._keys[key].append(region.adcode)

    # -- lookup -------------------------------------------------------------------------------
    def __getitem__(self, adcode: str) -> Region:
        return self.regions[adcode]

    def __contains__(self, adcode: object) -> bool:
        return adcode in self.regions

    def provinces(self, counted_in_31_only: bool = False) -> list[Region]:
        return [
            r for r in self.regions.values() if r.level == "province" and (r.counted_in_31 or not counted_in_31_only)
        ]

    def children(self, adcode: str) -> list[Region]:
        return [r for r in self.regions.values() if r.parent == adcode]

    def province_of(self, adcode: str) -> Region:
        region = self.regions[adcode]
        return self.regions[region.parent] if region.parent else region

    # -- resolution ----------------------------------------------------------------------------
    def resolve(self, value: object, level: Level | None = None, within: str | None = None) -> Region:
        """Return the region named by value (name in any spelling, or adcode).

        level restricts to provinces or prefectures; within restricts prefectures to one province.
        Where a name fits a province and a prefecture alike (吉林, 北京), the province wins unless
        level says otherwise. Raises UnknownRegionError with suggestions.
        """
        candidates = [self.regions[c] for c in self._candidate_codes(value)]
        if level:
            candidates = [r for r in candidates if r.level == level]
        if within:
            candidates = [r for r in candidates if r.parent == within or r.adcode == within]
        if not candidates:
            raise UnknownRegionError(value, self.suggest(str(value), level=level))
        provinces = [r for r in candidates if r.level == "province"]
        if len(provinces) == 1:
            return provinces[0]
        if len(candidates) == 1:
            return candidates[0]
        raise UnknownRegionError(value, candidates, ambiguous=True)

    def _candidate_codes(self, value: object) -> list[str]:
        if value is None:
            return []
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value != int(value):
                return []
            value = str(int(value))
        text = str(value).strip()
        match = _STAT_CODE.match(text)
        if match:
            text = match.group(1)
        return list(self._keys.get(normalise_key(text), []))

    def suggest(self, value: str, level: Level | None = None, limit: int = 3) -> list[Region]:
        key = normalise_key(value)
        if not key:
            return []
        keys = [k for k, codes in self._keys.items() if not level or any(self.regions[c].level == level for c in codes)]
        close = difflib.get_close_matches(key, keys, n=limit * 3, cutoff=0.5)
        close += [k for k in keys if len(key) >= 2 and (key in k or k in key) and k not in close]
        seen: list[Region] = []
        for k in close:
            for code in self._keys[k]:
                region = self.regions[code]
                if region not in seen and (not level or region.level == level):
                    seen.append(region)
        return seen[:limit]

    def resolve_many(self, values: Iterable[object], level: Level | None = None) -> dict[object, Region]:
        """Resolve distinct values; raise on the first that fails (callers wanting a report use resolve)."""
        return {v: self.resolve(v, level=level) for v in dict.fromkeys(values)}


@cache
def load_gazetteer() -> Gazetteer:
    frame = pl.read_csv(
        DATA_DIR / "gazetteer.csv",
        schema_overrides={"adcode": pl.String, "parent": pl.String},
        infer_schema=False,
    ).with_columns(
        pl.col("has_boundary") == "true",
        pl.col("counted_in_31") == "true",
    )
    return Gazetteer(frame)


# The one home of how a region is named on pages, charts and tables.
def region_name(adcode: str, lang: str) -> str:
    """The region's own name in lang; an adcode the gazetteer does not know is shown as it is."""
    gazetteer = load_gazetteer()
    return gazetteer[adcode].name(lang) if adcode in gazetteer else adcode


def region_label(adcode: str, lang: str) -> str:
    """Like region_name, but a prefecture carries its province (两个 '朝阳' need telling apart), unless the
    two names are the same (a municipality's city unit)."""
    gazetteer = load_gazetteer()
    if adcode not in gazetteer:
        return adcode
    region = gazetteer[adcode]
    if region.level == "prefecture" and region.parent is not None and region.parent in gazetteer:
        parent = gazetteer[region.parent]
        if parent.short_zh != region.short_zh:
            return (
                f"{region.name(lang)}（{parent.name(lang)}）"
                if lang == "zh"
                else f"{region.name(lang)} ({parent.name(lang)})"
            )
    return region.name(lang)


def covers_all_provinces(adcodes: Iterable[str]) -> bool:
    """True when the units (provinces or their cities and counties) reach every one of the 31 mainland
    provinces, so that their total may be called national (全国)."""
    gazetteer = load_gazetteer()
    reached = {gazetteer.province_of(a).adcode for a in set(adcodes) if a in gazetteer}
    return {r.adcode for r in gazetteer.provinces(counted_in_31_only=True)} <= reached
