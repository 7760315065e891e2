"""Reading exchange tables and platform tables as 共享交换平台 and 政务服务平台 export them
(tests/data/real/sharing_*, written by sharing_make_files.py): a provider × consumer matrix under a title row with
合计 row and column (GB18030 CSV and .xlsx), an exchange log (UTF-8 with BOM), a platform table (GB18030 with
thousands separators), and errors that name file, row, column and value."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.analysis import sharing
from digigov.ingest import sharing_tables
from digigov.ingest.pipeline import read_upload
from digigov.upload_kinds import SELF_READ_KINDS, kind_frames, saveable_kinds, sharing_report
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"


def read(name: str) -> sharing_tables.SharingRead:
    return sharing_tables.read_sharing_table(name, (REAL / name).read_bytes())


def calls_of(frame: pl.DataFrame, provider: str, consumer: str) -> int:
    return int(frame.filter((pl.col("provider") == provider) & (pl.col("consumer") == consumer))["calls"].sum())


def test_gb18030_matrix_with_title_row_and_totals():
    result = read("sharing_matrix_zhejiang_gb18030.csv")
    assert result.ok, result.report.to_frame()
    assert result.shape == "matrix" and result.kind == "sharing_calls"
    assert result.region == "330000"  # from the title 2024年浙江省公共数据共享交换平台…
    frame = result.frame
    assert frame is not None and frame.columns == ["adcode", "provider", "consumer", "calls"]
    names = set(frame["provider"]) | set(frame["consumer"])
    assert len(names) == 7 and "合计" not in names
    assert calls_of(frame, "省公安厅", "省市场监管局") == 48210
    assert calls_of(frame, "省市场监管局", "省统计局") == 4318
    assert int(frame["calls"].sum()) == 230196  # the file's own grand total
    roles = sharing.departments(frame)
    assert roles.filter(pl.col("role") == "island")["department"].to_list() == ["省档案馆"]
    assert roles.filter(pl.col("department") == "省统计局")["role"].item() == "consumes_only"


def test_xlsx_matrix_from_xlsxwriter():
    result = read("sharing_matrix_guizhou.xlsx")
    assert result.ok, result.report.to_frame()
    assert result.region == "520000" and result.columns["provider"] == "数据提供方"
    frame = result.frame
    assert frame is not None
    assert calls_of(frame, "省大数据局", "省公安厅") == 61200 and int(frame["calls"].sum()) == 130700
    roles = sharing.departments(frame)
    assert roles.filter(pl.col("role") == "island")["department"].to_list() == ["省林业局"]
    top = sharing.concentration(frame)
    assert top.top_provider == "省大数据局" and sharing.hhi_band(top.hhi) == "high"


def test_utf8_bom_exchange_log_per_pair_and_day():
    result = read("sharing_log_sichuan_chongqing_utf8_bom.csv")
    assert result.ok, result.report.to_frame()
    assert result.shape == "log"
    assert result.columns["consumer"] == "需求部门" and result.columns["calls"] == "调用次数"
    frame = result.frame
    assert frame is not None and set(frame["adcode"]) == {"510000", "500000"}
    assert calls_of(frame, "省公安厅", "省民政厅") == 120 + 98 + 133
    assert calls_of(frame, "市公安局", "市大数据发展局") == 890
    roles = sharing.departments(frame)
    islands = roles.filter(pl.col("role") == "island")
    assert islands.select("adcode", "department").rows() == [("510000", "省档案馆")]
    per_region = sharing.region_connectivity(frame)
    assert per_region.filter(pl.col("adcode") == "500000")["islands"].item() == 0


def test_a_log_with_one_row_per_call_and_the_region_in_the_file_name():
    data = "调用时间,提供方,调用方\n2024-11-01 09:00,市公安局,市民政局\n2024-11-01 09:05,市公安局,市民政局\n"
    data += "2024-11-01 10:00,市民政局,市税务局\n"
    result = sharing_tables.read_sharing_table("杭州市共享日志.csv", data.encode())
    assert result.ok, result.report.to_frame()
    assert result.region == "330100"
    assert result.frame is not None and calls_of(result.frame, "市公安局", "市民政局") == 2


def test_gb18030_platform_table_with_thousands_separators():
    result = read("sharing_platforms_gb18030.csv")
    assert result.ok, result.report.to_frame()
    assert result.shape == "platforms" and result.kind == "platform_operations"
    assert result.columns["investment"] == "建设运维投入（万元）"
    frame = result.frame
    assert frame is not None and frame.height == 8
    assert frame.columns == ["adcode", "platform", "investment", "transactions", "active_users"]
    zj = frame.filter(pl.col("platform") == "浙里办").row(0, named=True)
    assert zj == {
        "adcode": "330000",
        "platform": "浙里办",
        "investment": 8520.5,
        "transactions": 182_400_000.0,
        "active_users": 9_820_000.0,
    }
    ops, fences = sharing.operations(frame)
    assert fences is not None
    assert ops.filter(pl.col("outlier") == "high")["platform"].to_list() == ["西藏政务"]
    assert ops.filter(pl.col("no_use"))["platform"].to_list() == ["青松办"]


def test_investment_in_yuan_is_converted_to_wan():
    data = '平台名称,地区,投入(元),办件量\n甲平台,北京市,"12,000,000",600\n'.encode()
    result = sharing_tables.read_sharing_table("p.csv", data)
    assert result.ok and result.frame is not None
    assert result.frame["investment"].item() == pytest.approx(1200.0)


def test_bad_counts_are_errors_with_file_row_column_and_value():
    result = read("sharing_matrix_bad_counts_gb18030.csv")
    assert not result.ok and result.frame is None
    errors = {(i.code, i.file, i.row, i.column, i.value) for i in result.report.errors}
    assert errors == {
        ("sharing_bad_count", "sharing_matrix_bad_counts_gb18030.csv", 5, "省市场监管局", "十二"),
        ("sharing_negative_count", "sharing_matrix_bad_counts_gb18030.csv", 6, "省公安厅", "-5"),
    }
    words = next(i for i in result.report.errors if i.value == "十二")
    assert "第 5 行“省市场监管局”列的“十二”" in words.message("zh")
    assert words.message("en").startswith('sharing_matrix_bad_counts_gb18030.csv, row 5, column "省市场监管局"')


def test_log_errors_name_the_row():
    data = "日期,地区,提供部门,使用部门,调用次数\n2024-11-01,四川,省公安厅,省民政厅,12.5\n"
    data += "2024-11-01,火星,省公安厅,省民政厅,3\n2024-11-02,四川,,省民政厅,\n"
    result = sharing_tables.read_sharing_table("log.csv", data.encode("utf-8-sig"))
    found = {(i.code, i.row, i.column, i.value) for i in result.report.errors}
    assert ("sharing_fractional_count", 2, "调用次数", "12.5") in found
    assert ("sharing_unknown_region", 3, "地区", "火星") in found
    assert ("sharing_no_department", 4, "提供部门", "") in found
    assert ("sharing_empty_count", 4, "调用次数", "") in found


def test_a_matrix_without_a_region_is_an_error():
    data = "提供部门\\使用部门,公安局,民政局\n公安局,0,5\n民政局,3,0\n".encode()
    result = sharing_tables.read_sharing_table("matrix.csv", data)
    assert [i.code for i in result.report.errors] == ["sharing_matrix_no_region"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("sharing_matrix_zhejiang_gb18030.csv", "sharing_calls"),
        ("sharing_matrix_guizhou.xlsx", "sharing_calls"),
        ("sharing_log_sichuan_chongqing_utf8_bom.csv", "sharing_calls"),
        ("sharing_platforms_gb18030.csv", "platform_operations"),
    ],
)
def test_uploads_become_the_page_kinds_and_can_be_saved(name, kind):
    result = read_upload(name, (REAL / name).read_bytes())
    assert {i.code for i in result.report.errors} == {"no_indicator_columns"}  # the table pipeline's complaint
    assert kind in SELF_READ_KINDS
    assert list(kind_frames(result)) == [kind]
    assert list(saveable_kinds(result)) == [kind]


def test_a_bad_upload_is_not_saveable_and_reports_why():
    name = "sharing_matrix_bad_counts_gb18030.csv"
    result = read_upload(name, (REAL / name).read_bytes())
    assert saveable_kinds(result) == {}
    report = sharing_report(result)
    assert report is not None and len(report.report.errors) == 2


@pytest.mark.parametrize("name", ["catalogue_zhejiang_gb18030.csv", "layout_nbs_broadband_provinces.csv"])
def test_other_files_are_no_sharing_tables(name):
    result = read_upload(name, (REAL / name).read_bytes())
    assert sharing_report(result) is None
    assert not {"sharing_calls", "platform_operations"} & set(kind_frames(result))


def _matrix_parts_in_python(text_frame: pl.DataFrame):
    """The matrix test as it was written first, over Python strings: the reference for the polars one."""
    key, total = sharing_tables.header_key, sharing_tables._is_total
    if text_frame.width < 3:
        return None
    corner = text_frame.columns[0]
    consumers = [c for c in text_frame.columns[1:] if not total(c)]
    names = text_frame[corner].cast(pl.String).str.strip_chars().drop_nulls().to_list()
    providers = [n for n in names if n and not total(n)]
    overlap = len({key(c) for c in consumers} & {key(p) for p in providers})
    cornered = any(w in key(corner) for w in sharing_tables.CORNER_WORDS)
    if len(consumers) < 2 or not providers:
        return None
    if overlap >= 2 and overlap * 2 >= min(len(consumers), len(providers)):
        return corner, consumers, providers
    return (corner, consumers, providers) if cornered and overlap >= 1 else None


_LABELS = [
    "公安局",
    "公安 局",
    "人社局",
    "民政局",
    "Tax",
    "tax（省）",
    "合计",
    "Total",
    "",
    " ",
    None,
    "卫健委",
    "提供部门",
]


@settings(max_examples=300, deadline=None)
@given(
    corner=st.sampled_from(["提供部门\\使用部门", "部门", "名称", "region"]),
    headers=st.lists(st.sampled_from([x for x in _LABELS if x]), min_size=2, max_size=6, unique=True),
    names=st.lists(st.sampled_from(_LABELS), min_size=0, max_size=12),
)
def test_the_matrix_test_in_polars_says_what_the_python_one_said(corner, headers, names):
    columns = [corner, *(h for h in headers if h != corner)]
    frame = pl.DataFrame(
        {c: names if i == 0 else ["1"] * len(names) for i, c in enumerate(columns)},
        schema={c: pl.String for c in columns},
    )
    assert sharing_tables._matrix_parts(frame) == _matrix_parts_in_python(frame)


def test_a_large_file_of_records_is_not_a_matrix():
    names = [f"记录{i}" for i in range(200_000)]
    frame = pl.DataFrame({"姓名": names, "渠道": ["网上"] * len(names), "是否线下": ["是"] * len(names)})
    assert sharing_tables._matrix_parts(frame) is None and sharing_tables.detect(frame) is None
