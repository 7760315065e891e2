"""The data sharing page's presenter: findings chosen by their facts on normal, reversed and tied data, and the
page on the built-in samples (the article's fact: more than half not updated in time)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from digigov.presenters import data_sharing as p
from digigov.sources import load_source

REF = dt.date(2024, 12, 31)


def catalogue(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "adcode": [r[0] for r in rows],
            "title": [f"数据集{i}" for i in range(len(rows))],
            "department": ["部门"] * len(rows),
            "frequency": [r[1] for r in rows],
            "last_updated": [dt.date.fromisoformat(r[2]) for r in rows],
            "formats": ["CSV"] * len(rows),
        }
    )


# 北京: 3 of 4 on schedule; 上海: 1 of 4 (the other way round gives the reversed case)
ON, LATE = "2024-12-20", "2023-01-01"
NORMAL = [("110000", "monthly", d) for d in (ON, ON, ON, LATE)] + [
    ("310000", "monthly", d) for d in (ON, LATE, LATE, LATE)
]


def keys(findings) -> list[str]:
    return [f.key for f in findings]


def test_freshness_findings_normal():
    view = p.present_freshness(catalogue(NORMAL), REF, "province", "zh")
    first = view.facts[0]
    assert first.key == "sharing.finding.on_schedule_majority" or first.key == "sharing.finding.on_schedule_below_half"
    assert (
        first.facts.share == pytest.approx(0.5) and not first.facts.below_half
    )  # exactly half is not "more than half late"
    gap = next(f for f in view.facts if f.key == "sharing.finding.regions_gap").facts
    assert gap.highest == ("110000",) and gap.lowest == ("310000",) and gap.gap_pp == pytest.approx(50.0)
    assert "北京（75.0%）" in view.findings[1] and "上海（25.0%）" in view.findings[1]


def test_freshness_findings_reversed():
    reversed_rows = [("310000" if a == "110000" else "110000", f, d) for a, f, d in NORMAL]
    gap = next(
        f
        for f in p.present_freshness(catalogue(reversed_rows), REF, "province", "en").facts
        if f.key.endswith("regions_gap")
    )
    assert gap.facts.highest == ("310000",) and gap.facts.lowest == ("110000",)
    assert "highest in Shanghai (75.0%)" in gap.text


def test_freshness_findings_tied_and_below_half():
    tied = [
        ("110000", "annual", LATE),
        ("110000", "annual", ON),
        ("310000", "annual", LATE),
        ("310000", "annual", ON),
        ("310000", "annual", LATE),
        ("110000", "annual", LATE),
    ]
    view = p.present_freshness(catalogue(tied), REF, "province", "zh")
    keys_found = keys(view.facts)
    assert keys_found[0] == "sharing.finding.on_schedule_below_half"  # 2 of 6: more than half late
    assert "超过一半" in view.findings[0]
    assert "sharing.finding.regions_equal" in keys_found  # both 1 of 3: no region named as better
    assert not any("最高" in s for s in view.findings)


def test_irregular_only_catalogue_is_neutral():
    view = p.present_freshness(catalogue([("110000", "irregular", ON)]), REF, "province", "en")
    assert keys(view.facts)[0] == "sharing.finding.no_scheduled"


def test_overdue_wording_names_the_worst_frequency_and_ties():
    rows = [("110000", "monthly", "2024-10-01"), ("110000", "daily", "2024-10-01")]  # 91-31 = 60 and 91-1 = 90
    facts = p.overdue_facts(p.open_data.dataset_freshness(catalogue(rows), REF))
    assert facts is not None and facts.worst_frequencies == ("daily",) and facts.worst_median_days == 90
    tie = [("110000", "monthly", "2024-10-01"), ("110000", "weekly", "2024-10-25")]  # 60 and 67-7 = 60
    facts = p.overdue_facts(p.open_data.dataset_freshness(catalogue(tie), REF))
    assert facts is not None and facts.worst_frequencies == ("weekly", "monthly")
    none_late = p.overdue_facts(p.open_data.dataset_freshness(catalogue([("110000", "annual", ON)]), REF))
    assert none_late is not None and p.word_overdue(none_late, "zh").key == "sharing.finding.none_overdue"


def calls(rows: list[tuple[str, str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "adcode": [r[0] for r in rows],
            "provider": [r[1] for r in rows],
            "consumer": [r[2] for r in rows],
            "calls": [r[3] for r in rows],
        }
    )


def test_sharing_findings_normal_reversed_and_tied():
    normal = calls(
        [
            ("110000", "公安", "税务", 90),
            ("110000", "税务", "公安", 10),
            ("110000", "民政", "公安", 0),
            ("620000", "公安", "税务", 5),
            ("620000", "税务", "民政", 0),
            ("620000", "农业农村", "民政", 0),
        ]
    )
    found = p.sharing_findings(normal, None, "zh")
    assert keys(found) == [
        "sharing.finding.islands_all",
        "sharing.finding.one_way",
        "sharing.finding.concentration_high",
        "sharing.finding.connected_gap",
    ]
    connected = found[3].facts
    assert connected.highest == ("110000",) and connected.lowest == ("620000",)  # 2 of 3 against 2 of 4
    reversed_calls = calls(
        [
            ("620000", "公安", "税务", 90),
            ("620000", "税务", "公安", 10),
            ("620000", "民政", "公安", 0),
            ("110000", "公安", "税务", 5),
            ("110000", "税务", "民政", 0),
            ("110000", "农业农村", "民政", 0),
        ]
    )
    rev = p.sharing_findings(reversed_calls, None, "zh")[3].facts
    assert rev.highest == ("620000",) and rev.lowest == ("110000",)
    tied = calls([("110000", "A", "B", 10), ("110000", "B", "A", 10), ("620000", "A", "B", 3), ("620000", "B", "A", 3)])
    found = p.sharing_findings(tied, None, "en")
    assert keys(found) == [
        "sharing.finding.no_islands",
        "sharing.finding.no_one_way",
        "sharing.finding.concentration_high",
        "sharing.finding.connected_equal",
    ]
    assert found[2].facts.top == ("A", "B") and "tied" in found[2].text


def test_sharing_region_names_islands_escaped():
    data = calls([("110000", "公安", "税务", 4), ("110000", "*孤岛*[x](javascript:1)", "公安", 0)])
    found = p.sharing_findings(data, "110000", "zh")
    assert found[0].key == "sharing.finding.islands_region"
    assert "\\*孤岛\\*" in found[0].text and "](javascript" not in found[0].text


def ops(costs: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "adcode": ["110000", "310000", "330000", "440000", "510000"][: len(costs)],
            "platform": ["service_portal"] * len(costs),
            "investment": costs,
            "transactions": [10_000] * len(costs),
            "active_users": [1_000] * len(costs),
        }
    )


def test_operations_findings_normal_reversed_and_tied():
    found = p.operations_findings(ops([1, 2, 3, 4, 100]), "zh")
    assert keys(found) == ["sharing.finding.cost_range", "sharing.finding.outliers_high"]
    assert found[1].facts.high == ("510000|service_portal",) and "四川 · 政务服务网" in found[1].text
    assert "Q3 + 1.5 × IQR" in found[1].text
    low = p.operations_findings(ops([100, 101, 102, 103, 1]), "en")
    assert low[1].key == "sharing.finding.outliers_low" and low[1].facts.low == ("510000|service_portal",)
    tied = p.operations_findings(ops([5, 5, 5, 5, 5]), "zh")
    assert keys(tied) == ["sharing.finding.cost_equal", "sharing.finding.no_outliers"]
    few = p.operations_findings(ops([1, 2, 3]), "zh")
    assert keys(few)[-1] == "sharing.finding.outliers_too_few"


def test_samples_show_the_article_fact_in_both_languages():
    for lang in ("zh", "en"):
        view = p.present(
            load_source("open_data_catalogue", "builtin"),
            load_source("open_data", "builtin"),
            load_source("sharing_calls", "builtin"),
            load_source("platform_operations", "builtin"),
            lang,
            watermark="示例数据",
        )
        first = view.freshness.facts[0]
        assert first.key == "sharing.finding.on_schedule_below_half" and first.facts.share < 0.5
        assert view.trend.facts[0].facts.below_half_every_year
        assert view.operations.facts[1].key == "sharing.finding.outliers_high"
        assert view.freshness.levels == ("province", "prefecture")
        assert view.freshness.regions_table.height == 31
