"""A city survey's published table with its own 全国 row (issue 19): the channels page's city survey section shows
the file's national figures beside its map, worded as the file's, and never ranks 全国 among the cities."""

from pathlib import Path

import pytest

from tests.app.helpers import accept_button, upload_page

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
ROWS = [
    "广东省,广州市,2023,512,32.5%,81.2%,66.0%",
    "广东省,深圳市,2023,480,28.1%,85.0%,71.3%",
    "浙江省,杭州市,2023,450,25.0%,88.1%,70.2%",
    "全国,,2023,5000,30.4%,83.0%,67.5%",
]
HEADER = "省份,城市,年份,样本量,倾向线下办理占比,知晓率,线上办理率\n"


@pytest.fixture
def upload(app, tmp_path, monkeypatch):
    return upload_page(app, tmp_path, monkeypatch, REAL)


def test_the_files_national_row_is_shown_beside_the_city_survey_map(upload):
    at = upload("survey.csv", (HEADER + "\n".join(ROWS) + "\n").encode("gb18030"))
    assert not accept_button(at).disabled
    accept_button(at).click().run()
    (record,) = upload.store.list()
    assert record.meta["kinds"] == ["city_preference"]
    assert {r["indicator"] for r in record.meta["reference"]} >= {"offline_pref_share", "awareness_rate"}
    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]
    national = [c for c in captions if c.startswith("文件中的全国值")]
    assert any("“全国”，2023 年）：30.4%" in c for c in national)  # the preference, as the file states it
    assert any("：83.0%" in c for c in national) and any("：67.5%" in c for c in national)  # its rates
    survey = next(d.value for d in at.dataframe if "95% 置信区间" in d.value.columns)
    assert len(survey) == 3 and not any("全国" in r for r in survey["地区"])


def test_a_survey_without_a_national_row_shows_no_reference(upload):
    at = upload("survey.csv", (HEADER + "\n".join(ROWS[:3]) + "\n").encode("gb18030"))
    accept_button(at).click().run()
    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception
    assert not any(c.value.startswith("文件中的") for c in at.caption)
