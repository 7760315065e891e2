"""Open-data freshness from a catalogue: on-schedule share, days overdue per frequency, 不定期 and undated
datasets apart, formats; every expectation computed by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from digigov.analysis import open_data

REF = dt.date(2024, 12, 31)


def catalogue(rows: list[tuple[str, str, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "adcode": [r[0] for r in rows],
            "title": [f"d{i}" for i in range(len(rows))],
            "frequency": [r[1] for r in rows],
            "last_updated": [None if r[2] is None else dt.date.fromisoformat(r[2]) for r in rows],
            "formats": [r[3] for r in rows],
        },
        schema={
            "adcode": pl.String,
            "title": pl.String,
            "frequency": pl.String,
            "last_updated": pl.Date,
            "formats": pl.String,
        },
    )


def test_overdue_days_per_frequency_against_the_period():
    fresh = open_data.dataset_freshness(
        catalogue(
            [
                ("110000", "daily", "2024-12-30", None),  # 1 day: on schedule (period 1)
                ("110000", "daily", "2024-12-28", None),  # 3 days: 2 overdue
                ("110000", "weekly", "2024-12-24", None),  # 7 days: on schedule
                ("110000", "monthly", "2024-11-30", None),  # 31 days: on schedule
                ("110000", "monthly", "2024-11-01", None),  # 60 days: 29 overdue
                ("110000", "quarterly", "2024-09-01", None),  # 121 days: 29 overdue
                ("110000", "semiannual", "2024-07-01", None),  # 183 days: on schedule (184)
                ("110000", "annual", "2023-12-31", None),  # 366 days: on schedule
                ("110000", "annual", "2022-12-31", None),  # 731 days: 365 overdue
                ("110000", "realtime", "2024-12-31", None),  # 0 days
            ]
        ),
        REF,
    )
    assert fresh["days_since"].to_list() == [1, 3, 7, 31, 60, 121, 183, 366, 731, 0]
    assert fresh["status"].to_list() == [
        "on_schedule",
        "overdue",
        "on_schedule",
        "on_schedule",
        "overdue",
        "overdue",
        "on_schedule",
        "on_schedule",
        "overdue",
        "on_schedule",
    ]
    assert fresh["overdue_days"].to_list() == [None, 2, None, None, 29, 29, None, None, 365, None]
    totals = open_data.totals(fresh)
    assert (totals.on_schedule, totals.overdue, totals.scheduled) == (6, 4, 10)
    assert totals.on_schedule_share == pytest.approx(0.6)
    assert totals.median_overdue_days == pytest.approx(29.0)  # median of 2, 29, 29, 365


def test_irregular_undated_and_later_datasets_are_counted_apart():
    fresh = open_data.dataset_freshness(
        catalogue(
            [
                ("310000", "irregular", "2019-01-01", None),  # never late: no period
                ("310000", "irregular", None, None),
                ("310000", "monthly", None, None),  # undated
                ("310000", "monthly", "2025-01-05", None),  # after the reference date
                ("310000", "monthly", "2024-12-01", None),  # on schedule
                ("310000", "annual", "2020-01-01", None),  # overdue
            ]
        ),
        REF,
    )
    assert fresh["status"].to_list() == [
        "irregular",
        "irregular",
        "undated",
        "after_reference",
        "on_schedule",
        "overdue",
    ]
    totals = open_data.totals(fresh)
    assert (totals.irregular, totals.undated, totals.after_reference) == (2, 1, 1)
    assert totals.scheduled == 2 and totals.on_schedule_share == pytest.approx(0.5)


def test_only_irregular_datasets_give_no_share():
    fresh = open_data.dataset_freshness(catalogue([("310000", "irregular", "2024-01-01", None)]), REF)
    totals = open_data.totals(fresh)
    assert totals.scheduled == 0 and totals.on_schedule_share is None and totals.median_overdue_days is None


def test_formats_machine_readable_and_api():
    fresh = open_data.dataset_freshness(
        catalogue(
            [
                ("110000", "annual", "2024-06-01", "CSV,XLSX"),
                ("110000", "annual", "2024-06-01", "pdf"),
                ("110000", "annual", "2024-06-01", "api"),
                ("110000", "annual", "2024-06-01", "DOC、PDF"),
                ("110000", "annual", "2024-06-01", None),
                ("110000", "annual", "2024-06-01", "json / .xml"),
            ]
        ),
        REF,
    )
    assert fresh["machine_readable"].to_list() == [True, False, False, False, False, True]
    assert fresh["has_api"].to_list() == [False, False, True, False, False, False]
    totals = open_data.totals(fresh)
    assert totals.open_format_share == pytest.approx(3 / 6)
    assert totals.api_share == pytest.approx(1 / 6)


def test_regions_pool_cities_into_their_province_and_count_platforms():
    data = catalogue(
        [
            ("330000", "monthly", "2024-12-15", "CSV"),  # on schedule
            ("330100", "monthly", "2024-10-01", "PDF"),  # 91 days: 60 overdue
            ("330100", "annual", "2024-01-01", "API"),  # on schedule
            ("330200", "quarterly", "2024-01-01", "PDF"),  # 365 days: 273 overdue
            ("520000", "annual", "2024-02-01", "CSV"),  # on schedule
        ]
    )
    fresh = open_data.dataset_freshness(data, REF)
    provinces = open_data.region_freshness(fresh, "province")
    zj = provinces.filter(pl.col("adcode") == "330000").row(0, named=True)
    assert zj["datasets"] == 4 and zj["on_schedule"] == 2 and zj["on_schedule_share"] == pytest.approx(0.5)
    assert zj["median_overdue_days"] == pytest.approx((60 + 273) / 2)
    assert zj["platforms"] == 3 and zj["datasets_per_platform"] == pytest.approx(4 / 3)
    assert zj["open_format_share"] == pytest.approx(0.5)
    cities = open_data.region_freshness(fresh, "prefecture")
    assert cities["adcode"].to_list() == ["330100", "330200"]
    assert cities["on_schedule_share"].to_list() == pytest.approx([0.5, 0.0])


def test_on_time_trend_of_the_platform_panel():
    panel = pl.DataFrame(
        {
            "adcode": ["110000", "110000", "620000", "620000"],
            "year": [2023, 2024, 2023, 2024],
            "platforms": [4, 5, 2, 0],
            "updated_on_time": [2, 3, 0, 0],
        }
    )
    trend = open_data.on_time_trend(panel, {"110000": "east", "620000": "west"})
    nation = trend.filter(pl.col("scope") == "national").sort("year")
    assert nation["share"].to_list() == pytest.approx([2 / 6, 3 / 5])
    west = trend.filter(pl.col("scope") == "west").sort("year")
    assert west["share"].to_list()[0] == 0.0 and west["share"].to_list()[1] is None  # no platforms: no share
