"""The data sharing and openness page in AppTest: samples in zh and en (sample notices, the article's fact,
every chart with a table), and an analyst's uploaded catalogue stored with DatasetStore."""

from __future__ import annotations

import datetime as dt

import pytest

from digigov.ingest.catalogue import read_catalogue
from digigov.storage import DatasetStore
from tests.app.helpers import chart_specs, open_view
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"


def findings(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def test_samples_in_chinese(app):
    at = open_view(app, "data_sharing")
    assert sum("示例数据 / sample data" in w.value for w in at.warning) == 4  # one per section's data source
    assert any("超过一半" in f and "2024-12-31" in f for f in findings(at))
    assert any("孤岛" in f for f in findings(at)) and any("Q3 + 1.5 × IQR" in f for f in findings(at))
    specs = chart_specs(at)
    assert len(specs) == 9  # map, status, ranking, trend, matrix, connected map and ranking, scatter, cost
    drawn = {
        loc for trace in specs[0]["data"] if trace.get("geo", "geo") == "geo" for loc in trace.get("locations", [])
    }
    assert len(drawn) == 34
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
    assert sum("示例数据 / sample data" in w.value for w in at.warning) == 3  # the other sections stay samples
    at.date_input(key=f"data_sharing_reference_{dataset.id}").set_value(dt.date(2024, 12, 31)).run()
    assert not at.exception
    # 5 datasets with a fixed frequency: 2024-12-20 monthly, 2024-12-31 daily, 2024-09-01 yearly on schedule;
    # 2024-06-03 quarterly (211 days) and 2023-01-15 yearly (716 days) overdue -> 3 of 5; 1 irregular apart
    first = findings(at)[0]
    assert "5 个" in first and "3 个（60.0%）" in first and "1 个“不定期”" in first
    drawn = {loc for t in chart_specs(at)[0]["data"] for loc in t.get("locations", []) if t.get("z") is not None}
    assert "330000" in drawn
