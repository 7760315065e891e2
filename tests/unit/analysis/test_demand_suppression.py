"""Small-cell protection on the demand page, attacked from what the page shows.

Each test plays an analyst who reads the page's tables (the presenter's DemandView / RegionFocus tables and
the downloadable copies of them) and tries to recover a hidden figure by subtraction: reasons add up to 100 %
of non-users, units add up to their parent's (the nation's) figure, categories add up to "all services". A
figure is safe when, in every such sum, no hidden member stands alone. Only the page's public functions are
used (suppression_grid, units, present, region_focus), so the attacks ran against the code before the fix too.
"""

from __future__ import annotations

import polars as pl

from digigov.analysis import demand_units as du
from digigov.presenters import demand as dp
from tests.factories import demand_row

YEAR = 2024
K = 10


def row(adcode, level, category, respondents, need, aware, used, **reasons):
    return demand_row(
        adcode, level, YEAR, category, respondents * 10, respondents, need, aware, used, used, used, **reasons
    )


def page(frame: pl.DataFrame, category: str = du.ALL, level: str = "province", lang: str = "en"):
    data = du.prepare(frame)
    sel = du.Selection(YEAR, category, level)
    grid = du.suppression_grid(data, YEAR, level)
    rows = du.units(data, sel, grid=grid)
    return data, dp.present(data, sel, rows, grid, lang)


def unit_numbers(view) -> dict[str, int | None]:
    """Respondents per unit as the downloadable units table shows them (None: hidden)."""
    table = view.tables.units
    return dict(zip(table["Code"], table["Respondents"], strict=True))


def reason_columns(table: pl.DataFrame) -> dict[str, list[float | None]]:
    return {c: table[c].to_list() for c in table.columns if c.endswith("share (%)")}


def recover_by_subtraction(shares: list[float | None]) -> float | None:
    """A column of reason shares adds up to 100 %: one hidden share is 100 minus the others."""
    hidden = [s for s in shares if s is None]
    if len(hidden) != 1:
        return None
    return 100 - sum(s for s in shares if s is not None)


# ---------------------------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------------------------
def reasons_frame() -> pl.DataFrame:
    """Three provinces; 四川 has 100 non-users of whom 3 name a technical failure (a cell of 3 records)."""
    return pl.DataFrame(
        [
            row("510000", "province", "tax", 400, 300, 250, 200, guidance=40, answer=4, face=3, tech=3),
            row("440000", "province", "tax", 500, 300, 260, 200, guidance=30, answer=10, face=10, tech=10),
            row("330000", "province", "tax", 600, 400, 300, 250, guidance=20, answer=10, face=10, tech=10),
        ]
    )


def test_a_reason_of_fewer_than_k_non_users_is_not_shown_nor_recoverable():
    data, view = page(reasons_frame())
    focus = dp.region_focus(data, view, "510000", "en")
    region = reason_columns(focus.reasons_table).get("Sichuan share (%)")
    assert region is not None  # the region's other reasons are shown
    reasons = dict(zip(focus.reasons_table["Reason"], region, strict=True))
    non_users = 100
    # no shown share stands for fewer than k answers
    for name, share in reasons.items():
        assert share is None or share * non_users / 100 >= K - 0.05, name
    # and the hidden ones cannot be recovered as 100 % minus the rest
    for column in reason_columns(focus.reasons_table).values():
        assert recover_by_subtraction(column) is None
    assert focus.reasons_note is not None  # the page says why some reasons show "—"


def test_a_hidden_reason_cannot_be_recovered_from_the_national_reasons():
    """National reason count − the other regions' counts = the region's: one hidden region alone would leak."""
    data, view = page(reasons_frame())
    hidden_per_reason: dict[str, int] = {}
    for region in view.region_options:
        table = dp.region_focus(data, view, region, "en").reasons_table
        shares = reason_columns(table)
        column = next((v for c, v in shares.items() if not c.startswith("National")), [None] * table.height)
        for reason, share in zip(table["Reason"], column, strict=True):
            hidden_per_reason[reason] = hidden_per_reason.get(reason, 0) + (share is None)
    national = reason_columns(dp.region_focus(data, view, "510000", "en").reasons_table)["National share (%)"]
    assert recover_by_subtraction(national) is None
    for reason, hidden in hidden_per_reason.items():
        assert hidden != 1, reason


def test_no_reasons_recorded_is_said_not_shown_as_zero():
    frame = reasons_frame().with_columns(pl.col(c).fill_null(0) * 0 for c in du.REASON_COLUMNS)
    data, view = page(frame)
    focus = dp.region_focus(data, view, "510000", "zh")
    assert focus.reasons_none


# ---------------------------------------------------------------------------------------------------------------
# Units against the national funnel, across levels
# ---------------------------------------------------------------------------------------------------------------
def test_prefecture_only_upload_protects_the_national_total():
    """Three prefectures of three provinces and no province rows: the national funnel is their sum, so one
    hidden prefecture beside two shown ones is the national figure minus the two."""
    frame = pl.DataFrame(
        [
            row("330100", "prefecture", "tax", 400, 300, 250, 200),
            row("440100", "prefecture", "tax", 300, 200, 150, 120),
            row("510100", "prefecture", "tax", 5, 4, 3, 2),
        ]
    ).drop("level")
    _data, view = page(frame, level="prefecture")
    shown = unit_numbers(view)
    assert shown["510100"] is None
    assert view.national["potential_rate"] is not None  # the total is shown
    assert sum(v is None for v in shown.values()) != 1


def cross_level_frame() -> pl.DataFrame:
    """Four provinces: 青海 (5 respondents) hidden; 宁夏 (50) the smallest other, hidden to protect it; 宁夏's
    two prefectures (25 each) are shown on the prefecture level and add up to 宁夏."""
    rows = [
        row("630000", "province", "tax", 5, 4, 3, 2),
        row("640000", "province", "tax", 50, 40, 30, 20),
        row("640100", "prefecture", "tax", 25, 20, 15, 10),
        row("640200", "prefecture", "tax", 25, 20, 15, 10),
        row("510000", "province", "tax", 500, 300, 250, 200),
        row("440000", "province", "tax", 600, 400, 300, 250),
    ]
    return pl.DataFrame(rows)


def test_a_province_hidden_to_protect_another_is_not_rebuilt_from_its_prefectures():
    frame = cross_level_frame()
    _, provinces = page(frame)
    _, prefectures = page(frame, level="prefecture")
    on_provinces, on_prefectures = unit_numbers(provinces), unit_numbers(prefectures)
    assert on_provinces["630000"] is None
    hidden = [a for a, n in on_provinces.items() if n is None]
    assert len(hidden) >= 2  # the national total cannot give 青海 alone
    for province in hidden:
        parts = [n for a, n in on_prefectures.items() if a.startswith(province[:2])]
        if parts:  # the prefectures shown must not add up to a hidden province
            assert any(n is None for n in parts), province


# ---------------------------------------------------------------------------------------------------------------
# Weighted data: the rule counts records, not weights
# ---------------------------------------------------------------------------------------------------------------
def weighted_frame() -> pl.DataFrame:
    """Sums of weights with the records behind them: 四川's cell is 3 records weighted 5,000 each."""
    rows = [
        row("510000", "province", "tax", 400, 300, 250, 200),
        row("440000", "province", "tax", 500, 300, 260, 200),
        row("330000", "province", "tax", 600, 400, 300, 250),
    ]
    frame = pl.DataFrame(rows)
    counts = ["respondents", "need", "aware", "used", "completed", "satisfied", *du.REASON_COLUMNS]
    weights = (
        pl.when(pl.col("adcode") == "510000").then(37.50125).otherwise(2.513)
    )  # sums of weights are not whole numbers
    return frame.with_columns(
        *(pl.col(c) * weights for c in counts),
        pl.when(pl.col("adcode") == "510000").then(3).otherwise(pl.col("respondents")).alias("unweighted_n"),
    )


def test_weighted_cells_are_protected_on_their_records():
    _data, view = page(weighted_frame())
    table = view.tables.units
    sichuan = table.filter(pl.col("Code") == "510000").row(0, named=True)
    assert sichuan["Respondents"] is None and sichuan["Shortfall (pp)"] is None
    assert sum(n is None for n in table["Respondents"]) >= 2  # and not recoverable from the national total
    assert "510000" not in view.region_options


def test_weighted_data_without_record_counts_hide_what_cannot_be_judged():
    frame = weighted_frame().drop("unweighted_n")
    _data, view = page(frame)
    assert all(n is None for n in view.tables.units["Respondents"])
    assert any("record count" in note for note in view.notes)
