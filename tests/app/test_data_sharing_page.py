"""The data sharing and openness page in AppTest: samples in zh and en (sample notices, the article's fact,
every chart with a table), and an analyst's uploaded catalogue stored with DatasetStore."""

from __future__ import annotations

import datetime as dt

import pytest

from digigov.ingest.catalogue import read_catalogue
from digigov.storage import DatasetStore
from tests.app.helpers import accept_button, chart_specs, chart_texts, open_tables, open_view, upload_page
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"


def findings(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def test_samples_in_chinese(app):
    at = open_view(app, "data_sharing")
    assert sum("示例数据 / sample data" in m.value for m in at.markdown) == 4  # one per section's data source
    assert any("超过一半" in f and "2024-12-31" in f for f in findings(at))
    assert any("孤岛" in f for f in findings(at)) and any("Q3 + 1.5 × IQR" in f for f in findings(at))
    specs = chart_specs(at)
    assert len(specs) == 9  # map, status, ranking, trend, matrix, connected map and ranking, scatter, cost
    drawn = {
        loc for trace in specs[0]["data"] if trace.get("geo", "geo") == "geo" for loc in trace.get("locations", [])
    }
    assert len(drawn) == 34
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    assert len(at.dataframe) >= 9
    assert not [m.value for m in at.markdown if "⟦" in m.value]


def test_samples_in_english_and_a_region_chosen(app):
    app.query_params["lang"] = "en"
    at = open_view(app, "data_sharing")
    assert at.title[0].value == "Data sharing and openness"
    assert any("more than half" in f for f in findings(at))
    at.selectbox(key="data_sharing_region").set_value("620000").run()
    assert not at.exception
    assert any("In Gansu" in f and "islands" in f for f in findings(at))
    at.selectbox(key="data_sharing_level").set_value("prefecture").run()
    assert not at.exception
    assert at.query_params["level"] == "prefecture"


def test_reference_date_changes_the_findings(app):
    at = open_view(app, "data_sharing")
    before = findings(at)[0]
    at.date_input(key="data_sharing_reference_builtin").set_value(dt.date(2025, 12, 31)).run()
    assert not at.exception
    after = findings(at)[0]
    assert after != before and "2025-12-31" in after


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return DatasetStore(tmp_path)


def test_uploaded_catalogue(app, store):
    read = read_catalogue("catalogue_zhejiang_gb18030.csv", (REAL / "catalogue_zhejiang_gb18030.csv").read_bytes())
    assert read.ok and read.frame is not None
    dataset = store.save(
        read.frame.drop("source_row"),
        name="浙江目录 <b>x</b>",
        source_file="catalogue_zhejiang_gb18030.csv",
        shape="wide",
        column_mapping={},
        meta={"kinds": ["open_data_catalogue"]},
    )
    app.query_params["src"] = dataset.id
    at = open_view(app, "data_sharing")
    notice = at.info[0].value
    assert "浙江目录" in notice and "<b>" not in notice
    assert sum("示例数据 / sample data" in m.value for m in at.markdown) == 3  # the other sections stay samples
    at.date_input(key=f"data_sharing_reference_{dataset.id}").set_value(dt.date(2024, 12, 31)).run()
    assert not at.exception
    # 5 datasets with a fixed frequency: 2024-12-20 monthly, 2024-12-31 daily, 2024-09-01 yearly on schedule;
    # 2024-06-03 quarterly (211 days) and 2023-01-15 yearly (716 days) overdue -> 3 of 5; 1 irregular apart
    first = findings(at)[0]
    assert "5 个" in first and "3 个（60.0%）" in first and "1 个“不定期”" in first
    drawn = {loc for t in chart_specs(at)[0]["data"] for loc in t.get("locations", []) if t.get("z") is not None}
    assert "330000" in drawn


# -- exchange tables and platform tables uploaded through the upload page --------------------------------------
@pytest.fixture
def upload(app, tmp_path, monkeypatch):
    return upload_page(app, tmp_path, monkeypatch, REAL)


def saved_and_opened(upload, name: str, kind: str):
    at = upload(name)
    button = accept_button(at)
    assert not button.disabled
    button.click().run()
    assert not at.exception, at.exception
    records = upload.store.list()
    assert len(records) == 1 and records[0].meta["kinds"] == [kind]
    at.query_params["src"] = records[0].id
    at.switch_page("views/data_sharing.py").run()
    assert not at.exception, at.exception
    return at, records[0]


def test_an_uploaded_matrix_is_drawn_and_its_islands_named(upload):
    at, record = saved_and_opened(upload, "sharing_matrix_zhejiang_gb18030.csv", "sharing_calls")
    assert at.selectbox(key="data_sharing_calls_src").value == record.id
    assert at.selectbox(key="data_sharing_src").value == "builtin"  # the catalogue section stays on its sample
    assert sum("示例数据 / sample data" in m.value for m in at.markdown) == 3
    heatmap = next(s for s in chart_specs(at) if any(trace.get("type") == "heatmap" for trace in s["data"]))
    trace = next(trace for trace in heatmap["data"] if trace.get("type") == "heatmap")
    rows = [str(y) for y in trace["y"]]
    assert any("省公安厅" in y for y in rows) and any("省档案馆" in y for y in rows)
    assert not any("合计" in y for y in rows)  # the export's sums are not a department
    assert len(rows) == 7
    islands = next(f for f in findings(at) if "孤岛" in f)
    assert "浙江" in islands and "省档案馆" in islands and "1 个是孤岛" in islands


def test_an_uploaded_platform_table_names_its_outlier(upload):
    at, record = saved_and_opened(upload, "sharing_platforms_gb18030.csv", "platform_operations")
    assert at.selectbox(key="data_sharing_platforms_src").value == record.id
    outliers = next(f for f in findings(at) if "Q3 + 1.5 × IQR" in f)
    assert "西藏" in outliers and "西藏政务" in outliers and "1 个平台" in outliers
    assert any("青松办" in f and "没有办件记录" in f for f in findings(at))
    cost = next(s for s in chart_texts(at) if "西藏政务" in s and "浙里办" in s)
    assert "渝快办" in cost


def test_a_matrix_with_a_count_in_words_is_reported_and_not_saved(upload):
    at = upload("sharing_matrix_bad_counts_gb18030.csv")
    errors = [e.value for e in at.error]
    assert any("第 5 行“省市场监管局”列的“十二”" in e for e in errors)
    assert any("第 6 行“省公安厅”列的“\\-5”" in e for e in errors)
    assert accept_button(at).disabled
    assert upload.store.list() == []


def test_each_section_keeps_its_own_uploaded_source_in_the_link(app, store):
    """An exchange table and a platform table stored together: the link names both (src_calls, src_platforms)."""
    from digigov.ingest.sharing_tables import read_sharing_table

    ids = {}
    for name, kind in (
        ("sharing_log_sichuan_chongqing_utf8_bom.csv", "sharing_calls"),
        ("sharing_platforms_gb18030.csv", "platform_operations"),
    ):
        read = read_sharing_table(name, (REAL / name).read_bytes())
        assert read.ok and read.frame is not None
        ids[kind] = store.save(
            read.frame, name=name, source_file=name, shape="raw", column_mapping={}, meta={"kinds": [kind]}
        ).id
    app.query_params["src_calls"] = ids["sharing_calls"]
    app.query_params["src_platforms"] = ids["platform_operations"]
    at = open_view(app, "data_sharing")
    assert at.selectbox(key="data_sharing_calls_src").value == ids["sharing_calls"]
    assert at.selectbox(key="data_sharing_platforms_src").value == ids["platform_operations"]
    assert sum("示例数据 / sample data" in m.value for m in at.markdown) == 2  # catalogue and trend stay samples
    assert any("重庆" in f and "四川" in f for f in findings(at))  # two regions: the connected-share gap
    assert any("西藏政务" in f for f in findings(at))
    at.selectbox(key="data_sharing_region").set_value("510000").run()
    assert not at.exception
    assert any("四川的 7 个部门中有 1 个是孤岛：省档案馆" in f for f in findings(at))
    assert at.query_params["src_calls"] == ids["sharing_calls"]
    assert at.query_params["src_platforms"] == ids["platform_operations"]
