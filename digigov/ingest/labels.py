"""Answer labels as analysts write them (Chinese, English, codes, ticks) mapped onto the code lists of
digigov.codes, and the small helpers both raw-record aggregators share (channel_records, demand_records).

Unknown labels are never guessed: they raise :class:`UnknownLabelError` listing every offending value with its
row count, so the analyst can fix the file or the mapping can be extended.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

import polars as pl

from digigov.regions import Level, UnknownRegionError, load_gazetteer


class UnknownLabelError(ValueError):
    """Values in a column that could not be mapped; ``unknown`` maps each value (None = missing) to its row count.

    The UI lists them so that the analyst can fix the file or extend the mapping.
    """

    def __init__(
        self,
        column: str,
        unknown: Mapping[str | None, float],
        expected: str,
        suggestions: Mapping[str | None, str] | None = None,
    ) -> None:
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


def label_table(spec: Mapping[str, Iterable[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, labels in spec.items():
        for label in (key, *labels):
            table[label_key(label)] = key
    return table


CHANNEL_LABELS = label_table(
    {
        "web": (
            "网站",
            "网页",
            "网页端",
            "网站端",
            "pc",
            "pc端",
            "电脑",
            "电脑端",
            "门户",
            "门户网站",
            "政务网",
            "网上办事大厅",
            "网上大厅",
            "网上",
            "网上办理",
            "网上办",
            "网办",
            "在线办理",
            "网上申报",
            "web portal",
            "website",
            "portal",
            "internet",
            "online portal",
            "browser",
        ),
        "mobile_app": (
            "app",
            "mobile",
            "mobile app",
            "移动端",
            "移动",
            "手机",
            "手机app",
            "手机端",
            "掌上办",
            "掌上办理",
            "移动端办理",
            "小程序",
            "微信小程序",
            "支付宝小程序",
            "微信",
            "支付宝",
            "mini program",
            "miniprogram",
            "applet",
            "phone",
            "smartphone",
            "h5",
        ),
        "self_service_terminal": (
            "自助终端",
            "自助机",
            "自助",
            "终端",
            "一体机",
            "自助办理",
            "自助终端办理",
            "自助服务终端",
            "自助服务机",
            "terminal",
            "kiosk",
            "self service",
            "self-service terminal",
            "self service kiosk",
        ),
        "counter": (
            "窗口",
            "柜台",
            "现场",
            "线下",
            "大厅",
            "政务大厅",
            "办事大厅",
            "服务大厅",
            "政务服务中心",
            "窗口办理",
            "现场办理",
            "面对面",
            "on site",
            "onsite",
            "in person",
            "face to face",
            "offline",
            "desk",
            "window",
            "service hall",
        ),
    }
)
# Traditional-script forms of the entity-type and service-category labels (files from Hong Kong, Macao and Taiwan
# offices, or typed with a traditional input method) are generated from the simplified labels with OpenCC (s2t,
# s2tw, s2hk: 個體工商戶, 稅務 / 税務, 社會保險 …), the converter pyproject.toml pins for region names. Without it
# (an environment that predates the pin) this short list of the same forms is used instead.
TRADITIONAL_LABELS: dict[str, tuple[str, ...]] = {
    "enterprise": ("企業", "企業法人"),
    "individual_business": ("個體工商戶", "個體戶", "個體", "個體工商户"),
    "individual": ("個人",),
    "business_registration": ("市場主體登記", "登記", "註冊", "注冊", "工商登記", "商事登記", "企業登記", "年報"),
    "tax": ("稅務", "税務", "納稅", "納税", "辦稅", "辦税", "稅"),
    "social_insurance": ("社會保險", "醫保"),
    "permits": ("行政許可", "許可", "審批"),
    "certificates": ("證照", "證明", "證照辦理", "證明辦理", "證照證明"),
}


def _traditional_forms(labels: Iterable[str]) -> tuple[str, ...] | None:
    """The labels in traditional script (OpenCC s2t, s2tw, s2hk), or None when OpenCC is not installed."""
    try:
        import opencc  # the OpenCC project's own binding (pinned in pyproject.toml)
    except Exception:  # not installed, or a broken installation: the listed forms are used instead
        return None
    converters = [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]
    return tuple(dict.fromkeys(c.convert(label) for label in labels for c in converters))


def _with_traditional(spec: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for key, labels in spec.items():
        simplified = tuple(labels)
        generated = _traditional_forms(simplified)
        out[key] = (*simplified, *(generated if generated is not None else TRADITIONAL_LABELS.get(key, ())))
    return out


ENTITY_LABELS = label_table(
    _with_traditional(
        {
            "enterprise": ("企业", "公司", "企业法人", "company", "firm", "corporation"),
            "individual_business": (
                "个体工商户",
                "个体户",
                "个体",
                "individual business",
                "self employed",
                "sole proprietor",
                "sole trader",
            ),
            "individual": ("个人", "自然人", "person", "natural person"),
        }
    )
)
CATEGORY_LABELS = label_table(
    _with_traditional(
        {
            "business_registration": (
                "市场主体登记",
                "登记",
                "注册",
                "工商登记",
                "商事登记",
                "企业登记",
                "年报",
                "registration",
                "business registration",
                "company registration",
            ),
            "tax": ("税务", "纳税", "办税", "税", "taxation", "taxes"),
            "social_insurance": ("社保", "社会保险", "医保", "social security"),
            "permits": ("行政许可", "许可", "审批", "permit", "licence", "license", "licensing", "approvals"),
            "certificates": ("证照", "证明", "证照办理", "证明办理", "证照证明", "certificate", "certification"),
        }
    )
)
_YES = {label_key(v) for v in ("是", "有", "对", "需要", "yes", "y", "true", "t", "1", "1.0", "√", "✓", "✔")}
_NO = {
    label_key(v) for v in ("否", "无", "没有", "不", "错", "不需要", "no", "n", "false", "f", "0", "0.0", "×", "✗", "✘")
}
YES_NO_EXPECTED = "是/否, yes/no, y/n, true/false, 1/0, √/×"

# A 办件's status in a transaction log: completed (办结) or not (yet); 不予受理 / 退回 are not completed for the
# applicant.
_COMPLETED = {
    label_key(v) for v in ("已办结", "办结", "已完成", "完成", "办毕", "已办毕", "已出证", "completed", "done")
}
_NOT_COMPLETED = {
    label_key(v)
    for v in (
        "未办结",
        "办理中",
        "在办",
        "受理中",
        "已受理",
        "待受理",
        "待办",
        "补正",
        "待补正",
        "退回",
        "已退回",
        "不予受理",
        "撤件",
        "已撤回",
        "未完成",
        "in progress",
        "pending",
    )
}
COMPLETED_EXPECTED = "已办结/未办结/办理中, 是/否, 1/0"
# A rating in the five levels of 好差评 (国办发〔2019〕51号): 非常满意 5, 满意 4, 基本满意 3, 不满意 2, 非常不满意 1.
# 基本满意 and above are 好评, so they count as satisfied (the scores 3–5 alike).
_SATISFIED = {label_key(v) for v in ("非常满意", "满意", "基本满意", "比较满意", "一般", "好评", "satisfied")}
_NOT_SATISFIED = {label_key(v) for v in ("不满意", "非常不满意", "很不满意", "差评", "unsatisfied", "dissatisfied")}
SATISFIED_EXPECTED = "满意/基本满意/不满意 (非常满意 … 非常不满意), 好评/差评, 1–5"


def parse_completed(value: object) -> bool | None:
    """True / False for a 办件 status (已办结 / 办理中 …) or a yes/no answer; None when unknown."""
    if value is None:
        return None
    key = label_key(value)
    if key in _COMPLETED:
        return True
    if key in _NOT_COMPLETED:
        return False
    return parse_yes_no(value)


def parse_satisfied(value: object) -> bool | None:
    """True / False for a rating: the words of 好差评, or a score of 1–5 (3 = 基本满意 and above is satisfied);
    None when unknown (0/1 as a score would be ambiguous: read as no/yes only when written as 是/否)."""
    if value is None:
        return None
    key = label_key(value)
    if key in _SATISFIED:
        return True
    if key in _NOT_SATISFIED:
        return False
    if key in {"1", "2", "3", "4", "5", "10", "20", "30", "40", "50"}:
        return int(key[0]) >= 3
    if key in {label_key(v) for v in ("是", "否", "yes", "no", "true", "false")}:
        return parse_yes_no(value)
    return None


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


# Why a respondent who needs a service does not use it online (digigov.codes.REASONS).
REASON_LABELS = label_table(
    {
        "unaware": (
            "不知道可网办",
            "不知道可以网上办",
            "不知道",
            "不知晓",
            "不了解",
            "未听说",
            "reason_unaware",
            "not aware",
            "did not know",
            "didn't know",
            "didnt know",
            "unaware of online service",
        ),
        "no_guidance": (
            "缺少指引",
            "缺乏指引",
            "没有指引",
            "无指引",
            "指引不清",
            "不会用",
            "不会操作",
            "操作复杂",
            "流程复杂",
            "reason_no_guidance",
            "no guidance",
            "lack of guidance",
            "did not know how",
            "too complicated",
        ),
        "no_answer": (
            "问题无人解答",
            "无人解答",
            "没人解答",
            "咨询无回应",
            "没有回应",
            "无人回复",
            "reason_no_answer",
            "no answer",
            "no response",
            "questions unanswered",
            "unanswered",
        ),
        "prefers_face": (
            "偏好面对面",
            "喜欢面对面",
            "偏好线下",
            "习惯线下",
            "更喜欢现场",
            "面对面",
            "reason_prefers_face",
            "prefers face to face",
            "prefer face to face",
            "prefers in person",
            "prefer in person",
            "face to face",
        ),
        "tech_failure": (
            "系统故障",
            "技术故障",
            "系统卡顿",
            "系统问题",
            "网站打不开",
            "登录失败",
            "reason_tech_failure",
            "technical failure",
            "tech failure",
            "system failure",
            "system error",
            "technical problem",
        ),
        "other": ("其他", "其它", "reason_other", "others"),
    }
)


# ---------------------------------------------------------------------------------------------------------------
# Shared by the aggregators: they group by the raw labels first, then map each distinct label once
# ---------------------------------------------------------------------------------------------------------------
def labels_or_raise(
    counts: pl.DataFrame,
    raw_col: str,
    column: str,
    mapper: Callable[[object], object],
    expected: str,
    *,
    blanks_allowed: bool = False,
) -> dict:
    """Map each distinct raw value with ``mapper``; raise listing every unmapped value with its row count.

    ``blanks_allowed``: a missing or blank answer maps to None instead of being unknown (survey skip logic
    leaves later questions empty)."""
    per_value = counts.group_by(raw_col).agg(pl.col("__n").sum())
    mapping: dict[object, object] = {}
    unknown: dict[str | None, float] = {}
    for value, rows in per_value.iter_rows():
        if blanks_allowed and (value is None or not value.strip()):
            mapping[value] = None
            continue
        code = mapper(value)
        if code is None:
            unknown[value] = rows
        mapping[value] = code
    if unknown:
        raise UnknownLabelError(column, unknown, expected)
    return mapping


def free_dimension_codes(frame: pl.DataFrame, column: str, table: Mapping[str, str]) -> pl.Expr:
    """``column`` (a free dimension: entity type, service category) with recognised labels replaced by their
    codes and anything else kept as written."""
    codes = {v: map_label(v, table) or v for v in frame[column].unique().drop_nulls()}
    return pl.col(column).replace_strict(codes, default=None, return_dtype=pl.String)


def resolve_region_labels(counts: pl.DataFrame, raw_col: str, column: str, level: Level | None) -> dict:
    """Each distinct raw region (any spelling) -> its adcode; raise listing every unknown one with suggestions."""
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


def period_as_year(frame: pl.DataFrame) -> pl.DataFrame:
    """Periods written as text "2024" become integers so they join with the built-in data; others stay as given."""
    if "year" in frame.columns and frame.schema["year"] == pl.String:
        values = frame["year"].drop_nulls().str.strip_chars()
        if values.len() and values.str.contains(r"^\d{4}$").all():
            return frame.with_columns(pl.col("year").str.strip_chars().cast(pl.Int64))
    return frame


def require_columns(names: Sequence[str], wanted: Iterable[str | None]) -> None:
    """Raise naming every wanted column (None = not asked for) that the file does not have."""
    missing = [c for c in wanted if c is not None and c not in names]
    if missing:
        raise ValueError(f"columns not found: {', '.join(map(repr, missing))}; the file has {', '.join(names)}")
