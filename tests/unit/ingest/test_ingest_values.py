"""Numbers, percentages, missing markers and years: examples plus hypothesis properties."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.ingest.values import (
    MISSING_TOKENS,
    Number,
    ValueParseError,
    infer_scale,
    is_missing,
    looks_scientific,
    parse_number,
    parse_number_column,
    parse_year,
    parse_year_column,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45.3%", Number(45.3, True)),
        ("45.3", Number(45.3, False)),
        ("0.453", Number(0.453, False)),
        ("1,234", Number(1234, False)),
        ("1，234", Number(1234, False)),
        ("1,234,567.5", Number(1234567.5, False)),
        ("１２３", Number(123, False)),
        ("45.3 %", Number(45.3, True)),
        ("45.3％", Number(45.3, True)),
        (" 7 ", Number(7, False)),
        ("-5%", Number(-5, True)),
        ("−5", Number(-5, False)),
        ("+2.5", Number(2.5, False)),
        ("1.5e3", Number(1500, False)),
        (".5", Number(0.5, False)),
        ("007", Number(7, False)),
    ],
)
def test_parse_number_examples(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["—", "-", "–", "N/A", "NA", "无", "", "null", "...", "  ", "n/a", "——", "#N/A"])
def test_missing_tokens(text):
    assert is_missing(text)
    assert parse_number(text) is None
    assert parse_year(text) is None


@pytest.mark.parametrize(
    "text",
    ["abc", "1,23", "12,3456", "45.3%%", "1.2.3", "约", "inf", "nan%", "1e", "--5", "5-", "1 234", "0x10", "=1+1"],
)
def test_parse_number_rejects(text):
    with pytest.raises(ValueParseError) as caught:
        parse_number(text)
    assert caught.value.value == text


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2021", 2021),
        (2021, 2021),
        (2021.0, 2021),
        ("2021年", 2021),
        ("2021年度", 2021),
        ("2021-06-30", 2021),
        ("2021/6/30", 2021),
        ("2021.0", 2021),
        ("2021-06-30 00:00:00", 2021),
        ("2021.6.30", 2021),
        ("2021-06", 2021),
        ("2021年6月", 2021),
        ("2021年6月30日", 2021),
        ("二〇二一年", 2021),
        ("2021Q3", 2021),
        ("FY2021", 2021),
        ("20210630", 2021),
        ("２０２１年", 2021),
        (" 2021 ", 2021),
        ("2021 年", 2021),
    ],
)
def test_parse_year_examples(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize(
    "text",
    ["去年", "2021.5", "21", "2021-13-01", "2021-02-30", "44377", "1800", "3000", "abc", "2021/2022", "本年度", True],
)
def test_parse_year_rejects(text):
    with pytest.raises(ValueParseError):
        parse_year(text)


def test_scientific_notation_detection():
    assert looks_scientific("1.1E+17") and looks_scientific("3.3e+05") and looks_scientific("1E17")
    assert not looks_scientific("110000") and not looks_scientific("1.5") and not looks_scientific(None)


# -- properties ------------------------------------------------------------------------------------------------
decimals = st.decimals(min_value=-(10**12), max_value=10**12, places=3, allow_nan=False, allow_infinity=False)


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(decimals, st.booleans(), st.booleans(), st.sampled_from([",", "，"]))
def test_number_round_trip(value, percent, grouped, comma):
    text = f"{value:,}" if grouped else f"{value}"
    if grouped:
        text = text.replace(",", comma)
    text = text + ("%" if percent else "")
    parsed = parse_number(text)
    assert parsed == Number(float(value), percent)


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_repr_of_any_float_parses_back(value):
    assert parse_number(repr(value)).value == value


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            decimals.map(lambda d: f"{d}"),
            decimals.map(lambda d: f"{d:,}%"),
            st.sampled_from(sorted(MISSING_TOKENS)),
            st.text(max_size=8),
            st.just(None),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_column_parser_agrees_with_the_scalar_parser(cells):
    parsed = parse_number_column(pl.Series("c", cells, dtype=pl.String))
    for cell, value, percent, error in zip(cells, parsed.values, parsed.percent, parsed.errors, strict=True):
        try:
            expected = parse_number(cell)
        except ValueParseError:
            assert error and value is None
            continue
        assert not error
        if expected is None:
            assert value is None
        else:
            assert value == pytest.approx(expected.value, rel=1e-12) and percent == expected.percent


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(
    st.integers(min_value=1949, max_value=2100),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=28),
    st.sampled_from(
        [
            "{y}",
            "{y}年",
            "{y}年度",
            "{y}.0",
            "{y}-{m:02d}-{d:02d}",
            "{y}/{m}/{d}",
            "{y}-{m:02d}-{d:02d} 00:00:00",
            "{y}年{m}月",
            "{y}年{m}月{d}日",
            "{y}.{m}.{d}",
            "{y}{m:02d}{d:02d}",
        ]
    ),
)
def test_year_round_trip(year, month, day, pattern):
    assert parse_year(pattern.format(y=year, m=month, d=day)) == year


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(st.text(max_size=12))
def test_year_parser_never_raises_anything_but_a_parse_error(text):
    try:
        year = parse_year(text)
    except ValueParseError:
        return
    assert year is None or 1949 <= year <= 2100


def test_year_column_flags_errors_and_keeps_missing_apart():
    years, errors = parse_year_column(pl.Series(["2021", "去年", None, "—", "2022年"]))
    assert years.to_list() == [2021, None, None, None, 2022]
    assert errors.to_list() == [False, True, False, False, False]


# -- unit inference ---------------------------------------------------------------------------------------------
def scale_of(cells, unit="share", **kwargs):
    parsed = parse_number_column(pl.Series("c", cells, dtype=pl.String))
    return infer_scale("c", "x", unit, parsed, **kwargs)


def test_scale_inference():
    assert scale_of(["45.3%", "50%"]).scale == "percent"
    assert scale_of(["45.3%", "50%"]).reason == "percent_sign"
    assert scale_of(["45.3", "50"]).scale == "percent"
    assert scale_of(["0.453", "0.5"]).scale == "fraction"
    assert scale_of(["0.453", "0.5"], header_percent=True).scale == "percent"
    assert scale_of(["1.2", "0.5"]).scale == "fraction"  # max 1.2 is below 1.5: fractions (1.2 is then > 100%)
    assert scale_of(["45.3%", "0.5"]).mixed
    assert scale_of(["91.2", "88"], unit="points").scale == "as_is"


def test_counts_with_a_denominator():
    counts = parse_number_column(pl.Series(["60", "61", "10"]))
    denominator = pl.Series([161.0, 373.0, 20.0])
    inference = infer_scale(
        "web", "channel_web_share", "share", counts, denominator="respondents", denominator_values=denominator
    )
    assert inference.scale == "count_of" and inference.denominator == "respondents"
    over = infer_scale(
        "web",
        "channel_web_share",
        "share",
        counts,
        denominator="respondents",
        denominator_values=pl.Series([10.0, 10.0, 10.0]),
    )
    assert over.scale == "percent"  # counts above the denominator cannot be counts of it


@settings(deadline=None)  # polars and the gazetteer can be slow on a loaded CI machine
@given(
    st.lists(st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda v: round(v, 1)), min_size=1, max_size=10)
)
def test_percent_strings_become_fractions(values):
    parsed = parse_number_column(pl.Series([f"{v}%" for v in values]))
    inference = infer_scale("c", "x", "share", parsed)
    assert inference.scale == "percent"
    stored = parsed.values * inference.factor
    assert all(math.isclose(s, v / 100, abs_tol=1e-12) for s, v in zip(stored, values, strict=True))


def test_a_large_column_parses_fast():
    import time

    cells = pl.Series([f"{i % 1000}.{i % 10}" for i in range(200_000)] + ["1,234", "45%", "abc"])
    started = time.perf_counter()
    parsed = parse_number_column(cells)
    assert time.perf_counter() - started < 2
    assert parsed.errors.sum() == 1 and parsed.values[-3] == 1234


def test_missing_tokens_are_not_errors_in_columns():
    cells = ["—", "N/A", "无", "", None, "..."]
    parsed = parse_number_column(pl.Series(cells, dtype=pl.String))
    assert not parsed.errors.any() and parsed.values.null_count() == len(cells)


# -- a column mixing "45%" and "0.45" is refused ----------------------------------------------------------------
def share_file(cells: list[str], header: str = "线下办理偏好占比") -> bytes:
    regions = ["上海", "浙江", "北京", "广东", "四川"][: len(cells)]
    lines = [f"地区,年份,{header}", *(f"{r},2023,{c}" for r, c in zip(regions, cells, strict=True))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_mixed_percent_and_fraction_column_is_refused_with_row_column_and_value():
    from digigov.ingest import read_upload

    result = read_upload("调查.csv", share_file(["45%", "0.45", "52.5%", "0", "0.3"]))
    mixed = [i for i in result.report.issues if i.code == "share_mixed_notation"]
    # Rows as the user sees them (the header is row 1); "0" is 0 in either notation and is not flagged.
    assert [(i.severity, i.file, i.row, i.column, i.value) for i in mixed] == [
        ("error", "调查.csv", 3, "线下办理偏好占比", "0.45"),
        ("error", "调查.csv", 6, "线下办理偏好占比", "0.3"),
    ]
    assert "第 3 行" in mixed[0].message_zh and "0.45" in mixed[0].message_zh and "45%" in mixed[0].message_zh
    assert "Row 3" in mixed[0].message_en and '"线下办理偏好占比"' in mixed[0].message_en
    assert not result.report.ok and not result.ok  # the file cannot be accepted until it is fixed
    assert "scale_percent" not in result.report.codes  # no "read as percentages" note: nothing was guessed
    assert result.frame is None or result.frame["offline_pref_share"].drop_nulls().len() == 0


def test_a_unit_chosen_by_the_user_does_not_unlock_a_mixed_column():
    from digigov.ingest import read_upload

    result = read_upload("调查.csv", share_file(["45%", "0.45"]), units={"线下办理偏好占比": "percent"})
    assert not result.report.ok
    assert [i.row for i in result.report.issues if i.code == "share_mixed_notation"] == [3]


@pytest.mark.parametrize(
    ("cells", "scale", "stored"),
    [
        (["45%", "30.5%", "0%"], "percent", [0.45, 0.305, 0.0]),
        (["0.45", "0.305", "0"], "fraction", [0.45, 0.305, 0.0]),
        (["45", "30.5", "0"], "percent", [0.45, 0.305, 0.0]),
        (["45%", "0", "30.5%"], "percent", [0.45, 0.0, 0.305]),  # a bare zero is the same in both notations
    ],
)
def test_a_column_written_one_way_still_reads_as_before(cells, scale, stored):
    from digigov.ingest import read_upload

    result = read_upload("调查.csv", share_file(cells))
    assert "share_mixed_notation" not in result.report.codes
    assert result.report.ok, [i.message_en for i in result.report.errors]
    assert result.units["线下办理偏好占比"].scale == scale
    assert result.frame is not None
    by_region = dict(zip(result.frame["adcode"], result.frame["offline_pref_share"], strict=True))
    assert [by_region[a] for a in ("310000", "330000", "110000")] == pytest.approx(stored)


# -- numbers as written (issue 19) -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value", "percent", "approx", "scaled", "unit"),
    [
        ("8.09亿", 809_000_000, False, False, True, None),
        ("1.2万", 12_000, False, False, True, None),
        ("3千", 3_000, False, False, True, None),
        ("1.5万亿", 1.5e12, False, False, True, None),
        ("1,456.2万", 14_562_000, False, False, True, None),
        ("500余", 500, False, True, False, None),
        ("500余万", 5_000_000, False, True, True, None),
        ("约86", 86, False, True, False, None),
        ("近500", 500, False, True, False, None),
        ("500左右", 500, False, True, False, None),
        ("300多家", 300, False, True, False, "家"),
        ("约45%", 45, True, True, False, None),
        ("71.2分", 71.2, False, False, False, "分"),
        ("12天", 12, False, False, False, "天"),
        ("3.5‰", 0.35, True, False, False, "‰"),
        ("2.1个百分点", 2.1, True, False, False, "个百分点"),
        ("４５．３％", 45.3, True, False, False, None),
        ("１，２３４", 1234, False, False, False, None),
    ],
)
def test_numbers_as_written(text, value, percent, approx, scaled, unit):
    number = parse_number(text)
    assert number is not None
    assert math.isclose(number.value, value, rel_tol=1e-12)
    assert (number.percent, number.approx, number.scaled, number.unit) == (percent, approx, scaled, unit)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,23", "number_grouping"),
        ("12,3456", "number_grouping"),
        ("10-20", "number_range"),
        ("10~20%", "number_range"),
        ("10至20", "number_range"),
        ("12公里", "number_unit_unknown"),
        ("1.2万%", "not_a_number"),
        ("未统计", "not_a_number"),
    ],
)
def test_numbers_that_cannot_be_read_say_why(text, reason):
    with pytest.raises(ValueParseError) as caught:
        parse_number(text)
    assert caught.value.reason == reason


def test_number_column_carries_approximation_scale_unit_and_reason():
    cells = ["8.09亿", "约500", "71.2分", "3.5‰", "1,23", "10-20", "45.3", None, "—", "４５．３％"]
    parsed = parse_number_column(pl.Series("v", cells))
    assert parsed.values.to_list()[:4] == [809_000_000.0, 500.0, 71.2, 0.35]
    assert parsed.flags("approx").to_list() == [False, True, *[False] * 8]
    assert parsed.flags("scaled").to_list() == [True, *[False] * 9]
    assert parsed.units().to_list()[2:4] == ["分", "‰"]
    assert parsed.reasons().to_list()[4:6] == ["number_grouping", "number_range"]
    assert parsed.errors.to_list() == [False, False, False, False, True, True, False, False, False, False]
    assert parsed.percent.to_list()[-1] and parsed.values.to_list()[-1] == 45.3


def test_per_mille_cells_count_as_percent_cells_for_the_mixed_rule():
    parsed = parse_number_column(pl.Series(["35‰", "45%", "0.45"]))
    inference = infer_scale("c", "offline_pref_share", "share", parsed)
    assert inference.scale == "percent" and inference.mixed  # 0.45 is still refused beside % cells
    clean = infer_scale("c", "offline_pref_share", "share", parse_number_column(pl.Series(["350‰", "45%"])))
    assert not clean.mixed and clean.factor == 0.01
