"""Ingest + aggregate raw survey records: our polars path against pandas and DuckDB, one process per run.

    python bench/bench_ingest.py [--sizes 1000000 10000000] [--repeats 3] [--json out.json]

Each run reads a generated CSV (one row per answer: record id, region as adcode or name, year, time, entity
type, service category, channel label in zh/en, offline yes/no, satisfaction, duration, weight, age band) and
computes, per province, the share of each channel and the offline-preference share. The CSV is written once per size, in
chunks (low memory), into a temporary folder that is deleted afterwards, and read from the OS page cache by
every run (it is read once before the first run).

Engines (each in a fresh `python` process; seconds are the read + aggregate inside it, wall includes the
interpreter start and imports; peak RSS is the child's ru_maxrss, read with wait4 by a tiny wrapper process):

* polars: `pl.scan_csv(..., schema_overrides={"region": pl.String})` into
  `digigov.ingest.channel_records.aggregate_raw_records` (lazy, one pass, labels resolved with the gazetteer);
* pandas: `read_csv(usecols=..., dtype=str)` + groupby on the raw labels, labels mapped with a lookup table;
* DuckDB: one SQL query over `read_csv_auto(..., all_varchar=true)` joined to the same lookup tables;
* DuckDB validated (the peer of the validated import, issue 14): the equivalent validated read in one pass —
  `read_csv(..., all_varchar=true, store_rejects=true)` (malformed lines kept with their line numbers in
  `reject_errors`), regions joined to the gazetteer's alias table (every name, short name, English name, alias
  and code of every unit -> adcode, as our resolver reads them), years checked by `TRY_CAST`, labels joined
  to the label tables, and every text column tested with `regexp_matches` for identifier candidates (the
  privacy scan's own pre-filter and e-mail patterns); it fails when anything is unmatched, rejected or a
  candidate, as the import reports an error;
* import: the upload page's import-folder path, `digigov.ingest.chunked.import_csv_file` — the file decoded as a
  stream and read in 8 MB blocks of whole records, every row validated (regions, years, labels, identifiers)
  as for an upload, the checked records written to temporary Parquet parts and aggregated once. It does more
  than the others (strict CSV reading with line numbers, the validation report); it is here to show what that
  costs and that its memory stays bounded by the block, not the file.
* upload (not in the default run; `--engines upload --sizes 300000` is a 29 MB file): the upload page's path,
  `digigov.ingest.read_upload` on the file's bytes in memory, as the page reads an uploaded file (decoded,
  parsed, every row validated, aggregated) with a progress callback that counts its calls. `--code-root DIR`
  runs the workers on another checkout's `digigov` (a `git archive` of an older commit): before/after numbers
  from one run on the same file.

The peers get the label lookup tables (label -> province adcode / channel / yes-no) for free, written by the
generator; our path resolves labels itself. All three results must equal each other and the generator's own
counts to 1e-9.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from benchlib import PYTHON, ROOT, ratio, summary  # noqa: E402

ENGINES = ("polars", "import", "pandas", "duckdb", "duckdb_validated")
OPTIONAL = ("upload",)  # run only when named: the page's in-memory read of an upload (at most 50 MB)
OURS = ("polars", "import", "upload")  # the lazy aggregation, the validated block-wise import, the page's read
ENV_CODE_ROOT = "DIGIGOV_BENCH_CODE_ROOT"  # the checkout whose digigov the workers import (default: this one)
CHANNELS = ("web", "mobile_app", "self_service_terminal", "counter")
CHANNEL_LABELS = {
    "web": ("网站", "web", "PC端", "网页"),
    "mobile_app": ("App", "小程序", "mobile", "手机"),
    "self_service_terminal": ("自助终端", "terminal", "自助机"),
    "counter": ("窗口", "counter", "柜台", "现场"),
}
OFFLINE_LABELS = (("是", True), ("否", False), ("yes", True), ("no", False))
ENTITY_LABELS = ("企业", "个体工商户", "个人", "enterprise", "individual")
CATEGORY_LABELS = ("市场主体登记", "税务", "社保", "行政许可", "证照办理")
AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")
REGION_VARIANT_P = (0.7, 0.2, 0.1)  # adcode, full name, short name
SEED = 20240601
CHUNK_ROWS = 500_000
TOLERANCE = 1e-9
# A run slower than this at one size is not repeated (the report says so).
SLOW_S = 75.0


# ---------------------------------------------------------------------------------------------------------------
# generated data
# ---------------------------------------------------------------------------------------------------------------
def provinces() -> list[tuple[str, str, str]]:
    """(adcode, name_zh, short_zh) of the 34 provincial-level units with a boundary."""
    import polars as pl

    g = pl.read_csv(ROOT / "data" / "gazetteer.csv", schema_overrides={"adcode": pl.String})
    g = g.filter((pl.col("level") == "province") & pl.col("has_boundary")).sort("adcode")
    return list(g.select("adcode", "name_zh", "short_zh").iter_rows())


def write_labels(folder: Path) -> dict[str, Path]:
    """Lookup tables for the peers: region label -> province adcode, channel label -> code, answer -> 0/1."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "region": folder / "region_map.csv",
        "channel": folder / "channel_map.csv",
        "offline": folder / "offline_map.csv",
    }
    with files["region"].open("w", encoding="utf-8") as f:
        f.write("label,province\n")
        for adcode, name, short in provinces():
            for label in (adcode, name, short):
                f.write(f"{label},{adcode}\n")
    with files["channel"].open("w", encoding="utf-8") as f:
        f.write("label,channel\n")
        for code, labels in CHANNEL_LABELS.items():
            for label in labels:
                f.write(f"{label},{code}\n")
    with files["offline"].open("w", encoding="utf-8") as f:
        f.write("label,offline\n")
        for label, value in OFFLINE_LABELS:
            f.write(f"{label},{int(value)}\n")
    return files


def generate_csv(path: Path, rows: int, seed: int = SEED, chunk_rows: int = CHUNK_ROWS) -> dict:
    """Write `rows` raw records to path in chunks; return the true counts (for the equality check)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    provs = provinces()
    n_prov = len(provs)
    weights = rng.dirichlet(np.full(n_prov, 2.0))
    channel_cdf = rng.dirichlet([3.0, 4.0, 1.0, 2.0], size=n_prov).cumsum(axis=1)
    offline_p = np.clip(np.array([0.15, 0.10, 0.35, 0.60])[None, :] + rng.normal(0, 0.05, (n_prov, 1)), 0.01, 0.99)
    region_labels = pl.Series([label for p in provs for label in p], dtype=pl.String)
    channel_labels = pl.Series([label for code in CHANNELS for label in CHANNEL_LABELS[code]], dtype=pl.String)
    label_counts = np.array([len(CHANNEL_LABELS[c]) for c in CHANNELS])
    label_offsets = np.concatenate([[0], label_counts.cumsum()[:-1]])
    offline_labels = pl.Series([label for label, _ in OFFLINE_LABELS], dtype=pl.String)
    entities = pl.Series(ENTITY_LABELS, dtype=pl.String)
    categories = pl.Series(CATEGORY_LABELS, dtype=pl.String)
    age_bands = pl.Series(AGE_BANDS, dtype=pl.String)
    year_start = {y: int(time.mktime((y, 1, 1, 0, 0, 0, 0, 0, 0))) for y in range(2021, 2025)}

    total = np.zeros((n_prov, len(CHANNELS)), dtype=np.int64)
    offline = np.zeros(n_prov, dtype=np.int64)
    with path.open("wb") as out:
        for start in range(0, rows, chunk_rows):
            n = min(chunk_rows, rows - start)
            prov = rng.choice(n_prov, size=n, p=weights)
            variant = rng.choice(3, size=n, p=REGION_VARIANT_P)
            chan = np.minimum((rng.random(n)[:, None] > channel_cdf[prov]).sum(axis=1), len(CHANNELS) - 1)
            label = label_offsets[chan] + (rng.random(n) * label_counts[chan]).astype(np.int64)
            off = rng.random(n) < offline_p[prov, chan]
            off_label = np.where(off, 0, 1) + 2 * (rng.random(n) < 0.1)
            year = rng.integers(2021, 2025, size=n)
            stamp = np.array([year_start[y] for y in range(2021, 2025)])[year - 2021] + rng.integers(
                0, 365 * 86400, size=n
            )
            frame = pl.DataFrame(
                {
                    "record_id": pl.int_range(start, start + n, eager=True).cast(pl.String).str.zfill(9),
                    "region": region_labels.gather(prov * 3 + variant),
                    "year": year,
                    "submitted_at": pl.from_epoch(pl.Series(stamp), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S"),
                    "entity_type": entities.gather(rng.integers(0, len(ENTITY_LABELS), size=n)),
                    "service_category": categories.gather(rng.integers(0, len(CATEGORY_LABELS), size=n)),
                    "channel": channel_labels.gather(label),
                    "prefers_offline": offline_labels.gather(off_label),
                    "satisfaction": rng.integers(1, 6, size=n),
                    "duration_min": np.round(rng.gamma(2.0, 8.0, size=n), 1),
                    "weight": np.round(rng.lognormal(0.0, 0.3, size=n), 4),
                    "age_band": age_bands.gather(rng.integers(0, len(AGE_BANDS), size=n)),
                }
            ).with_columns(("R" + pl.col("record_id")).alias("record_id"))
            frame.write_csv(out, include_header=start == 0)
            np.add.at(total, (prov, chan), 1)
            offline += np.bincount(prov[off], minlength=n_prov)
    return truth_result([p[0] for p in provs], total, offline)


def truth_result(adcodes: list[str], total, offline) -> dict:
    result = {"respondents": {}, "shares": {}, "offline_share": {}}
    for i, adcode in enumerate(adcodes):
        n = int(total[i].sum())
        if n == 0:
            continue
        result["respondents"][adcode] = n
        for j, code in enumerate(CHANNELS):
            result["shares"][f"{adcode}|{code}"] = int(total[i, j]) / n
        result["offline_share"][adcode] = int(offline[i]) / n
    return result


# ---------------------------------------------------------------------------------------------------------------
# the engines (run inside the worker process)
# ---------------------------------------------------------------------------------------------------------------
def run_polars(csv: Path, labels: dict[str, Path]) -> dict:
    import polars as pl

    from digigov.ingest.channel_records import aggregate_raw_records

    counts = aggregate_raw_records(
        pl.scan_csv(csv, schema_overrides={"region": pl.String}),
        "region",
        "channel",
        "prefers_offline",
        level="province",
    )
    return shares_by_province(counts)


def shares_by_province(counts) -> dict:
    """The comparison shape from one row of channel counts per province."""
    result = {"respondents": {}, "shares": {}, "offline_share": {}}
    for row in counts.iter_rows(named=True):
        n = row["respondents"]
        result["respondents"][row["adcode"]] = n
        for code in CHANNELS:
            result["shares"][f"{row['adcode']}|{code}"] = row[code] / n
        result["offline_share"][row["adcode"]] = row["prefers_offline"] / n
    return result


def run_pandas(csv: Path, labels: dict[str, Path]) -> dict:
    import pandas as pd

    maps = {key: pd.read_csv(path, dtype=str) for key, path in labels.items()}
    raw = pd.read_csv(csv, usecols=["region", "channel", "prefers_offline"], dtype=str)
    groups = raw.groupby(["region", "channel", "prefers_offline"], sort=False, observed=True).size()
    groups = groups.rename("n").reset_index()
    groups["province"] = groups["region"].map(maps["region"].set_index("label")["province"])
    groups["code"] = groups["channel"].map(maps["channel"].set_index("label")["channel"])
    groups["offline"] = groups["prefers_offline"].map(maps["offline"].set_index("label")["offline"].astype(int))
    unknown = groups[["province", "code", "offline"]].isna().any(axis=1)
    if unknown.any():
        raise ValueError(f"unmapped labels: {groups[unknown].head()}")
    total = groups.groupby("province")["n"].sum()
    by_channel = groups.groupby(["province", "code"])["n"].sum()
    off = groups[groups["offline"] == 1].groupby("province")["n"].sum().reindex(total.index, fill_value=0)
    result = {
        "respondents": {str(k): int(v) for k, v in total.items()},
        "shares": {},
        "offline_share": {str(k): int(off[k]) / int(total[k]) for k in total.index},
    }
    for (province, code), n in by_channel.items():
        result["shares"][f"{province}|{code}"] = int(n) / int(total[province])
    for province in total.index:  # channels nobody used in a province: share 0, as the other engines report
        for code in CHANNELS:
            result["shares"].setdefault(f"{province}|{code}", 0.0)
    return result


DUCKDB_SQL = """
WITH raw AS (
    SELECT region, channel, prefers_offline, count(*) AS n
    FROM read_csv_auto($csv, all_varchar = true, header = true)
    GROUP BY ALL
),
coded AS (
    SELECT r.province, c.channel AS code, o.offline, raw.n
    FROM raw
    LEFT JOIN read_csv_auto($regions, all_varchar = true) r ON raw.region = r.label
    LEFT JOIN read_csv_auto($channels, all_varchar = true) c ON raw.channel = c.label
    LEFT JOIN read_csv_auto($offline, all_varchar = true) o ON raw.prefers_offline = o.label
)
SELECT province, code, offline, sum(n) AS n FROM coded GROUP BY ALL
"""


def run_duckdb(csv: Path, labels: dict[str, Path]) -> dict:
    import duckdb

    con = duckdb.connect()
    rows = con.execute(
        DUCKDB_SQL,
        {
            "csv": str(csv),
            "regions": str(labels["region"]),
            "channels": str(labels["channel"]),
            "offline": str(labels["offline"]),
        },
    ).fetchall()
    if any(province is None or code is None or off is None for province, code, off, _ in rows):
        raise ValueError("unmapped labels")
    return _shares({(province, code, off): n for province, code, off, n in rows})  # GROUP BY ALL: one row a key


TEXT_COLUMNS = (
    "record_id",
    "region",
    "year",
    "submitted_at",
    "entity_type",
    "service_category",
    "channel",
    "prefers_offline",
    "satisfaction",
    "duration_min",
    "weight",
    "age_band",
)


def write_alias_table(path: Path) -> Path:
    """The gazetteer's alias table for the DuckDB peer: every spelling our resolver accepts for a unit (code,
    full, short and English names, the listed aliases) -> adcode; a spelling two units share goes to the
    provincial-level one, as our resolver reads a column of provinces (北京 -> 110000)."""
    import polars as pl

    g = pl.read_csv(ROOT / "data" / "gazetteer.csv", infer_schema=False)
    extra = pl.read_csv(ROOT / "data" / "region_aliases.csv", infer_schema=False, comment_prefix="#")
    extra = extra.join(g.select("adcode", "level"), on="adcode")
    names = pl.concat(
        [
            *(
                g.select(pl.col(c).alias("label"), "adcode", "level")
                for c in ("adcode", "name_zh", "short_zh", "name_en")
            ),
            g.select(pl.col("aliases").str.split("|").alias("label"), "adcode", "level").explode("label"),
            extra.select(pl.col("alias").alias("label"), "adcode", "level"),
        ]
    ).drop_nulls()
    names = names.filter(pl.col("label") != "").sort(pl.col("level") != "province", "adcode")
    names.unique("label", keep="first", maintain_order=True).select("label", "adcode").write_csv(path)
    return path


def duckdb_validated_sql() -> str:
    candidate = " OR ".join(
        f"coalesce(regexp_matches({c}, $ids) OR regexp_matches({c}, $email), false)" for c in TEXT_COLUMNS
    )
    return f"""
WITH raw AS (
    SELECT region, channel, prefers_offline, TRY_CAST(trim(year) AS INTEGER) AS y, year IS NULL AS no_year,
           ({candidate}) AS pii
    FROM read_csv($csv, all_varchar = true, header = true, store_rejects = true)
),
grouped AS (
    SELECT region, channel, prefers_offline, y, no_year, count(*) AS n, sum(pii::INTEGER) AS pii FROM raw GROUP BY ALL
)
SELECT a.adcode AS province, c.channel AS code, o.offline, g.y, g.no_year, g.pii, g.n
FROM grouped g
LEFT JOIN read_csv($aliases, all_varchar = true) a ON g.region = a.label
LEFT JOIN read_csv_auto($channels, all_varchar = true) c ON g.channel = c.label
LEFT JOIN read_csv_auto($offline, all_varchar = true) o ON g.prefers_offline = o.label
"""


def run_duckdb_validated(csv: Path, labels: dict[str, Path]) -> dict:
    import duckdb

    from digigov.ingest.privacy import _PREFILTER, EMAIL_PATTERN

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows = con.execute(
        duckdb_validated_sql(),
        {
            "csv": str(csv),
            "aliases": str(labels["aliases"]),
            "channels": str(labels["channel"]),
            "offline": str(labels["offline"]),
            "ids": _PREFILTER,
            "email": EMAIL_PATTERN,
        },
    ).fetchall()
    rejects = con.execute("SELECT count(*) FROM reject_errors").fetchone()
    problems = [r for r in rows if None in r[:3] or r[3] is None or not 1949 <= r[3] <= 2100 or r[4] or r[5]]
    if problems or (rejects and rejects[0]):
        raise ValueError(f"validated read found problems: {problems[:5]}, rejects {rejects}")
    counts: dict[tuple[str, str, str], int] = {}
    for province, code, off, _year, _no_year, _pii, n in rows:
        counts[(province, code, off)] = counts.get((province, code, off), 0) + n
    return _shares(counts)


def _shares(counts: dict[tuple[str, str, str], int]) -> dict:
    total: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    off_n: dict[str, int] = {}
    for (province, code, off), n in counts.items():
        total[province] = total.get(province, 0) + n
        by_channel[f"{province}|{code}"] = by_channel.get(f"{province}|{code}", 0) + n
        if off == "1":
            off_n[province] = off_n.get(province, 0) + n
    result = {"respondents": total, "shares": {}, "offline_share": {p: off_n.get(p, 0) / n for p, n in total.items()}}
    for province, n in total.items():
        for code in CHANNELS:
            result["shares"][f"{province}|{code}"] = by_channel.get(f"{province}|{code}", 0) / n
    return result


def run_import(csv: Path, labels: dict[str, Path]) -> dict:
    from digigov.ingest.chunked import import_csv_file

    # The generator's weights are ignored, as by the other engines: counts, not weighted sums.
    result = import_csv_file(csv, mapping={"weight": "ignore"})
    if not result.ok:
        raise ValueError(f"import reported errors: {[i.message_en for i in result.report.errors[:5]]}")
    import polars as pl

    # Counts per province, summed over the import's year, entity type and category keys.
    return shares_by_province(
        result.aggregated.group_by("adcode").agg(pl.col("respondents", *CHANNELS, "prefers_offline").sum())
    )


def run_upload(csv: Path, labels: dict[str, Path]) -> dict:
    import inspect

    from digigov.ingest import read_upload

    data = csv.read_bytes()  # the page holds the uploaded bytes in memory
    calls: list[object] = []
    progress = {"progress": calls.append} if "progress" in inspect.signature(read_upload).parameters else {}
    result = read_upload(csv.name, data, mapping={"weight": "ignore"}, max_bytes=len(data) + 1, **progress)
    if not result.ok:
        raise ValueError(f"upload reported errors: {[i.message_en for i in result.report.errors[:5]]}")
    import polars as pl

    counts = result.aggregated.group_by("adcode").agg(pl.col("respondents", *CHANNELS, "prefers_offline").sum())
    return {**shares_by_province(counts), "progress_calls": len(calls)}


RUNNERS = {
    "polars": run_polars,
    "import": run_import,
    "upload": run_upload,
    "pandas": run_pandas,
    "duckdb": run_duckdb,
    "duckdb_validated": run_duckdb_validated,
}
IMPORTS = {
    "polars": ("polars", "digigov.ingest.channel_records"),
    "import": ("polars", "digigov.ingest.channel_records", "digigov.ingest.chunked"),
    "upload": ("polars", "digigov.ingest"),
    "pandas": ("pandas",),
    "duckdb": ("duckdb",),
    "duckdb_validated": ("duckdb", "digigov.ingest.privacy"),
}


def worker(engine: str, csv: Path, labels_dir: Path, out: Path) -> None:
    import importlib
    import resource

    if os.environ.get(ENV_CODE_ROOT):  # another checkout's digigov (a before/after comparison)
        sys.path.insert(0, os.environ[ENV_CODE_ROOT])
    start = time.perf_counter()
    for module in IMPORTS[engine]:  # the engine's imports, timed apart from the work
        importlib.import_module(module)
    import_s = time.perf_counter() - start
    rss_after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    labels = {
        "region": labels_dir / "region_map.csv",
        "channel": labels_dir / "channel_map.csv",
        "offline": labels_dir / "offline_map.csv",
        "aliases": labels_dir / "alias_map.csv",
    }
    start = time.perf_counter()
    result = RUNNERS[engine](csv, labels)
    seconds = time.perf_counter() - start
    progress_calls = result.pop("progress_calls", None)
    out.write_text(
        json.dumps(
            {
                "engine": engine,
                "seconds": seconds,
                "import_s": import_s,
                "rss_after_import": rss_after_import,
                "result": result,
                "progress_calls": progress_calls,
            }
        )
    )


# ---------------------------------------------------------------------------------------------------------------
# the parent: one process per run
# ---------------------------------------------------------------------------------------------------------------
# The child's peak RSS comes from wait4 in a tiny wrapper interpreter: Linux carries the RSS high-water mark of
# the process that forked (for us, a parent holding numpy, polars and the generator) into the child's
# ru_maxrss, so waiting from the bench process itself would report at least the parent's size.
WRAPPER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"wall_s": time.perf_counter() - start, "code": os.waitstatus_to_exitcode(status),
                  "maxrss_kb": usage.ru_maxrss}))
"""


def run_in_process(engine: str, csv: Path, labels_dir: Path, scratch: Path) -> dict:
    """Run one engine in a fresh interpreter; wall seconds and the child's peak RSS (wait4 ru_maxrss)."""
    out = scratch / f"{engine}.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [
            PYTHON,
            "-S",
            "-c",
            WRAPPER,
            PYTHON,
            str(Path(__file__).resolve()),
            "--worker",
            engine,
            "--csv",
            str(csv),
            "--labels",
            str(labels_dir),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    try:
        measured = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        measured = {"code": proc.returncode}
    if proc.returncode != 0 or measured["code"] != 0:
        raise RuntimeError(f"{engine} worker failed ({measured['code']}):\n{proc.stderr[-3000:]}")
    data = json.loads(out.read_text())
    data["wall_s"] = measured["wall_s"]
    data["peak_rss"] = measured["maxrss_kb"] * 1024  # Linux reports kilobytes
    return data


def max_difference(a: dict, b: dict) -> float:
    """Largest absolute difference between two results; inf when they do not cover the same keys."""
    worst = 0.0
    for part in ("respondents", "shares", "offline_share"):
        if set(a[part]) != set(b[part]):
            return float("inf")
        worst = max([worst, *(abs(a[part][k] - b[part][k]) for k in a[part])])
    return worst


def warm_page_cache(path: Path) -> None:
    with path.open("rb") as f:
        while f.read(16 << 20):
            pass


def bench_size(rows: int, repeats: int, scratch: Path, engines=ENGINES, log=print) -> dict:
    csv = scratch / f"records_{rows}.csv"
    labels_dir = scratch / "labels"
    write_labels(labels_dir)
    write_alias_table(labels_dir / "alias_map.csv")
    start = time.perf_counter()
    truth = generate_csv(csv, rows)
    generate_s = time.perf_counter() - start
    size = csv.stat().st_size
    log(f"  generated {rows:,} rows, {size / 1e6:,.0f} MB in {generate_s:.1f} s")
    warm_page_cache(csv)
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    notes = []
    skip: set[str] = set()
    results = {}
    for rep in range(repeats):
        for engine in engines:
            if engine in skip:
                continue
            data = run_in_process(engine, csv, labels_dir, scratch)
            results.setdefault(engine, data.pop("result"))
            runs[engine].append(data)
            log(
                f"  {engine:7s} rep {rep + 1}: {data['seconds']:6.2f} s work, {data['wall_s']:6.2f} s wall, "
                f"peak RSS {data['peak_rss'] / 1e6:7.0f} MB"
            )
            if rep == 0 and data["seconds"] > SLOW_S and repeats > 1:
                skip.add(engine)
                notes.append(f"{engine} took {data['seconds']:.0f} s at {rows:,} rows: run once, not {repeats} times")
    diffs = {e: max_difference(results[e], truth) for e in engines}
    agree = all(d <= TOLERANCE for d in diffs.values())
    if not agree:
        raise AssertionError(f"engines disagree at {rows:,} rows (max |difference| from the truth): {diffs}")
    stats = {}
    for engine in engines:
        r = runs[engine]
        stats[engine] = {
            "seconds": summary([x["seconds"] for x in r]),
            "wall_s": summary([x["wall_s"] for x in r]),
            "peak_rss": summary([x["peak_rss"] for x in r]),
            "import_s": summary([x["import_s"] for x in r]),
            "rss_after_import": summary([x["rss_after_import"] for x in r]),
        }
    ratios = {}
    for ours in (e for e in OURS if e in stats):
        for peer in (e for e in engines if e not in OURS):
            ratios[f"{ours}/{peer}"] = {
                key: ratio(stats[ours][key]["median"], stats[peer][key]["median"])
                for key in ("seconds", "wall_s", "peak_rss")
            }
    return {
        "rows": rows,
        "csv_bytes": size,
        "generate_s": generate_s,
        "peak_rss_per_csv_byte": {e: stats[e]["peak_rss"]["median"] / size for e in stats},
        "repeats": repeats,
        "engines": stats,
        "ratios": ratios,
        "max_difference": diffs,
        "agree": agree,
        "notes": notes,
        "groups": len(truth["shares"]),
    }


def run(sizes=(1_000_000, 10_000_000), repeats: int = 3, engines=ENGINES, log=print) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="digigov-bench-ingest-"))
    try:
        out = {"sizes": [], "tolerance": TOLERANCE}
        for rows in sizes:
            log(f"ingest: {rows:,} rows")
            out["sizes"].append(bench_size(rows, repeats, scratch, engines, log))
            for f in scratch.glob("records_*.csv"):
                f.unlink()  # one size on disk at a time
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", nargs="+", choices=ENGINES + OPTIONAL, default=list(ENGINES))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--code-root", type=Path, help="run the workers on this checkout's digigov (default: ours)")
    parser.add_argument("--worker", choices=ENGINES + OPTIONAL, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--labels", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.csv, args.labels, args.out)
        return 0
    if args.code_root:
        os.environ[ENV_CODE_ROOT] = str(args.code_root.resolve())  # inherited by every worker
    results = run(tuple(args.sizes), args.repeats, tuple(args.engines))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
