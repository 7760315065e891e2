from digigov.i18n import t
from tests.app.helpers import CJK, chart_texts, is_sample_notice


def texts(at):
    parts = [e.value for e in at.title] + [e.value for e in at.header] + [e.value for e in at.markdown]
    parts += [m.label for m in at.metric] + [e.value for e in at.caption]
    return parts


def test_overview_renders_in_chinese_with_sample_notice_kpis_map_and_findings(app):
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "总览"
    assert any("示例数据 / sample data" in m.value for m in at.markdown)
    assert len(at.metric) == 5
    assert at.metric[1].label.startswith("最高：上海")
    findings = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(findings) >= 3 and any("个百分点" in f for f in findings)
    specs = chart_texts(at)
    assert len(specs) == 2  # national map + macro-region bar
    assert '"南海诸岛"' in specs[0] and '"conic equal area"' in specs[0]


def test_overview_in_english_shows_no_chinese_outside_the_bilingual_notice(app):
    app.query_params["lang"] = "en"
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    leaked = [s for s in texts(at) if CJK.search(s) and not is_sample_notice(s)]
    assert leaked == []
    assert at.metric[1].label == "Highest: Shanghai"


def test_language_switch_changes_the_page_and_the_url(app):
    at = app.run()
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_year_and_indicator_change_map_kpis_and_url(app):
    at = app.run()
    latest_mean = at.metric[0].value
    at.selectbox(key="overview_year").set_value(2018).run()
    assert not at.exception
    assert at.metric[0].value != latest_mean
    assert at.header[0].value == t("overview.map_header", "zh", year=2018)
    at.selectbox(key="overview_ind").set_value("dgi_effect").run()
    spec = chart_texts(at)[0]
    assert "治理效果" in spec
    assert str(at.query_params["ind"]).strip("[]'\"") == "dgi_effect"


def test_url_state_opens_the_same_view(app):
    app.query_params["year"] = "2020"
    app.query_params["ind"] = "dgi_capacity"
    at = app.run()
    assert at.selectbox(key="overview_year").value == 2020
    assert at.selectbox(key="overview_ind").value == "dgi_capacity"


def test_bad_url_values_fall_back_to_defaults(app):
    app.query_params["year"] = "abc"
    app.query_params["ind"] = "<script>"
    app.query_params["province"] = "999999"
    at = app.run()
    assert not at.exception
    assert at.selectbox(key="overview_ind").value == "dgi_index"


def test_clicking_a_province_with_city_data_opens_its_prefecture_map(app):
    at = app.run()
    at.session_state["overview_map_0"] = {
        "selection": {"points": [{"location": "330000"}], "point_indices": [0], "box": [], "lasso": []}
    }
    at.run()
    assert not at.exception
    assert any(s.value.startswith("浙江：指数") for s in at.header)
    specs = chart_texts(at)
    assert len(specs) == 3 and '"330100"' in specs[2]
    at.button(key="overview_back").click().run()
    assert not any(s.value.startswith("浙江：指数") for s in at.header)


def test_province_without_city_data_says_so(app):
    app.query_params["province"] = "540000"
    at = app.run()
    assert not at.exception
    assert any("西藏暂无地级市数据" in i.value for i in at.info)
