"""The channels page's section for a city survey's published table without the channel mix (kind city_preference):
the stated preference for on-site handling per city with its 95% interval, on the map and in a table; a city with
fewer than SUPPRESS_K respondents shows no share, one with fewer than MIN_N is flagged and enters no comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go
import polars as pl

from digigov.analysis.proportions import MIN_N, SUPPRESS_K, differences_within_ci, wilson_exprs
from digigov.figures.china_map import build_china_map, region_label
from digigov.figures.config import BOUNDARY_URL
from digigov.i18n import t
from digigov.indicators import Indicator, get_indicator

INDICATOR = "offline_pref_share"
RATES = ("awareness_rate", "actual_usage_rate")  # read as the file states them, shown in the table


@dataclass(frozen=True)
class PreferenceView:
    year: int | None
    map: go.Figure | None
    table: pl.DataFrame  # localised columns, one row per city of the year
    findings: tuple[str, ...]
    caption: str
    # The measures shown (the preference, then the rates the table has): a file's own 全国/平均 row of each is shown
    # beside the map (digigov.reference_values), never computed from the cities.
    measures: tuple[Indicator, ...] = ()


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _rows(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    return (
        frame.filter(pl.col("year") == year)
        .with_columns(*wilson_exprs("prefers_offline", "respondents", "offline"))
        .with_columns(
            (pl.col("respondents") < SUPPRESS_K).alias("suppressed"),
            (pl.col("respondents") < MIN_N).alias("small_sample"),
        )
        .sort("adcode")
    )


def preference_view(frame: pl.DataFrame, lang: str) -> PreferenceView:
    """The latest year of the table: map (suppressed cities grey, small samples outlined), table and findings."""
    if frame.is_empty():
        return PreferenceView(None, None, pl.DataFrame(), (), t("channels.preference.caption", lang))
    year = cast(int, frame["year"].max())
    rows = _rows(frame, year)
    shown = rows.filter(~pl.col("suppressed"))
    indicator = get_indicator(INDICATOR)
    fig = build_china_map(
        shown.select("adcode", pl.col("offline_share").alias("value")),
        indicator,
        lang,
        level="prefecture",
        geojson_base_url=BOUNDARY_URL,
        outlined=shown.filter(pl.col("small_sample"))["adcode"].to_list(),
        outlined_label=t("channels.preference.small_legend", lang, n=MIN_N),
        suppressed=rows.filter(pl.col("suppressed"))["adcode"].to_list(),
        suppressed_label=t("channels.preference.suppressed_legend", lang, k=SUPPRESS_K),
    )
    rates = [r for r in RATES if r in frame.columns and frame[r].is_not_null().any()]
    measures = (indicator, *(get_indicator(r) for r in rates))
    return PreferenceView(
        year, fig, _table(rows, lang), _findings(rows, year, lang), t("channels.preference.caption", lang), measures
    )


def _table(rows: pl.DataFrame, lang: str) -> pl.DataFrame:
    col = {
        k: t(f"channels.preference.col_{k}", lang)
        for k in ("region", "year", "n", "share", "interval", "aware", "used", "note")
    }
    records = []
    for row in rows.iter_rows(named=True):
        hidden = row["suppressed"]
        note = "suppressed" if hidden else ("small" if row["small_sample"] else "")
        records.append(
            {
                col["region"]: region_label(row["adcode"], lang),
                col["year"]: row["year"],
                col["n"]: row["respondents"],
                col["share"]: "" if hidden else _pct(row["offline_share"]),
                col["interval"]: "" if hidden else f"{_pct(row['offline_low'])}–{_pct(row['offline_high'])}",
                col["aware"]: _pct(row.get("awareness_rate")),
                col["used"]: _pct(row.get("actual_usage_rate")),
                col["note"]: t(f"channels.preference.note_{note}", lang, n=MIN_N, k=SUPPRESS_K) if note else "",
            }
        )
    schema = {name: (pl.Int64 if key in ("year", "n") else pl.String) for key, name in col.items()}
    return pl.DataFrame(records, schema=schema, orient="row")


def _findings(rows: pl.DataFrame, year: int, lang: str) -> tuple[str, ...]:
    """Highest and lowest among the cities with at least MIN_N respondents; "higher" only when the intervals are
    apart."""
    adequate = rows.filter(~pl.col("suppressed") & ~pl.col("small_sample"))
    left_out = rows.height - adequate.height
    out = []
    if adequate.height < 2:
        out.append(t("channels.preference.too_few", lang, year=year, units=adequate.height, n=MIN_N))
    else:
        top = adequate.sort(["offline_share", "adcode"], descending=[True, False]).row(0, named=True)
        bottom = adequate.sort(["offline_share", "adcode"]).row(0, named=True)
        facts = {
            "year": year,
            "n": MIN_N,
            "units": adequate.height,
            "top": region_label(top["adcode"], lang),
            "top_share": _pct(top["offline_share"]),
            "bottom": region_label(bottom["adcode"], lang),
            "bottom_share": _pct(bottom["offline_share"]),
        }
        if top["offline_share"] == bottom["offline_share"]:
            out.append(t("channels.preference.all_equal", lang, **facts, share=facts["top_share"]))
        elif differences_within_ci(
            top["offline_low"], top["offline_high"], bottom["offline_low"], bottom["offline_high"]
        ):
            out.append(t("channels.preference.extremes_overlap", lang, **facts))
        else:
            out.append(t("channels.preference.extremes", lang, **facts))
    if left_out:
        out.append(t("channels.preference.left_out", lang, count=left_out, n=MIN_N))
    return tuple(out)
