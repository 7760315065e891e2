import pytest

from tests.app.helpers import CJK, chart_texts, is_sample_notice, open_tables, open_view
from tests.apptest import new_session

CLICK_SICHUAN = {"selection": {"points": [{"location": "510000"}], "point_indices": [0], "box": [], "lasso": []}}


@pytest.fixture
def demand(app):
    return open_view(app, "demand")


def markdown(at):
    """The page's markdown after the sample notice (which comes first on sample data)."""
    return [m.value for m in at.markdown if not is_sample_notice(m.value)]


def subheaders(at):
    return [s.value for s in at.header]


def test_renders_every_section_with_sample_notice(demand):
    at = demand
    assert at.title[0].value.startswith("用户需求匹配")
    assert any(is_sample_notice(m.value) for m in at.markdown)
    headers = subheaders(at)
    assert headers[0] == "需求匹配缺口（2024 年，全部事项）"
    for expected in (
        "主要发现",
        "办事漏斗：西藏与全国",
        "未在网上办理的原因：西藏与全国",
        "潜在使用率与实际使用率",
        "优先行动清单（前 20 位）",
    ):
        assert expected in headers
    assert len(chart_texts(at)) == 5  # map, funnel, reasons, scatter, gap split
    # every chart has a table alternative, plus the priority list
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    assert len(at.dataframe) == 6
    findings = [m for m in markdown(at) if m.startswith("- ")]
    assert 3 <= len(findings) <= 5
    assert "需求匹配缺口" in findings[0] and "= 知晓缺口" in findings[0]
    assert at.selectbox(key="demand_region").value == "540000"  # default: the largest shortfall (西藏)
    priority = at.dataframe[-1].value
    assert len(priority) == 20 and set(priority["建议行动"]) <= {"加强宣传", "完善办事指引"}
    # a PNG under every chart, CSV and Excel under every table
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("下载 CSV") == labels.count("下载 Excel") == 6
    assert labels.count("下载 PNG") in (0, 5)  # 0 where the server has no Chromium (a caption says so)


def test_year_changes_figures_and_url(demand):
    at = demand
    before = markdown(at)[:3]
    at.selectbox(key="demand_year").set_value(2023).run()
    assert not at.exception
    assert subheaders(at)[0] == "需求匹配缺口（2023 年，全部事项）"
    assert markdown(at)[:3] != before and markdown(at)[0].startswith("- 2023 年全国")
    assert at.query_params["year"] == "2023"


def test_category_narrows_every_view(demand):
    at = demand
    at.selectbox(key="demand_cat").set_value("tax").run()
    assert not at.exception
    assert subheaders(at)[0] == "需求匹配缺口（2024 年，税务）"
    assert "全国（税务）" in markdown(at)[0]
    assert set(at.dataframe[-1].value["服务事项"]) == {"税务"}
    assert at.query_params["cat"] == "tax"


def test_level_switch_shows_prefectures(demand):
    at = demand
    at.selectbox(key="demand_level").set_value("prefecture").run()
    assert not at.exception
    assert at.query_params["level"] == "prefecture"
    assert '"330100"' in chart_texts(at)[0]  # the national map is drawn by prefecture
    assert "367 个地级单位中" in " ".join(markdown(at))
    region = at.selectbox(key="demand_region").value
    assert region and not region.endswith("0000")  # the default region is now a prefecture
    assert at.query_params["region"] == region
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    assert len(at.dataframe[0].value) == 367


def test_region_selection_changes_funnel_and_reasons(demand):
    at = demand
    funnel_before = chart_texts(at)[1]
    at.selectbox(key="demand_region").set_value("660000").run()  # 兵团: in tables and funnels, not on the map
    assert not at.exception
    assert "办事漏斗：兵团与全国" in subheaders(at)
    assert chart_texts(at)[1] != funnel_before
    assert at.query_params["region"] == "660000"


def test_map_click_selects_the_province_and_opens_its_prefectures(demand):
    at = demand
    at.session_state["demand_map_0"] = CLICK_SICHUAN
    at.run()
    assert not at.exception
    assert at.selectbox(key="demand_region").value == "510000"
    headers = subheaders(at)
    assert "四川各地级单位的需求匹配缺口" in headers and "办事漏斗：四川与全国" in headers
    assert any('"510100"' in s for s in chart_texts(at))
    assert at.query_params["province"] == "510000" and at.query_params["region"] == "510000"
    # the selectbox still works after a click: the click is not applied a second time
    at.selectbox(key="demand_region").set_value("520000").run()
    assert at.selectbox(key="demand_region").value == "520000"
    assert "四川各地级单位的需求匹配缺口" in subheaders(at)
    # back to the national map
    at.button(key="demand_back").click().run()
    assert not at.exception
    assert "province" not in at.query_params
    assert not any(h.endswith("各地级单位的需求匹配缺口") for h in subheaders(at))


def test_shared_link_opens_the_same_view(app):
    app.query_params.update(
        {"year": "2023", "cat": "permits", "level": "province", "region": "630000", "province": "630000"}
    )
    at = app.run()
    at.switch_page("views/demand.py").run()
    assert not at.exception
    assert at.selectbox(key="demand_year").value == 2023
    assert at.selectbox(key="demand_cat").value == "permits"
    assert at.selectbox(key="demand_level").value == "province"
    assert at.selectbox(key="demand_region").value == "630000"
    assert "青海各地级单位的需求匹配缺口" in subheaders(at)
    state = {k: at.query_params[k] for k in ("year", "cat", "level", "region", "province")}
    assert state == {"year": "2023", "cat": "permits", "level": "province", "region": "630000", "province": "630000"}


def test_url_round_trip_after_changes(demand):
    at = demand
    at.selectbox(key="demand_cat").set_value("social_insurance").run()
    at.selectbox(key="demand_level").set_value("prefecture").run()
    at.selectbox(key="demand_region").set_value("330100").run()
    at.selectbox(key="demand_year").set_value(2023).run()
    shown = (subheaders(at), markdown(at))
    link = {k: at.query_params[k] for k in ("year", "cat", "level", "region")}
    fresh = new_session()  # a new session, as a shared link opens
    fresh.query_params.update(link)
    fresh.run()
    fresh.switch_page("views/demand.py").run()
    assert not fresh.exception
    assert (subheaders(fresh), markdown(fresh)) == shown


def test_bad_url_values_fall_back_to_defaults(app):
    app.query_params.update(
        {"year": "1999", "cat": "<script>", "level": "county", "region": "999999", "province": "660000"}
    )
    at = app.run()
    at.switch_page("views/demand.py").run()
    assert not at.exception
    assert at.selectbox(key="demand_year").value == 2024
    assert at.selectbox(key="demand_cat").value == "all"
    assert at.selectbox(key="demand_level").value == "province"
    assert at.selectbox(key="demand_region").value == "540000"
    assert "province" not in at.query_params  # 兵团 has no prefecture map


def test_english_page_has_no_chinese_text(app):
    app.query_params["lang"] = "en"
    at = app.run()
    at.switch_page("views/demand.py").run()
    at.session_state["demand_map_0"] = CLICK_SICHUAN
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Demand matching")
    shown = [at.title[0].value, *subheaders(at), *markdown(at), *(c.value for c in at.caption)]
    for box in at.selectbox:
        shown += [box.label, *box.options]
    for frame in at.dataframe:
        table = frame.value
        shown += [str(c) for c in table.columns]
        shown += [v for c in table.columns for v in table[c] if isinstance(v, str)]
    shown += [s for s in chart_texts(at)]  # chart labels, hover texts, legends
    assert [s for s in shown if CJK.search(s) and not is_sample_notice(s)] == []
    assert any(is_sample_notice(m.value) for m in at.markdown)  # the bilingual notice is the one exception


# ---------------------------------------------------------------------------------------------------------------
# An analyst's stored dataset instead of the samples
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path, monkeypatch):
    from digigov.storage import DatasetStore

    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return DatasetStore(tmp_path)


def open_upload(store, frame, name="分析员上传 <b>x</b>"):
    dataset_id = store.save(
        frame, name=name, source_file="demand.csv", shape="wide", column_mapping={}, meta={"kinds": ["demand_funnel"]}
    ).id
    at = new_session()
    at.query_params["src"] = dataset_id
    at.run()
    at.switch_page("views/demand.py").run()
    return at


def test_runs_on_a_full_upload(store):
    import polars as pl

    from digigov.datasets import load_builtin

    upload = load_builtin("demand_funnel").filter(pl.col("year") == 2023).drop("level")
    at = open_upload(store, upload)
    assert not at.exception, at.exception
    assert not any("示例数据 / sample data" in m.value for m in at.markdown)
    assert "分析员上传" in at.info[0].value
    assert at.selectbox(key="demand_year").options == ["2023"]
    assert len(chart_texts(at)) == 5
    assert "示例数据" not in chart_texts(at)[0]  # no sample watermark on an analyst's data


def test_runs_on_a_minimal_upload_without_entities_stages_or_reasons(store):
    import polars as pl

    from digigov.datasets import load_builtin

    upload = (
        load_builtin("demand_funnel")
        .filter(pl.col("level") == "province")
        .select("adcode", "year", "service_category", "respondents", "need", "aware", "used")
    )
    at = open_upload(store, upload)
    assert not at.exception, at.exception
    assert "数据中没有记录未网办原因。" in [i.value for i in at.info]
    assert at.selectbox(key="demand_level").options == ["省级"]  # no prefecture rows in this file
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    funnel = at.dataframe[1].value
    assert funnel["阶段"].to_list() == ["有需求", "知晓可网办", "网上办理"]  # no 0 % for stages never asked
    priority = at.dataframe[-1].value
    assert "优先级得分（估计未网办主体数）" not in priority.columns
    assert any("按缺口排序" in m for m in markdown(at))


def test_runs_on_an_odd_upload_and_escapes_its_text(store):
    """Three provinces, one year, a null, weights, a free-text category with a link and an image, 税务 and tax
    side by side, a unit not on the map, and non-users who gave no reason."""
    import polars as pl

    from tests.factories import demand_row

    def row(adcode, category, n, need, aware, used):
        return demand_row(adcode, "province", 2024, category, n * 10, n, need, aware, used, used, used)

    hostile = "**[点我](http://evil.example)** ![x](http://evil.example/x.png) <b>x</b>"
    rows = [
        row(a, c, n, need, aware, used)
        for c in ("税务", "tax", hostile)
        for a, n, need, aware, used in (
            ("510000", 400, 300, 250, 200),
            ("440000", 500, 300, 260, 200),
            ("999999", 600, 400, 300, 250),
        )
    ]
    upload = (
        pl.DataFrame(rows)
        .with_columns(pl.col(c) * 0 for c in ("reason_no_guidance", "reason_other", "reason_unaware"))
        .with_columns(
            (pl.col("respondents") * 1.5).alias("respondents"),
            pl.col("respondents").alias("unweighted_n"),
            pl.when(pl.col("adcode") == "440000").then(None).otherwise(pl.col("used")).alias("used"),
        )
        .drop("level")
    )
    at = open_upload(store, upload)
    assert not at.exception, at.exception
    assert at.selectbox(key="demand_cat").options[:2] == ["全部事项", "税务"]
    at.selectbox(key="demand_cat").set_value(at.selectbox(key="demand_cat").options[2]).run()
    assert not at.exception, at.exception
    shown = [*markdown(at), *subheaders(at), *(c.value for c in at.caption)]
    assert not any("](http" in s for s in shown)  # every user text escaped: no link, no image
    assert any(r"\[点我\]" in s for s in shown)  # but shown with its own text
    assert any("没有地图边界" in c.value for c in at.caption)
    assert any("未计入" in c.value for c in at.caption)  # the rows with a null count are said to be left out
    assert "数据中没有记录未网办原因。" in [i.value for i in at.info]
