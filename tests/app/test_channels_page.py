import polars as pl
import pytest

from digigov.datasets import load_builtin
from digigov.i18n import t
from tests.app.helpers import CJK, chart_specs, is_sample_notice, open_tables, open_view


@pytest.fixture
def page(app):
    return open_view(app, "channels")


def findings(at):
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def test_renders_map_findings_and_every_chart_with_a_table(page):
    at = page
    assert any("示例数据 / sample data" in m.value for m in at.markdown)
    assert len(chart_specs(at)) == 7  # map, distribution, mix, entity, category, trend, relation
    assert any("高 40.9 个百分点" in f for f in findings(at))
    map_spec = chart_specs(at)[0]
    main = [trace for trace in map_spec["data"] if trace.get("geo", "geo") == "geo"]
    drawn = {loc for trace in main for loc in trace.get("locations", [])}
    assert len(drawn) == 367  # every prefecture-level unit
    assert not at.dataframe  # only the open tab is drawn: the charts' tables wait for their tab
    open_tables(at)
    assert len(at.dataframe) >= 7
    assert len(chart_specs(at)) < 7  # the tabbed charts are not drawn while their tables are shown


def test_level_switch_draws_provinces(page):
    at = page
    assert "城市间分布与差距" in [h.value for h in at.header]
    at.selectbox(key="channels_level").set_value("province").run()
    assert not at.exception
    assert "省份间分布与差距" in [h.value for h in at.header]
    traces = chart_specs(at)[0]["data"]
    drawn = {loc for trace in traces if trace.get("geo", "geo") == "geo" for loc in trace.get("locations", [])}
    assert len(drawn) == 34
    assert any("省份" in f for f in findings(at))
    assert at.query_params["level"] == "province"


def test_year_filter_changes_findings(page):
    at = page
    before = findings(at)
    at.selectbox(key="channels_year").set_value(2022).run()
    assert findings(at) != before and any(f.startswith("- 2022 年") for f in findings(at))


def test_narrow_filters_flag_small_samples_and_suppress_tiny_cells(page):
    at = page
    at.multiselect(key="channels_entity").set_value(["individual"]).run()
    at.multiselect(key="channels_category").set_value(["permits"]).run()
    assert not at.exception
    names = {trace.get("name") for trace in chart_specs(at)[0]["data"]}
    assert "小样本（n&lt;30）" in names and "已抑制（n&lt;10）" in names  # plotly text is HTML: escaped
    assert at.query_params["entity"] == "individual" and at.query_params["category"] == "permits"
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    table = at.dataframe[0].value
    suppressed = table[table["标记"] == "已抑制"]
    assert len(suppressed) >= 1 and suppressed["线下偏好"].eq("—").all()
    assert suppressed["样本量"].isna().all()


def test_threshold_changes_which_units_are_flagged(page):
    at = page
    at.selectbox(key="channels_min_n").set_value(100).run()
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    table = at.dataframe[0].value
    assert (table["标记"] == "小样本").sum() >= 0
    assert at.query_params["min_n"] == "100"


def test_empty_filter_is_a_clear_error(page):
    at = page
    at.multiselect(key="channels_entity").set_value([]).run()
    assert not at.exception
    assert at.error[0].value == "请至少选择一个主体类型和一个服务类别。"


def test_mix_regions_selection(page):
    at = page
    at.multiselect(key="channels_mix").set_value(["330100"]).run()
    mix = chart_specs(at)[2]
    assert mix["data"][0]["y"] == ["全国", "杭州（浙江）"]


def test_english_page_has_no_chinese(app):
    app.query_params["lang"] = "en"
    at = app.run()
    at.switch_page("views/channels.py").run()
    shown = [s.value for s in at.header] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert [s for s in shown if CJK.search(s) and not is_sample_notice(s)] == []


# -- an analyst's data: free-text labels, weights, injected markup, the sample index labelled ---------------------
EVIL = "[click](http://evil.example) ![x](http://evil.example/a.png)"


def uploaded_channels() -> pl.DataFrame:
    rows = []
    for i, (adcode, n, weight) in enumerate(
        [("330100", 3, 5000.0), ("330200", 80, 1.0), ("330300", 60, 1.0), ("510100", 90, 1.0), ("990100", 40, 1.0)]
    ):
        web = n - n // 4
        rows.append(
            {
                "adcode": adcode,
                "year": 2024,
                "entity_type": "外资企业" if i % 2 else "個體工商戶",
                "service_category": EVIL if i % 2 else "跨境贸易",
                "respondents": n * weight,
                "web": web * weight,
                "mobile_app": 0.0,
                "self_service_terminal": 0.0,
                "counter": (n - web) * weight,
                "prefers_offline": (n // 3) * weight,
                "unweighted_n": n,
                "sum_weight_sq": n * weight**2,
            }
        )
    return pl.DataFrame(rows)


@pytest.fixture
def store(tmp_path, monkeypatch):
    from digigov.storage import DatasetStore

    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return DatasetStore(tmp_path)


def save(store, kind, frame, name):
    return store.save(
        frame, name=name, source_file=f"{kind}.csv", shape="wide", column_mapping={}, meta={"kinds": [kind]}
    ).id


def test_uploaded_free_text_weighted_data_render_escaped_and_protected(app, store):
    app.query_params["src"] = save(store, "city_channels", uploaded_channels(), "分析员上传")
    at = open_view(app, "channels")
    assert not at.error  # every label is outside the catalog: the page still works
    assert set(at.multiselect(key="channels_category").value) == {EVIL, "跨境贸易"}
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.header]
    assert not [s for s in shown if "](http" in s]
    assert any("990100" in c.value for c in at.caption)  # not on the map, and the page says so
    assert any("内置示例数据" in c.value and "上传" in c.value for c in at.caption)  # sample index beside an upload
    relation = chart_specs(at)[-1]
    assert any(a.get("text") == "示例指数" for a in relation["layout"].get("annotations", []))
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    table = at.dataframe[0].value
    hidden = table[table[t("column.adcode", "zh")] == "330100"]  # three records weighing 15,000: hidden
    assert hidden["样本量"].isna().all() and hidden["线下偏好"].eq("—").all()


def test_an_uploaded_index_replaces_the_sample_index(app, store):
    index = load_builtin("province_index").with_columns(pl.col("index") * 0.9)
    app.query_params["src"] = save(store, "city_channels", uploaded_channels(), "分析员上传")
    index_id = save(store, "province_index", index, "我的指数")
    at = open_view(app, "channels")
    at.sidebar.selectbox(key="channels_index").set_value(index_id).run()
    assert not at.exception
    assert not any("示例数据" in c.value for c in at.caption if "指数" in c.value)
    relation = chart_specs(at)[-1]
    assert not any(a.get("text") == "示例指数" for a in relation["layout"].get("annotations", []))
