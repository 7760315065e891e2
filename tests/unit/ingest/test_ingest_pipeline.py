"""read_upload end to end: mapping proposal and overrides, units, size limits, the report, and never raising."""

from __future__ import annotations

import os

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digigov.i18n import catalog
from digigov.ingest import ALL_ROLES, max_upload_bytes, propose_mapping, read_upload
from digigov.ingest.limits import ENV_MAX_UPLOAD_MB, MIB
from digigov.ingest.report import ValidationReport
from tests.paths import ROOT

UPLOADS = ROOT / "tests" / "data" / "uploads"
INGEST_SOURCES = sorted((ROOT / "digigov" / "ingest").glob("*.py"))


def test_domain_package_never_imports_streamlit():
    for path in INGEST_SOURCES:
        assert "streamlit" not in path.read_text(encoding="utf-8"), path.name


def test_every_issue_code_used_in_code_has_a_message():
    import re

    keys = set(catalog())
    used = set()
    for path in INGEST_SOURCES:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:add|add_rows)\(\s*"([a-z0-9_]+)"', source))
        used |= set(re.findall(r'XlsxRejection\("([a-z0-9_]+)"', source))
        used |= set(re.findall(r'DecodeError\("([a-z0-9_]+)"', source))
    used |= {"more_issues"}
    missing = sorted(code for code in used if f"ingest.issue.{code}" not in keys)
    assert missing == []
    assert all(f"ingest.role.{role}" in keys for role in (*ALL_ROLES, "indicator_column"))


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("地区", "region"),
        ("省份", "region"),
        ("Province", "region"),
        ("城市", "city"),
        ("地市", "city"),
        ("行政区划代码", "region_code"),
        ("adcode", "region_code"),
        ("年份", "year"),
        ("统计年度", "year"),
        ("Year", "year"),
        ("指标名称", "indicator"),
        ("数值", "value"),
        ("样本量（家）", "sample_size"),
        ("受访数", "sample_size"),
        ("n", "sample_size"),
        ("办理渠道", "channel"),
        ("市场主体类型", "entity_type"),
        ("事项类别", "service_category"),
        ("权重", "weight"),
        ("线下办理偏好占比(%)", "offline_pref_share"),
        ("Share preferring on-site handling", "offline_pref_share"),
        ("index", "dgi_index"),
        ("prefers_offline", "offline_pref_share"),
        ("数字政府发展指数", "dgi_index"),
        ("姓名", "identifier"),
        ("手机号码", "identifier"),
        ("统一社会信用代码", "record_id"),
        ("备注", "note"),
        ("随便什么", None),
    ],
)
def test_header_synonyms(header, target):
    match = propose_mapping([header]).matches[0]
    assert match.target == target


def test_mapping_gives_each_role_once_and_carries_confidence():
    mapping = propose_mapping(["省份", "地区", "年份", "年度", "指数（分）", "数字政府发展指数"])
    targets = mapping.as_dict()
    assert targets["省份"] == "region" and targets["地区"] is None
    assert targets["年份"] == "year" and targets["年度"] is None
    assert targets["数字政府发展指数"] == "dgi_index"
    assert {m.level for m in mapping.matches if m.target} <= {"high", "medium", "low"}
    assert mapping.get("数字政府发展指数").confidence == 1.0


def test_user_mapping_overrides_the_proposal():
    text = "单位,时期,得分\n上海,2023,90.5\n浙江,2023,89.2\n"
    first = read_upload("m.csv", text.encode())
    assert not first.ok and "no_indicator_columns" in first.report.codes
    assert first.proposed_mapping.as_dict() == {"单位": None, "时期": None, "得分": None}
    second = read_upload("m.csv", text.encode(), mapping={"单位": "region", "时期": "year", "得分": "dgi_index"})
    assert second.ok and second.frame["dgi_index"].to_list() == [90.5, 89.2]
    third = read_upload(
        "m.csv", text.encode(), mapping={"单位": "region", "时期": "year", "得分": "indicator:dgi_effect"}
    )
    assert third.ok and "dgi_effect" in third.frame.columns
    bad = read_upload("m.csv", text.encode(), mapping={"没有这列": "region", "得分": "no_such_role"})
    assert [i.code for i in bad.report.errors][:2] == ["mapping_invalid", "mapping_invalid"]


def test_ignoring_a_column():
    text = "地区,年份,数字政府发展指数,治理能力\n上海,2023,90.5,x\n"
    result = read_upload("i.csv", text.encode(), mapping={"治理能力": "ignore"})
    assert result.ok and "dgi_capacity" not in result.frame.columns


def test_units_can_be_overridden():
    text = "地区,年份,线下办理偏好占比\n上海,2023,0.8\n浙江,2023,1.2\n"
    inferred = read_upload("u.csv", text.encode())
    assert inferred.units["线下办理偏好占比"].scale == "fraction"
    assert [i.code for i in inferred.report.errors] == ["share_above_100"]
    chosen = read_upload("u.csv", text.encode(), units={"线下办理偏好占比": "percent"})
    assert chosen.ok and chosen.units["线下办理偏好占比"].reason == "user"
    assert chosen.frame.sort("adcode")["offline_pref_share"].to_list() == pytest.approx([0.008, 0.012])


def test_year_for_a_file_without_a_year_column():
    text = "地区,数字政府发展指数\n上海,90.5\n"
    assert [i.code for i in read_upload("y.csv", text.encode()).report.errors] == ["no_year_column"]
    result = read_upload("y.csv", text.encode(), year=2024)
    assert result.ok and result.frame["year"].to_list() == [2024]


def test_no_region_column():
    result = read_upload("n.csv", "年份,数字政府发展指数\n2023,90\n".encode())
    assert [i.code for i in result.report.errors] == ["no_region_column"]


def test_size_limit_is_checked_in_code(monkeypatch):
    assert max_upload_bytes() == 50 * MIB
    data = (UPLOADS / "good_wide_utf8.csv").read_bytes()
    small = read_upload("big.csv", data, max_bytes=100)
    assert small.report.codes == ["file_too_large"]
    monkeypatch.setenv(ENV_MAX_UPLOAD_MB, "0.0001")
    assert max_upload_bytes() == int(0.0001 * MIB)
    result = read_upload("big.csv", data)
    assert result.report.codes == ["file_too_large"]
    assert "MB" in result.report.errors[0].message_en
    monkeypatch.setenv(ENV_MAX_UPLOAD_MB, "nonsense")
    assert max_upload_bytes() == 50 * MIB


def test_report_frame_and_csv_download():
    result = read_upload("bad_ragged.csv", (UPLOADS / "bad_ragged.csv").read_bytes())
    frame = result.report.to_frame()
    assert frame.schema["row"] == pl.Int64
    assert frame["severity"].to_list()[:2] == ["error", "error"]
    csv = result.report.to_csv_bytes(lang="en")
    assert csv.startswith(b"\xef\xbb\xbf")
    parsed = pl.read_csv(csv)
    assert "message_zh" not in parsed.columns and parsed.height == frame.height
    assert "error" in result.report.summary("en") or "2 errors" in result.report.summary("en")


def test_report_neutralises_formulas_in_the_download():
    report = ValidationReport("=cmd|' /C calc'!A0.csv")
    report.add("not_a_number", "error", row=2, column="+x", value="=1+1")
    text = report.to_csv_bytes().decode("utf-8-sig")
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@"))


def test_control_characters_and_long_values_are_escaped_in_the_report():
    text = '地区,年份,数字政府发展指数\n"火星\n市",2023,50\n' + "A" * 500 + ",2023,51\n"
    result = read_upload("c.csv", text.encode())
    values = [i.value for i in result.report.find("unknown_region")]
    assert values[0] == "火星\\n市"
    assert len(values[1]) == 60 and values[1].endswith("…")


def test_empty_inputs_and_wrong_types_never_raise():
    for data in (b"", b"\xef\xbb\xbf", b"\n\n", b"   ", bytearray(b"a,b\n"), memoryview(b"x")):
        result = read_upload("e.csv", data)
        assert not result.ok
    assert not read_upload("e.csv", None).ok  # type: ignore[arg-type]
    assert not read_upload(None, b"a,b\n1,2\n").ok  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    result = read_upload("fuzz.csv", data)
    assert "internal_error" not in result.report.codes, [i.message_en for i in result.report.issues]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "上海",
                    "浙江",
                    "2023",
                    "2021年",
                    "45.3%",
                    "1,234",
                    "—",
                    "x",
                    '"',
                    "",
                    "火星市",
                    "13812345678",
                    "=A1",
                    "0.5",
                    "1.1E+17",
                    "兵团",
                    "\n",
                    ";",
                    "|",
                ]
            ),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_random_tables_never_raise_and_never_leak_phone_numbers(rows, delimiter, encoding):
    header = delimiter.join(["地区", "年份", "线下办理偏好占比", "备注"][: max(len(r) for r in rows)])
    text = header + "\n" + "\n".join(delimiter.join(r) for r in rows) + "\n"
    result = read_upload("fuzz.csv", text.encode(encoding))
    assert "internal_error" not in result.report.codes, [i.message_en for i in result.report.issues]
    for issue in result.report.issues:
        assert "13812345678" not in f"{issue.value} {issue.message_zh} {issue.message_en}"
    if result.text_frame is not None and result.text_frame.width:
        assert "13812345678" not in result.text_frame.write_csv()


def test_sample_datasets_round_trip_through_the_reader():
    result = read_upload("city_channels.csv", (ROOT / "data" / "samples" / "city_channels.csv").read_bytes())
    assert result.ok and result.shape == "wide"
    assert result.units["web"].scale == "count_of" and result.units["web"].denominator == "respondents"
    sample = pl.read_csv(ROOT / "data" / "samples" / "city_channels.csv", schema_overrides={"adcode": pl.String})
    first = sample.row(0, named=True)
    row = result.frame.filter(
        (pl.col("adcode") == first["adcode"])
        & (pl.col("year") == first["year"])
        & (pl.col("entity_type") == first["entity_type"])
        & (pl.col("service_category") == first["service_category"])
    ).row(0, named=True)
    assert row["channel_web_share"] == pytest.approx(first["web"] / first["respondents"])
    assert row["sample_size"] == first["respondents"]
    assert os.environ.get("DIGIGOV_STRICT_I18N") == "1"


# -- headers by meaning, numbers as written (issue 19) -------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "target", "low", "high"),
    [
        ("倾向线下办理占比", "offline_pref_share", 0.8, 0.9),
        ("习惯现场办理比例", "offline_pref_share", 0.8, 0.9),
        ("偏好窗口办理", "offline_pref_share", 0.8, 0.9),
        ("倾向线下办理占比（%）", "offline_pref_share", 0.8, 0.9),
        ("线上办理率", "actual_usage_rate", 0.7, 0.8),
        ("网办率", "actual_usage_rate", 0.7, 0.8),
        ("移动端办理比例", "channel_mobile_share", 0.75, 0.85),
        ("知晓比例", "awareness_rate", 0.8, 0.9),
        ("实际使用率", "actual_usage_rate", 1.0, 1.0),
        ("潜在使用率", "potential_usage_rate", 1.0, 1.0),
        ("知晓率", "awareness_rate", 1.0, 1.0),
        ("有效样本", "sample_size", 1.0, 1.0),
        ("受访者数", "sample_size", 1.0, 1.0),
    ],
)
def test_headers_by_meaning_with_a_confidence(header, target, low, high):
    match = propose_mapping([header]).matches[0]
    assert match.target == target
    assert low <= match.confidence <= high
    assert propose_mapping([header]).confidences()[header] == match.confidence


def test_a_weak_match_is_never_applied_but_suggested():
    mapping = propose_mapping(["地区", "年份", "线下办理占比", "区 域"])
    weak = mapping.get("线下办理占比")
    assert weak.target is None and weak.suggestion == "channel_counter_share" and weak.confidence < 0.6
    assert mapping.suggestions()["线下办理占比"][0] == "channel_counter_share"


def test_city_survey_table_maps_every_column_and_says_what_the_pages_miss():
    text = (
        "省份,城市,年份,样本量,倾向线下办理占比,知晓率,线上办理率\r\n"
        "广东省,广州市,2023,512,32.5%,81.2%,66.0%\r\n"
        "浙江省,杭州市,2023,450,25.0%,88.1%,70.2%\r\n"
    )
    result = read_upload("survey.csv", text.encode("gb18030"))
    assert result.ok, result.report.to_frame()
    assert result.mapping.as_dict()["倾向线下办理占比"] == "offline_pref_share"
    assert result.mapping.as_dict()["线上办理率"] == "actual_usage_rate"
    assert result.frame["offline_pref_share"].to_list() == [0.25, 0.325]
    meaning = {i.column: i.message_en for i in result.report.find("column_matched_by_meaning")}
    assert "confidence 85%" in meaning["倾向线下办理占比"] and "confidence 75%" in meaning["线上办理率"]
    gaps = [i.message_zh for i in result.report.find("kind_columns_missing")]
    assert any("网站办理占比、移动端办理占比、自助终端办理占比、窗口办理占比" in g for g in gaps)


def test_numbers_as_written_are_parsed_with_notes_or_reported_with_their_hint():
    text = (
        "地区,年份,市场主体数,数字政府发展指数,线下办理偏好占比\n"
        "江苏,2023,1456.2万,88.3分,30%\n"
        "广东,2023,约1.6亿,87.1,31%\n"
        '河南,2023,"1,23",80-85,35分\n'
        "青海,2023,12公里,71.2,29%\n"
    )
    result = read_upload("units.csv", text.encode("utf-8"))
    found = {(i.code, i.row, i.column, i.value) for i in result.report.issues}
    assert ("value_scaled", 2, "市场主体数", "1456.2万") in found
    assert ("value_approximate", 3, "市场主体数", "约1.6亿") in found
    assert ("value_unit_stripped", 2, "数字政府发展指数", "88.3分") in found
    assert ("number_grouping", 4, "市场主体数", "1,23") in found
    assert ("number_range", 4, "数字政府发展指数", "80-85") in found
    assert ("value_unit_mismatch", 4, "线下办理偏好占比", "35分") in found
    assert ("number_unit_unknown", 5, "市场主体数", "12公里") in found
    assert not result.report.find("not_a_number")
    entities = dict(zip(result.frame["adcode"], result.frame["entities"], strict=True))
    assert entities["320000"] == 14_562_000 and entities["440000"] == 160_000_000


@pytest.mark.parametrize(
    ("label", "table", "code"),
    [
        ("個體工商戶", "entity", "individual_business"),
        ("企業", "entity", "enterprise"),
        ("稅務", "category", "tax"),
        ("社會保險", "category", "social_insurance"),
        ("證照辦理", "category", "certificates"),
        ("行政許可", "category", "permits"),
    ],
)
def test_traditional_script_labels(label, table, code):
    from digigov.ingest.labels import CATEGORY_LABELS, ENTITY_LABELS, map_label

    assert map_label(label, ENTITY_LABELS if table == "entity" else CATEGORY_LABELS) == code
