"""Cell values as analysts write them: numbers, percentages, missing markers and years.

Every cell arrives as text and is converted explicitly here. The unit of a share column is inferred once for the
whole column and returned for the user to confirm; the parser never guesses per cell. A share column that mixes
cells with a % sign and bare non-zero numbers ("45%" beside "0.45") has no unit that fits every cell: it is
refused (UnitInference.mixed; the pipeline reports each bare cell as an error) rather than read at a guess.

Numbers as analysts write them (issue 19): a Chinese scale word multiplies ("8.09亿" → 809000000, "1.2万" →
12000, "3千" → 3000); an approximation word keeps the value and flags it ("约500", "500余", "500多", "500左右",
"近500"); a unit word after the number is returned for the caller to check against the indicator's unit ("71.2分"
→ 71.2 with unit 分; "3.5‰" → 0.35 with a percent flag, i.e. 3.5 per mille; "2.1个百分点" → 2.1 with a percent
flag); full-width digits, signs and separators are folded (NFKC: "４５．３％" → 45.3%, "1，234" → 1234). What
cannot be read raises ValueParseError with a reason that names the problem: not_a_number, number_grouping
("1,23"), number_range ("10-20"), number_unit_unknown ("12公里").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, cast

import polars as pl

# Missing-value markers, compared after NFKC folding, stripping and case folding.
MISSING_TOKENS = frozenset(
    {
        "",
        "—",
        "——",
        "-",
        "--",
        "–",
        "−",
        "…",
        "...",
        "……",
        "n/a",
        "na",
        "#n/a",
        "无",
        "空",
        "null",
        "none",
        "nan",
        "/",
        "\\",
        "?",
        "？",
        "不详",
        "暂无",
        "缺失",
    }
)
YEAR_MIN, YEAR_MAX = 1949, 2100
_GROUPED = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE]\+?\d+$")
SCIENTIFIC_PATTERN = r"^[+-]?[0-9]+(?:\.[0-9]+)?[eE]\+?[0-9]+$"  # the same, for polars expressions
_FAST_NUMBER = r"^[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?%?$"  # ASCII-only fast path for polars
_SPACES = re.compile(r"\s+")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


class ValueParseError(ValueError):
    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{reason}: {value!r}")


@dataclass(frozen=True)
class Number:
    value: float  # the number as written (45.3 for "45.3%"), times its scale word (12000 for "1.2万")
    percent: bool  # written with a percent sign (or per mille: value / 10, or 个百分点)
    approx: bool = False  # written as an approximation: 约, 近, 逾, 余, 多, 左右 ...
    scaled: bool = False  # written with a scale word: 万, 亿, 千, 百, 万亿
    unit: str | None = None  # the unit word written after the number: 分, 天, 户, ‰, 百分点 ... (None: none)


# Scale words, approximation words and unit words as analysts write them after (or before) a number.
SCALE_WORDS: dict[str, float] = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
APPROX_PREFIXES: tuple[str, ...] = ("大约", "将近", "接近", "超过", "约", "近", "逾", "超", "~", "≈")
APPROX_SUFFIXES: tuple[str, ...] = ("左右", "上下", "以上", "有余", "余", "多")
# Unit word → the catalog unit it belongs to. Percent-like units (%, ‰, 百分点) are flagged as percent instead.
UNIT_WORDS: dict[str, str] = {
    "分": "points",
    "个工作日": "days",
    "工作日": "days",
    "天": "days",
    "日": "days",
    "人次": "count",
    "个": "count",
    "人": "count",
    "户": "count",
    "家": "count",
    "件": "count",
    "次": "count",
    "项": "count",
    "元": "count",
}
_PERCENT_UNITS = {"%": 1.0, "‰": 10.0, "个百分点": 1.0, "百分点": 1.0}  # divisor to the percent written
_WORD_ALTERNATION = "|".join(re.escape(w) for w in sorted({*UNIT_WORDS, *_PERCENT_UNITS}, key=len, reverse=True))
_WRITTEN = re.compile(
    r"^(?P<pre>" + "|".join(re.escape(w) for w in APPROX_PREFIXES) + r")?\s*"
    r"(?P<num>[+-]?(?:[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*"
    r"(?P<more>余|多)?\s*(?P<scale>万亿|亿|万|千|百)?\s*(?P<more2>余|多)?\s*"
    r"(?P<unit>" + _WORD_ALTERNATION + r")?\s*"
    r"(?P<post>" + "|".join(re.escape(w) for w in APPROX_SUFFIXES) + r")?$"
)
_RANGE = re.compile(r"^[+-]?[0-9][0-9,.]*\s*[%‰]?\s*(?:-|~|～|至|到|—|–)\s*[0-9][0-9,.]*\s*\S*$")
_NUMBER_THEN_WORD = re.compile(r"^[+-]?[0-9][0-9,.]*\s*(?P<word>[^\s0-9.,%+\-]{1,8})$")


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).replace("−", "-").replace("\u3000", " ")
    return folded.strip()


def is_missing(text: object) -> bool:
    if text is None:
        return True
    if isinstance(text, float) and text != text:
        return True
    return _fold(str(text)).casefold() in MISSING_TOKENS


def parse_number(text: object) -> Number | None:
    """ "45.3%", "45.3", "0.453", "1,234", "1，234", "１２３", "-5", "1.5e3" → Number; missing markers → None.
    "8.09亿", "1.2万" → scaled; "约500", "500余", "500左右" → approx; "71.2分", "3.5‰", "12天" → with their unit.

    Thousands separators must group by three ("1,23" is an error, not 123). Raises ValueParseError whose reason
    says what is wrong: not_a_number, number_grouping, number_range or number_unit_unknown.
    """
    if isinstance(text, bool):
        raise ValueParseError(text, "not_a_number")
    if isinstance(text, int | float):
        if text != text:
            return None
        if text in (float("inf"), float("-inf")):
            raise ValueParseError(text, "not_a_number")
        return Number(float(text), False)
    if is_missing(text):
        return None
    folded = _fold(str(text))
    match = _WRITTEN.match(folded)
    if match is None:
        raise ValueParseError(text, _failure_reason(folded))
    return _written_number(text, match)


def _written_number(text: object, match: re.Match[str]) -> Number:
    """The Number of a cell that matched _WRITTEN: the digits checked, then scale, approximation and unit."""
    body = match.group("num")
    if _GROUPED.match(body):
        value = float(body.replace(",", ""))
    elif "," in body:
        raise ValueParseError(text, "number_grouping")
    elif _PLAIN.match(body):
        value = float(body)
    else:
        raise ValueParseError(text, "not_a_number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueParseError(text, "not_a_number")
    scale_word, unit = match.group("scale"), match.group("unit")
    approx = any(match.group(g) for g in ("pre", "more", "more2", "post"))
    percent = unit in _PERCENT_UNITS
    if scale_word and percent:
        raise ValueParseError(text, "not_a_number")  # "1.2万%" has no meaning
    if scale_word:
        value *= SCALE_WORDS[scale_word]
    if percent:
        value /= _PERCENT_UNITS[unit]
    return Number(value, percent, approx, bool(scale_word), None if unit == "%" else unit)


def _failure_reason(folded: str) -> str:
    """Why a folded cell is not a number as analysts write them: a range, a number with an unknown unit word, a
    number with misplaced thousands separators, or not a number at all."""
    if _RANGE.match(folded):
        return "number_range"
    found = _NUMBER_THEN_WORD.match(folded)
    if found and not found.group("word").isascii():
        return "number_unit_unknown"
    return "not_a_number"


def looks_scientific(text: object) -> bool:
    """ "1.1E+17": what Excel shows for a long code or ID number in a General-format cell (digits lost)."""
    return text is not None and bool(_SCIENTIFIC.match(_fold(str(text))))


# -- years ---------------------------------------------------------------------------------------------
_YEAR_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?P<y>\d{4})(?:\.0+)?$"),
    re.compile(r"^(?:fy)?(?P<y>\d{4})(?:年度?|年份)?$"),
    re.compile(r"^(?P<y>\d{4})年度?(?:第?[1-4一二三四]季度|[上下]半年|q[1-4]|h[12])$"),
    re.compile(r"^(?P<y>\d{4})(?:q[1-4]|h[12]|-q[1-4])$"),
    re.compile(r"^(?P<y>\d{4})[-/年](?P<m>\d{1,2})月?$"),
    re.compile(
        r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
        r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    ),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号])?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)


def parse_year(text: object) -> int | None:
    """2021, "2021年", "2021年度", "2021-06-30", "2021/6/30", "2021.0", "2021-06-30 00:00:00", "二〇二一年",
    "2021Q3" → 2021; missing markers → None. Raises ValueParseError for anything else ("去年", "2021.5")."""
    if isinstance(text, bool):
        raise ValueParseError(text, "year_unparseable")
    if isinstance(text, int):
        year = text
    elif isinstance(text, float):
        if text != text:
            return None
        if text != int(text):
            raise ValueParseError(text, "year_unparseable")
        year = int(text)
    else:
        if is_missing(text):
            return None
        year = _year_from_text(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueParseError(text, "year_out_of_range")
    return year


def _year_from_text(text: object) -> int:
    """The year written in a non-missing text cell (see parse_year); raises ValueParseError when there is none."""
    folded = _SPACES.sub(" ", _fold(str(text)).casefold())
    if re.fullmatch(r"[〇零一二三四五六七八九]{4}年?度?", folded):
        folded = folded.translate(_CN_DIGITS)
    candidates = [folded, folded.replace(" ", "")] if " " in folded else [folded]
    matches = (m for c in candidates for p in _YEAR_PATTERNS if (m := p.match(c)))
    match = next(matches, None)
    if match is None:
        raise ValueParseError(text, "year_unparseable")
    groups = match.groupdict()
    year = int(groups["y"])
    if groups.get("m") is not None:
        month = int(groups["m"])
        day = int(groups["d"]) if groups.get("d") else 1
        try:
            dt.date(year, month, day)
        except ValueError:
            raise ValueParseError(text, "year_unparseable") from None
    return year


# -- whole columns -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedColumn:
    values: pl.Series  # Float64, as written (45.3 for "45.3%"); null for missing and for errors
    percent: pl.Series  # Boolean: written with % (or ‰, 个百分点)
    errors: pl.Series  # Boolean: not a number (and not a missing marker)
    approx: pl.Series | None = None  # Boolean: written as an approximation (约, 余, 左右 ...)
    scaled: pl.Series | None = None  # Boolean: written with a scale word (万, 亿 ...)
    unit: pl.Series | None = None  # String: the unit word written after the number (分, 天, ‰ ...), else null
    reason: pl.Series | None = None  # String: why an error cell is not a number (see parse_number), else null

    def flags(self, name: str) -> pl.Series:
        """approx or scaled as a Boolean series (all False when the column was built without them)."""
        found = self.approx if name == "approx" else self.scaled
        return found if found is not None else pl.Series(name, [False] * self.values.len(), dtype=pl.Boolean)

    def units(self) -> pl.Series:
        return self.unit if self.unit is not None else pl.Series("unit", [None] * self.values.len(), dtype=pl.String)

    def reasons(self) -> pl.Series:
        if self.reason is not None:
            return self.reason
        frame = pl.DataFrame({"e": self.errors})
        return frame.select(pl.when(pl.col("e")).then(pl.lit("not_a_number")).otherwise(None).alias("r")).to_series()


def parse_number_column(series: pl.Series) -> ParsedColumn:
    """Parse a text column: a vectorised fast path for plain ASCII numbers, the strict Python parser for the
    distinct values that need it (scale, approximation and unit words, full-width forms, errors). The two paths
    agree on every value the fast path accepts."""
    text = series.cast(pl.String).str.strip_chars()
    fast = text.str.contains(_FAST_NUMBER).fill_null(False)
    fast_values = text.str.replace_all(",", "", literal=True).str.strip_suffix("%").cast(pl.Float64, strict=False)
    slow_inputs = text.filter(~fast & text.is_not_null()).unique().to_list()
    slow: dict[str, dict[str, float | bool | str | None]] = {k: {} for k in ("v", "p", "e", "a", "s", "u", "r")}
    for raw in slow_inputs:
        try:
            number = parse_number(raw)
        except ValueParseError as exc:
            for key, item in zip("vpeasur", (None, False, True, False, False, None, exc.reason), strict=True):
                slow[key][raw] = item
            continue
        found = number or Number(0.0, False)
        items = (None if number is None else found.value, found.percent, False, found.approx, found.scaled)
        for key, found_item in zip("vpeas", items, strict=True):
            slow[key][raw] = found_item
        slow["u"][raw], slow["r"][raw] = found.unit, None
    frame = pl.DataFrame({"t": text, "fast": fast, "fv": fast_values})
    dtypes = {"v": pl.Float64, "p": pl.Boolean, "e": pl.Boolean}
    fast_exprs = {"v": pl.col("fv"), "p": pl.col("t").str.ends_with("%"), "e": pl.lit(False)}
    out = frame.select(
        pl.when(pl.col("fast"))
        .then(fast_exprs[key])
        .otherwise(pl.col("t").replace_strict(slow[key], default=None if key == "v" else False, return_dtype=dtype))
        .alias(key)
        for key, dtype in dtypes.items()
    )
    extra: dict[str, pl.Series] = {}
    for key, dtype in (("a", pl.Boolean), ("s", pl.Boolean), ("u", pl.String), ("r", pl.String)):
        default = False if dtype == pl.Boolean else None
        marked = {raw: item for raw, item in slow[key].items() if item != default}
        if marked:  # fast-path cells are never keys here, so they take the default
            extra[key] = text.replace_strict(marked, default=default, return_dtype=dtype)
        else:
            extra[key] = pl.repeat(default, text.len(), dtype=dtype, eager=True)
    return ParsedColumn(
        out.get_column("v").alias(series.name),
        out.get_column("p").fill_null(False),
        out.get_column("e").fill_null(False),
        extra["a"].fill_null(False),
        extra["s"].fill_null(False),
        extra["u"],
        extra["r"],
    )


def parse_year_column(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(years as Int32 with nulls, Boolean error flags). Distinct values are parsed once."""
    text = series.cast(pl.String).str.strip_chars()
    mapping: dict[str, int | None] = {}
    errors: dict[str, bool] = {}
    for raw in text.drop_nulls().unique().to_list():
        try:
            mapping[raw] = parse_year(raw)
            errors[raw] = False
        except ValueParseError:
            mapping[raw] = None
            errors[raw] = True
    years = text.replace_strict(mapping, default=None, return_dtype=pl.Int32).alias(series.name)
    flags = text.replace_strict(errors, default=False, return_dtype=pl.Boolean).fill_null(False)
    return years, flags


# -- unit of a column ------------------------------------------------------------------------------------
Scale = Literal["percent", "fraction", "count_of", "as_is"]
SCALES: tuple[str, ...] = ("percent", "fraction", "count_of", "as_is")


@dataclass(frozen=True)
class UnitInference:
    """How a column's numbers become stored values; shown to the user to confirm or change.

    percent: 45.3 → 0.453; fraction: 0.453 stays; count_of: a count divided by the denominator column
    (e.g. prefers_offline / respondents); as_is: points, counts and days are stored as written.
    """

    column: str
    indicator: str
    unit: str  # the catalog unit: points, share, pp, count, days
    scale: Scale
    reason: str  # percent_sign | header_percent | max_above | all_small | count_of | catalog_unit | user
    denominator: str | None = None
    mixed: bool = False  # some values had %, other non-zero ones not: the column is refused (bare_cells)

    @property
    def factor(self) -> float:
        return 0.01 if self.scale == "percent" else 1.0


def bare_cells(parsed: ParsedColumn) -> pl.Series:
    """Boolean: the cells written without a % sign whose value a % sign would change (0 is 0 either way).
    In a column where other cells carry a % sign these are the ones that cannot be read without guessing."""
    values = parsed.values
    return (~parsed.percent & values.is_not_null() & (values != 0)).fill_null(False)


def infer_scale(
    column: str,
    indicator: str,
    unit: str,
    parsed: ParsedColumn,
    *,
    header_percent: bool = False,
    denominator: str | None = None,
    denominator_values: pl.Series | None = None,
) -> UnitInference:
    """The scale of a share (or pp) column: percent if any value carries %, the header says % or the largest
    absolute value exceeds 1.5; a count when the catalog formula divides by a column that is present and every
    value is a whole number not above it; else a fraction. Other units are taken as written. A column with %
    signs and bare non-zero numbers is marked mixed: no scale fits it, and the pipeline refuses it."""
    if unit not in ("share", "pp"):
        return UnitInference(column, indicator, unit, "as_is", "catalog_unit")
    values = parsed.values
    any_percent = bool(parsed.percent.any())
    mixed = any_percent and bool(bare_cells(parsed).any())
    peak = values.abs().max()
    largest = float(cast(float, peak)) if peak is not None else 0.0  # a Float64 column's max is a float
    if denominator is not None and denominator_values is not None and not any_percent and largest > 1.5:
        whole = values.drop_nulls()
        pairs = pl.DataFrame({"v": values, "d": denominator_values}).drop_nulls()
        if (
            whole.len()
            and bool((whole == whole.round(0)).all())
            and pairs.height
            and bool((pairs["v"] <= pairs["d"]).all())
        ):
            return UnitInference(column, indicator, unit, "count_of", "count_of", denominator=denominator)
    if any_percent:
        return UnitInference(column, indicator, unit, "percent", "percent_sign", mixed=mixed)
    if header_percent:
        return UnitInference(column, indicator, unit, "percent", "header_percent")
    if largest > 1.5:
        return UnitInference(column, indicator, unit, "percent", "max_above")
    return UnitInference(column, indicator, unit, "fraction", "all_small")
