"""Running one page in AppTest on a stored dataset, and checking what it rendered against the frame it was given.

Shared by the generated (``test_pages_generated.py``) and the hand-written (``test_pages_realistic.py``) page tests.
Each check is computed independently of the product code (plain polars/numpy on the frame), and only speaks when
the sentence it checks is on the page: a page may leave a sentence out when its premise fails, never print a
false one.
"""

from __future__ import annotations

import hashlib
import json
import linecache
import logging
import math
import re
import sys
import traceback
from pathlib import Path

import numpy as np
import polars as pl
from streamlit.testing.v1 import AppTest

from digigov.analysis.proportions import MIN_N
from digigov.regions import load_gazetteer, region_label, region_name
from digigov.storage import DatasetStore
from tests.app.helpers import tab_keys
from tests.apptest import new_session

ROOT = Path(__file__).resolve().parents[2]
DATASET_NAME = "生成的数据集"
SAMPLE_MARK = "示例数据 / sample data"
PAGE_KINDS = {
    "overview": "province_index",
    "regional": "province_index",
    "channels": "city_channels",
    "demand": "demand_funnel",
}

# Text that must never reach a reader: missing values printed as words, unfilled placeholders, a sign pasted in
# front of a signed number, "higher by" a negative amount.
_BAD_TEXT = [
    (re.compile(r"(?<![A-Za-z])(nan|NaN|None|inf|-inf|null)(?![A-Za-z])"), "a missing value printed as a word"),
    (re.compile(r"⟦|\{[a-z_]+\}"), "an unfilled catalog placeholder"),
    (re.compile(r"\+\s?[-−]|[-−]\s?\+"), "two signs in front of one number"),
    (re.compile(r"(高|低|提高|下降|above|below|higher|lower) ?[-−]\d"), "a direction word with a negative amount"),
]
_BAD_CHART_TEXT = [
    (re.compile(r"(?<![A-Za-z])(nan|NaN)%"), "a missing value printed as a percentage"),
    (re.compile(r"⟦|\+[-−]\d"), "a placeholder or a doubled sign"),
]


# ---------------------------------------------------------------------------------------------------------------
# running a page
# ---------------------------------------------------------------------------------------------------------------
def save(store: DatasetStore, kind: str, frame: pl.DataFrame, name: str = DATASET_NAME) -> str:
    """Store frame as an accepted upload of kind does (same call as tests/app/test_pages_on_uploaded_data.py)."""
    return store.save(
        frame, name=name, source_file=f"{kind}.csv", shape="wide", column_mapping={}, meta={"kinds": [kind]}
    ).id


class Problem(str):
    """One thing wrong on a page; ``key`` names the check (or the product line that raised), so Hypothesis can
    report each distinct failure with its own minimal example."""

    key: str = ""


def flag(problems: list, text: str, key: str | None = None) -> None:
    """Record a problem; its key is the checking function and a digest of the flagging line's code, stable
    when other lines move (for DIGIGOV_PAGE_SKIP)."""
    if key is None:
        caller = sys._getframe(1)
        code = linecache.getline(caller.f_code.co_filename, caller.f_lineno).strip()
        key = f"{caller.f_code.co_name}#{hashlib.sha1(code.encode()).hexdigest()[:6]}"
    p = Problem(text)
    p.key = key
    problems.append(p)


class _Uncaught(logging.Handler):
    """Streamlit redacts the message of an app exception in AppTest's element; its log record keeps it."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


def crash_key(exc: BaseException) -> str:
    """ExceptionType@file:line of the last frame in the project (not in site-packages)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/site-packages/" not in f.filename]
    where = f"{Path(frames[-1].filename).relative_to(ROOT)}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__}@{where}"


_COMPONENTS: list = []  # one component registry for every AppTest of the session (see run_view)


def run_view(page: str, dataset_id: str, lang: str = "zh", timeout: float = 120) -> AppTest:
    """The page script alone (no navigation: a view runs as its own script), on ?src=dataset_id.

    Every new AppTest scans the metadata of all installed packages for Streamlit v2 components on its first run
    (~0.5 s of the ~0.6 s a cached page takes here). The installed packages do not change during a test session,
    so the registry found by the first AppTest is handed to the later ones (a private attribute of AppTest: if a
    Streamlit upgrade renames it, the tests only get slower).
    """
    at = _one_run(page, dataset_id, lang, timeout, {})
    # Only the open tab of a chart/table pair is drawn (components/tabs.py): a second session opens every table
    # tab, so that the tables are checked too (at.table_frames; its exceptions join at.uncaught).
    keys = tab_keys(at)
    at.table_frames = []
    if keys and not at.exception:
        from digigov.i18n import t

        tables = _one_run(page, dataset_id, lang, timeout, dict.fromkeys(keys, t("overview.table_tab", lang)))
        at.table_frames = [df.value for df in tables.dataframe]
        at.uncaught += tables.uncaught
        at.table_exceptions = list(tables.exception)
    return at


def _one_run(page: str, dataset_id: str, lang: str, timeout: float, state: dict) -> AppTest:
    at = new_session(ROOT / "views" / f"{page}.py", timeout)
    if _COMPONENTS and hasattr(at, "_bidi_component_manager"):
        at._bidi_component_manager = _COMPONENTS[0]
    at.query_params["src"] = dataset_id
    if lang != "zh":
        at.query_params["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    handler = _Uncaught()
    logger = logging.getLogger("streamlit.error_util")
    logger.addHandler(handler)
    try:
        at.run()
    finally:
        logger.removeHandler(handler)
    at.uncaught = [r.exc_info[1] for r in handler.records if r.exc_info and r.exc_info[1] is not None]
    if not _COMPONENTS and getattr(at, "_bidi_component_manager", None) is not None:
        _COMPONENTS.append(at._bidi_component_manager)
    return at


def exception_report(at: AppTest) -> str:
    caught = getattr(at, "uncaught", [])
    if caught:
        return "\n\n".join("".join(traceback.format_exception(type(e), e, e.__traceback__)[-8:]) for e in caught)
    shown = [*at.exception, *getattr(at, "table_exceptions", [])]
    return "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace[-12:]) for e in shown)


def texts(at: AppTest) -> list[str]:
    """Every text a reader sees outside charts and tables."""
    out: list[str] = []
    for group in (
        at.title,
        at.header,
        at.subheader,
        at.markdown,
        at.caption,
        at.info,
        at.warning,
        at.error,
        at.success,
    ):
        out += [str(e.value) for e in group]
    for m in at.metric:
        out += [str(m.label), str(m.value), str(m.delta or "")]
    return out


def table_strings(at: AppTest) -> list[str]:
    """The string cells and headers of every dataframe on the page."""
    out: list[str] = []
    for value in [df.value for df in at.dataframe] + getattr(at, "table_frames", []):
        out += [str(c) for c in value.columns]
        for col in value.columns:
            if value[col].dtype == object:
                out += [v for v in value[col].tolist() if isinstance(v, str)]
    return out


def chart_texts(at: AppTest) -> list[str]:
    return [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]


def basic_problems(at: AppTest) -> list[str]:  # noqa: C901 - one check per kind of sentence
    """What every page must satisfy on an uploaded dataset, whatever the data."""
    problems: list[str] = []
    if at.exception or getattr(at, "table_exceptions", None):
        caught = getattr(at, "uncaught", [])
        flag(problems, "exception:\n" + exception_report(at), key=crash_key(caught[0]) if caught else "exception")
        return problems
    shown = texts(at)
    if any(SAMPLE_MARK in s for s in shown):
        flag(problems, "the sample notice is shown on an uploaded dataset")
    if not any(DATASET_NAME in s for s in (str(i.value) for i in at.info)):
        flag(problems, "no notice names the uploaded dataset")
    for s in shown:
        for pattern, why in _BAD_TEXT:
            if pattern.search(s):
                flag(problems, f"{why}: {s!r}")
    for s in table_strings(at):
        for pattern, why in _BAD_TEXT[:3]:
            if pattern.search(s):
                flag(problems, f"table cell, {why}: {s!r}")
    for s in chart_texts(at):
        for pattern, why in _BAD_CHART_TEXT:
            m = pattern.search(s)
            if m:
                flag(problems, f"chart, {why}: …{s[max(0, m.start() - 80) : m.end() + 40]}…")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# independent numbers
# ---------------------------------------------------------------------------------------------------------------
_NUM = r"[-−+]?\d+(?:\.\d+)?"


def num(text: str) -> float:
    return float(text.replace("−", "-").replace("+", "").replace(",", ""))


def _names(adcodes, lang: str = "zh", label=region_name) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a in adcodes:
        out.setdefault(label(a, lang), set()).add(a)
    return out


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + 1e-9


def _mainland(frame: pl.DataFrame) -> pl.DataFrame:
    gz = load_gazetteer().frame.select("adcode", "macro_region", "counted_in_31")
    return frame.join(gz, on="adcode", how="inner").filter(pl.col("counted_in_31"))


def year_values(frame: pl.DataFrame, year: int, column: str = "index") -> pl.DataFrame:
    return frame.filter(pl.col("year") == year).select("adcode", pl.col(column).alias("value")).drop_nulls("value")


def _significant(text: str) -> bool:
    """p below 5 %: "= 0.012", or "< 0.050" (findings.p_text writes a p just under 5 % so, never "= 0.050")."""
    text = text.strip()
    value = num(text.lstrip("=<＜ "))
    return value <= 0.05 if text[:1] in "<＜" else value < 0.05


_P = rf"p ?[=<＜] ?{_NUM}"
_CLAIM = re.compile(r"(?<![不未没有无并])显著(?!性)")


def significance_problems(sentences: list[str]) -> list[str]:
    """A sentence that calls something significant must carry p < 0.05, one that says not significant p >= 0.05
    (each clause on its own: split at 。；)."""
    problems: list[str] = []
    for s in sentences:
        for clause in re.split(r"[。；;]", s):
            ps = re.findall(rf"p ?([=<＜]) ?({_NUM})", clause)
            if len(ps) != 1:
                continue
            op, value = ps[0][0], num(ps[0][1])
            small = _significant(f"{op} {ps[0][1]}")
            negated = re.search(r"(不|没有|未|无|并非)[^，,（(]*?显著", clause)
            if _CLAIM.search(clause) and not negated and not small:
                flag(problems, f"'significant' with p {op} {value}: {clause}")
            if negated and small and "校正" not in clause:
                flag(problems, f"'not significant' with p {op} {value}: {clause}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# overview
# ---------------------------------------------------------------------------------------------------------------
def overview_problems(at: AppTest, frame: pl.DataFrame) -> list[str]:  # noqa: C901 - one check per kind of sentence
    problems: list[str] = []
    year = int(frame["year"].max())
    values = year_values(frame, year)
    mainland_values = _mainland(values)
    names = _names(frame["adcode"].unique().to_list())
    findings = [m.value for m in at.markdown if str(m.value).startswith("- ")]
    for s in findings:
        m = re.search(rf"最高的是(.+?)（({_NUM})[^）]*）", s)
        if m and values.height:
            named_list = [names.get(n, {n}) for n in re.split(r"[、，,]|和", m.group(1))]
            tops = {
                r["adcode"]
                for v in (values, mainland_values)
                if v.height
                for r in v.filter(pl.col("value") == v["value"].max()).iter_rows(named=True)
            }
            if not all(n & tops for n in named_list):
                flag(
                    problems,
                    f"overview: {m.group(1)} named highest, the frame's highest in {year} is {sorted(tops)}: {s}",
                )
        m = re.search(rf"最低的是(.+?)（({_NUM})[^）]*）", s)
        if m and values.height:
            named_list = [names.get(n, {n}) for n in re.split(r"[、，,]|和", m.group(1))]
            lows = {
                r["adcode"]
                for v in (values, mainland_values)
                if v.height
                for r in v.filter(pl.col("value") == v["value"].min()).iter_rows(named=True)
            }
            if not all(n & lows for n in named_list):
                flag(
                    problems,
                    f"overview: {m.group(1)} named lowest, the frame's lowest in {year} is {sorted(lows)}: {s}",
                )
        if "东部" in s and "西部" in s:
            means = dict(mainland_values.group_by("macro_region").agg(pl.col("value").mean()).iter_rows())
            east, west = means.get("east"), means.get("west")
            m = re.search(rf"东部.*?比西部.*?(高|低) ?({_NUM})", s)
            if east is None or west is None:
                flag(
                    problems,
                    f"overview: an East-West comparison with no {'East' if east is None else 'West'} in {year}: {s}",
                )
            elif m:
                word, gap = m.group(1), num(m.group(2))
                if (word == "高" and not east > west) or (word == "低" and not east < west):
                    flag(problems, f"overview: East {east:.2f}, West {west:.2f} but the page says East is {word}: {s}")
                if gap < 0 or not _close(gap, abs(east - west), 0.06):
                    flag(problems, f"overview: East-West gap {gap} but |East-West| = {abs(east - west):.2f}: {s}")
        if "增长最快" in s or "降幅最小" in s:
            first = int(frame["year"].min())
            start = year_values(frame, first).rename({"value": "start"})
            end = year_values(frame, year).rename({"value": "end"})
            growth = start.join(end, on="adcode").filter(pl.col("start") != 0)
            growth = growth.with_columns((pl.col("end") / pl.col("start") - 1).alias("g"))
            items = re.findall(rf"([^\s、，,（]+)（({_NUM})%）", s)
            best = growth["g"].max() if growth.height else None
            for name, pct in items:
                g = num(pct)
                if g < 0 and "增长最快" in s:
                    flag(problems, f"overview: 'grew fastest' names a decline ({name} {pct}%): {s}")
                if g > 0 and "降幅最小" in s:
                    flag(problems, f"overview: 'smallest decline' names a rise ({name} {pct}%): {s}")
                real = growth.filter(pl.col("adcode").is_in(list(names.get(name, set()))))
                if real.height and not _close(g, float(real["g"][0]) * 100, 0.06):
                    flag(problems, f"overview: {name} growth {pct}% but the frame gives {real['g'][0] * 100:.2f}%: {s}")
            if items and best is not None:
                top_name = items[0][0]
                real = growth.filter(pl.col("adcode").is_in(list(names.get(top_name, set()))))
                if real.height and float(real["g"][0]) < float(best) - 1e-9:
                    flag(problems, f"overview: {top_name} named fastest but another grew {best * 100:.2f}%: {s}")
        if "两极分化" in s:
            ranks = mainland_values.with_columns(
                pl.col("value").rank(method="min", descending=True).alias("rank")
            ).filter(pl.col("macro_region") == "west")
            m = re.search(r"而(.+?)排在第 (\d+) 位", s)
            if m and int(m.group(2)) <= 10:
                flag(problems, f"overview: 'the West is polarised' while its lowest province ranks {m.group(2)}: {s}")
            if ranks.height and ranks["rank"].min() > 10:
                flag(problems, f"overview: 'polarised' with no western province in the top ten: {s}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# regional
# ---------------------------------------------------------------------------------------------------------------
def _theil_parts(values: np.ndarray, groups: list[str]) -> tuple[float, float, dict[str, float]]:
    """total T, between T, {group: within contribution S_g T_g}, p_i = 1/n."""
    x = values.astype(float)
    mu = x.mean()

    def t_of(v: np.ndarray, m: float) -> float:
        r = v / m
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(r > 0, r * np.log(r), 0.0)
        return float(terms.mean())

    total = t_of(x, mu)
    between = 0.0
    within: dict[str, float] = {}
    g_arr = np.array(groups)
    for g in dict.fromkeys(groups):
        xs = x[g_arr == g]
        share = xs.size / x.size * xs.mean() / mu
        between += share * math.log(xs.mean() / mu) if xs.mean() > 0 else 0.0
        within[g] = share * t_of(xs, xs.mean()) if xs.mean() > 0 else 0.0
    return total, between, within


def regional_problems(at: AppTest, frame: pl.DataFrame) -> list[str]:  # noqa: C901 - one check per kind of sentence
    problems: list[str] = []
    year = int(frame["year"].max())
    mv = _mainland(year_values(frame, year)).filter(
        pl.col("macro_region").is_in(["east", "central", "west", "northeast"])
    )
    means = dict(mv.group_by("macro_region").agg(pl.col("value").mean()).iter_rows())
    for s in texts(at):
        if "东部领先" in s and not (
            "east" in means and all(means["east"] > v for g, v in means.items() if g != "east")
        ):
            flag(problems, f"regional: 'the East leads' while the {year} macro-region means are {means}: {s}")
        if "西部两极分化" in s or "西部内部两极分化" in s:
            west = mv.filter(pl.col("macro_region") == "west").height
            ranks = mv.with_columns(pl.col("value").rank(method="min", descending=True).alias("rank"))
            w = ranks.filter(pl.col("macro_region") == "west")
            if not west or int(w["rank"].min()) > 10 or int(w["rank"].max()) <= 10:
                flag(
                    problems,
                    f"regional: 'the West is polarised' with West ranks {sorted(w['rank'].to_list())} in {year}: {s}",
                )
    for s in (str(m.value) for m in at.markdown):
        m = re.search(rf"差异占总体差异（泰尔指数）的 ({_NUM})%，区域内部差异占 ({_NUM})%", s)
        if m and mv.height and float(mv["value"].mean()) > 0:
            total, between, within = _theil_parts(mv["value"].to_numpy(), mv["macro_region"].to_list())
            if total > 1e-12:
                if not _close(num(m.group(1)), between / total * 100, 0.15):
                    flag(
                        problems,
                        f"regional: between-region share {m.group(1)}% but independent Theil gives "
                        f"{between / total * 100:.2f}%: {s}",
                    )
                if "西部贡献最大" in s:
                    largest = max(within, key=within.get)
                    if largest != "west" and within[largest] > within.get("west", 0.0) + 1e-12:
                        shares = {g: round(v / total * 100, 2) for g, v in within.items()}
                        flag(
                            problems,
                            f"regional: 'the West contributes most' but within-region shares are {shares}: {s}",
                        )
            elif "贡献最大" in s:
                flag(problems, f"regional: 'contributes most' while every province has the same value (Theil 0): {s}")
        m = re.search(r"(\d{4})—(\d{4}) 年各省差异(在缩小|在扩大|没有变化).*?每年都有数据的 (\d+) 个省份", s)
        if m:
            verdict, units = m.group(3), int(m.group(4))
            years = sorted(frame["year"].unique().to_list())
            per_year = [_mainland(year_values(frame, y)) for y in years]
            panel = set.intersection(*[set(v["adcode"].to_list()) for v in per_year])
            cvs = []
            for values in (per_year[0], per_year[-1]):
                kept = values.filter(pl.col("adcode").is_in(list(panel)))["value"]
                cvs.append(round(float(kept.std(ddof=0) / kept.mean()), 3))
            expected = "在缩小" if cvs[1] < cvs[0] else "在扩大" if cvs[1] > cvs[0] else "没有变化"
            if units != len(panel) or verdict != expected:
                flag(
                    problems,
                    f"regional: σ says {verdict} on {units} provinces, but on the {len(panel)} provinces with data in "
                    f"every year the CV went {cvs[0]} -> {cvs[1]}: {s}",
                )
        m = re.search(rf"β = ({_NUM})（p ?([=<＜] ?{_NUM})）：起点低的省份增长更快", s)
        if m and (num(m.group(1)) >= 0 or not _significant(m.group(2))):
            flag(problems, f"regional: 'β-convergence' with β = {m.group(1)}, p = {m.group(2)}: {s}")
        m = re.search(rf"I = ({_NUM})（置换检验 p ?([=<＜] ?{_NUM})", s)
        if m and "显著集聚" in s and "没有" not in s and (num(m.group(1)) <= 0 or not _significant(m.group(2))):
            flag(problems, f"regional: 'significant clustering' with I = {m.group(1)}, p = {m.group(2)}: {s}")
        m = re.search(r"(\d+) 个省份名次发生变化", s)
        if m and int(m.group(1)) > max(mv.height, 0):
            flag(problems, f"regional: {m.group(1)} provinces changed rank, {mv.height} have a value: {s}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# channels
# ---------------------------------------------------------------------------------------------------------------
def channel_unit_shares(frame: pl.DataFrame, year: int, min_n: int = 30) -> pl.DataFrame:
    """adcode, n (records), share of prefers_offline: every row of the year (all labels), units with n >= min_n."""
    n_col = "unweighted_n" if "unweighted_n" in frame.columns else "respondents"
    return (
        frame.filter(pl.col("year") == year)
        .group_by("adcode")
        .agg(pl.col(n_col).sum().alias("n"), pl.col("respondents").sum(), pl.col("prefers_offline").sum())
        .filter((pl.col("n") >= min_n) & (pl.col("respondents") > 0))
        .with_columns((pl.col("prefers_offline") / pl.col("respondents") * 100).alias("share"))
    )


def channels_problems(at: AppTest, frame: pl.DataFrame) -> list[str]:  # noqa: C901 - one check per kind of sentence
    problems: list[str] = []
    shown = texts(at)
    year = int(frame["year"].max())
    has_nulls = frame["prefers_offline"].null_count() > 0
    units = channel_unit_shares(frame, year)
    names = _names(frame["adcode"].unique().to_list(), label=region_label)
    for s in shown:
        m = re.search(rf"线下办理偏好最高的\S*?（(.+?)，({_NUM})%）比最低的（(.+?)，({_NUM})%）高 ({_NUM}) 个百分点", s)
        if m:
            hi_name, hi, lo_name, lo, spread = m.group(1), num(m.group(2)), m.group(3), num(m.group(4)), num(m.group(5))
            if hi < lo or spread < 0 or not _close(spread, hi - lo, 0.15):
                flag(problems, f"channels: spread sentence does not add up (hi {hi}, lo {lo}, spread {spread}): {s}")
            hidden = any(re.search(r"\d+ 个\S*?的数字已隐藏", x) for x in shown)
            if not has_nulls and units.height:
                true_max, true_min = float(units["share"].max()), float(units["share"].min())
                if hidden:  # suppressed units are out of the comparison: the extremes shown lie within the range
                    if hi > true_max + 0.06 or lo < true_min - 0.06:
                        flag(
                            problems,
                            f"channels: extremes {hi}%/{lo}% outside the frame's range "
                            f"{true_min:.2f}-{true_max:.2f}%: {s}",
                        )
                elif not _close(hi, true_max, 0.06):
                    flag(
                        problems,
                        f"channels: highest share {hi}% but the frame's highest unit (n >= 30, all labels) is "
                        f"{true_max:.2f}%: {s}",
                    )
                if not hidden and not _close(lo, true_min, 0.06):
                    flag(
                        problems,
                        f"channels: lowest share {lo}% but the frame's lowest unit (n >= 30, all labels) is "
                        f"{true_min:.2f}%: {s}",
                    )
                for name, value in ((hi_name, hi), (lo_name, lo)):
                    real = units.filter(pl.col("adcode").is_in(list(names.get(name, set()))))
                    if real.height and not _close(value, float(real["share"][0]), 0.06):
                        flag(
                            problems,
                            f"channels: {name} shown at {value}%, the frame gives {real['share'][0]:.2f}%: {s}",
                        )
        m = re.search(rf"受访市场主体中 ({_NUM})%（95% 置信区间 ({_NUM})%—({_NUM})%）", s)
        if m:
            share, low, high = num(m.group(1)), num(m.group(2)), num(m.group(3))
            if not low <= share <= high:
                flag(problems, f"channels: national share {share}% outside its interval {low}-{high}%: {s}")
            pooled = (
                frame.filter(pl.col("year") == year)
                .select(pl.col("prefers_offline").sum(), pl.col("respondents").sum())
                .row(0)
            )
            if not has_nulls and pooled[1] and not _close(share, pooled[0] / pooled[1] * 100, 0.06):
                flag(
                    problems,
                    f"channels: national share {share}% but the year's rows (all labels) give "
                    f"{pooled[0] / pooled[1] * 100:.2f}%: {s}",
                )
        m = re.search(rf"(.+?)的线下偏好最高（({_NUM})%），(.+?)最低（({_NUM})%）", s)
        if m and num(m.group(2)) < num(m.group(4)):
            flag(problems, f"channels: 'highest' {m.group(2)}% below 'lowest' {m.group(4)}%: {s}")
        if m and not has_nulls:
            breakdown_problem = _breakdown_problem(frame, year, shown, s, num(m.group(2)), num(m.group(4)))
            if breakdown_problem:
                flag(problems, breakdown_problem)
        m = re.search(
            rf"线下偏好(?:显著)?(?:越|较)(高|低).*?r = ({_NUM})|r = ({_NUM})：发展水平越高，线下偏好越(高|低)", s
        )
        if m:
            word = m.group(1) or m.group(4)
            r = num(m.group(2) or m.group(3))
            if (word == "高") != (r > 0):
                flag(problems, f"channels: r = {r} worded as '{word}': {s}")
            if not any("示例" in x for x in shown if x != s) and "示例" not in s:
                flag(
                    problems,
                    f"channels: uploaded shares related to an index with no word on whose index (sample?): {s}",
                )
    return problems


# ---------------------------------------------------------------------------------------------------------------
# demand
# ---------------------------------------------------------------------------------------------------------------
def demand_problems(at: AppTest, frame: pl.DataFrame) -> list[str]:
    problems: list[str] = []
    for s in texts(at):
        m = re.search(
            rf"潜在使用率 ({_NUM})%，实际使用率 ({_NUM})%，需求匹配缺口 ({_NUM}) 个百分点 = "
            rf"知晓缺口 ({_NUM}) \+ 转化缺口 ({_NUM}) 个百分点",
            s,
        )
        if m:
            p, a, gap, w, c = (num(m.group(i)) for i in range(1, 6))
            if not _close(gap, p - a, 0.15):
                flag(problems, f"demand: shortfall {gap} ≠ potential {p} − actual {a}: {s}")
            if not _close(gap, w + c, 0.15):
                flag(problems, f"demand: shortfall {gap} ≠ awareness {w} + conversion {c}: {s}")
        m = re.search(rf"缺口最大的\S*?是(.+?)（({_NUM}) 个百分点.*?最小的是(.+?)（({_NUM}) 个百分点", s)
        if m and num(m.group(2)) < num(m.group(4)):
            flag(problems, f"demand: largest shortfall {m.group(2)} below the smallest {m.group(4)}: {s}")
        m = re.search(r"(\d+) 个\S*?中，(\d+) 个以知晓缺口为主.*?(\d+) 个以转化缺口为主", s)
        if m and int(m.group(2)) + int(m.group(3)) > int(m.group(1)):
            flag(problems, f"demand: {m.group(2)} + {m.group(3)} units out of {m.group(1)}: {s}")
    return problems


PAGE_CHECKS = {
    "overview": overview_problems,
    "regional": regional_problems,
    "channels": channels_problems,
    "demand": demand_problems,
}


def page_problems(page: str, at: AppTest, frame: pl.DataFrame) -> list[str]:
    problems = basic_problems(at)
    if not at.exception:
        problems += PAGE_CHECKS[page](at, frame)
        problems += significance_problems(texts(at))
    return problems


def _hidden_group_names(shown: list[str]) -> set[str]:
    """The groups a caption names as hidden (suppressed cells are out of every comparison)."""
    names: set[str] = set()
    for x in shown:
        for listed in re.findall(r"\d+ 个(?:主体类型|服务类别)（(.+?)）的数字已隐藏", x):
            names.update(listed.split("、"))
    return names


def _breakdown_problem(frame: pl.DataFrame, year: int, shown: list[str], s: str, hi: float, lo: float) -> str | None:
    """The breakdown sentence's extremes must be those of the groups it compares: every group with records that
    is not hidden, or, when the sentence says small groups were left out, those with at least MIN_N records."""
    from digigov.presenters.channels import group_label

    hidden = _hidden_group_names(shown)
    left_out = "未参与比较" in s
    n_col = "unweighted_n" if "unweighted_n" in frame.columns else "respondents"
    seen = {}
    for col in ("entity_type", "service_category"):
        if col not in frame.columns:
            continue
        g = (
            frame.filter(pl.col("year") == year)
            .group_by(col)
            .agg(pl.col("prefers_offline").sum(), pl.col("respondents").sum(), pl.col(n_col).sum().alias("n"))
            .filter(pl.col("respondents") > 0)
            .with_columns((pl.col("prefers_offline") / pl.col("respondents") * 100).alias("share"))
        )
        g = g.filter(~pl.col(col).is_in([c for c in g[col] if group_label(col, str(c), "zh") in hidden]))
        if left_out:
            g = g.filter(pl.col("n") >= MIN_N)
        if g.height:
            seen[col] = {lab: round(v, 2) for lab, v in g.select(col, "share").iter_rows()}
            if _close(hi, float(g["share"].max()), 0.06) and _close(lo, float(g["share"].min()), 0.06):
                return None
    if not seen:
        return None
    return f"channels: breakdown highest {hi}% / lowest {lo}% match no breakdown of the frame: {seen}: {s}"
