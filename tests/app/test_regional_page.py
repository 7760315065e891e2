import polars as pl
import pytest

from digigov.datasets import load_builtin
from digigov.storage import DatasetStore
from tests.app.helpers import CJK, chart_texts, is_sample_notice, open_tables, open_view


@pytest.fixture
def regional(app):
    return open_view(app, "regional")


def markdown(at):
    return [m.value for m in at.markdown]


def test_renders_every_section_with_sample_notice(regional):
    at = regional
    assert at.title[0].value.startswith("区域差距")
    assert any("示例数据 / sample data" in m.value for m in at.markdown)
    headers = [s.value for s in at.header]
    for expected in ("排名与较上年变化", "四大区域比较", "不平等程度", "空间集聚（LISA）", "省份维度画像"):
        assert expected in headers
    assert len(chart_texts(at)) == 10  # map, ranking, tiers, macro, theil, trend, sigma, beta, lisa, profile
    text = " ".join(markdown(at))
    assert "四大区域之间的差异占总体差异" in text and "β =" in text and "莫兰指数" in text
    assert [m.label for m in at.metric] == ["基尼系数", "泰尔指数", "变异系数", "最高/最低倍数"]
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    assert len(at.dataframe) >= 8  # every chart has a table alternative, plus the Dagum and weights tables


def test_year_changes_figures_and_url(regional):
    at = regional
    gini_2024 = at.metric[0].value
    at.selectbox(key="regional_year").set_value(2018).run()
    assert not at.exception
    assert at.metric[0].value != gini_2024
    assert at.header[0].value.endswith("（2018 年）")
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
    shown = [s.value for s in at.header] + markdown(at) + [m.label for m in at.metric]
    shown += [c.value for c in at.caption]
    assert [s for s in shown if CJK.search(s) and not is_sample_notice(s)] == []


def test_clicking_a_province_opens_its_prefecture_map(regional):
    at = regional
    at.session_state["regional_map_0"] = {
        "selection": {"points": [{"location": "510000"}], "point_indices": [0], "box": [], "lasso": []}
    }
    at.run()
    assert any(s.value.startswith("四川：指数") for s in at.header)
    assert any('"510100"' in s for s in chart_texts(at))
    # Its cities ranked against their peers nationwide: 成都 among the sub-provincial cities.
    peers = next(d.value for d in at.dataframe if "同类城市组" in d.value.columns)
    chengdu = peers[peers["地区"] == "成都"].iloc[0]
    assert chengdu["同类城市组"] == "副省级城市" and chengdu["组内排名"].endswith("/ 5")


# -- tiers, ties and the ranking check (issue 15, part 3) ---------------------------------------------------------
def tier_chart(at):
    return next(c for c in chart_texts(at) if "追赶型" in c or "Catching-up" in c)


def test_tiers_are_shown_with_quantile_bands_by_default(regional):
    at = regional
    assert "发展梯队" in [s.value for s in at.header]
    assert any("五分位数" in c.value and "不是该报告的标准" in c.value for c in at.caption)
    assert any("竞赛排名法" in c.value for c in at.caption)
    chart = tier_chart(at)
    for name in ("引领型", "优质型", "特色型", "发展型", "追赶型"):
        assert name in chart
    assert "tiermode" in at.query_params and "bands" not in at.query_params


def test_band_widgets_change_the_tier_map_and_the_url(regional):
    at = regional
    before = tier_chart(at)
    at.selectbox(key="regional_tiermode").set_value("custom").run()
    assert not at.exception
    for key, value in zip(
        ("regional_band_1", "regional_band_2", "regional_band_3", "regional_band_4"), (95, 90, 85, 80), strict=True
    ):
        at.number_input(key=key).set_value(value)
    at.run()
    assert not at.exception
    assert at.query_params["tiermode"] == "custom" and at.query_params["bands"] == "95,90,85,80"
    assert tier_chart(at) != before
    assert any("用户设定的分数线" in c.value and "引领型 ≥ 95.0" in c.value for c in at.caption)
    at.selectbox(key="regional_tiermode").set_value("quantile").run()
    assert "bands" not in at.query_params


def test_shared_link_opens_the_same_bands(app):
    app.query_params.update({"tiermode": "custom", "bands": "92,88,80,70", "lang": "en"})
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert not at.exception
    assert at.number_input(key="regional_band_1").value == 92
    assert at.number_input(key="regional_band_4").value == 70
    assert any("bands you set" in c.value and "Leading ≥ 92.0" in c.value for c in at.caption)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return DatasetStore(tmp_path)


def save(store, kind, frame, name):
    return store.save(
        frame, name=name, source_file=f"{kind}.csv", shape="wide", column_mapping={}, meta={"kinds": [kind]}
    ).id


def test_a_tiers_only_upload_renders_tiers_and_says_why_the_rest_is_absent(app, store):
    tiers = pl.DataFrame(
        {
            "adcode": ["310000", "330000", "110000", "510000", "540000"],
            "year": [2024] * 5,
            "tier": [1, 1, 2, 3, 5],
            "row": [2, 3, 4, 5, 6],
        },
        schema_overrides={"year": pl.Int32, "tier": pl.Int32},
    )
    app.query_params["src"] = save(store, "province_tiers", tiers, "软件评测中心梯队")
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert not at.exception, at.exception
    assert not any("示例数据 / sample data" in m.value for m in at.markdown)
    assert any("只有梯队" in i.value for i in at.info)
    assert len(chart_texts(at)) == 1 and "引领型" in tier_chart(at)
    assert any("未按得分重新分档" in c.value for c in at.caption)
    headers = [s.value for s in at.header]
    for expected in ("发展梯队", "排名与较上年变化", "四大区域比较", "不平等程度", "空间集聚（LISA）", "省份维度画像"):
        assert expected in headers
    assert sum("此项需要各维度得分" in i.value for i in at.info) == 9
    open_tables(at)  # only the open tab is drawn: the tables' tabs
    assert at.dataframe and at.dataframe[0].value.shape[0] == 5


def test_an_uploaded_ranking_that_contradicts_its_scores_is_flagged(app, store):
    index = load_builtin("province_index").filter(pl.col("year") >= 2023)
    stated = index.with_columns(
        pl.col("index").rank(method="min", descending=True).over("year").cast(pl.Float64).alias("stated_rank"),
        pl.int_range(2, index.height + 2).cast(pl.Int64).alias("row"),
    ).with_columns(  # 上海 and 浙江 swapped in 2024
        pl.when((pl.col("year") == 2024) & pl.col("adcode").is_in(["310000", "330000"]))
        .then(3 - pl.col("stated_rank"))
        .otherwise(pl.col("stated_rank"))
        .alias("stated_rank")
    )
    app.query_params["src"] = save(store, "province_index", stated, "排名表")
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert not at.exception, at.exception
    warning = next(w.value for w in at.warning if "矛盾" in w.value)
    assert "浙江（第 1 名，得分 89.5）排在" in warning and "上海（第 2 名，得分 91.0）之前" in warning
