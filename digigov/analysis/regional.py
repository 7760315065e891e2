"""The regional-gaps page's data on the 31 mainland provinces: the macro-region grouping, trends of macro-region
means, and a province's dimension scores beside its macro-region and the nation.

The dispersion, convergence, clustering and re-weighting formulas live in inequality, convergence, spatial and
composite; the regional presenter calls them directly on the frames this module selects.
"""

from __future__ import annotations

from typing import cast

import polars as pl

from digigov.analysis.overview import region_table, values_for_year
from digigov.regions import MACRO_REGIONS, load_gazetteer

DIMENSION_INDICATORS: dict[str, str] = {
    "organisation": "dgi_organisation",
    "institutions": "dgi_institutions",
    "capacity": "dgi_capacity",
    "effect": "dgi_effect",
}
MIN_UNITS = 4  # fewer provinces than this make dispersion and clustering figures meaningless


def mainland(frame: pl.DataFrame) -> pl.DataFrame:
    """Only the 31 mainland provinces: the NBS macro-regions and inequality figures are defined on them."""
    return frame.join(
        region_table().filter(pl.col("counted_in_31")).select("adcode", "macro_region"), on="adcode", how="inner"
    )


def mainland_values(frame: pl.DataFrame, year: int, column: str) -> pl.DataFrame:
    """adcode, value, macro_region of the mainland provinces that have a value in year."""
    return mainland(values_for_year(frame, year, column)).drop_nulls("value")


def macro_trend(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """year, macro_region, mean."""
    return (
        mainland(frame)
        .group_by("year", "macro_region")
        .agg(pl.col(column).mean().alias("mean"))
        .filter(pl.col("macro_region").is_in(list(MACRO_REGIONS)))
        .sort("year", "macro_region")
    )


def mean_growth_by_macro_region(points: pl.DataFrame) -> dict[str, float]:
    """macro_region -> mean annualised growth of its provinces (points: adcode, growth, as beta convergence gives)."""
    return dict(mainland(points).group_by("macro_region").agg(pl.col("growth").mean()).iter_rows())


def dimension_profile(frame: pl.DataFrame, adcode: str, year: int) -> pl.DataFrame:
    """dimension, province, macro, national: the province's score on each dimension beside the means of its
    macro-region and of the nation (None where there is no value in year)."""
    data = mainland(frame.filter(pl.col("year") == year))
    macro = load_gazetteer()[adcode].macro_region
    rows = []
    for dimension in DIMENSION_INDICATORS:
        own = data.filter(pl.col("adcode") == adcode)[dimension].drop_nulls()
        macro_mean = data.filter(pl.col("macro_region") == macro)[dimension].mean()
        national_mean = data[dimension].mean()
        rows.append(
            {
                "dimension": dimension,
                "province": float(own[0]) if own.len() else None,
                "macro": None if macro_mean is None else float(cast(float, macro_mean)),
                "national": None if national_mean is None else float(cast(float, national_mean)),
            }
        )
    return pl.DataFrame(
        rows, schema={"dimension": pl.String, "province": pl.Float64, "macro": pl.Float64, "national": pl.Float64}
    )
