"""An analyst's own provincial indicator on the overview's map (issue 19): the picker lists it after the catalog's,
choosing it (or ?ind=user:<id>) draws its map, ranking and macro-region means with its name and unit and says where
the numbers come from; an unknown or hidden id falls back to the index; a click on a province does not crash."""

from __future__ import annotations

import polars as pl
import pytest

from digigov.i18n import t
from digigov.regions import load_gazetteer
from digigov.storage import DatasetStore
from digigov.user_indicators import KIND
from tests.app.helpers import chart_texts, open_tables
from tests.app.test_access_pages import ANALYST, VIEWER, session
from tests.apptest import new_session
from tests.factories import broadband_spec

PROVINCES = [r.adcode for r in load_gazetteer().provinces(counted_in_31_only=True)]
SPEC = broadband_spec()


def save_indicator(data_dir, years=(2021, 2022), meta: dict | None = None, name: str = "NBS 分省年度数据") -> str:
    rows = [(a, y, 150.0 + 10 * i + y - 2020) for y in years for i, a in enumerate(PROVINCES)]
    frame = pl.DataFrame(rows, schema={"adcode": pl.String, "year": pl.Int32, "value": pl.Float64}, orient="row")
    record = DatasetStore(data_dir).save(
        frame,
        name=name,
        source_file="nbs.csv",
        shape="wide",
        column_mapping={},
        meta={"kinds": [KIND], "indicator": SPEC.to_meta(), **(meta or {})},
    )
    return record.id


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    return tmp_path


def ind(at) -> str:
    return str(at.query_params["ind"]).strip("[]'\"")


def captions(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption]


def test_the_picker_lists_the_indicator_and_choosing_it_draws_its_map_ranking_and_provenance(data_dir):
    dataset = save_indicator(data_dir)
    at = new_session().run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="overview_ind")
    assert list(picker.options)[-1] == "宽带接入用户 · NBS 分省年度数据"  # after the catalog's
    assert picker.value == "dgi_index"
    kpis = [(m.label, m.value) for m in at.metric]
    picker.set_value(f"user:{dataset}").run()
    assert not at.exception, at.exception
    assert ind(at) == f"user:{dataset}"
    assert at.header[0].value == "各省宽带接入用户（2022 年）"  # the sample index's latest year is 2024: nearest
    texts = captions(at)
    assert any(c.startswith("上传的数据，不是示例数据。") and "来源：国家统计局" in c for c in texts)
    assert any("宽带接入用户没有 2024 年的数值" in c and "2022 年" in c for c in texts)
    map_spec = chart_texts(at)[0]
    assert '"type": "choropleth"' in map_spec and "宽带接入用户" in map_spec and "万户" in map_spec
    assert [(m.label, m.value) for m in at.metric] == kpis  # the cards stay the index's
    at = open_tables(at)
    assert not at.exception, at.exception
    ranking = next(d.value for d in at.dataframe if "宽带接入用户" in d.value.columns)
    assert len(ranking) == 31 and ranking["宽带接入用户"][0] == f"{150.0 + 300 + 2:,.1f} 万户"
    macro = next(d.value for d in at.dataframe if "省份数" in d.value.columns)
    assert all(v.endswith(" 万户") for v in macro["平均值"])
    # The briefing redraws the overview's charts from the index: it follows the year, not the analyst's indicator.
    at.switch_page("views/briefing.py").run()
    assert not at.exception, at.exception


def test_the_url_opens_the_indicator_in_english_and_a_click_on_a_province_does_not_crash(data_dir):
    dataset = save_indicator(data_dir, years=(2024,))
    at = new_session()
    at.query_params["ind"] = f"user:{dataset}"
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="overview_ind").value == f"user:{dataset}"
    assert at.header[0].value == "Broadband subscribers by province, 2024"
    assert not any("nearest year" in c for c in captions(at))
    assert any("As stated by the uploader: source: 国家统计局" in c for c in captions(at))
    at.session_state["overview_map_0"] = {
        "selection": {"points": [{"location": "330000"}], "point_indices": [0], "box": [], "lasso": []}
    }
    at.run()
    assert not at.exception, at.exception
    zhejiang = PROVINCES.index("330000")
    value = f"{150.0 + 10 * zhejiang + 4:,.1f} 10,000 households"
    assert any(h.value.replace("\\", "").startswith(f"Zhejiang: Broadband subscribers {value}") for h in at.header)
    assert t("overview.user_drill_note", "en", name="Broadband subscribers") in captions(at)
    assert any('"330100"' in text for text in chart_texts(at))  # the index's prefecture map


def test_an_unknown_id_falls_back_to_the_index(data_dir):
    save_indicator(data_dir)
    at = new_session()
    at.query_params["ind"] = "user:nope"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="overview_ind").value == "dgi_index"
    assert at.header[0].value == t("overview.map_header", "zh", year=2024)
    assert not any(c.startswith("上传的数据") for c in captions(at))


def test_a_prefecture_indicator_is_not_offered(data_dir):
    spec = {**SPEC.to_meta(), "level": "prefecture"}
    save_indicator(data_dir, meta={"indicator": spec})
    at = new_session().run()
    assert not at.exception, at.exception
    assert not any(o.startswith("宽带接入用户") for o in at.selectbox(key="overview_ind").options)


def test_someone_elses_private_indicator_is_neither_listed_nor_opened_by_its_id(data_dir, monkeypatch):
    roles = data_dir / "roles.toml"
    roles.write_text('[groups]\n"分析处" = "analyst"\n', encoding="utf-8")
    monkeypatch.setenv("DIGIGOV_ROLES_FILE", str(roles))
    dataset = save_indicator(data_dir, meta={"owner": ANALYST["sub"], "visibility": "private"})
    owner = session(ANALYST, query={"ind": f"user:{dataset}"})
    assert owner.selectbox(key="overview_ind").value == f"user:{dataset}"
    at = session(VIEWER, query={"ind": f"user:{dataset}"})
    assert at.selectbox(key="overview_ind").value == "dgi_index"
    assert not any(o.startswith("宽带接入用户") for o in at.selectbox(key="overview_ind").options)


def test_the_files_own_national_row_of_the_indicator_is_shown_beside_its_map(data_dir):
    """An NBS export's 全国 row is kept apart by ingest and stored with the indicator (reference_values.OWN): the
    overview says it as the file's figure for the year the map shows, never computed from the provinces."""
    own = [
        {"indicator": "own", "year": 2022, "kind": "national", "label": "全国", "row": 5, "value": 45000.0},
        {"indicator": "own", "year": 2021, "kind": "national", "label": "全国", "row": 5, "value": 43000.0},
        {"indicator": "dgi_index", "year": 2022, "kind": "national", "label": "全国", "row": 9, "value": 1.0},
    ]
    dataset = save_indicator(data_dir, meta={"reference": own})
    at = new_session().run()
    at.selectbox(key="overview_ind").set_value(f"user:{dataset}").run()
    assert not at.exception, at.exception
    (note,) = [c for c in captions(at) if c.startswith("文件中的全国值")]
    assert "第 5 行" in note and "45,000.0 万户" in note and "2022" in note
    assert "43,000" not in note
