"""`digigov findings`: the pages' sentences for a data file, read as the upload page reads it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from digigov.cli import main
from digigov.datasets import load_builtin
from digigov.presenters.overview_findings import overview_findings
from tests.paths import ROOT

SAMPLE_INDEX = ROOT / "data" / "samples" / "province_index.csv"


def write_index(path: Path, frame: pl.DataFrame) -> Path:
    frame.write_csv(path)
    return path


def test_prints_the_overview_sentences_of_the_page(capsys):
    assert main(["findings", str(SAMPLE_INDEX), "--page", "overview"]) == 0
    out = capsys.readouterr().out
    index = load_builtin("province_index")
    expected = overview_findings(index, int(index["year"].max()), "zh")
    assert out.startswith("# 总览\n")
    for finding in expected:
        assert f"- {finding.text}\n" in out


def test_json_carries_the_facts_behind_each_sentence(capsys):
    assert main(["findings", str(SAMPLE_INDEX), "--page", "all", "--lang", "en", "--json", "--year", "2023"]) == 0
    payload = json.loads(capsys.readouterr().out)
    east_west = next(f for f in payload["pages"]["overview"] if f["key"].startswith("finding.east"))
    facts = east_west["facts"]
    assert facts["year"] == 2023 and facts["gap"] == pytest.approx(facts["east_mean"] - facts["west_mean"])
    assert "points above" in east_west["text"]
    assert {f["key"] for f in payload["pages"]["regional"]} >= {"regional.theil_sentence", "regional.lisa_fdr"}
    # the sample index holds neither channel nor demand data: those pages are named as skipped, not invented
    assert set(payload["skipped"]) == {"channels", "demand", "data_sharing"}


def test_reversed_data_print_reversed_sentences(tmp_path, capsys):
    index = load_builtin("province_index").filter(pl.col("year") == 2024)
    flipped = index.with_columns(
        [(150 - pl.col(c)).alias(c) for c in ("index", "organisation", "institutions", "capacity", "effect")]
    )
    path = write_index(tmp_path / "flipped.csv", flipped)
    assert main(["findings", str(path), "--page", "overview"]) == 0
    out = capsys.readouterr().out
    assert "西部地区平均指数" in out and "东部地区平均指数（" not in out
    assert "增长最快" not in out  # one year: no growth sentence


def test_a_file_with_errors_prints_the_report_and_fails(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("地区,年份,组织机构,制度体系,治理能力,治理效果\n火星,2024,1,2,3,4\n", encoding="utf-8")
    assert main(["findings", str(path)]) == 2
    err = capsys.readouterr().err
    assert "火星" in err


def test_a_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["findings", str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err


def test_a_page_the_file_cannot_feed_is_named(capsys):
    assert main(["findings", str(SAMPLE_INDEX), "--page", "channels", "--lang", "en"]) == 3
    assert "Online vs offline: the file holds no data this page reads." in capsys.readouterr().err


def test_a_year_not_in_the_file_is_named(capsys):
    assert main(["findings", str(SAMPLE_INDEX), "--page", "overview", "--year", "1999"]) == 3
    assert "1999" in capsys.readouterr().err


def test_the_installed_command_runs():
    command = Path(sys.executable).with_name("digigov")
    done = subprocess.run(
        [str(command), "findings", str(SAMPLE_INDEX), "--page", "regional", "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Regional gaps\n") and "Benjamini" in done.stdout


def test_channels_and_demand_pages_from_their_files(tmp_path, capsys):
    from tests.unit.ingest.test_ingest_chunked import raw_demand_text

    channels = ROOT / "data" / "samples" / "city_channels.csv"
    assert main(["findings", str(channels), "--page", "channels", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    spread = payload["pages"]["channels"][0]
    assert spread["key"].startswith("channels.finding_spread") and spread["facts"]
    demand = tmp_path / "answers.csv"
    demand.write_text(raw_demand_text(2000), encoding="utf-8")
    assert main(["findings", str(demand), "--page", "demand", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Demand matching\n")
    assert "not a national figure" in out  # four provinces answered: the total is not called national


# --------------------------------------------------------------------------------------------- digigov validate
def test_validate_reports_each_file_and_exits_by_the_worst(tmp_path, capsys):
    good = SAMPLE_INDEX
    bad = tmp_path / "bad.csv"
    bad.write_text("地区,年份,组织机构,制度体系,治理能力,治理效果\n火星,2024,1,2,3,4\n", encoding="gb18030")
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert f"# {good}: 可以保存" in out and "可用于页面：总览、区域差距" in out and "格式 text" in out
    assert main(["validate", str(good), str(bad), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "has errors and cannot be saved" in out and "[error]" in out and "火星" in out
    assert main(["validate", str(good), str(tmp_path / "missing.xlsx")]) == 2


def test_validate_json_has_one_object_per_file(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    header = "地区,年份,组织机构,制度体系,治理能力,治理效果\n"
    bad.write_text(header + "火星,2024,1,2,3,4\n浙江,2024,1,2,3,4\n", encoding="utf-8")
    assert main(["validate", str(SAMPLE_INDEX), str(bad), "--json"]) == 1
    lines = capsys.readouterr().out.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["saveable"] and first["pages"] == ["province_index"] and first["regions_unresolved"] == []
    assert first["rows"] > 0 and first["encoding"]
    assert not second["saveable"] and second["regions_unresolved"] == ["火星"]
    error = next(i for i in second["issues"] if i["severity"] == "error")
    assert error["row"] == 2 and error["value"] == "火星" and error["column"] == "地区"


REAL = ROOT / "tests" / "data" / "real"


def test_data_sharing_findings_of_an_exchange_table_or_a_platform_table(capsys):
    """The page reads three kinds: the findings printed are those of whichever the file holds."""
    from digigov.ingest.sharing_tables import read_sharing_table
    from digigov.presenters.data_sharing import operations_findings, sharing_findings

    matrix = REAL / "sharing_matrix_zhejiang_gb18030.csv"
    assert main(["findings", str(matrix), "--page", "data_sharing"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 数据共享与开放\n")
    assert "浙江的 7 个部门中有 1 个是孤岛：省档案馆。" in out
    calls = read_sharing_table(matrix.name, matrix.read_bytes()).frame
    assert calls is not None
    assert [f"- {f.text}" for f in sharing_findings(calls, None, "zh", markdown=False)] == out.strip().splitlines()[1:]

    platforms = REAL / "sharing_platforms_gb18030.csv"
    assert main(["findings", str(platforms), "--page", "data_sharing", "--lang", "en", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    items = payload["pages"]["data_sharing"]
    table = read_sharing_table(platforms.name, platforms.read_bytes()).frame
    assert table is not None
    assert [i["key"] for i in items] == [f.key for f in operations_findings(table, "en", markdown=False)]
    outliers = next(i for i in items if i["key"] == "sharing.finding.outliers_high")
    assert "Xizang · 西藏政务" in outliers["text"] and outliers["facts"]["high"] == ["540000|西藏政务"]

    # --page all: the data sharing page has findings, the other pages say they have no data
    assert main(["findings", str(REAL / "sharing_matrix_guizhou.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "贵州的 5 个部门中有 1 个是孤岛：省林业局。" in out and "总览：文件中没有该页面所需的数据。" in out

    # a count in words: the table's own errors (file, row, column, value), exit status 2
    assert main(["findings", str(REAL / "sharing_matrix_bad_counts_gb18030.csv"), "--page", "data_sharing"]) == 2
    err = capsys.readouterr().err
    assert "第 5 行“省市场监管局”列的“十二”" in err and "第 6 行“省公安厅”列的“-5”" in err


def test_validate_names_the_numbers_the_catalog_does_not_have(capsys):
    nbs = ROOT / "tests" / "data" / "real" / "layout_nbs_broadband_provinces.csv"
    assert main(["validate", str(nbs), "--json"]) == 1  # not saveable until the analyst confirms the indicator
    summary = json.loads(capsys.readouterr().out.splitlines()[0])
    (item,) = summary["uncatalogued"]
    assert item == {"label": "宽带接入用户(万户)", "name": "宽带接入用户", "unit": "万户", "values": 309}
    main(["validate", str(nbs), "--lang", "en"])
    assert "Not in the catalog: 宽带接入用户(万户) (309 values)" in capsys.readouterr().out
