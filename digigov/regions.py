"""Gazetteer of China's provincial- and prefecture-level divisions, and a resolver for region names.

Analysts write regions in every spelling: 上海, 上海市, Shanghai, shanghai, 310000, 沪, 上海市 in traditional
characters, "Hong Kong SAR". The resolver maps all of them to the 6-digit GB/T 2260 adcode, and names the
closest candidates when it cannot, only when they are close enough to be worth checking.

Beside the gazetteer (data/gazetteer.csv, with data/region_aliases.csv laid over its aliases) this module
loads three reference lists that the upload reader uses to explain a name it cannot place: retired
prefecture names and codes with their successors (data/region_history.csv), the county-level units below the
prefectures (data/region_districts.csv) and the world's countries (data/region_countries.csv).
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal, cast

import polars as pl

from digigov.paths import DATA_DIR

Level = Literal["province", "prefecture"]
MACRO_REGIONS: tuple[str, ...] = ("east", "central", "west", "northeast")
CORPS_ADCODE = "660000"  # 新疆生产建设兵团: reports like a province, has no boundary of its own

_STRIP = re.compile(r"[\s'’`·\-_.,()（）]+")
# English designations that follow a name ("Hainan Province", "Hangzhou City"): tried without them when the
# whole name is unknown. Longest first.
_EN_DESIGNATIONS: tuple[str, ...] = (
    "specialadministrativeregion",
    "autonomousprefecture",
    "autonomousregion",
    "municipality",
    "prefecture",
    "province",
    "league",
    "city",
    "sar",
)
# Chinese designations stripped to compare a name's core with the gazetteer's short names in suggestions.
_ZH_DESIGNATION = re.compile(
    r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|省|市|盟|县|区)$"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
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
            raise UnknownRegionError(value, self.suggest(str(value), level=level, within=within))
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
        key = normalise_key(text)
        found = self._keys.get(key)
        if found:
            return list(found)
        # Traditional characters (廣東省, 臺灣, 內蒙古): converted only when the text as written is unknown, since
        # the conversion also changes some simplified names (乾安 -> 干安).
        simplified = normalise_key(to_simplified(text))
        if simplified != key and simplified in self._keys:
            return list(self._keys[simplified])
        for designation in _EN_DESIGNATIONS:
            if key.isascii() and key.endswith(designation) and len(key) > len(designation) + 2:
                stem = key[: -len(designation)]
                if stem in self._keys:
                    return list(self._keys[stem])
        return []

    def suggest(
        self, value: str, level: Level | None = None, limit: int = 3, within: str | None = None
    ) -> list[Region]:
        """The known regions whose names are close enough to value to be worth offering (possibly none)."""
        return self.suggest_reliably(value, level=level, limit=limit, within=within)[0]

    def suggest_reliably(
        self, value: str, level: Level | None = None, limit: int = 3, within: str | None = None
    ) -> tuple[list[Region], bool]:
        """(suggestions, look-alikes rejected): regions whose names pass a similarity threshold, restricted to
        level and to the province within (its prefectures and itself); the flag says whether names that only
        look alike (莱芜 ~ 芜湖, 浦东新区 ~ 新) were left out, so the caller can say "no reliable suggestion"."""
        key = normalise_key(to_simplified(value)) if value else ""
        if not key:
            return [], False
        scored: dict[str, float] = {}
        lookalike = False
        matcher = difflib.SequenceMatcher(None, "", key)  # seq2 fixed: difflib caches its index
        for k, codes in self._keys.items():
            fits = [
                c
                for c in codes
                if (not level or self.regions[c].level == level)
                and (not within or c == within or self.regions[c].parent == within)
            ]
            if not fits:
                continue
            score = _similarity(key, k, matcher)
            if score is None:
                continue
            if score <= 0:
                lookalike = True
                continue
            for code in fits:
                scored[code] = max(scored.get(code, 0.0), score)
        # a municipality's prefecture-level unit (上海市 310100) adds nothing beside its province
        ranked = [
            c
            for c in sorted(scored, key=lambda c: (-scored[c], c))
            if not (self.regions[c].parent in scored and self.regions[c].short_zh == self.province_of(c).short_zh)
        ]
        return [self.regions[c] for c in ranked[:limit]], lookalike and not ranked

    def resolve_many(self, values: Iterable[object], level: Level | None = None) -> dict[object, Region]:
        """Resolve distinct values; raise on the first that fails (callers wanting a report use resolve)."""
        return {v: self.resolve(v, level=level) for v in dict.fromkeys(values)}


def _core(key: str) -> str:
    return _ZH_DESIGNATION.sub("", key) or key


def _similarity(key: str, known: str, matcher: difflib.SequenceMatcher | None = None) -> float | None:
    """How close a normalised value is to a normalised known name: None when not comparable at all, 0 for a
    look-alike that is not a reliable suggestion, else a score in (0, 1].

    Latin text: difflib's ratio, at least 0.8 (Shangai ~ Shanghai). Chinese: the cores without 省/市/县…
    must share at least half their characters in the same places (浙姜 ~ 浙江, not 莱芜 ~ 芜湖) and one-character
    abbreviations (新, 京) are never suggested for a longer name."""
    if key.isascii() != known.isascii():
        return None
    contained = len(key) >= 2 and (key in known or known in key)
    if matcher is None:
        matcher = difflib.SequenceMatcher(None, "", key)
    matcher.set_seq1(known)
    if not contained and (matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5):
        return None  # not even a look-alike (the quick upper bounds first, as difflib.get_close_matches does)
    ratio = matcher.ratio()
    if ratio < 0.5 and not contained:
        return None
    if key.isascii():
        return ratio if ratio >= 0.8 and len(known) >= 4 else 0.0
    a, b = _core(key), _core(known)
    if len(b) < 2 and len(a) >= 2:
        return 0.0
    if a == b:
        return 1.0
    aligned = sum(x == y for x, y in zip(a, b, strict=False)) / max(len(a), len(b))
    core_ratio = difflib.SequenceMatcher(None, a, b).ratio()
    if aligned < 0.5 or core_ratio < 0.5:
        return 0.0
    return min(core_ratio + (0.1 if a[0] == b[0] else 0.0), 1.0)  # the first character tells places apart most


@cache
def _converter() -> object | None:
    try:
        import opencc  # the OpenCC project's own binding (pinned in pyproject.toml)

        return opencc.OpenCC("t2s")
    except Exception:  # a broken installation: traditional names stay unknown instead of crashing
        logging.getLogger(__name__).warning("OpenCC could not be loaded; traditional names are not converted")
        return None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters to simplified (OpenCC t2s): 廣東省 -> 广东省, 臺灣 -> 台湾."""
    converter = _converter()
    if converter is None or not text or not _CJK.search(text):
        return text
    return str(converter.convert(text))  # type: ignore[attr-defined]


def _read_reference(name: str) -> pl.DataFrame:
    """A committed reference CSV under data/ (lines starting with # name its source), every column text."""
    return pl.read_csv(DATA_DIR / name, infer_schema=False, comment_prefix="#")


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
    extra = _read_reference("region_aliases.csv").group_by("adcode").agg(pl.col("alias").str.join("|"))
    frame = (
        frame.join(extra, on="adcode", how="left", maintain_order="left")
        .with_columns(
            pl.concat_str([pl.col("aliases"), pl.col("alias")], separator="|", ignore_nulls=True)
            .str.strip_chars("|")
            .alias("aliases")
        )
        .drop("alias")
    )
    _converter()  # load OpenCC's dictionaries now rather than on the first lookup of a user's value
    return Gazetteer(frame)


# -- names that are not gazetteer units -------------------------------------------------------------------
Change = Literal["rename", "merge", "split"]


@dataclass(frozen=True)
class HistoricalName:
    """A prefecture-level name or code retired since 2000 (data/region_history.csv) and its successor."""

    names: tuple[str, ...]
    old_code: str | None
    successor: str  # adcode of the current unit
    year: int
    change: Change
    note_zh: str
    note_en: str

    def note(self, lang: str) -> str:
        return self.note_en if lang == "en" else self.note_zh


@dataclass(frozen=True)
class District:
    """A county-level unit (区, 县, 县级市, 旗) below a prefecture (data/region_districts.csv)."""

    adcode: str
    name_zh: str
    prefecture: str | None  # None under 香港/澳门
    province: str


@dataclass(frozen=True)
class Country:
    iso3: str
    name_zh: str
    name_en: str


_DISTRICT_SUFFIX = re.compile(r"(自治县|自治旗|新区|林区|特区|区|县|市|旗)$")


@cache
def load_history() -> dict[str, HistoricalName]:
    """Normalised old name or old code -> the change that retired it."""
    out: dict[str, HistoricalName] = {}
    for row in _read_reference("region_history.csv").iter_rows(named=True):
        entry = HistoricalName(
            names=tuple(n for n in row["names"].split("|") if n),
            old_code=row["old_code"] or None,
            successor=row["successor"],
            year=int(row["year"]),
            change=cast(Change, row["change"]),
            note_zh=row["note_zh"],
            note_en=row["note_en"],
        )
        for name in [*entry.names, *([entry.old_code] if entry.old_code else [])]:
            out.setdefault(normalise_key(name), entry)
    return out


def historical_name(value: object) -> HistoricalName | None:
    """The retirement record of an old prefecture name or code (襄樊, 莱芜市, 371200), or None."""
    if value is None:
        return None
    text = str(value).strip()
    match = _STAT_CODE.match(text)
    key = normalise_key(match.group(1) if match else text)
    history = load_history()
    return history.get(key) or history.get(normalise_key(to_simplified(text)))


@cache
def _district_index() -> tuple[dict[str, tuple[District, ...]], dict[str, tuple[District, ...]]]:
    full: dict[str, list[District]] = {}
    short: dict[str, list[District]] = {}
    for row in _read_reference("region_districts.csv").iter_rows(named=True):
        district = District(row["adcode"], row["name_zh"], row["prefecture"] or None, row["province"])
        full.setdefault(normalise_key(district.name_zh), []).append(district)
        core = _DISTRICT_SUFFIX.sub("", district.name_zh)
        if len(core) >= 2:
            short.setdefault(normalise_key(core), []).append(district)
    return (
        {k: tuple(v) for k, v in full.items()},
        {k: tuple(v) for k, v in short.items()},
    )


def district_matches(value: object, *, bare: bool = True) -> tuple[District, ...]:
    """County-level units named by value: by full name (朝阳区, 浦东新区, 义乌市), or with bare=True also by the
    name without its designation (浦东, 海淀)."""
    if value is None:
        return ()
    text = str(value).strip()
    full, short = _district_index()
    for key in dict.fromkeys([normalise_key(text), normalise_key(to_simplified(text))]):  # as written first
        if key in full:
            return full[key]
        if bare and key in short:
            return short[key]
    return ()


@cache
def _country_index() -> dict[str, Country]:
    out: dict[str, Country] = {}
    for row in _read_reference("region_countries.csv").iter_rows(named=True):
        country = Country(row["iso3"], to_simplified(row["name_zh"]), row["name_en"])
        names = [row["iso3"], row["name_zh"], country.name_zh, row["name_en"], *(row["aliases"] or "").split("|")]
        for name in names:
            key = normalise_key(_unaccented(name))
            if key:
                out.setdefault(key, country)
    return out


def country_named(value: object) -> Country | None:
    """The country named by value (丹麦, Denmark, Republic of Korea, DNK), or None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    index = _country_index()
    return index.get(normalise_key(_unaccented(text))) or index.get(normalise_key(to_simplified(text)))


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


# Peer groups of cities (data/city_groups.csv): provincial capitals and sub-provincial cities.
CityGroup = Literal["sub_provincial", "capital", "prefecture"]
CITY_GROUPS: tuple[CityGroup, ...] = ("sub_provincial", "capital", "prefecture")


@cache
def load_city_groups() -> dict[str, frozenset[str]]:
    """adcode -> the groups the file lists it in ("capital", "sub_provincial"; ten cities are both)."""
    frame = _read_reference("city_groups.csv").group_by("adcode").agg(pl.col("group"))
    return {row["adcode"]: frozenset(row["group"]) for row in frame.iter_rows(named=True)}


def city_group(adcode: str) -> str | None:
    """The city's peer group for ranks: "sub_provincial" for the 15 副省级城市 (ten of them also capitals),
    "capital" for the other provincial capitals (省会城市), None for any other unit."""
    groups = load_city_groups().get(str(adcode), frozenset())
    if "sub_provincial" in groups:
        return "sub_provincial"
    return "capital" if "capital" in groups else None


def city_group_table() -> pl.DataFrame:
    """adcode, city_group for every gazetteer prefecture: its city_group, else "prefecture" (the others)."""
    gazetteer = load_gazetteer().frame.filter(pl.col("level") == "prefecture")
    listed = pl.DataFrame(
        {
            "adcode": list(load_city_groups()),
            "listed": [city_group(a) for a in load_city_groups()],
        },
        schema={"adcode": pl.String, "listed": pl.String},
    )
    return (
        gazetteer.select("adcode")
        .join(listed, on="adcode", how="left")
        .select("adcode", pl.col("listed").fill_null("prefecture").alias("city_group"))
    )
