"""Upload page in AppTest: good files are accepted and appear on the pages; bad files are reported and nothing
stored is lost; user text stays inert."""

from pathlib import Path

import pytest

from tests.app.helpers import accept_button, upload_page

CORPUS = Path(__file__).resolve().parents[1] / "data" / "uploads"


@pytest.fixture
def upload(app, tmp_path, monkeypatch):
    return upload_page(app, tmp_path, monkeypatch, CORPUS)


def test_gbk_wide_file_is_accepted_and_shown_on_the_regional_page(upload):
    at = upload("good_wide_gbk.csv")
    assert any("gbk" in c.value for c in at.caption)
    assert at.success[0].value == "检查通过，没有发现问题。"
    accept_button(at).click().run()
    assert any(s.value.startswith("已保存") for s in at.success)
    records = upload.store.list()
    assert len(records) == 1 and records[0].meta["kinds"] == ["province_index"]
    at.switch_page("views/regional.py").run()
    at.selectbox(key="regional_src").set_value(records[0].id).run()
    assert not at.exception, at.exception
    assert not any("示例数据 / sample data" in m.value for m in at.markdown)
    assert at.get("plotly_chart")


def test_excel_with_title_rows_is_read(upload):
    at = upload("excel_title_notes.xlsx")
    assert at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("upload_sheet")))
    assert at.dataframe  # the normalised preview


@pytest.mark.parametrize(
    "name",
    ["bad_ragged.csv", "bad_binary_png.csv", "bad_share_120.csv", "bad_year.csv", "bad_empty.csv", "bad_doctype.xlsx"],
)
def test_bad_files_are_reported_and_cannot_be_saved(upload, name):
    at = upload(name)
    assert at.error and at.error[-1].value.startswith("存在错误")
    assert accept_button(at).disabled
    report = at.dataframe[0].value
    assert list(report.columns)[:2] == ["问题", "严重程度"]  # the message first, then the severity, in Chinese
    assert report["严重程度"].iloc[0] == "错误"
    assert not {"severity", "code", "message_zh", "message_en"} & set(report.columns)
    assert "None" not in report.to_string()


def test_the_preview_and_the_mapping_speak_the_page_language(upload):
    at = upload("good_wide_gbk.csv")
    preview = next(d.value for d in at.dataframe if "地区代码" in d.value.columns)
    assert list(preview.columns)[:2] == ["地区代码", "地区"] and "北京市" in preview["地区"].tolist()
    assert not {"adcode", "level", "drawn", "dgi_index"} & set(preview.columns)
    assert any(c.value == "匹配置信度 100%" for c in at.caption)


def test_accepted_types_and_the_cap_are_stated_under_the_uploader(upload):
    at = upload.at
    assert any(c.value.startswith("可上传 CSV") and ".xls" in c.value for c in at.caption)


@pytest.mark.parametrize("name", ["legacy.xls", "macros.xlsm"])
def test_legacy_and_macro_workbooks_are_refused_with_a_reason(upload, name):
    data = (CORPUS / "excel_two_sheets.xlsx").read_bytes() if name.endswith("xlsm") else None
    if data is None:
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # an OLE (Excel 97-2003) header
    at = upload(name, data)
    assert any("另存为" in e.value and ".xlsx" in e.value for e in at.error), [e.value for e in at.error]
    assert not any(b.key and b.key.startswith("upload_accept") and not b.disabled for b in at.button)


def test_a_bad_file_leaves_stored_datasets_intact(upload):
    at = upload("good_wide_utf8.csv")
    accept_button(at).click().run()
    before = [(r.id, r.latest.sha256) for r in upload.store.list()]
    upload("bad_unclosed_quote.csv")
    assert [(r.id, r.latest.sha256) for r in upload.store.list()] == before
    assert upload.store.verify() == []


def test_personal_identifiers_are_removed_and_announced(upload):
    at = upload("bad_pii.csv")
    notice = " ".join(w.value for w in at.warning)
    assert "身份证" in notice or "手机" in notice or "已删除" in notice
    shown = " ".join(str(df.value) for df in at.dataframe)
    assert "11010519491231002X" not in shown and "13800138000" not in shown


def test_unknown_region_can_be_mapped_by_hand(upload):
    at = upload("bad_unknown_region.csv")
    region_box = next(s for s in at.selectbox if s.key.startswith("upload_region"))
    region_box.set_value("310000").run()
    assert not at.exception


def test_rename_and_delete(upload):
    at = upload("good_wide_utf8.csv")
    accept_button(at).click().run()
    at.text_input(key=next(t.key for t in at.text_input if t.key.startswith("upload_new_name"))).set_value(
        "<b>重命名</b>"
    ).run()
    at.button(key="upload_rename").click().run()
    assert upload.store.list()[0].name == "<b>重命名</b>"
    at.checkbox(key="upload_confirm").check().run()
    at.button(key="upload_delete").click().run()
    assert upload.store.list() == []


def test_a_portal_catalogue_is_saved_and_shown_on_the_data_sharing_page(upload):
    """A catalogue has no indicator columns: the table pipeline's error does not block it, its own reading does."""
    real = Path(__file__).resolve().parents[1] / "data" / "real"
    at = upload("catalogue_zhejiang_gb18030.csv", (real / "catalogue_zhejiang_gb18030.csv").read_bytes())
    button = accept_button(at)
    assert not button.disabled
    button.click().run()
    records = upload.store.list()
    assert len(records) == 1 and records[0].meta["kinds"] == ["open_data_catalogue"]
    at.query_params["src"] = records[0].id
    at.switch_page("views/data_sharing.py").run()
    assert not at.exception, at.exception
    assert any("zhejiang" in i.value for i in at.info)  # the dataset's name, escaped for markdown


def test_a_catalogue_with_a_bad_date_is_reported_and_not_saved(upload):
    real = Path(__file__).resolve().parents[1] / "data" / "real"
    at = upload("catalogue_guizhou_mixed_dates.csv", (real / "catalogue_guizhou_mixed_dates.csv").read_bytes())
    assert any("第 6 行“最近更新时间”列的“2024\\-13\\-45”" in e.value for e in at.error)  # row, column, value
    assert accept_button(at).disabled
    assert upload.store.list() == []


def test_a_tiers_only_ranking_is_saved_and_drawn_on_the_regional_page(upload):
    data = "省份,年份,等级\n上海,2024,引领型\n浙江,2024,1\n北京,2024,第二梯队\n西藏,2024,Catching-up\n".encode()
    at = upload("tiers.csv", data)
    accept_button(at).click().run()
    records = upload.store.list()
    assert len(records) == 1 and records[0].meta["kinds"] == ["province_tiers"]
    at.query_params["src"] = records[0].id
    at.switch_page("views/regional.py").run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart")  # the tier map
