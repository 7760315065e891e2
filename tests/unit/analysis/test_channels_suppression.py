"""Small-cell protection of the channels page: nested totals (units ⊂ provinces ⊂ macro regions ⊂ the whole
selection, and the whole selection split by entity type and by service category), counted in records.

The audit below is the subtraction attack in full: every shown total is an equation "total = sum of its parts";
a hidden cell is recoverable when it is a linear combination of those equations and the shown values. No cell
that the grid hides may be recoverable."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from digigov.analysis.channels import GRID_LINKS, NATIONAL, protection_grid
from digigov.analysis.proportions import Link, protect_nested


def decided(out: dict[str, pl.DataFrame], level: str) -> dict[str, str | None]:
    return dict(zip(out[level]["id"], out[level]["suppression"], strict=True))


def test_primary_and_the_smallest_other_cell_of_a_shown_total():
    units = pl.DataFrame(
        {"id": ["a1", "a2", "a3", "b1", "b2"], "p": ["A", "A", "A", "B", "B"], "n": [5, 60, 50, 100, 200]}
    )
    provinces = pl.DataFrame({"id": ["A", "B"], "nat": ["N", "N"], "n": [115, 300]})
    nation = pl.DataFrame({"id": ["N"], "n": [415]})
    out = protect_nested(
        {"unit": units, "province": provinces, "nation": nation},
        [Link("unit", "province", "p"), Link("province", "nation", "nat")],
        10,
    )
    assert decided(out, "unit") == {"a1": "primary", "a2": None, "a3": "secondary", "b1": None, "b2": None}
    assert not out["province"]["suppressed"].any() and not out["nation"]["suppressed"].any()


def test_a_total_with_one_part_is_hidden_with_it_and_a_hidden_total_hides_a_part():
    # Province B is hidden as the second cell of the nation (A is primary); B's cities would add up to it,
    # so one of them is hidden too, and then a second one within B is not needed (B's total is not shown).
    units = pl.DataFrame({"id": ["a1", "b1", "b2", "c1"], "p": ["A", "B", "B", "C"], "n": [4, 30, 40, 500]})
    provinces = pl.DataFrame({"id": ["A", "B", "C"], "nat": ["N"] * 3, "n": [4, 70, 500]})
    nation = pl.DataFrame({"id": ["N"], "n": [574]})
    out = protect_nested(
        {"unit": units, "province": provinces, "nation": nation},
        [Link("unit", "province", "p"), Link("province", "nation", "nat")],
        10,
    )
    assert decided(out, "province") == {"A": "primary", "B": "secondary", "C": None}
    assert decided(out, "unit") == {"a1": "primary", "b1": "secondary", "b2": None, "c1": None}


def test_keys_keep_years_apart():
    units = pl.DataFrame(
        {"year": [1, 1, 1, 2, 2, 2], "id": ["a", "b", "c"] * 2, "p": ["P"] * 6, "n": [5, 50, 60, 50, 50, 60]}
    )
    parent = pl.DataFrame({"year": [1, 2], "id": ["P", "P"], "n": [115, 160]})
    out = protect_nested({"unit": units, "parent": parent}, [Link("unit", "parent", "p")], 10, keys=("year",))
    hidden = out["unit"].filter(pl.col("suppressed")).select("year", "id").rows()
    assert hidden == [(1, "a"), (1, "b")]


# -- the page's grid ---------------------------------------------------------------------------------------------
CITIES = {
    "330000": ["330100", "330200", "330300", "330400"],
    "320000": ["320100", "320200"],
    "510000": ["510100", "510300", "510400"],
    "420000": ["420100", "420200"],
    "210000": ["210100"],
    "110000": ["110100"],
}
ENTITIES = ("enterprise", "individual_business", "individual")
CATEGORIES = ("tax", "permits")


def random_cells(seed: int, weighted: bool = False) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for year in (2023, 2024):
        for cities in CITIES.values():
            for city in cities:
                for entity in ENTITIES:
                    for category in CATEGORIES:
                        if rng.random() < 0.35:
                            continue
                        n = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 40, 90])
                        offline = rng.randint(0, n)
                        weight = rng.choice([1.0, 50.0, 5000.0]) if weighted else 1.0
                        row = {
                            "adcode": city,
                            "year": year,
                            "entity_type": entity,
                            "service_category": category,
                            "respondents": n * weight,
                            "web": n * weight,
                            "mobile_app": 0.0,
                            "self_service_terminal": 0.0,
                            "counter": 0.0,
                            "prefers_offline": offline * weight,
                        }
                        if weighted:
                            row |= {"unweighted_n": n, "sum_weight_sq": n * weight**2}
                        rows.append(row)
    return pl.DataFrame(rows)


def sum_equations(out: dict[str, pl.DataFrame], year: int, column: dict[tuple[str, str], int]) -> list[np.ndarray]:
    """One row per total: parent − Σ children = 0, over the hidden cells only (shown ones are known)."""
    rows = []
    for link in GRID_LINKS:
        if link.child not in out:
            continue
        children = out[link.child].filter(pl.col("year") == year)
        for parent_id, part in children.group_by(link.parent_col):
            equation = np.zeros(len(column))
            parent = (link.parent, parent_id[0])
            if parent in column:
                equation[column[parent]] = 1.0
            for child_id in part["id"]:
                if (link.child, child_id) in column:
                    equation[column[(link.child, child_id)]] -= 1.0
            if equation.any():
                rows.append(equation)
    return rows


def recoverable(out: dict[str, pl.DataFrame], year: int) -> list[tuple[str, str]]:
    """Hidden cells of ``year`` that the shown cells and the sum relations determine exactly."""
    cells = [
        ((level, cell_id), hidden)
        for level, frame in out.items()
        for cell_id, hidden in frame.filter(pl.col("year") == year).select("id", "suppressed").iter_rows()
    ]
    unknown = sorted(key for key, hidden in cells if hidden)
    column = {key: i for i, key in enumerate(unknown)}
    rows = sum_equations(out, year, column)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for key, j in column.items():
        unit = np.zeros(len(unknown))
        unit[j] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(key)
    return found


@pytest.mark.parametrize("seed", range(12))
def test_no_hidden_cell_of_the_grid_can_be_recovered_by_subtraction(seed):
    frame = random_cells(seed)
    out = protection_grid(frame, k=10)
    assert set(out) == {"unit", "province", "macro", NATIONAL, "entity_type", "service_category"}
    for level, cells in out.items():
        # every cell below k is hidden
        assert cells.filter((pl.col("n") < 10) & ~pl.col("suppressed")).is_empty(), level
    for year in (2023, 2024):
        assert recoverable(out, year) == []


def test_a_naive_primary_only_grid_is_recoverable_so_the_audit_bites():
    frame = pl.concat(
        [random_cells(3).filter(pl.col("year") == 2024), random_cells(4).filter(pl.col("year") == 2024).head(1)]
    ).with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("330100")).otherwise(pl.col("adcode")).alias("adcode"),
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(3.0)).otherwise(pl.col("respondents")).alias("respondents"),
    )
    frame = frame.filter((pl.col("adcode") != "330100") | (pl.int_range(pl.len()) == 0))
    out = protection_grid(frame, k=10)
    assert out["unit"].filter(pl.col("id") == "330100")["suppression"].to_list() == ["primary"]
    primary_only = {level: cells.with_columns((pl.col("n") < 10).alias("suppressed")) for level, cells in out.items()}
    assert ("unit", "330100") in recoverable(primary_only, 2024)
    assert recoverable(out, 2024) == []


def test_weighted_cells_are_counted_in_records_not_weights():
    frame = random_cells(5, weighted=True)
    out = protection_grid(frame, k=10)
    units = out["unit"]
    records = frame.group_by("year", "adcode").agg(pl.col("unweighted_n").sum()).rename({"adcode": "id"})
    joined = units.join(records, on=["year", "id"])
    assert (joined["n"] == joined["unweighted_n"]).all()
    # a city of a few records carrying thousands in weight is hidden
    tiny = joined.filter(pl.col("unweighted_n") < 10)
    assert tiny.height and tiny["suppressed"].all()
    for year in (2023, 2024):
        assert recoverable(out, year) == []


def test_filters_and_units_outside_the_gazetteer():
    frame = random_cells(1).vstack(
        random_cells(1).head(2).with_columns(pl.lit("990100").alias("adcode"), pl.lit(30.0).alias("respondents"))
    )
    out = protection_grid(frame, k=10, year=2024, entity_types=["enterprise"], service_categories=["tax"])
    assert set(out["unit"]["year"]) <= {2024}
    assert set(out["entity_type"]["id"]) <= {"enterprise"}
    assert "other" in set(out["macro"]["id"]) or "990100" not in set(out["unit"]["id"])
    assert recoverable(out, 2024) == []
