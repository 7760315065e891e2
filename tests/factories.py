"""Test data built the same way in more than one test file (single-use factories stay in their test).

- raw channel-survey records and the CSV text of them (tests/unit/ingest/test_ingest_chunked.py,
  tests/app/test_upload_import_folder.py, the browser test of the import folder);
- rows of the demand funnel and the province totals over them (tests/unit/analysis/test_demand.py,
  tests/unit/presenters/test_demand_page.py);
- the built-in province index and its latest year (the overview, regional and briefing presenter tests);
- a raw-record upload saved as a platform template, and a log's columns as a platform keeps them
  (tests/engines/test_platform_records.py, tests/app/test_platform_records_page.py).
"""

from __future__ import annotations

import io
import random
from functools import cache

import polars as pl

from digigov.datasets import load_builtin
from digigov.ingest import read_upload
from digigov.ingest.raw_records import platform_arguments
from digigov.platform_records import template_meta

# -- raw channel-survey records, as a user's CSV export has them ----------------------------------------------------
CITIES = ("杭州", "宁波", "温州", "成都", "贵阳", "广州", "深圳", "330100", "Chengdu", "遵义")
CHANNELS = ("网站", "App", "小程序", "自助终端", "窗口", "web", "counter")
HEADER = ["受访者编号", "城市", "年份", "主体类型", "事项类别", "主要办理渠道", "是否偏好线下", "权重", "备注"]


def raw_channel_rows(n: int, seed: int = 7, note_every: int = 0) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        note = 'line one\nline "two"' if note_every and i % note_every == 0 else rng.choice(("", "ok", "好,的"))
        rows.append(
            [
                f"R{i:07d}",
                rng.choice(CITIES),
                str(rng.choice((2023, 2024))),
                rng.choice(("企业", "个体工商户")),
                rng.choice(("税务", "社保")),
                rng.choice(CHANNELS),
                rng.choice(("是", "否")),
                f"{rng.uniform(0.5, 2):.4f}",
                note,
            ]
        )
    return rows


def csv_text(rows: list[list[str]], delimiter: str = ",", title: str | None = None, newline: str = "\n") -> str:
    """``HEADER`` and ``rows`` as CSV, quoting what needs it; an optional title line above the header."""

    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [title] if title else []
    lines += [delimiter.join(cell(v) for v in row) for row in [HEADER, *rows]]
    return newline.join(lines) + newline


# -- demand funnel (the columns of demand_funnel.csv) ----------------------------------------------------------------
def demand_row(
    adcode,
    level,
    year,
    category,
    entities,
    respondents,
    need,
    aware,
    used,
    completed,
    satisfied,
    guidance=0,
    answer=0,
    face=0,
    tech=0,
):
    """One cell of the demand funnel; aware non-users without a named reason are counted as ``reason_other``."""
    other = aware - used - guidance - answer - face - tech
    assert other >= 0
    return {
        "adcode": adcode,
        "level": level,
        "year": year,
        "service_category": category,
        "entities": entities,
        "respondents": respondents,
        "need": need,
        "aware": aware,
        "used": used,
        "completed": completed,
        "satisfied": satisfied,
        "reason_unaware": need - aware,
        "reason_no_guidance": guidance,
        "reason_no_answer": answer,
        "reason_prefers_face": face,
        "reason_tech_failure": tech,
        "reason_other": other,
    }


def with_province_totals(cities: list[dict], province: str = "330000") -> pl.DataFrame:
    """The city rows and, per year and category, a province row that is the exact sum of them (as in
    demand_funnel.csv)."""
    frame = pl.DataFrame(cities)
    totals = (
        frame.group_by("year", "service_category", maintain_order=True)
        .agg(pl.exclude("adcode", "level", "year", "service_category").sum())
        .with_columns(pl.lit(province).alias("adcode"), pl.lit("province").alias("level"))
        .select(frame.columns)
    )
    return pl.concat([frame, totals])


# -- the built-in province index ---------------------------------------------------------------------------------------
@cache
def province_index() -> pl.DataFrame:
    return load_builtin("province_index")


def latest_year(frame: pl.DataFrame | None = None) -> int:
    """The latest year in ``frame`` (the built-in province index by default)."""
    return int((province_index() if frame is None else frame)["year"].max())


# -- platform logs (digigov.platform_records) ------------------------------------------------------------------
def saved_template(store, data: bytes, name: str = "log.csv"):
    """The upload of a log (its first rows, say) saved as the upload page saves it; its result."""
    result = read_upload(name, data)
    assert result.ok and result.raw is not None, result.report.errors
    kind = {"channels": "city_channels", "transactions": "city_transactions"}[result.raw.kind]
    meta = {"kinds": [kind], **template_meta(result.raw.kind, platform_arguments(result.raw, result.mapping))}
    record = store.save(result.aggregated, name=name, source_file=name, shape="raw", column_mapping={}, meta=meta)
    return record, result


def as_written(data: bytes) -> pl.DataFrame:
    """The log's columns as the platform keeps them: text, as written."""
    return pl.read_csv(io.BytesIO(data), infer_schema=False, encoding="utf8-lossy")


# -- an analyst's own indicator (digigov.user_indicators) -----------------------------------------------------------
def broadband_spec():
    """The NBS export's 宽带接入用户 as an analyst confirms it (tests of the overview's map of user indicators)."""
    from digigov.user_indicators import Provenance, UserIndicatorSpec

    return UserIndicatorSpec(
        label="宽带接入用户(万户)",
        name_zh="宽带接入用户",
        name_en="Broadband subscribers",
        unit_zh="万户",
        unit_en="10,000 households",
        polarity="higher_better",
        decimals=1,
        provenance=Provenance(source="国家统计局", year=2023, reference="分省年度数据 · 宽带接入用户"),
    )
