"""The demand page's domain layer: sentences carry the right numbers, tables are localised, small cells hidden."""

import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digigov.analysis import demand_units as du
from digigov.analysis.proportions import flagged_units
from digigov.datasets import load_builtin
from digigov.i18n import t
from digigov.presenters import demand as dp
from digigov.presenters.survey import map_values
from digigov.regions import load_gazetteer, region_label
from tests.factories import demand_row, with_province_totals

CJK = re.compile(r"[\u4e00-\u9fff]")
YEAR = 2024


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return load_builtin("demand_funnel")


def view(frame: pl.DataFrame, sel: du.Selection):
    grid = du.suppression_grid(frame, sel.year, sel.level, sel.k)
    rows = du.units(frame, sel, grid=grid)
    return rows, du.national_funnel(frame, sel), du.priority_rows(frame, sel, grid)


def by_key(rows, whole, prio, sel, lang, prefix):
    """The one finding whose catalog key starts with prefix."""
    found = [f for f in dp.finding_list(rows, whole, prio, sel, lang) if f.key.startswith(prefix)]
    assert len(found) == 1, [f.key for f in dp.finding_list(rows, whole, prio, sel, lang)]
    return found[0].text


def numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*\.?\d*", text)]


def half_up(x: float) -> float:
    """Round to 0.1 half up, from scratch (not the module's helper)."""
    return int(x * 10 + 0.5) / 10


# ---------------------------------------------------------------------------------------------------------------
# Rounding that keeps "shortfall = awareness + conversion" true in the shown digits
# ---------------------------------------------------------------------------------------------------------------
@given(st.lists(st.floats(min_value=0, max_value=60, allow_nan=False), min_size=2, max_size=6))
def test_split_rounded_parts_add_up_and_stay_close(parts):
    total, rounded = dp.split_rounded(parts)
    assert round(sum(rounded), 6) == round(total, 6)
    assert abs(total - sum(parts)) <= 0.05 + 1e-9
    for true, shown in zip(parts, rounded, strict=True):
        assert abs(true - shown) < 0.1 + 1e-9


# ---------------------------------------------------------------------------------------------------------------
# Findings sentences: recompute every number from the raw counts
# ---------------------------------------------------------------------------------------------------------------
def provinces_recomputed(frame: pl.DataFrame, year: int, category: str | None = None) -> pl.DataFrame:
    data = frame.filter((pl.col("year") == year) & (pl.col("level") == "province"))
    if category:
        data = data.filter(pl.col("service_category") == category)
    return (
        data.group_by("adcode")
        .agg(pl.col("respondents", "need", "aware", "used").sum())
        .with_columns(
            ((pl.col("need") - pl.col("used")) / pl.col("respondents") * 100).alias("shortfall"),
            ((pl.col("need") - pl.col("aware")) / pl.col("respondents") * 100).alias("awareness"),
            ((pl.col("aware") - pl.col("used")) / pl.col("respondents") * 100).alias("conversion"),
        )
    )


@pytest.mark.parametrize(("lang", "category"), [("zh", du.ALL), ("en", du.ALL), ("zh", "permits")])
def test_national_sentence_carries_the_recomputed_split(sample, lang, category):
    sel = du.Selection(YEAR, category)
    rows, whole, prio = view(sample, sel)
    sentence = dp.findings(rows, whole, prio, sel, lang)[0]
    totals = (
        provinces_recomputed(sample, YEAR, None if category == du.ALL else category)
        .select(pl.col("respondents", "need", "aware", "used").sum())
        .row(0, named=True)
    )
    n = totals["respondents"]
    potential, actual = totals["need"] / n * 100, totals["used"] / n * 100
    awareness, conversion = (totals["need"] - totals["aware"]) / n * 100, (totals["aware"] - totals["used"]) / n * 100
    got = numbers(sentence)
    assert got[0] == YEAR
    assert got[1] == half_up(potential) and got[2] == half_up(actual)
    shown_total, shown_aware, shown_conv = got[3], got[4], got[5]
    assert shown_total == half_up(awareness + conversion)
    assert round(shown_aware + shown_conv, 1) == shown_total  # the split adds up in the shown digits
    assert abs(shown_aware - awareness) < 0.1 and abs(shown_conv - conversion) < 0.1
    assert dp.category_name(category, lang) in sentence


def test_largest_and_smallest_shortfall_sentence(sample):
    sel = du.Selection(YEAR)
    rows, whole, prio = view(sample, sel)
    sentence = by_key(rows, whole, prio, sel, "zh", "demand.finding_largest")
    expected = provinces_recomputed(sample, YEAR).filter(pl.col("respondents") >= 30).sort("shortfall")
    top, low = expected.row(-1, named=True), expected.row(0, named=True)
    gazetteer = load_gazetteer()
    assert sentence.startswith(f"缺口最大的省级单位是{gazetteer[top['adcode']].name('zh')}")
    assert f"最小的是{gazetteer[low['adcode']].name('zh')}" in sentence
    got = numbers(sentence)
    assert got[0] == half_up(top["shortfall"])
    assert round(got[1] + got[2], 1) == got[0]
    assert got[3] == half_up(low["shortfall"])


def test_dominance_counts(sample):
    sel = du.Selection(YEAR)
    rows, whole, prio = view(sample, sel)
    sentence = by_key(rows, whole, prio, sel, "en", "demand.finding_dominance")
    expected = provinces_recomputed(sample, YEAR).with_columns(
        # awareness − conversion (pp) and its 95% normal interval (multinomial variance), from scratch
        (pl.col("awareness") - pl.col("conversion")).alias("d"),
        (
            1.959964
            * (
                (
                    pl.col("awareness") / 100
                    + pl.col("conversion") / 100
                    - ((pl.col("awareness") - pl.col("conversion")) / 100) ** 2
                )
                / pl.col("respondents")
            ).sqrt()
            * 100
        ).alias("half"),
    )
    awareness_n = expected.filter(pl.col("d") - pl.col("half") > 0).height
    conversion_n = expected.filter(pl.col("d") + pl.col("half") < 0).height
    unclear = expected.height - awareness_n - conversion_n
    assert numbers(sentence.replace("95%", "")) == [expected.height, awareness_n, conversion_n, unclear]
    assert "provincial units" in sentence


def test_top_priority_sentence(sample):
    sel = du.Selection(YEAR)
    rows, whole, prio = view(sample, sel)
    sentence = by_key(rows, whole, prio, sel, "zh", "demand.finding_priority")
    cells = (
        sample.filter((pl.col("year") == YEAR) & (pl.col("level") == "province"))
        .with_columns(((pl.col("need") - pl.col("used")) / pl.col("respondents") * pl.col("entities")).alias("score"))
        .sort("score", descending=True)
    )
    first = cells.row(0, named=True)
    region = load_gazetteer()[first["adcode"]].name("zh")
    category = dp.category_name(first["service_category"], "zh")
    assert sentence.startswith(f"优先级最高的是{region}的{category}事项：约 {round(first['score']):,} 个市场主体")
    dominant = "awareness" if first["need"] - first["aware"] >= first["aware"] - first["used"] else "conversion"
    action = {"awareness": "加强宣传", "conversion": "完善办事指引"}[dominant]
    assert f"以{t(f'demand.gap.{dominant}', 'zh')}为主，建议{action}" in sentence


def test_findings_are_three_to_five_sentences_in_both_languages(sample):
    for sel in (du.Selection(YEAR), du.Selection(2023, "tax", "prefecture")):
        rows, whole, prio = view(sample, sel)
        zh, en = (dp.findings(rows, whole, prio, sel, lang) for lang in ("zh", "en"))
        assert 3 <= len(zh) == len(en) <= 6
        assert all(CJK.search(s) for s in zh)
        assert not any(CJK.search(s) for s in en)


# ---------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------
def string_cells(table: pl.DataFrame) -> list[str]:
    return [*table.columns, *(v for c in table.columns if table[c].dtype == pl.String for v in table[c] if v)]


def test_tables_are_localised(sample):
    sel = du.Selection(YEAR)
    rows, whole, prio = view(sample, sel)
    region = du.default_region(rows)
    row = rows.filter(pl.col("adcode") == region).row(0, named=True)
    shares = du.reason_shares(sample, sel, region)
    for lang in ("zh", "en"):
        long = dp.funnel_long(row, whole, region_label(region, lang), lang)
        bars = dp.gap_bars(rows, lang)
        points = dp.scatter_points(rows, lang)
        tables = [
            dp.units_table(rows, sel, lang),
            dp.funnel_table(long, lang),
            dp.gap_table(bars, lang),
            dp.scatter_table(points, lang),
            dp.reasons_table(shares, region_label(region, lang), lang),
            dp.priority_table(prio, sel, lang),
        ]
        cells = [c for table in tables for c in string_cells(table)]
        if lang == "en":
            assert [c for c in cells if CJK.search(c)] == []
        else:
            assert all(CJK.search(c) for table in tables for c in table.columns)
    zh = dp.priority_table(prio, sel, "zh")
    en = dp.priority_table(prio, sel, "en")
    assert zh.height == dp.PRIORITY_ROWS
    assert set(zh["建议行动"]) <= {"加强宣传", "完善办事指引"}
    assert set(en["Action"]) <= {"Publicise", "Fix guidance and answers"}
    assert set(zh["主导缺口"]) <= {"知晓缺口", "转化缺口"}
    # the action follows the dominant gap, row by row
    for gap, action in zip(en["Dominant gap"], en["Action"], strict=True):
        assert (gap, action) in {("Awareness gap", "Publicise"), ("Conversion gap", "Fix guidance and answers")}
    assert zh["排名"].to_list() == sorted(zh["排名"].to_list())
    # shown gaps add up in every row of every table that shows them
    columns = ("缺口（个百分点）", "知晓缺口（个百分点）", "转化缺口（个百分点）")
    for table in (zh, dp.units_table(rows, sel, "zh"), dp.gap_table(dp.gap_bars(rows, "zh"), "zh")):
        for total, aware, conv in table.select(columns).iter_rows():
            assert round(aware + conv, 1) == total


def test_funnel_rates_are_shares_of_respondents(sample):
    sel = du.Selection(YEAR, "tax")
    rows, whole, _ = view(sample, sel)
    row = rows.filter(pl.col("adcode") == "510000").row(0, named=True)
    long = dp.funnel_long(row, whole, "四川", "zh")
    mine = long.filter(pl.col("scope") == "四川")
    raw = sample.filter(
        (pl.col("adcode") == "510000") & (pl.col("year") == YEAR) & (pl.col("service_category") == "tax")
    ).row(0, named=True)
    assert mine["stage"].to_list() == ["need", "aware", "used", "completed", "satisfied"]
    for stage, rate, low, high in mine.select("stage", "rate", "low", "high").iter_rows():
        assert rate == pytest.approx(raw[stage] / raw["respondents"])
        assert low < rate < high
    assert long["scope"].unique(maintain_order=True).to_list() == ["全国", "四川"]


def test_default_region_and_drill_province(sample):
    rows, _, _ = view(sample, du.Selection(YEAR))
    expected = provinces_recomputed(sample, YEAR).sort("shortfall", descending=True)["adcode"][0]
    assert du.default_region(rows) == expected
    assert du.drill_province("510100") == "510000"
    assert du.drill_province("510000") == "510000"
    assert du.drill_province("660000") is None  # 兵团: no boundary, no prefecture map
    assert du.drill_province("999999") is None
    assert "660000" in du.region_options(rows)  # but it is in tables and can be chosen for the funnel


# ---------------------------------------------------------------------------------------------------------------
# Small samples and k = 10 suppression
# ---------------------------------------------------------------------------------------------------------------
def cell(adcode, level, category, respondents, need, aware, used, year=YEAR):
    # Every user completes and is satisfied; every aware non-user names the lack of guidance.
    entities = respondents * 50
    return demand_row(adcode, level, year, category, entities, respondents, need, aware, used, used, used, aware - used)


def small_survey() -> pl.DataFrame:
    """浙江's four cities × two categories; 舟山 (330900) has 8 respondents for tax: a disclosive cell."""
    counts = {  # adcode: (tax, permits) as (respondents, need, aware, used)
        "330100": ((400, 300, 250, 200), (300, 200, 150, 120)),
        "330200": ((200, 150, 100, 90), (150, 100, 90, 60)),
        "330300": ((25, 20, 15, 10), (120, 90, 60, 50)),
        "330900": ((8, 7, 5, 2), (90, 60, 40, 30)),
    }
    cities = [
        cell(adcode, "prefecture", category, *values)
        for adcode, pair in counts.items()
        for category, values in zip(("tax", "permits"), pair, strict=True)
    ]
    return with_province_totals(cities)


def test_cells_under_k_are_hidden_with_secondary_suppression():
    frame = small_survey()
    sel = du.Selection(YEAR, "tax", "prefecture")
    rows = du.units(frame, sel).sort("adcode")
    by_code = {r["adcode"]: r for r in rows.iter_rows(named=True)}
    hidden = by_code["330900"]
    assert hidden["suppressed"] and hidden["suppression"] == "primary"
    assert all(
        hidden[c] is None
        for c in (
            "respondents",
            "need",
            "shortfall",
            "awareness_gap",
            "conversion_gap",
            "potential_rate",
            "actual_rate",
            "dominant_gap",
            "shortfall_low",
        )
    )
    # 浙江's tax total is shown at province level: the smallest other city goes too, so 舟山 cannot be derived.
    assert by_code["330300"]["suppressed"] and by_code["330300"]["suppression"] == "secondary"
    assert not by_code["330100"]["suppressed"] and by_code["330100"]["shortfall"] is not None
    _, hidden_codes = flagged_units(rows)
    assert sorted(hidden_codes) == ["330300", "330900"]
    values = dict(map_values(rows, "shortfall").iter_rows())
    assert values["330900"] is None and values["330300"] is None
    assert "330900" not in du.region_options(rows)
    assert "330900" not in dp.scatter_points(rows, "zh")["adcode"].to_list()
    table = dp.units_table(rows, sel, "zh")
    row = table.filter(pl.col("区划代码") == "330900").row(0, named=True)
    assert row["标记"] == "已隐藏（n < 10）"
    assert row["受访数"] is None and row["缺口（个百分点）"] is None and row["缺口 95% 置信区间"] == "—"
    sentences = dp.findings(rows, du.national_funnel(frame, sel), du.priority_rows(frame, sel), sel, "zh")
    assert sentences[-1].endswith("隐藏的单元 2 个。")


def test_hidden_cell_also_hides_another_category_of_the_same_unit():
    """舟山's permits figure plus the hidden tax one make its all-services figure: one more cell must go."""
    grid = du.suppression_grid(small_survey(), YEAR, "prefecture")
    hidden = {(a, c) for a, c, s in grid.select("adcode", "service_category", "suppressed").iter_rows() if s}
    assert ("330900", "tax") in hidden and ("330900", "permits") in hidden
    permits = du.units(small_survey(), du.Selection(YEAR, "permits", "prefecture"))
    assert permits.filter(pl.col("adcode") == "330900")["shortfall"][0] is None


def test_priority_list_drops_hidden_cells_and_reranks():
    frame = small_survey()
    sel = du.Selection(YEAR, du.ALL, "prefecture")
    prio = du.priority_rows(frame, sel)
    cells = set(zip(prio["adcode"], prio["service_category"], strict=True))
    assert ("330900", "tax") not in cells and ("330300", "tax") not in cells
    assert prio["rank"].to_list() == list(range(1, prio.height + 1))
    flagged = dp.priority_table(prio, sel, "en")
    assert "Small sample" not in flagged["Flag"].to_list()  # 330300 tax (n = 25) was hidden, not just flagged


def test_small_samples_flagged_not_claimed():
    frame = small_survey().filter(pl.col("service_category") == "permits")
    frame = pl.concat([frame, pl.DataFrame([cell("330400", "prefecture", "permits", 20, 19, 2, 1)])])
    sel = du.Selection(YEAR, "permits", "prefecture")
    rows = du.units(frame, sel)
    small, hidden = flagged_units(rows)
    assert small == ["330400"] and hidden == []
    # 嘉兴 has by far the largest shortfall but only 20 respondents: flagged, kept out of the claims
    assert du.default_region(rows) != "330400"
    assert "330400" not in dp.gap_bars(rows, "zh")["adcode"].to_list()
    sentences = dp.findings(rows, du.national_funnel(frame, sel), du.priority_rows(frame, sel), sel, "en")
    assert "Jiaxing" not in sentences[1]
    assert sentences[-1].startswith("Small-sample units (fewer than 30 respondents): 1,")


def test_reasons_hidden_for_fewer_than_k_non_users():
    frame = small_survey()
    sel = du.Selection(YEAR, "permits", "prefecture")
    shares = du.reason_shares(frame, sel, "330100")  # 80 non-users: shown
    assert set(shares["scope"]) == {"national", "region"}
    few = pl.concat([frame, pl.DataFrame([cell("330500", "prefecture", "permits", 50, 20, 18, 15)])])
    shares = du.reason_shares(few, sel, "330500")  # 5 non-users
    assert set(shares["scope"]) == {"national"}
    table = dp.reasons_table(shares, "湖州", "zh")
    assert "湖州占比（%）" not in table.columns and "全国占比（%）" in table.columns
