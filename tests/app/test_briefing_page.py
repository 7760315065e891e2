import pytest

from tests.app.helpers import open_view


@pytest.fixture
def page(app):
    return open_view(app, "briefing")


def test_defaults_offer_map_four_charts_and_drafted_findings(page):
    at = page
    assert any("示例数据 / sample data" in m.value for m in at.markdown)
    assert at.multiselect(key="briefing_charts").value == ["ranking", "macro", "trend", "channel_mix"]
    findings = at.text_area(key="briefing_findings_zh_2024").value
    assert "上海" in findings and len(findings.splitlines()) >= 3


def test_nothing_chosen_is_a_clear_warning(page):
    at = page
    at.selectbox(key="briefing_map").select_index(0)
    at.multiselect(key="briefing_charts").set_value([]).run()
    assert not at.exception
    assert at.warning[-1].value == "请至少选择一张地图或图表。"


def test_building_the_briefing_shows_a_preview_and_downloads(page):
    at = page
    at.selectbox(key="briefing_map").set_value("index_map")
    at.multiselect(key="briefing_charts").set_value(["macro"])
    at.text_input(key="briefing_title_zh").set_value("<b>测试简报</b> =1+1")
    at.button(key="briefing_generate").click().run(timeout=180)
    assert not at.exception, at.exception
    assert at.get("imgs") or at.get("image")
    page_html = at.session_state["briefing_built"][1]
    assert "&lt;b&gt;测试简报&lt;/b&gt;" in page_html and "<b>测试简报</b>" not in page_html
    # Built on the samples, so it says so: the page watermark in both languages and the footer line.
    assert "示例数据 / SAMPLE DATA" in page_html and "示例数据：由脚本生成" in page_html
    at.text_input(key="briefing_title_zh").set_value("改过的标题").run(timeout=180)
    assert any("请重新生成" in i.value for i in at.info)


def test_sections_follow_the_filters_last_set_on_their_pages(app):
    at = app.run()
    at.switch_page("views/regional.py").run()
    at.selectbox(key="regional_year").set_value(2019).run()
    at.selectbox(key="regional_ind").set_value("dgi_effect").run()
    at.switch_page("views/briefing.py").run()
    assert not at.exception
    at.selectbox(key="briefing_map").select_index(0)
    at.multiselect(key="briefing_charts").set_value(["ranking", "macro"])
    at.button(key="briefing_generate").click().run(timeout=180)
    assert not at.exception, at.exception
    page_html = at.session_state["briefing_built"][1]
    assert "排名前十的省份（2019 年）" in page_html  # regional page's year, not the briefing default
    assert "按“区域差距”页当前的筛选条件" in page_html
    assert "四大区域平均（2024 年）" in page_html  # overview never changed: its default year


def test_the_data_sharing_section_can_be_chosen_and_lands_in_the_briefing(page):
    at = page
    assert any("开放数据按时更新" in o for o in at.selectbox(key="briefing_map").options)
    assert any("最高与最低的地区" in o for o in at.multiselect(key="briefing_charts").options)
    at.selectbox(key="briefing_map").set_value("freshness_map")
    at.multiselect(key="briefing_charts").set_value(["freshness_ranking", "macro"])
    at.button(key="briefing_generate").click().run(timeout=180)
    assert not at.exception, at.exception
    page_html = at.session_state["briefing_built"][1]
    assert "开放数据按时更新的数据集占比（按省份，截至 2024-12-31）" in page_html  # the map's heading
    assert "开放数据按时更新占比：最高与最低的地区" in page_html  # the ranking's heading
    assert page_html.count("data:image/svg+xml") == 3  # map, ranking and macro drawn
    assert '<ul class="sec-findings">' in page_html and "47.0%" in page_html and "相差 54.1 个百分点" in page_html
    assert "示例数据：脚本生成的开放数据目录，参照日 2024-12-31" in page_html  # the sample label
