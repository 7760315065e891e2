"""A sample chart without an on-screen watermark loses the toolbar camera (which saves what is on screen, unmarked);
the page's PNG button exports it watermarked. Maps carry their watermark and keep it; uploaded data keep it too."""

import json

import polars as pl

from digigov.datasets import load_builtin
from digigov.storage import DatasetStore


def cameras(at) -> list[bool]:
    """For every plotly chart on the page: does its toolbar keep the camera?"""
    return ["toImage" not in json.loads(c.proto.config)["modeBarButtonsToRemove"] for c in at.get("plotly_chart")]


def test_sample_charts_without_a_watermark_have_no_camera(app):
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert not at.exception
    kept = cameras(at)
    assert kept[0] is True  # the map: watermarked on screen
    assert kept.count(False) >= 4  # ranking, macro strip, trend, convergence ...


def test_uploaded_charts_keep_the_camera(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    frame = load_builtin("province_index").filter(pl.col("year") >= 2022)
    record = DatasetStore(tmp_path).save(
        frame, name="上传", source_file="x.csv", shape="wide", column_mapping={}, meta={"kinds": ["province_index"]}
    )
    app.query_params["src"] = record.id
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert not at.exception
    assert all(cameras(at))


def test_charts_link_to_their_methods_entries(app):
    """Each chart named in the methods table carries its links (deep links by anchor) under it."""
    from digigov.presenters.methods import chart_links

    at = app.run()
    at.switch_page("views/regional.py").run()
    captions = [c.value for c in at.caption]
    for chart in ("map", "ranking", "theil", "sigma", "beta", "lisa"):
        assert chart_links("regional", chart, "zh") in captions, chart
    assert any("](methods#lisa)" in c for c in captions)
