import pytest

from tests.app.helpers import CJK, chart_specs, open_view


@pytest.fixture
def page(app):
    return open_view(app, "channels")


def findings(at):
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def test_renders_map_findings_and_every_chart_with_a_table(page):
    at = page
    assert any("示例数据 / sample data" in w.value for w in at.warning)
    assert len(chart_specs(at)) == 7  # map, distribution, mix, entity, category, trend, relation
    assert any("高 40.9 个百分点" in f for f in findings(at))
    assert len(at.dataframe) >= 7
    map_spec = chart_specs(at)[0]
    main = [trace for trace in map_spec["data"] if trace.get("geo", "geo") == "geo"]
    drawn = {loc for trace in main for loc in trace.get("locations", [])}
    assert len(drawn) == 367  # every prefecture-level unit


def test_level_switch_draws_provinces(page):
    at = page
    assert "城市间分布与差距" in [h.value for h in at.subheader]
    at.selectbox(key="channels_level").set_value("province").run()
    assert not at.exception
    assert "省份间分布与差距" in [h.value for h in at.subheader]
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
    table = at.dataframe[0].value
    suppressed = table[table["标记"] == "已抑制"]
    assert len(suppressed) >= 1 and suppressed["线下偏好"].eq("—").all()
    assert suppressed["样本量"].isna().all()


def test_threshold_changes_which_units_are_flagged(page):
    at = page
    at.selectbox(key="channels_min_n").set_value(100).run()
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
    shown = [s.value for s in at.subheader] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert [s for s in shown if CJK.search(s)] == []
