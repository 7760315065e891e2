"""Raw records for the engine tests (Hypothesis), written where an engine reads them, and the comparison with
the polars reference that every engine test makes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import strategies as st

from digigov.engine import FirstPass, Key, Measure, ParquetParts, Records, first_pass
from digigov.engine.polars_pass import run as polars_reference
from digigov.ingest.channel_records import aggregate_raw_records, aggregate_transactions
from digigov.ingest.demand_records import aggregate_raw_answers

# Chinese headers, as analysts' files have them.
REGION, YEAR, CHANNEL, OFFLINE, WEIGHT, ENTITY = "地区", "年份", "渠道", "偏好线下", "权重", "主体类型"
NEED, AWARE, USED, STATUS = "需要", "知道", "使用", "办结"

# Raw labels with what makes engines differ: spellings of one region, stray spaces and a full-width space
# (SQL TRIM and polars strip_chars disagree on it), nulls; weights on a quarter grid (sums exact in any order).
REGIONS = ("北京", "北京市", "110000", "上海", "310000", "四川省", "广东")
CHANNELS = ("网站", "App", "小程序", "自助终端", "窗口", "counter", "web")
ANSWERS = ("是", "否", "yes", "no", "1", "0")
RAW_TEXT = (*REGIONS, " 是", "否 ", "\u3000办结", "", "Web", None)
WEIGHTS = (None, "0.25", "1", "1.5", "2", "4.75", "abc")


def _column(values: tuple, *, size: int) -> st.SearchStrategy[list]:
    return st.lists(st.sampled_from(values), min_size=size, max_size=size)


@st.composite
def raw_frames(draw: Callable, min_rows: int = 1, max_rows: int = 60) -> pl.DataFrame:
    """Arbitrary raw labels (nulls, blanks, spaces, ties), years with nulls, weights with text that is no number."""
    n = draw(st.integers(min_rows, max_rows))
    return (
        pl.DataFrame(
            {
                REGION: draw(_column(RAW_TEXT, size=n)),
                YEAR: draw(_column((2022, 2023, None), size=n)),
                CHANNEL: draw(_column((*CHANNELS, *RAW_TEXT), size=n)),
                STATUS: draw(_column(RAW_TEXT, size=n)),
                WEIGHT: draw(_column(WEIGHTS, size=n)),
            },
            schema={REGION: pl.String, YEAR: pl.Int32, CHANNEL: pl.String, STATUS: pl.String, WEIGHT: pl.String},
        )
        .with_row_index("__row", offset=1)
        .with_columns(pl.col("__row").cast(pl.Int64))
    )


@st.composite
def survey_frames(draw: Callable, max_rows: int = 60) -> pl.DataFrame:
    """Valid channel and demand answers (so the whole aggregation runs), weighted, with blanks where allowed."""
    n = draw(st.integers(1, max_rows))
    yes_no = (*ANSWERS, None)
    return pl.DataFrame(
        {
            REGION: draw(_column(REGIONS, size=n)),
            YEAR: draw(_column((2022, 2023), size=n)),
            CHANNEL: draw(_column(CHANNELS, size=n)),
            OFFLINE: draw(_column(ANSWERS, size=n)),
            WEIGHT: draw(_column(("0.25", "1", "1.5", "2", "4.75"), size=n)),
            ENTITY: draw(_column(("个体工商户", "企业", "社会组织", None), size=n)),
            NEED: draw(_column(yes_no, size=n)),
            AWARE: draw(_column(yes_no, size=n)),
            USED: draw(_column(yes_no, size=n)),
            STATUS: draw(_column(("已办结", "办结", "未办结", None), size=n)),
        },
        schema={
            c: pl.Int32 if c == YEAR else pl.String
            for c in (REGION, YEAR, CHANNEL, OFFLINE, WEIGHT, ENTITY, NEED, AWARE, USED, STATUS)
        },
    )


# The passes the aggregators run (digigov.ingest), spelled out: weighted channel labels, stripped statuses.
WEIGHTED = FirstPass(
    (Key("__region", REGION), Key("year", YEAR, text=False), Key("__channel", CHANNEL)),
    (
        Measure("__n", "count"),
        Measure("__wsum", "sum", WEIGHT, number=True),
        Measure("__w2", "sum_sq", WEIGHT, number=True),
        Measure("__wnull", "missing", WEIGHT, number=True),
        Measure("__wmin", "min", WEIGHT, number=True),
    ),
)
STRIPPED = FirstPass((Key("__region", REGION), Key("__status", STATUS, strip=True)), (Measure("__n", "count"),))
LABEL_CHECK = FirstPass(
    (Key(CHANNEL, CHANNEL, text=False),), (Measure("__row", "min", "__row"), Measure("len", "count"))
)


def write_parts(frame: pl.DataFrame, folder: Path, parts: int = 3) -> ParquetParts:
    """The records as Parquet parts (empty parts included: a part of a file can hold no records)."""
    folder.mkdir(parents=True, exist_ok=True)
    step = max(1, -(-frame.height // parts))
    for index in range(parts):
        frame.slice(index * step, step).write_parquet(folder / f"part-{index:05d}.parquet")
    return ParquetParts(str(folder))


def sorted_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def assert_same(engine_result: pl.DataFrame, reference: pl.DataFrame) -> None:
    from polars.testing import assert_frame_equal

    assert_frame_equal(sorted_frame(engine_result), sorted_frame(reference))


def check_passes(records: Records, frame: pl.DataFrame, engine: Any) -> None:
    """Every first pass on the engine equals the polars reference on the same records."""
    for spec in (WEIGHTED, STRIPPED, LABEL_CHECK):
        assert_same(first_pass(records, spec, engine), polars_reference(frame, spec))


def outcome(run: Callable[[], Any]) -> Any:
    """An aggregation's result, or its error message (the engine must fail exactly as polars does)."""
    try:
        result = run()
    except ValueError as error:
        return f"{type(error).__name__}: {error}"
    return result


@contextlib.contextmanager
def engine_setting(url: str | None) -> Iterator[None]:
    """DIGIGOV_ENGINE set for the block (Hypothesis examples cannot use a function-scoped monkeypatch)."""
    before = os.environ.get("DIGIGOV_ENGINE")
    if url is None:
        os.environ.pop("DIGIGOV_ENGINE", None)
    else:
        os.environ["DIGIGOV_ENGINE"] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DIGIGOV_ENGINE", None)
        else:
            os.environ["DIGIGOV_ENGINE"] = before


AGGREGATIONS: dict[str, Callable[[Any], Any]] = {
    "channels": lambda r: aggregate_raw_records(
        r, REGION, CHANNEL, offline_col=OFFLINE, weight_col=WEIGHT, period_col=YEAR, entity_col=ENTITY
    ),
    "transactions": lambda r: aggregate_transactions(r, REGION, CHANNEL, period_col=YEAR, completed_col=STATUS),
    "demand": lambda r: aggregate_raw_answers(r, REGION, NEED, AWARE, USED, period_col=YEAR).counts,
}


def check_aggregations(records: Records, frame: pl.DataFrame, url: str | None) -> None:
    """The whole aggregations (labels, regions, sums) with the pass on the engine equal them in polars."""
    for name, aggregate in AGGREGATIONS.items():
        expected = outcome(lambda a=aggregate: a(frame))
        with engine_setting(url):
            got = outcome(lambda a=aggregate: a(records))
        assert type(got) is type(expected), (name, got, expected)
        if isinstance(expected, pl.DataFrame):
            assert_same(got, expected)
        else:
            assert got == expected, name
