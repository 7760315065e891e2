"""Turning an accepted upload into the tables the pages read (the built-in samples' shapes).

Ingest normalises every upload to one frame (indicator columns named by catalog id, shares as fractions);
the analyses read count tables shaped like the samples. This module bridges the two.
"""

from __future__ import annotations

import polars as pl

from digigov.ingest.pipeline import IngestResult
from digigov.sources import KIND_COLUMNS

DIMENSIONS = {
    "dgi_organisation": "organisation",
    "dgi_institutions": "institutions",
    "dgi_capacity": "capacity",
    "dgi_effect": "effect",
}
CHANNEL_SHARES = {
    "channel_web_share": "web",
    "channel_mobile_share": "mobile_app",
    "channel_terminal_share": "self_service_terminal",
    "channel_counter_share": "counter",
    "offline_pref_share": "prefers_offline",
}


def _province_index(frame: pl.DataFrame) -> pl.DataFrame | None:
    if not set(DIMENSIONS) <= set(frame.columns):
        return None
    rows = frame.filter(pl.col("level") == "province") if "level" in frame.columns else frame
    index = pl.col("dgi_index") if "dgi_index" in frame.columns else pl.mean_horizontal(*DIMENSIONS)
    return rows.select(
        "adcode", "year", *(pl.col(c).alias(n) for c, n in DIMENSIONS.items()), index.alias("index")
    ).drop_nulls("year")


def _channels_from_shares(frame: pl.DataFrame) -> pl.DataFrame | None:
    """Share columns with a sample size become counts (share × n, rounded), the sample's shape."""
    if not ({"sample_size", *CHANNEL_SHARES} <= set(frame.columns)):
        return None
    n = pl.col("sample_size")
    keys = [c for c in ("adcode", "year", "entity_type", "service_category") if c in frame.columns]
    return frame.select(
        *keys,
        n.round().cast(pl.Int64).alias("respondents"),
        *((pl.col(c) * n).round().cast(pl.Int64).alias(name) for c, name in CHANNEL_SHARES.items()),
    )


def kind_frames(result: IngestResult) -> dict[str, pl.DataFrame]:
    """{kind: table} for every page kind the upload can stand in for (empty when none)."""
    out: dict[str, pl.DataFrame] = {}
    if result.frame is not None and result.frame.height:
        index = _province_index(result.frame)
        if index is not None and index.height:
            out["province_index"] = index
        channels = _channels_from_shares(result.frame)
        if channels is not None and channels.height:
            out["city_channels"] = channels
    if result.aggregated is not None and result.aggregated.height:
        for kind in ("city_channels", "demand_funnel"):
            if set(KIND_COLUMNS[kind]) <= set(result.aggregated.columns):
                out[kind] = result.aggregated
    return out


def kind_pages(kinds: list[str] | tuple[str, ...], lang: str) -> str:
    from digigov.i18n import t

    return t("list.separator", lang).join(t(f"upload.kind.{k}", lang) for k in kinds)


def stored_table(records: list, lang: str) -> pl.DataFrame:
    """The stored datasets as a localised table (names are user text: shown in a dataframe, never markdown)."""
    from digigov.i18n import t

    return pl.DataFrame(
        {
            t("upload.col_name", lang): [r.name for r in records],
            t("upload.col_pages", lang): [kind_pages((r.meta or {}).get("kinds", []), lang) for r in records],
            t("upload.col_rows", lang): [r.row_count for r in records],
            t("upload.col_source", lang): [r.source_file for r in records],
            t("upload.col_updated", lang): [r.updated[:19].replace("T", " ") for r in records],
        },
        schema={
            t("upload.col_name", lang): pl.String,
            t("upload.col_pages", lang): pl.String,
            t("upload.col_rows", lang): pl.Int64,
            t("upload.col_source", lang): pl.String,
            t("upload.col_updated", lang): pl.String,
        },
    )
