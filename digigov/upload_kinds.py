"""Turning an accepted upload into the tables the pages read (the built-in samples' shapes).

Ingest normalises every upload to one frame (indicator columns named by catalog id, shares as fractions);
the analyses read count tables shaped like the samples. This module bridges the two.
"""

from __future__ import annotations

import polars as pl

from digigov.access import sharing_of
from digigov.analysis.tiers import tier_expression
from digigov.ingest import catalogue, sharing_tables
from digigov.ingest.columns import fold, split_unit
from digigov.ingest.pipeline import IngestResult
from digigov.ingest.uncatalogued import RANK_HEADERS, TIER_HEADERS
from digigov.regions import UnknownRegionError, load_gazetteer
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


def _city_preference(frame: pl.DataFrame) -> pl.DataFrame | None:
    """A city survey's published table (样本量, 倾向线下办理占比, maybe 知晓率 and 线上办理率) without the channel mix:
    counts of the stated preference (share × n, not rounded) and the other rates as read. None when the channel mix is
    there (the table is city_channels then) or the preference or sample size is missing."""
    needed = {"sample_size", "offline_pref_share"}
    if not needed <= set(frame.columns) or set(CHANNEL_SHARES) <= set(frame.columns):
        return None
    n = pl.col("sample_size")
    rates = [c for c in ("awareness_rate", "actual_usage_rate") if c in frame.columns]
    rows = frame.filter(n.is_not_null() & pl.col("offline_pref_share").is_not_null() & (n > 0))
    return rows.select(
        "adcode",
        "year",
        n.round().cast(pl.Int64).alias("respondents"),
        # not rounded: share = prefers_offline / respondents is then the published share, to the digit
        (pl.col("offline_pref_share") * n.round()).alias("prefers_offline"),
        *rates,
    )


def _unmapped(result: IngestResult, headers: frozenset[str]) -> str | None:
    """The first column named like headers that the mapping leaves free (unmapped or a note, never ignored)."""
    if result.mapping is None or result.text_frame is None:
        return None
    for match in result.mapping.matches:
        if match.target in (None, "note") and fold(split_unit(match.column)[0]) in headers:
            return match.column
    return None


def _text_keys(result: IngestResult) -> pl.DataFrame | None:
    """adcode, year, row (the file's row number) of each row as read, provinces only; None without a region
    or year column. Regions resolve as ingest resolved them (the user's corrections included), else by the
    gazetteer."""
    text, mapping = result.text_frame, result.mapping
    if text is None or mapping is None:
        return None
    region = mapping.first("region") or mapping.first("region_code")
    year = mapping.first("year")
    if region is None or year is None:
        return None
    gazetteer = load_gazetteer()
    codes: dict[str, str | None] = {}
    for raw in text[region].drop_nulls().unique().to_list():
        code = result.regions.adcode(raw)
        if code is None:
            try:
                code = gazetteer.resolve(raw, level="province").adcode
            except UnknownRegionError:
                code = None
        codes[raw] = code if code is not None and gazetteer[code].level == "province" else None
    rows = result.source_rows if result.source_rows is not None else pl.int_range(1, text.height + 1, eager=True)
    return pl.DataFrame(
        {
            "adcode": text[region].replace_strict(codes, default=None, return_dtype=pl.String),
            "year": text[year].str.extract(r"(\d{4})").cast(pl.Int32, strict=False),
            "row": rows.cast(pl.Int64),
        }
    )


def _stated(result: IngestResult) -> pl.DataFrame | None:
    """adcode, year, row and the stated columns found (stated_tier 1..5, stated_rank) of a wide upload, one row
    per province and year; None when there are none, a tier is unreadable or a province-year repeats."""
    tier, rank = _unmapped(result, TIER_HEADERS), _unmapped(result, RANK_HEADERS)
    keys = _text_keys(result) if (tier or rank) and result.shape in ("wide", "unknown") else None
    if keys is None or result.text_frame is None:
        return None
    text = result.text_frame
    columns = []
    if tier:
        columns.append(text.select(tier_expression(tier).alias("stated_tier"))["stated_tier"])
        written = text[tier].str.strip_chars().fill_null("") != ""
        if (written & columns[-1].is_null()).any():
            return None  # a tier that is none of the five names or numbers: not guessed at
    if rank:
        columns.append(text[rank].str.strip_chars().cast(pl.Float64, strict=False).alias("stated_rank"))
    stated = keys.with_columns(columns).drop_nulls(["adcode", "year"])
    if stated.is_empty() or stated.select(pl.struct("adcode", "year").is_duplicated().any()).item():
        return None
    return stated


def _province_tiers(result: IngestResult, stated: pl.DataFrame | None) -> pl.DataFrame | None:
    """adcode, year, tier, row, and index and stated_rank where the upload has them: a ranking report's tiers."""
    if stated is None or "stated_tier" not in stated.columns:
        return None
    tiers = stated.rename({"stated_tier": "tier"}).drop_nulls("tier")
    if result.frame is not None and "dgi_index" in result.frame.columns:
        scores = result.frame.select("adcode", "year", pl.col("dgi_index").alias("index"))
        tiers = tiers.join(scores, on=["adcode", "year"], how="left")
    return tiers if tiers.height else None


def kind_frames(result: IngestResult) -> dict[str, pl.DataFrame]:
    """{kind: table} for every page kind the upload can stand in for (empty when none)."""
    out: dict[str, pl.DataFrame] = {}
    stated = _stated(result)
    if result.frame is not None and result.frame.height:
        index = _province_index(result.frame)
        if index is not None and index.height:
            if stated is not None and "dgi_index" in result.frame.columns:  # ranks checked against stated scores
                index = index.join(stated, on=["adcode", "year"], how="left")
            out["province_index"] = index
        channels = _channels_from_shares(result.frame)
        if channels is not None and channels.height:
            out["city_channels"] = channels
        preference = _city_preference(result.frame)
        if preference is not None and preference.height:
            out["city_preference"] = preference
    if "province_index" not in out and (tiers := _province_tiers(result, stated)) is not None:
        out["province_tiers"] = tiers
    if result.aggregated is not None and result.aggregated.height:
        for kind in ("city_channels", "demand_funnel", "city_transactions"):
            if set(KIND_COLUMNS[kind]) <= set(result.aggregated.columns):
                out[kind] = result.aggregated
    out.update(_listing_frames(result))
    return out


def _listing_frames(result: IngestResult) -> dict[str, pl.DataFrame]:
    """A portal's catalogue, or an exchange table or platform table, read from the upload's own text."""
    listing = catalogue_frame(result)
    if listing is not None:
        return {catalogue.KIND: listing}
    table = sharing_frame(result)
    if table is not None and table[0].kind is not None:
        return {table[0].kind: table[1]}
    return {}


# Kinds read from the upload's own text rather than from its indicator table (a ranking report's tiers, a portal's
# catalogue): the table pipeline's "no indicator columns" does not concern them.
SELF_READ_KINDS: tuple[str, ...] = (
    "province_tiers",
    catalogue.KIND,
    sharing_tables.CALLS_KIND,
    sharing_tables.PLATFORMS_KIND,
)


def saveable_kinds(result: IngestResult, confirmed: frozenset[str] = frozenset()) -> dict[str, pl.DataFrame]:
    """The kinds the upload page may save: all of kind_frames when the upload has no errors (the errors about
    indicators not in the catalog count as none once the analyst confirmed those indicators, by their labels in
    confirmed); only the self-read kinds when its one error is that it has no indicator columns; none otherwise."""
    kinds = kind_frames(result)
    remaining = uncovered_errors(result, confirmed)
    if result.frame is not None and result.frame.height and not remaining:
        return kinds
    if {i.code for i in remaining} <= {"no_indicator_columns"}:
        return {k: v for k, v in kinds.items() if k in SELF_READ_KINDS}
    return {}


# Errors that say a number is not in the catalog: answered by confirming it as the analyst's own indicator.
USER_INDICATOR_GAPS = frozenset(("only_uncatalogued", "title_indicator_not_in_catalog", "unknown_indicator"))


def uncovered_errors(result: IngestResult, confirmed: frozenset[str]) -> list:
    """The upload's errors that still stop a save once the indicators labelled in confirmed are the analyst's own
    (an unknown indicator name by its label; the whole-file errors when every handed-over indicator is)."""
    labels = {u.label for u in result.uncatalogued}
    every = bool(labels) and labels <= confirmed
    remaining = []
    for issue in result.report.errors:
        if issue.code == "unknown_indicator" and issue.value in confirmed:
            continue
        if issue.code in USER_INDICATOR_GAPS and issue.code != "unknown_indicator" and every:
            continue
        remaining.append(issue)
    return remaining


def catalogue_frame(result: IngestResult) -> pl.DataFrame | None:
    """An open-data portal's catalogue (one row per dataset) read from the upload's text frame, or None when the
    file is no catalogue or the catalogue has errors (catalogue_report says which)."""
    if result.text_frame is None or not catalogue.looks_like_catalogue(list(result.text_frame.columns)):
        return None
    read = catalogue.from_ingest(result)
    return read.frame.drop("source_row") if read.ok and read.frame is not None else None


def catalogue_report(result: IngestResult) -> catalogue.CatalogueRead | None:
    """The catalogue reading of an upload that looks like a catalogue (its own report: file, row, column, value),
    for the upload page to show instead of the table pipeline's "no indicator columns"; None for other files."""
    if result.text_frame is None or not catalogue.looks_like_catalogue(list(result.text_frame.columns)):
        return None
    return catalogue.from_ingest(result)


def sharing_report(result: IngestResult) -> sharing_tables.SharingRead | None:
    """The reading of an upload that looks like an exchange table (matrix or log) or a platform table (its own
    report: file, row, column, value), for the upload page; None for other files (a catalogue included)."""
    if result.text_frame is None or catalogue.looks_like_catalogue(list(result.text_frame.columns)):
        return None
    if not sharing_tables.looks_like_sharing_table(result.text_frame):
        return None
    return sharing_tables.from_ingest(result)


def sharing_frame(result: IngestResult) -> tuple[sharing_tables.SharingRead, pl.DataFrame] | None:
    """(reading, table) of an exchange table or platform table without errors; None otherwise."""
    read = sharing_report(result)
    if read is None or not read.ok or read.frame is None or read.kind is None:
        return None
    return read, read.frame


def kind_pages(kinds: list[str] | tuple[str, ...], lang: str) -> str:
    from digigov.i18n import t

    return t("list.separator", lang).join(t(f"upload.kind.{k}", lang) for k in kinds)


def stored_table(records: list, lang: str) -> pl.DataFrame:
    """The stored datasets as a localised table (names are user text: shown in a dataframe, never markdown)."""
    from digigov.i18n import t

    columns = {
        t("upload.col_name", lang): ([r.name for r in records], pl.String),
        t("upload.col_pages", lang): ([kind_pages((r.meta or {}).get("kinds", []), lang) for r in records], pl.String),
        t("upload.col_rows", lang): ([r.row_count for r in records], pl.Int64),
        t("upload.col_source", lang): ([r.source_file for r in records], pl.String),
        t("access.col_owner", lang): ([sharing_of(r.meta).owner for r in records], pl.String),
        t("access.col_visibility", lang): ([_visible_to(r.meta, lang) for r in records], pl.String),
        t("upload.col_updated", lang): ([r.updated[:19].replace("T", " ") for r in records], pl.String),
    }
    return pl.DataFrame({k: v for k, (v, _) in columns.items()}, schema={k: d for k, (_, d) in columns.items()})


def _visible_to(meta: dict | None, lang: str) -> str:
    from digigov.i18n import t

    share = sharing_of(meta)
    label = t(f"access.visibility.{share.visibility}", lang)
    return f"{label} · {share.group}" if share.visibility == "group" and share.group else label


AUDIT_FIELDS = ("time", "user", "role", "action", "dataset", "name", "page")


def audit_table(entries: list, lang: str) -> pl.DataFrame:
    """The audit log's entries (newest first) under localised column names, every cell text."""
    from digigov.i18n import t

    def cell(entry: object, field: str) -> str:
        value = str(getattr(entry, field))
        if field == "action":
            return t(f"access.action.{value}", lang)
        if field == "role":
            return t(f"access.role.{value}", lang) if value in ("viewer", "analyst", "admin") else value
        return value[:19].replace("T", " ") if field == "time" else value

    return pl.DataFrame(
        {t(f"access.audit_col.{f}", lang): [cell(e, f) for e in entries] for f in AUDIT_FIELDS},
        schema={t(f"access.audit_col.{f}", lang): pl.String for f in AUDIT_FIELDS},
    )
