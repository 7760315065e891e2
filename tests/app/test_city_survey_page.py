"""A city survey's published table (省份, 城市, 年份, 样本量, 倾向线下办理占比, 知晓率, 线上办理率; GB18030, a 兵团 row
without a city) in AppTest: it saves from the upload page and the channels page shows its cities on the map and in a
table. Also the file's own 全国 row beside the map, and one click for every reliable region suggestion."""

from pathlib import Path

import pytest

from tests.app.helpers import accept_button, chart_texts, upload_page

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture
def upload(app, tmp_path, monkeypatch):
    return upload_page(app, tmp_path, monkeypatch, REAL)


@pytest.mark.parametrize("name", ["values_survey_city_gb18030.csv", "regions_city_survey_gb18030.csv"])
def test_the_city_survey_table_saves_and_is_drawn_on_the_channels_page(upload, name):
    at = upload(name)
    assert not accept_button(at).disabled
    assert any("城市调查：线下办理偏好" in c.value for c in at.caption)  # the page it will appear on
    accept_button(at).click().run()
    assert any(s.value.startswith("已保存") for s in at.success)
    (record,) = upload.store.list()
    assert record.meta["kinds"] == ["city_preference"]
    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception
    assert any(s.value == "城市调查：倾向线下办理的比例" for s in at.header)
    texts = [m.value.replace("\\", "") for m in at.markdown]
    assert any("倾向线下办理比例最高的是" in s for s in texts)
    frames = [d.value for d in at.dataframe]
    survey = next(f for f in frames if "倾向线下办理" in f.columns and "95% 置信区间" in f.columns)
    assert len(survey) == record.row_count and "" not in survey["倾向线下办理"].tolist()
    assert any('"type": "choropleth"' in text and "线下办理偏好占比" in text for text in chart_texts(at))


def test_a_small_city_shows_no_share_and_is_left_out_of_the_comparison(upload):
    rows = ["杭州市,2023,400,30%", "宁波市,2023,380,28%", "温州市,2023,8,50%", "舟山市,2023,25,40%"]
    at = upload("small.csv", ("城市,年份,样本量,倾向线下办理占比\n" + "\n".join(rows) + "\n").encode("gb18030"))
    accept_button(at).click().run()
    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception
    survey = next(d.value for d in at.dataframe if "95% 置信区间" in d.value.columns)
    by_city = dict(zip(survey["地区"], survey["倾向线下办理"], strict=True))
    # 8 respondents: hidden; 25: shown, flagged
    assert by_city["温州 · 浙江"] == "" and by_city["舟山 · 浙江"] == "40.0%"
    texts = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert "2 个地区中" in texts and "另有 2 个地区样本少于 30 人" in texts
    assert "区间重叠" in texts  # 30% of 400 against 28% of 380: not told apart


def test_the_files_national_row_is_shown_beside_the_overview_map_and_not_counted_as_a_region(upload):
    provinces = ["北京", "天津", "河北", "山西", "上海", "江苏", "浙江", "广东"]
    rows = [f"{p},2024,{60 + i},{61 + i},{62 + i},{63 + i},{61.5 + i}" for i, p in enumerate(provinces)]
    rows.append("全国,2024,70.1,70.2,70.3,70.4,70.25")
    header = "省份,年份,组织机构,制度体系,治理能力,治理效果,数字政府发展指数\n"
    at = upload("scores.csv", (header + "\n".join(rows) + "\n").encode("gb18030"))
    accept_button(at).click().run()
    (record,) = upload.store.list()
    assert record.meta["reference"][0]["kind"] == "national"
    at.switch_page("views/overview.py").run()
    at.selectbox(key="overview_src").set_value(record.id).run()
    assert not at.exception, at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any(c.startswith("文件中的全国值（第 10 行“全国”，2024 年）：70.2 分") for c in captions)
    assert not any("全国" in m.value and "最高" in m.value for m in at.markdown)  # not ranked among the regions


def test_one_click_accepts_every_reliable_region_suggestion(upload):
    rows = ["浙江,杭洲,2023,300,30%", "广东,广洲,2023,300,28%", "四川,成都,2023,300,33%"]
    csv = "省份,城市,年份,样本量,倾向线下办理占比\n" + "\n".join(rows) + "\n"
    at = upload("typos.csv", csv.encode("gb18030"))
    assert accept_button(at).disabled  # two unknown names
    button = next(b for b in at.button if b.key and b.key.startswith("upload_regions_all"))
    assert button.label == "全部采用建议（2 个地区名）"
    button.click().run()
    assert not at.exception, at.exception
    assert not accept_button(at).disabled
    accept_button(at).click().run()
    (record,) = upload.store.list()
    assert sorted(upload.store.load(record.id)["adcode"].to_list()) == ["330100", "440100", "510100"]
