"""The upload page's platform tab (issue 14): with DIGIGOV_RECORDS_LOCATION (or _TABLE) set, a saved upload of the
same log lends its column mapping, the engine aggregates the platform's records in place, and the counts are
saved as a dataset the channels page reads."""

from __future__ import annotations

from polars.testing import assert_frame_equal

from digigov.storage import DatasetStore
from tests.engines.records import write_parts
from tests.factories import as_written, csv_text, raw_channel_rows, saved_template


def test_the_platform_tab_aggregates_the_log_in_place_and_saves_the_counts(app, tmp_path, monkeypatch):
    data = csv_text(raw_channel_rows(600, seed=11)).encode("utf-8")
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path / "data"))
    store = DatasetStore(tmp_path / "data")
    template, upload = saved_template(store, data, "survey.csv")
    monkeypatch.setenv("DIGIGOV_RECORDS_LOCATION", write_parts(as_written(data), tmp_path / "parts").location)
    at = app.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, at.exception
    assert [tab.label for tab in at.tabs][-1] == "平台数据表"
    assert at.selectbox(key="upload_platform_template").value == template.id
    at.button(key="upload_platform_run").click().run()
    assert not at.exception, at.exception
    assert not [e for e in at.error], [e.value for e in at.error]
    at.button(key="upload_platform_save").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("已保存") for s in at.success)
    (saved,) = [r for r in store.list() if (r.meta or {}).get("platform_template") == template.id]
    assert saved.meta["kinds"] == ["city_channels"] and saved.meta["visibility"] == "private"
    keys = ["adcode", "year", "entity_type", "service_category"]
    counts = store.load(saved.id)
    assert_frame_equal(
        counts.select(upload.aggregated.columns).sort(keys), upload.aggregated.sort(keys), check_dtypes=False
    )
    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception


def test_a_log_with_a_label_the_upload_never_had_is_reported_and_nothing_saved(app, tmp_path, monkeypatch):
    data = csv_text(raw_channel_rows(200, seed=2)).encode("utf-8")
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path / "data"))
    store = DatasetStore(tmp_path / "data")
    saved_template(store, data, "survey.csv")
    log = as_written(data).with_columns(as_written(data)["主要办理渠道"].scatter(5, "传真").alias("主要办理渠道"))
    monkeypatch.setenv("DIGIGOV_RECORDS_LOCATION", write_parts(log, tmp_path / "parts").location)
    at = app.run()
    at.switch_page("views/upload.py").run()
    at.button(key="upload_platform_run").click().run()
    assert not at.exception, at.exception
    assert any("传真" in e.value for e in at.error)
    assert "upload_platform_save" not in [b.key for b in at.button]
    assert len(store.list()) == 1


def test_without_the_setting_the_tab_is_not_offered(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DIGIGOV_RECORDS_LOCATION", raising=False)
    monkeypatch.delenv("DIGIGOV_RECORDS_TABLE", raising=False)
    at = app.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, at.exception
    assert "平台数据表" not in [tab.label for tab in at.tabs]
