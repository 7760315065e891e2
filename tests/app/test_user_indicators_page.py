"""An NBS export of an indicator the catalog does not have (宽带接入用户, 万户) in AppTest: the upload page offers it as
the analyst's own indicator, saves it only once confirmed, and the regional page draws, ranks and compares it."""

from pathlib import Path

import pytest

from digigov.user_indicators import KIND, stored_indicators
from tests.app.helpers import accept_button, chart_texts, upload_page

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture
def uploaded(app, tmp_path, monkeypatch):
    return upload_page(app, tmp_path, monkeypatch, REAL)


def form_key(at, what: str) -> str:
    return next(w.key for w in [*at.checkbox, *at.text_input, *at.selectbox] if w.key and w.key.endswith(what))


@pytest.mark.parametrize("name", ["layout_nbs_broadband_provinces.csv", "layout_nbs_broadband_provinces.xlsx"])
def test_an_nbs_export_is_saved_as_the_analysts_indicator_once_confirmed(uploaded, name):
    at = uploaded(name)
    assert any(s.value == "未收录的指标" for s in at.header)
    assert any(e.label.replace("\\", "").startswith("宽带接入用户(万户)：31 个地区、10 个年份") for e in at.expander)
    assert at.text_input(key=form_key(at, "_nzh")).value == "宽带接入用户"
    assert at.text_input(key=form_key(at, "_uzh")).value == "万户"
    assert at.text_input(key=form_key(at, "_src")).value == "国家统计局"
    assert accept_button(at).disabled  # not confirmed yet: nothing can be saved
    at.text_input(key=form_key(at, "_nen")).input("Broadband subscribers").run()
    at.text_input(key=form_key(at, "_uen")).input("10,000 households").run()
    at.selectbox(key=form_key(at, "_pol")).set_value("higher_better").run()
    at.checkbox(key=form_key(at, "_confirm")).check().run()
    assert not at.exception, at.exception
    assert not accept_button(at).disabled
    accept_button(at).click().run()
    assert any(s.value.startswith("已保存") for s in at.success)
    (item,) = stored_indicators(uploaded.store)
    assert (item.spec.name_zh, item.spec.name_en, item.spec.unit_zh, item.spec.polarity) == (
        "宽带接入用户",
        "Broadband subscribers",
        "万户",
        "higher_better",
    )
    assert uploaded.store.get(item.dataset_id).meta["kinds"] == [KIND]
    values = uploaded.store.load(item.dataset_id)
    assert values.height == 309 and values["adcode"].n_unique() == 31  # Tibet 2013 was empty in the file

    at.switch_page("views/regional.py").run()
    assert not at.exception, at.exception
    assert any(s.value == "与其他指标对照" for s in at.header)
    sentences = [m.value.replace("\\", "") for m in at.markdown]
    assert any("宽带接入用户最高的是" in s and "万户" in s for s in sentences)
    assert any("r = " in s and "95% 置信区间" in s for s in sentences)
    texts = chart_texts(at)
    drawn = [text for text in texts if "宽带接入用户" in text]
    assert len(drawn) == 2 and all("万户" in text for text in drawn)  # its map, and the index against it
    assert any('"type": "choropleth"' in text for text in drawn)
    assert any('"type": "bar"' in text and '"text": "万户"' in text for text in texts)  # its ranking


def test_a_name_left_empty_blocks_the_save_with_a_reason(uploaded):
    at = uploaded("layout_nbs_broadband_provinces.csv")
    at.text_input(key=form_key(at, "_nzh")).input("").run()
    at.checkbox(key=form_key(at, "_confirm")).check().run()
    assert any(w.value == "请填写中文名称。" for w in at.warning)
    assert accept_button(at).disabled
    assert not stored_indicators(uploaded.store)


def test_a_wide_table_with_a_column_not_in_the_catalog_offers_it(uploaded):
    csv = "序号,省份,年份,人均政务支出(元)\n" + "".join(
        f"{i},{p},2023,{100 + 7 * i}\n" for i, p in enumerate(["北京", "天津", "河北", "山西", "上海", "江苏"], 1)
    )
    at = uploaded("spending.csv", csv.encode("gb18030"))
    report = at.dataframe[0].value
    assert any("“人均政务支出(元)”是数值列，但不在指标目录中" in m for m in report["问题"])  # and what to do
    labels = [e.label.replace("\\", "") for e in at.expander]
    assert any(label.startswith("人均政务支出(元)：6 个地区") for label in labels)
    assert not any(label.startswith("序号") for label in labels)  # a row number is no indicator
    at.checkbox(key=form_key(at, "_confirm")).check().run()
    accept_button(at).click().run()
    (item,) = stored_indicators(uploaded.store)
    assert item.spec.unit_zh == "元" and item.spec.name_zh == "人均政务支出"
    at.switch_page("views/regional.py").run()
    assert not at.exception, at.exception
    # six provinces: enough for r, and the sentence states only what the interval says
    assert any("人均政务支出" in m.value and "r = " in m.value.replace("\\", "") for m in at.markdown)


def test_the_regional_page_says_how_to_get_an_indicator_when_none_is_saved(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    at = app.run()
    at.switch_page("views/regional.py").run()
    assert any(i.value.startswith("还没有保存的自定义指标") for i in at.info)


def test_the_exports_national_row_is_saved_with_the_indicator_and_shown_beside_its_map(uploaded):
    lines = (REAL / "layout_nbs_broadband_provinces.csv").read_bytes().decode("gbk").split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("地区,"))
    lines.insert(header + 1, "全国,45000.0,43000.0,41000.0,39000.0,37000.0,35000.0,33000.0,31000.0,29000.0,27000.0")
    at = uploaded("nbs_national.csv", "\n".join(lines).encode("gbk"))
    at.checkbox(key=form_key(at, "_confirm")).check().run()
    accept_button(at).click().run()
    assert not at.exception, at.exception
    (item,) = stored_indicators(uploaded.store)
    stored = uploaded.store.get(item.dataset_id).meta["reference"]
    assert {(r["indicator"], r["year"], r["value"]) for r in stored} >= {("own", 2022, 45000.0)}
    assert uploaded.store.load(item.dataset_id)["adcode"].n_unique() == 31  # the 全国 row is not a region
    at.switch_page("views/regional.py").run()
    assert not at.exception, at.exception
    notes = [c.value.replace("\\", "") for c in at.caption if c.value.startswith("文件中的全国值")]
    assert notes and "45,000" in notes[0] and "第 5 行" in notes[0]
