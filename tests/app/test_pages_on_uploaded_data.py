"""Every page renders on an analyst's stored dataset, chosen in the sidebar, without the sample notice."""

import polars as pl
import pytest

from digigov.datasets import load_builtin
from digigov.storage import DatasetStore


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return DatasetStore(tmp_path)


def save(store, kind, frame, name):
    return store.save(
        frame, name=name, source_file=f"{kind}.csv", shape="wide", column_mapping={}, meta={"kinds": [kind]}
    ).id


@pytest.mark.parametrize(
    ("page", "kind", "make"),
    [
        (
            "views/overview.py",
            "province_index",
            lambda: load_builtin("province_index").filter(pl.col("year") >= 2022).with_columns(pl.col("index") * 0.9),
        ),
        ("views/regional.py", "province_index", lambda: load_builtin("province_index").filter(pl.col("year") >= 2021)),
        (
            "views/channels.py",
            "city_channels",
            lambda: (
                load_builtin("city_channels")
                .filter(pl.col("year") == 2023)
                .group_by("adcode", "year")
                .agg(
                    pl.col(
                        "respondents", "web", "mobile_app", "self_service_terminal", "counter", "prefers_offline"
                    ).sum()
                )
            ),
        ),
    ],
)
def test_page_runs_on_uploaded_dataset(app, store, page, kind, make):
    dataset_id = save(store, kind, make(), "分析员上传 <b>x</b> [link](javascript:alert(1))")
    app.query_params["src"] = dataset_id
    at = app.run()
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not any("示例数据 / sample data" in m.value for m in at.markdown)
    notice = at.info[0].value
    assert "分析员上传" in notice and "<b>" not in notice and "](javascript" not in notice
    assert at.get("plotly_chart")
