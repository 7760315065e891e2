"""Region columns through the gazetteer: names in any spelling, or codes; never raises.

A manual mapping {raw value: adcode} is applied first (the user's answer to "which region is this?"). Values
that stay unknown are listed with the gazetteer's suggestions. Units without a boundary of their own
(新疆生产建设兵团) resolve normally and are marked drawn=False: kept in tables, not drawn on the map.
"""

from __future__ import annotations

import logging
import re
import traceback
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from digigov.ingest.privacy import mask_text
from digigov.ingest.values import is_missing, looks_scientific
from digigov.regions import Gazetteer, Region, UnknownRegionError, load_gazetteer, normalise_key

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


def _surely_unknown(key: str) -> bool:
    match = _STAT_CODE.match(key)
    return normalise_key(match.group(1) if match else key) not in _known_keys()


@dataclass(frozen=True)
class Unresolved:
    value: str
    suggestions: tuple[Region, ...] = ()
    ambiguous: bool = False
    scientific: bool = False  # "1.1E+17": a code mangled by Excel


@dataclass
class RegionResolution:
    resolved: dict[str, Region] = field(default_factory=dict)  # raw value -> region
    unresolved: dict[str, Unresolved] = field(default_factory=dict)
    invalid_overrides: dict[str, str] = field(default_factory=dict)  # raw value -> the adcode that is unknown

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
    if len(result.unresolved) >= MAX_SUGGESTED and _surely_unknown(_clean(key)):
        result.unresolved[raw] = Unresolved(raw)
        return
    try:
        result.resolved[raw] = _resolve(gazetteer, _clean(key), level, within)
    except UnknownRegionError as exc:
        result.unresolved[raw] = Unresolved(raw, tuple(exc.suggestions[:3]), bool(exc.ambiguous))
    except Exception:  # a bug, not an unknown name: reported like one, and logged
        _log_unexpected("a region value")
        result.unresolved[raw] = Unresolved(raw)


def _log_unexpected(what: str) -> None:
    # The traceback can quote the uploaded value: identifiers in it are masked, as in pipeline.read_upload.
    log.warning("resolving %s failed unexpectedly: %s", what, mask_text(traceback.format_exc(limit=8)))


def _resolve(gazetteer, key: str, level: str | None, within: str | None) -> Region:
    try:
        return gazetteer.resolve(key, level=level, within=within)
    except UnknownRegionError:
        if level is None and within is None:
            raise
    # A prefecture column that names a province-level unit (兵团, or a municipality written as 上海):
    # accept the province-level unit rather than fail.
    try:
        return gazetteer.resolve(key, level=level)
    except UnknownRegionError:
        return gazetteer.resolve(key)


def suggestion_text(unresolved: Unresolved, lang: str = "zh") -> str:
    if not unresolved.suggestions:
        return "无" if lang != "en" else "none"
    sep = "、" if lang != "en" else ", "
    return sep.join(f"{r.name(lang) if lang == 'en' else r.name_zh} ({r.adcode})" for r in unresolved.suggestions)
