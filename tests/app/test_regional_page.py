import pytest

from tests.app.helpers import CJK, chart_texts, open_view


@pytest.fixture
def regional(app):
    return open_view(app, "regional")


def markdown(at):
    return [m.value for m in at.markdown]


def test_renders_every_section_with_sample_notice(regional):
    at = regional
    assert at.title[0].value.startswith("区域差距")
    assert any("示例数据 / sample data" in w.value for w in at.warning)
    headers = [s.value for s in at.subheader]
    for expected in ("排名与较上年变化", "四大区域比较", "不平等程度", "空间集聚（LISA）", "省份维度画像"):
        assert expected in headers
    assert len(chart_texts(at)) == 9  # map, ranking, macro, theil, trend, sigma, beta, lisa, profile
    text = " ".join(markdown(at))
    assert "四大区域之间的差异占总体差异" in text and "β =" in text and "莫兰指数" in text
    assert [m.label for m in at.metric] == ["基尼系数", "泰尔指数", "变异系数", "最高/最低倍数"]
    assert len(at.dataframe) >= 8  # every chart has a table alternative, plus the Dagum and weights tables


def test_year_changes_figures_and_url(regional):
    at = regional
    gini_2024 = at.metric[0].value
    at.selectbox(key="regional_year").set_value(2018).run()
    assert not at.exception
    assert at.metric[0].value != gini_2024
    assert at.subheader[0].value.endswith("（2018 年）")
    assert at.query_params["year"] == "2018"


def test_indicator_switch_maps_a_dimension(regional):
    at = regional
    at.selectbox(key="regional_ind").set_value("dgi_effect").run()
    assert "治理效果" in chart_texts(at)[0]
    assert at.query_params["ind"] == "dgi_effect"


def test_profile_province_changes_the_profile(regional):
    at = regional
    before = chart_texts(at)[-1]
    at.selectbox(key="regional_profile").set_value("540000").run()
    assert chart_texts(at)[-1] != before
    assert at.query_params["profile"] == "540000"


def test_weights_and_normalisation_change_ranks(regional):
    at = regional
    assert any("完全相同" in m for m in markdown(at))
    at.slider(key="regional_w_effect").set_value(100).run()
    at.slider(key="regional_w_organisation").set_value(0).run()
    assert not at.exception
    assert any("名次发生变化" in m for m in markdown(at))
    assert at.query_params["w"] == "0,25,25,100"
    at.selectbox(key="regional_norm").set_value("zscore").run()
    assert not at.exception and at.query_params["norm"] == "zscore"


def test_all_zero_weights_is_a_clear_error_not_a_crash(regional):
    at = regional
    for name in ("organisation", "institutions", "capacity", "effect"):
        at.slider(key=f"regional_w_{name}").set_value(0)
    at.run()
    assert not at.exception
    assert at.error[0].value == "权重必须非负且不能全为零。"


def test_shared_link_opens_the_same_view(app):
    app.query_params.update({"year": "2020", "ind": "dgi_capacity", "w": "10,20,30,40", "norm": "none", "lang": "en"})
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert not at.exception
    assert at.selectbox(key="regional_year").value == 2020
    assert at.selectbox(key="regional_ind").value == "dgi_capacity"
    assert at.slider(key="regional_w_effect").value == 40
    assert at.selectbox(key="regional_norm").value == "none"
    assert at.title[0].value == "Regional gaps in digital government development"


def test_english_page_has_no_chinese_text(app):
    app.query_params["lang"] = "en"
    at = app.run()
    at.switch_page("views/regional.py").run()
    shown = [s.value for s in at.subheader] + markdown(at) + [m.label for m in at.metric]
    shown += [c.value for c in at.caption]
    assert [s for s in shown if CJK.search(s)] == []


def test_clicking_a_province_opens_its_prefecture_map(regional):
    at = regional
    at.session_state["regional_map_0"] = {
        "selection": {"points": [{"location": "510000"}], "point_indices": [0], "box": [], "lasso": []}
    }
    at.run()
    assert any(s.value.startswith("四川：指数") for s in at.subheader)
    assert any('"510100"' in s for s in chart_texts(at))
