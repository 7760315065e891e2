import polars as pl

from digigov.datasets import load_builtin
from digigov.sources import BUILTIN, list_sources, load_source, matching_kinds
from digigov.storage import DatasetStore


def test_matching_kinds_by_required_columns():
    assert matching_kinds(load_builtin("province_index").columns) == ["province_index"]
    assert "city_channels" in matching_kinds(load_builtin("city_channels").columns)
    assert matching_kinds(["adcode", "year"]) == []


def test_stored_dataset_stands_in_for_the_sample(tmp_path):
    store = DatasetStore(tmp_path)
    mine = load_builtin("province_index").with_columns(pl.col("index") + 1)
    record = store.save(
        mine, name="我的指数", source_file="x.csv", shape="wide", column_mapping={}, meta={"kinds": ["province_index"]}
    )
    sources = list_sources("province_index", store)
    assert [s.id for s in sources] == [BUILTIN, record.id]
    assert list_sources("city_channels", store)[1:] == []
    loaded = load_source("province_index", record.id, store)
    assert loaded["index"].sum() == mine["index"].sum()


def test_missing_optional_columns_get_neutral_defaults(tmp_path):
    store = DatasetStore(tmp_path)
    frame = load_builtin("city_channels").drop("entity_type", "service_category").head(100)
    record = store.save(
        frame, name="raw", source_file="r.csv", shape="raw", column_mapping={}, meta={"kinds": ["city_channels"]}
    )
    loaded = load_source("city_channels", record.id, store)
    assert set(loaded["entity_type"].unique()) == {"all"}
