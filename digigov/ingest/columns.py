"""Column roles from header names, in Chinese and English: a proposal the user sees and can change.

A role says what a column is for: region, region_code, city, year, indicator (long tables: the indicator's name),
value (long tables: its number), sample_size, channel, entity_type, service_category, weight, ... An indicator
column of a wide table is mapped to its catalog indicator (by id, Chinese or English name, or the catalog's
column name). Identifier columns (姓名, 身份证, 手机 ...) get the role "identifier" and are dropped.

Headers are matched by exact names and synonyms first, then by meaning (issue 19): the header is normalised
(width, case, punctuation, a unit in brackets), split into known morphemes (线下/现场/窗口/柜台 → offline,
线上/网上/网办/在线 → online, 偏好/倾向/习惯 → prefer, 占比/比例/率/比重 → share ...) and compared with each
indicator's meaning; the confidence falls with every character no morpheme explains. A match below
MAP_THRESHOLD is never applied: the column stays unmapped and carries the target as a `suggestion`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from digigov.indicators import load_catalog
from digigov.ingest.privacy import pii_column_name

ROLES: tuple[str, ...] = (
    "region",
    "region_code",
    "city",
    "year",
    "indicator",
    "value",
    "sample_size",
    "channel",
    "entity_type",
    "service_category",
    "weight",
    "level",
    "entities",
    "record_id",
    "reason",
    "note",
    "identifier",
    "ignore",
)
# Raw answer columns of a demand survey (one row per respondent): yes/no answers.
ANSWER_ROLES: tuple[str, ...] = ("need", "aware", "used", "completed", "satisfied", "prefers_offline")
ALL_ROLES: tuple[str, ...] = ROLES + ANSWER_ROLES
SINGLE_ROLES = frozenset(set(ALL_ROLES) - {"note", "identifier", "ignore"})

SYNONYMS: dict[str, tuple[str, ...]] = {
    "region": (
        "地区",
        "省份",
        "省",
        "省市",
        "省区市",
        "省级行政区",
        "地区名称",
        "省份名称",
        "区域",
        "行政区",
        "行政区划",
        "行政区划名称",
        "region",
        "province",
        "regionname",
        "provincename",
        "area",
    ),
    "city": ("城市", "市", "地市", "地级市", "城市名称", "地市名称", "市州", "city", "cityname", "prefecture"),
    "region_code": (
        "行政区划代码",
        "区划代码",
        "代码",
        "地区代码",
        "省份代码",
        "城市代码",
        "adcode",
        "code",
        "regioncode",
        "areacode",
        "gbcode",
        "divisioncode",
    ),
    "year": ("年份", "年度", "年", "时间", "统计年度", "调查年份", "日期", "期间", "period", "year", "date", "time"),
    "indicator": ("指标", "指标名称", "指标名", "项目", "indicator", "indicatorname", "measure", "metric", "item"),
    "value": ("数值", "值", "指标值", "取值", "数据", "value", "amount"),
    "sample_size": (
        "样本量",
        "有效样本量",
        "有效样本数",
        "有效问卷",
        "有效问卷数",
        "调查样本数",
        "受访企业数",
        "受访主体数",
        "样本数",
        "样本",
        "受访数",
        "受访者数",
        "受访人数",
        "有效样本",
        "调查样本量",
        "n",
        "respondents",
        "samplesize",
        "sample",
    ),
    "channel": ("渠道", "办理渠道", "主要渠道", "主要办理渠道", "办事渠道", "办理方式", "channel", "mainchannel"),
    "entity_type": ("主体类型", "市场主体类型", "企业类型", "受访主体类型", "entitytype", "entity", "respondenttype"),
    "service_category": (
        "服务类别",
        "事项类别",
        "事项类型",
        "服务类型",
        "业务类别",
        "办理事项",
        "category",
        "servicecategory",
        "service",
    ),
    "weight": ("权重", "抽样权重", "weight", "samplingweight"),
    "level": ("层级", "行政层级", "级别", "level"),
    "entities": ("主体数", "市场主体数", "市场主体数量", "entities", "entitycount"),
    "record_id": (
        "统一社会信用代码",
        "信用代码",
        "企业代码",
        "组织机构代码",
        "受访者编号",
        "问卷编号",
        "样本编号",
        "记录编号",
        "编号",
        "序号",
        "respondentid",
        "recordid",
        "responseid",
        "id",
    ),
    "reason": ("原因", "未使用原因", "未网办原因", "主要原因", "reason"),
    "note": ("备注", "说明", "注", "note", "notes", "remark", "remarks", "comment"),
    "need": ("是否有需求", "是否需要", "有无需求", "需求"),
    "aware": ("是否知晓", "是否知道", "知晓", "知晓情况"),
    "used": ("是否使用", "是否网办", "是否在线办理", "使用"),
    "completed": ("是否办成", "是否办结", "办成", "completed"),
    "satisfied": ("是否满意", "满意", "satisfied"),
    "prefers_offline": ("是否偏好线下", "偏好线下", "是否偏好现场办理"),
}
# One-letter or one-character synonyms only count as exact matches (年 must not match 年均增长率).
_MIN_CONTAINED = 2
_UNIT_IN_HEADER = re.compile(r"[(（\[【]\s*(?:单位\s*[:：])?\s*([^)）\]】]{1,12})\s*[)）\]】]\s*$")
_PERCENT_WORDS = ("%", "百分比", "percent", "pct", "百分点")
_FOLD = re.compile(r"[\s_\-.·:：/\\'\"“”‘’]+")


def fold(name: str) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", str(name)).casefold())


def split_unit(header: str) -> tuple[str, str | None]:
    """'线下办理偏好占比(%)' → ('线下办理偏好占比', '%'); '指数（分）' → ('指数', '分')."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    match = _UNIT_IN_HEADER.search(text)
    if match and match.start() > 0:
        return text[: match.start()].strip(), match.group(1).strip()
    if text.endswith("%") and len(text) > 1:
        return text[:-1].strip(), "%"
    return text, None


def header_says_percent(header: str) -> bool:
    _, unit = split_unit(header)
    return unit is not None and any(word in unit.casefold() for word in _PERCENT_WORDS)


# A proposed match below this confidence is not applied: the column stays unmapped with a suggestion.
MAP_THRESHOLD = 0.6


@dataclass(frozen=True)
class ColumnMatch:
    column: str
    role: str | None  # one of ALL_ROLES, or None (kept as text, not used)
    indicator: str | None = None  # catalog id when the column holds an indicator
    # 1.0 exact, 0.9 catalog column name, 0.7 contained, 0.6-0.85 by meaning, 0.5 fuzzy (suggested only), 1.0 user
    confidence: float = 0.0
    matched: str | None = None  # the synonym or name that matched ("meaning: offline+prefer+share" by meaning)
    unit_hint: str | None = None  # unit written in the header, e.g. "%"
    suggestion: str | None = None  # a low-confidence target (role or indicator id) not applied; see MAP_THRESHOLD
    by_meaning: bool = False  # matched by normalised words, not by an exact name or synonym

    @property
    def target(self) -> str | None:
        """What the mapping says: a role, or an indicator id."""
        return self.indicator if self.indicator else self.role

    @property
    def level(self) -> str:
        if self.confidence >= 0.9:
            return "high"
        return "medium" if self.confidence >= 0.6 else "low"


@dataclass(frozen=True)
class ColumnMapping:
    matches: tuple[ColumnMatch, ...]

    def as_dict(self) -> dict[str, str | None]:
        """{column: role or indicator id}; what the UI shows and what read_upload(mapping=...) accepts."""
        return {m.column: m.target for m in self.matches}

    def columns_for(self, role: str) -> list[str]:
        return [m.column for m in self.matches if m.role == role and not m.indicator]

    def first(self, role: str) -> str | None:
        found = self.columns_for(role)
        return found[0] if found else None

    def indicators(self) -> dict[str, str]:
        """{column: indicator id} for the indicator columns."""
        return {m.column: m.indicator for m in self.matches if m.indicator}

    def get(self, column: str) -> ColumnMatch | None:
        return next((m for m in self.matches if m.column == column), None)

    def confidences(self) -> dict[str, float]:
        """{column: confidence of its proposed target} (0.0 for an unmapped column): what the mapping shows."""
        return {m.column: m.confidence if m.target else 0.0 for m in self.matches}

    def suggestions(self) -> dict[str, tuple[str, float]]:
        """{column: (suggested target, confidence)} for the columns left unmapped because the match was weak."""
        return {m.column: (m.suggestion, m.confidence) for m in self.matches if m.suggestion and not m.target}


def _indicator_names() -> dict[str, tuple[str, float]]:
    names: dict[str, tuple[str, float]] = {}
    for indicator in load_catalog().values():
        for name, confidence in (
            (indicator.id, 1.0),
            (indicator.name_zh, 1.0),
            (indicator.name_en, 1.0),
            (indicator.column, 0.9),
        ):
            key = fold(name)
            if key and key not in names:
                names[key] = (indicator.id, confidence)
    return names


def _synonym_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for role, words in SYNONYMS.items():
        for word in words:
            keys.setdefault(fold(word), role)
    return keys


def _match(header: str, indicator_names: dict[str, tuple[str, float]], synonyms: dict[str, str]) -> ColumnMatch:
    base, unit = split_unit(header)
    key = fold(base)
    if not key:
        return ColumnMatch(header, None, unit_hint=unit)
    if key in indicator_names:
        indicator, confidence = indicator_names[key]
        return ColumnMatch(header, "indicator_column", indicator, confidence, base, unit)
    if key in synonyms:
        return ColumnMatch(header, synonyms[key], None, 1.0, base, unit)
    if pii_column_name(header):
        return ColumnMatch(header, "identifier", confidence=1.0, matched=pii_column_name(header), unit_hint=unit)
    contained = [
        (len(word), role, word) for word, role in synonyms.items() if len(word) >= _MIN_CONTAINED and word in key
    ]
    contained += [
        (len(name), "indicator_column", name)
        for name in indicator_names
        if len(name) >= 3 and name in key and indicator_names[name][1] == 1.0
    ]
    catalog_ids = frozenset(i for i, _ in indicator_names.values())
    meaning = _meaning_match(header, unit, catalog_ids)
    if meaning is not None and meaning.target and meaning.confidence >= 0.75:
        return meaning  # every word explained: better than a synonym found inside the header
    if contained:
        _, role, word = max(contained)
        if role == "indicator_column":
            return ColumnMatch(header, role, indicator_names[word][0], 0.7, word, unit)
        return ColumnMatch(header, role, None, 0.7, word, unit)
    if meaning is not None:
        return meaning
    close = difflib.get_close_matches(key, [*indicator_names, *synonyms], n=1, cutoff=0.85)
    if close:  # a look-alike: suggested, never applied
        word = close[0]
        target = indicator_names[word][0] if word in indicator_names else synonyms[word]
        return ColumnMatch(header, None, None, 0.5, word, unit, suggestion=target)
    return ColumnMatch(header, None, unit_hint=unit)


# -- matching by meaning ------------------------------------------------------------------------------------
# Morphemes analysts use in headers → concepts. Longest first when a header is split.
MORPHEMES: dict[str, str] = {
    **dict.fromkeys(("线下", "现场", "实体大厅", "办事大厅", "大厅", "到场", "当面", "面对面", "线下渠道"), "offline"),
    **dict.fromkeys(("窗口", "柜台", "窗口端"), "counter"),
    **dict.fromkeys(("线上", "网上", "在线", "网络", "互联网", "一网通办", "onlin", "online"), "online"),
    **dict.fromkeys(("网办",), "online_handle"),
    **dict.fromkeys(
        ("偏好", "倾向", "倾向于", "习惯", "喜欢", "更愿意", "愿意", "首选", "偏向", "prefer", "prefers"), "prefer"
    ),
    **dict.fromkeys(("办理", "办事", "办", "处理", "handling", "handled"), "handle"),
    **dict.fromkeys(
        ("占比", "比例", "比重", "比率", "份额", "百分比", "率", "占", "share", "rate", "ratio", "pct", "percent"),
        "share",
    ),
    **dict.fromkeys(("知晓", "知道", "了解", "知悉", "听说过", "awareness", "aware"), "aware"),
    **dict.fromkeys(("潜在", "需求", "有需求", "需要", "potential", "need"), "need"),
    **dict.fromkeys(("实际", "actual"), "actual"),
    **dict.fromkeys(("使用", "用过", "利用", "usage", "use", "used"), "use"),
    **dict.fromkeys(("网站", "网页", "门户", "电脑端", "pc端", "pc", "web", "website", "portal"), "web"),
    **dict.fromkeys(("移动端", "移动", "手机", "app", "小程序", "掌上", "mobile"), "mobile"),
    **dict.fromkeys(("自助终端", "自助机", "自助", "终端", "一体机", "terminal", "kiosk"), "terminal"),
    **dict.fromkeys(
        ("样本量", "样本数", "样本", "受访者数", "受访者", "受访", "有效", "问卷数", "问卷", "人数", "数"), "sample"
    ),
    **dict.fromkeys(("主要", "渠道", "方式", "的", "者", "人员", "群众", "企业", "市场主体", "主体"), "filler"),
}
# Meanings: (concepts that must all be present, concepts that may be, target, confidence when fully explained).
MEANINGS: tuple[tuple[frozenset[str], frozenset[str], str, float], ...] = (
    (frozenset({"offline", "prefer"}), frozenset({"handle", "share", "filler"}), "offline_pref_share", 0.85),
    (frozenset({"counter", "prefer"}), frozenset({"handle", "share", "filler"}), "offline_pref_share", 0.85),
    (frozenset({"counter", "share"}), frozenset({"handle", "filler"}), "channel_counter_share", 0.8),
    (frozenset({"offline", "share"}), frozenset({"handle", "filler"}), "channel_counter_share", 0.55),
    (frozenset({"web", "share"}), frozenset({"handle", "filler"}), "channel_web_share", 0.8),
    (frozenset({"mobile", "share"}), frozenset({"handle", "filler"}), "channel_mobile_share", 0.8),
    (frozenset({"terminal", "share"}), frozenset({"handle", "filler"}), "channel_terminal_share", 0.8),
    (frozenset({"aware", "share"}), frozenset({"online", "handle", "filler"}), "awareness_rate", 0.85),
    (frozenset({"need", "share"}), frozenset({"use", "online", "handle", "filler"}), "potential_usage_rate", 0.8),
    (frozenset({"actual", "use"}), frozenset({"share", "online", "handle", "filler"}), "actual_usage_rate", 0.85),
    (frozenset({"online", "handle", "share"}), frozenset({"actual", "use", "filler"}), "actual_usage_rate", 0.75),
    (frozenset({"online_handle", "share"}), frozenset({"actual", "use", "filler"}), "actual_usage_rate", 0.75),
    (frozenset({"online", "use", "share"}), frozenset({"filler"}), "actual_usage_rate", 0.75),
    (frozenset({"sample"}), frozenset({"filler"}), "sample_size", 0.8),
)
_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_MORPHEME_ORDER = sorted(MORPHEMES, key=len, reverse=True)


def meaning_words(header: str) -> tuple[list[str], int, int]:
    """The header's concepts in order (from MORPHEMES), the characters they explain and the characters in all,
    after folding and removing units in brackets: '倾向线下办理占比(%)' → ([prefer, offline, handle, share], 8, 8)."""
    base, _ = split_unit(header)
    key = fold(_BRACKETED.sub("", unicodedata.normalize("NFKC", base)))
    key = re.sub(r"[%‰,，、;；()（）\[\]【】]", "", key)
    concepts: list[str] = []
    explained = 0
    position = 0
    while position < len(key):
        word = next((m for m in _MORPHEME_ORDER if key.startswith(m, position)), None)
        if word is None:
            position += 1
            continue
        concepts.append(MORPHEMES[word])
        explained += len(word)
        position += len(word)
    return concepts, explained, len(key)


def match_by_meaning(header: str) -> tuple[str, float, str] | None:
    """(target, confidence, the concepts matched) by the header's meaning, or None. Full confidence only when
    every character is explained and no concept is left over; each unexplained character costs."""
    concepts, explained, total = meaning_words(header)
    if not concepts or total == 0:
        return None
    found = set(concepts)
    best: tuple[str, float, str] | None = None
    for required, optional, target, confidence in MEANINGS:
        if not required <= found:
            continue
        stray = found - required - optional
        score = confidence * (explained / total) - 0.2 * len(stray)
        if best is None or score > best[1]:
            best = (target, round(score, 2), "+".join(c for c in dict.fromkeys(concepts) if c != "filler"))
    return best if best is not None and best[1] > 0 else None


def _meaning_match(header: str, unit: str | None, catalog_ids: frozenset[str]) -> ColumnMatch | None:
    found = match_by_meaning(header)
    if found is None:
        return None
    target, confidence, words = found
    indicator = target if target in catalog_ids else None
    role = "indicator_column" if indicator else target
    matched = f"meaning: {words}"
    if confidence < MAP_THRESHOLD:
        return ColumnMatch(header, None, None, confidence, matched, unit, suggestion=target, by_meaning=True)
    return ColumnMatch(header, role, indicator, confidence, matched, unit, by_meaning=True)


def propose_mapping(columns: Sequence[str]) -> ColumnMapping:
    """Each column's proposed role (or indicator) with a confidence. A role or an indicator is given to one
    column only: the most confident, then the leftmost."""
    indicator_names = _indicator_names()
    synonyms = _synonym_keys()
    raw = [_match(c, indicator_names, synonyms) for c in columns]
    taken: dict[str, int] = {}
    order = sorted(range(len(raw)), key=lambda i: (-raw[i].confidence, i))
    final: list[ColumnMatch] = list(raw)
    for i in order:
        match = raw[i]
        target = match.indicator or match.role
        if target is None or match.role not in SINGLE_ROLES | {"indicator_column"}:
            continue
        if target in taken:
            final[i] = ColumnMatch(match.column, None, None, 0.0, None, match.unit_hint, suggestion=target)
        else:
            taken[target] = i
    return ColumnMapping(tuple(final))


class MappingError(ValueError):
    def __init__(self, column: str, target: str) -> None:
        self.column = column
        self.target = target
        super().__init__(f"column {column!r}: unknown role or indicator {target!r}")


def apply_user_mapping(
    proposal: ColumnMapping, user: Mapping[str, str | None] | None
) -> tuple[ColumnMapping, list[MappingError]]:
    """The proposal with the user's choices laid over it. Values: a role, an indicator id (or "indicator:<id>"),
    or None / "ignore". Unknown columns and targets are returned as errors (and left as proposed)."""
    if not user:
        return proposal, []
    catalog = load_catalog()
    errors: list[MappingError] = []
    chosen: dict[str, ColumnMatch] = {}
    for column, target in user.items():
        existing = proposal.get(column)
        if existing is None:
            errors.append(MappingError(column, str(target)))
            continue
        if target is None or target == "ignore":
            chosen[column] = ColumnMatch(column, "ignore", None, 1.0, "user", existing.unit_hint)
            continue
        name = target.removeprefix("indicator:")
        if name in catalog:
            chosen[column] = ColumnMatch(column, "indicator_column", name, 1.0, "user", existing.unit_hint)
        elif target in ALL_ROLES:
            chosen[column] = ColumnMatch(column, target, None, 1.0, "user", existing.unit_hint)
        else:
            errors.append(MappingError(column, str(target)))
    # A role or indicator the user gave to one column is taken away from any other column.
    user_targets = {m.target for m in chosen.values() if m.role in SINGLE_ROLES | {"indicator_column"}}
    matches = []
    for match in proposal.matches:
        if match.column in chosen:
            matches.append(chosen[match.column])
        elif match.target in user_targets and match.role in SINGLE_ROLES | {"indicator_column"}:
            matches.append(ColumnMatch(match.column, None, None, 0.0, None, match.unit_hint))
        else:
            matches.append(match)
    return ColumnMapping(tuple(matches)), errors
