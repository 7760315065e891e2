"""Region columns through the gazetteer: names in any spelling, or codes; never raises.

A manual mapping {raw value: adcode} is applied first (the user's answer to "which region is this?"). Then, in
order: the gazetteer (any spelling, traditional characters, official English names), retired names and codes
(襄樊 -> 襄阳市, resolved with a note in `notes`), and for what stays unknown an explanation instead of a
look-alike: an aggregate row (全国, 合计), a county-level name (浦东新区), a country (Denmark), a name that fits
several units (吉林 in a city column: 吉林省 or 吉林市), a city outside the row's province, or the gazetteer's
suggestions within the known province when they pass a similarity threshold. Units without a boundary of
their own (新疆生产建设兵团) resolve normally and are marked drawn=False: kept in tables, not drawn on the map.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import traceback
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from digigov.ingest.privacy import mask_text
from digigov.ingest.values import is_missing, looks_scientific
from digigov.regions import (
    CORPS_ADCODE,
    Country,
    District,
    Gazetteer,
    HistoricalName,
    Level,
    Region,
    UnknownRegionError,
    country_named,
    district_matches,
    historical_name,
    load_gazetteer,
    normalise_key,
    to_simplified,
)

log = logging.getLogger(__name__)

_FLOAT_CODE = re.compile(r"^(\d{6}|\d{9}|\d{12})\.0+$")
_STAT_CODE = re.compile(r"^(\d{6})(?:0{3}|0{6})$")
# Suggestions cost a fuzzy search over every name (a few ms each); after this many unknown values the rest are
# checked against the set of known names only, so a column of junk cannot make an upload take minutes.
MAX_SUGGESTED = 30


@cache
def _known_keys() -> frozenset[str]:
    frame = load_gazetteer().frame
    keys: set[str] = set()
    for row in frame.iter_rows(named=True):
        names = [
            row["adcode"],
            row["name_zh"],
            row["short_zh"],
            row["name_en"],
            "".join(c for c in unicodedata.normalize("NFKD", row["name_en"]) if not unicodedata.combining(c)),
        ]
        names += [a for a in (row["aliases"] or "").split("|") if a]
        keys.update(normalise_key(n) for n in names)
    return frozenset(k for k in keys if k)


def _surely_unknown(gazetteer: Gazetteer, key: str) -> bool:
    match = _STAT_CODE.match(key)
    text = match.group(1) if match else key
    return normalise_key(text) not in _known_keys() and not gazetteer._candidate_codes(text)


# Rows that hold a total or an average rather than one region (normalised as normalise_key does). The kind
# says which: national (全国), total (合计), average (平均), provincial (全省: the province's own row in a
# table of its cities).
_AGGREGATE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "全国",
            "全国合计",
            "全国总计",
            "全国总体",
            "中国",
            "中华人民共和国",
            "全国各地",
            "100000",
            "china",
            "national",
            "nationwide",
            "nationaltotal",
            "nationalaverage",
            "allchina",
            "wholecountry",
        ],
        "national",
    ),
    **dict.fromkeys(["全国平均", "全国平均值", "全国均值", "全国平均水平"], "average"),
    **dict.fromkeys(
        [
            "合计",
            "总计",
            "共计",
            "总和",
            "小计",
            "汇总",
            "总体",
            "全部",
            "所有地区",
            "total",
            "sum",
            "overall",
            "grandtotal",
            "all",
            "allregions",
        ],
        "total",
    ),
    **dict.fromkeys(["平均", "平均值", "均值", "平均数", "平均水平", "average", "mean"], "average"),
    **dict.fromkeys(
        ["全省", "全省合计", "全省平均", "全区", "全区合计", "全市", "全市合计", "省本级", "本级"], "provincial"
    ),
}
AGGREGATE_KINDS: tuple[str, ...] = ("national", "total", "average", "provincial")


def aggregate_kind(value: object) -> str | None:
    """national / total / average / provincial for a row label that is an aggregate (全国, 合计, 平均, 全省…)."""
    if value is None:
        return None
    text = str(value).strip()
    match = _STAT_CODE.match(text)
    key = normalise_key(match.group(1) if match else text)
    return _AGGREGATE_WORDS.get(key) or _AGGREGATE_WORDS.get(normalise_key(to_simplified(text)))


@dataclass(frozen=True)
class Unresolved:
    value: str
    suggestions: tuple[Region, ...] = ()
    ambiguous: bool = False
    scientific: bool = False  # "1.1E+17": a code mangled by Excel
    lookalikes_rejected: bool = False  # names that only look alike were not offered: "no reliable suggestion"
    districts: tuple[District, ...] = ()  # a county-level name (or, with ambiguous, its county-level readings)
    country: Country | None = None  # the name of a country, not of a Chinese region
    aggregate: str | None = None  # an aggregate row label (see aggregate_kind)
    outside: Region | None = None  # a city that exists, but in another province than the row's
    undecided: bool = False  # ambiguous because no province column says which (吉林: 吉林市 or 吉林省)


@dataclass
class RegionResolution:
    resolved: dict[str, Region] = field(default_factory=dict)  # raw value -> region
    unresolved: dict[str, Unresolved] = field(default_factory=dict)
    invalid_overrides: dict[str, str] = field(default_factory=dict)  # raw value -> the adcode that is unknown
    notes: dict[str, HistoricalName] = field(default_factory=dict)  # raw value resolved to a successor

    def adcode(self, value: str | None) -> str | None:
        region = self.resolved.get(value) if value is not None else None
        return region.adcode if region else None

    @property
    def ok(self) -> bool:
        return not self.unresolved and not self.invalid_overrides


def _clean(value: str) -> str:
    text = str(value).strip()
    match = _FLOAT_CODE.match(text)
    return match.group(1) if match else text


def resolve_region_values(
    values: Iterable[str | None],
    *,
    level: str | None = None,
    overrides: Mapping[str, str] | None = None,
    within: str | None = None,
) -> RegionResolution:
    """Resolve distinct raw values. level: "province" / "prefecture" / None. within: a province adcode that
    prefectures must belong to (for a city column next to a province column). Never raises for any input."""
    result = RegionResolution()
    try:
        gazetteer = load_gazetteer()
    except Exception:  # a broken installation: report everything as unresolved rather than crash
        log.exception("the gazetteer cannot be loaded; every region value is reported as unresolved")
        for known in dict.fromkeys(v for v in values if v is not None):
            result.unresolved[str(known)] = Unresolved(str(known))
        return result
    cleaned_overrides = {str(k).strip(): str(v).strip() for k, v in (overrides or {}).items() if k is not None}
    for value in dict.fromkeys(values):
        if value is None or is_missing(value):
            continue
        raw = str(value)
        key = raw.strip()
        if key in cleaned_overrides or raw in cleaned_overrides:
            code = cleaned_overrides[key] if key in cleaned_overrides else cleaned_overrides[raw]
            _apply_override(gazetteer, raw, code, result)
        else:
            _resolve_value(gazetteer, raw, key, level, within, result)
    return result


def _apply_override(gazetteer: Gazetteer, raw: str, code: str, result: RegionResolution) -> None:
    try:
        result.resolved[raw] = gazetteer.resolve(code)
    except UnknownRegionError:
        result.invalid_overrides[raw] = code
    except Exception:  # a bug, not a bad code: reported like one, and logged
        _log_unexpected("a region override")
        result.invalid_overrides[raw] = code


def _resolve_value(
    gazetteer: Gazetteer, raw: str, key: str, level: str | None, within: str | None, result: RegionResolution
) -> None:
    if looks_scientific(key):
        result.unresolved[raw] = Unresolved(raw, scientific=True)
        return
    clean = _clean(key)
    kind = aggregate_kind(clean)
    if kind is not None:
        result.unresolved[raw] = Unresolved(raw, aggregate=kind)
        return
    if len(result.unresolved) >= MAX_SUGGESTED and _surely_unknown(gazetteer, clean):
        _explain_unknown(gazetteer, raw, clean, level, within, result)
        return
    try:
        region = _resolve(gazetteer, clean, level, within)
    except _OutsideProvince as exc:
        result.unresolved[raw] = Unresolved(raw, outside=exc.region)
        return
    except UnknownRegionError as exc:
        if exc.ambiguous:
            result.unresolved[raw] = Unresolved(raw, tuple(exc.suggestions[:3]), ambiguous=True)
        else:
            _explain_unknown(gazetteer, raw, clean, level, within, result)
        return
    except Exception:  # a bug, not an unknown name: reported like one, and logged
        _log_unexpected("a region value")
        result.unresolved[raw] = Unresolved(raw)
        return
    readings = _other_readings(gazetteer, clean, region, level, within)
    if readings is not None:
        result.unresolved[raw] = dataclasses.replace(readings, value=raw)
        return
    result.resolved[raw] = region


def _explain_unknown(
    gazetteer: Gazetteer, raw: str, clean: str, level: str | None, within: str | None, result: RegionResolution
) -> None:
    """A value the gazetteer does not know: a retired name (resolved to its successor, with a note), a
    county-level name, a country, or unknown with suggestions that pass the threshold (within the province)."""
    old = historical_name(clean)
    if old is not None and old.successor in gazetteer:
        successor = gazetteer[old.successor]
        if not within or gazetteer.province_of(successor.adcode).adcode == within:
            result.resolved[raw] = successor
            result.notes[raw] = old
            return
    districts = district_matches(clean)
    if within:
        districts = tuple(d for d in districts if d.province == within) or districts
    if districts:
        result.unresolved[raw] = Unresolved(raw, districts=districts[:5])
        return
    country = country_named(clean)
    if country is not None:
        result.unresolved[raw] = Unresolved(raw, country=country)
        return
    if len(result.unresolved) >= MAX_SUGGESTED and _surely_unknown(gazetteer, clean):
        result.unresolved[raw] = Unresolved(raw)
        return
    suggestions, rejected = gazetteer.suggest_reliably(clean, level=_level(level), within=within)
    result.unresolved[raw] = Unresolved(raw, tuple(suggestions[:3]), lookalikes_rejected=rejected)


def _other_readings(
    gazetteer: Gazetteer, key: str, region: Region, level: str | None, within: str | None
) -> Unresolved | None:
    """In a city column with no province to decide, a name that also names another unit is ambiguous: a
    province with several prefectures (吉林: 吉林市 or 吉林省; 海南: 海南藏族自治州 or 海南省), or a district of a
    municipality written without 区 (朝阳: 辽宁朝阳市 or 北京市朝阳区)."""
    if level != "prefecture" or within or region.level != "prefecture":
        return None
    provinces = [
        gazetteer[c]
        for c in gazetteer._candidate_codes(key)
        if gazetteer[c].level == "province" and len(gazetteer.children(c)) > 1
    ]
    districts = tuple(
        d
        for d in district_matches(key)
        if d.prefecture and d.prefecture != region.adcode and len(gazetteer.children(d.province)) == 1
    )
    if not provinces and not districts:
        return None
    return Unresolved(key, (region, *provinces), ambiguous=True, districts=districts, undecided=True)


class _OutsideProvince(UnknownRegionError):
    """A city that exists, but in another province than the row's province column."""

    def __init__(self, value: object, region: Region) -> None:
        super().__init__(value, [region])
        self.region = region


def _log_unexpected(what: str) -> None:
    # The traceback can quote the uploaded value: identifiers in it are masked, as in pipeline.read_upload.
    log.warning("resolving %s failed unexpectedly: %s", what, mask_text(traceback.format_exc(limit=8)))


def _inside(gazetteer: Gazetteer, region: Region, within: str) -> bool:
    if region.adcode == within or gazetteer.province_of(region.adcode).adcode == within:
        return True
    corps_city = region.adcode.startswith("6590")  # 石河子, 五家渠 …: cities of the 兵团, in 新疆
    return (within == CORPS_ADCODE and corps_city) or (region.adcode == CORPS_ADCODE and within == "650000")


def _level(level: str | None) -> Level | None:
    if level == "province":
        return "province"
    return "prefecture" if level == "prefecture" else None


def _resolve(gazetteer: Gazetteer, key: str, level: str | None, within: str | None) -> Region:
    lvl = _level(level)
    try:
        return gazetteer.resolve(key, level=lvl, within=within)
    except UnknownRegionError:
        if level is None and within is None:
            raise
    # A prefecture column that names a province-level unit (兵团, or a municipality written as 上海):
    # accept the province-level unit rather than fail; but never a unit of another province than the row's.
    try:
        region = gazetteer.resolve(key, level=lvl)
    except UnknownRegionError as exc:
        if exc.ambiguous and within:
            raise UnknownRegionError(key, gazetteer.suggest(key, level=lvl, within=within)) from exc
        region = gazetteer.resolve(key)
    if within and not _inside(gazetteer, region, within):
        raise _OutsideProvince(key, region)
    return region


def suggestion_text(unresolved: Unresolved, lang: str = "zh") -> str:
    """The suggestions (or, for an ambiguous name, its readings) as a sentence part; "no reliable suggestion"
    when names that only look alike were left out."""
    sep = "、" if lang != "en" else ", "
    parts = [_region_text(r, lang) for r in unresolved.suggestions]
    if unresolved.ambiguous:
        parts += [district_text(d, lang) for d in unresolved.districts]
    if not parts:
        if unresolved.lookalikes_rejected:
            return "无可靠建议" if lang != "en" else "no reliable suggestion"
        return "无" if lang != "en" else "none"
    return sep.join(parts)


def _region_text(region: Region, lang: str) -> str:
    """吉林市（地级，220200，吉林省） / Jilin (prefecture 220200, in Jilin): the level tells same-named units apart."""
    gazetteer = load_gazetteer()
    parent = gazetteer.regions.get(region.parent) if region.parent else None
    if lang == "en":
        where = f", in {parent.name_en}" if parent is not None else ""
        return f"{region.name_en} ({region.level} {region.adcode}{where})"
    level = "地级" if region.level == "prefecture" else "省级"
    where = f"，{parent.name_zh}" if parent is not None else ""
    return f"{region.name_zh}（{level}，{region.adcode}{where}）"


def district_text(district: District, lang: str = "zh") -> str:
    """A county-level unit with the prefecture (or province) it belongs to: 浦东新区（上海市，区县级 310115）."""
    gazetteer = load_gazetteer()
    above = district.prefecture or district.province
    parent = gazetteer.regions.get(above)
    if lang == "en":
        where = f"{parent.name_en}, " if parent is not None else ""
        return f"{district.name_zh} ({where}county level, {district.adcode})"
    where = f"{parent.name_zh}，" if parent is not None else ""
    return f"{district.name_zh}（{where}区县级 {district.adcode}）"


def district_parent(unresolved: Unresolved) -> Region | None:
    """The one prefecture (or province) that every county-level reading of the value belongs to, if any."""
    gazetteer = load_gazetteer()
    parents = {d.prefecture or d.province for d in unresolved.districts}
    if len(parents) != 1:
        return None
    parent = parents.pop()
    return gazetteer.regions.get(parent)
