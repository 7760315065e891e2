"""The file's own 全国/平均 rows become the reference value shown beside the map: stored as the regions are (a
percentage as a fraction), totals left out, and worded with the row the value came from."""

import pytest

from digigov.indicators import get_indicator
from digigov.ingest import read_upload
from digigov.reference_values import reference_caption, reference_values

PROVINCES = ["北京", "天津", "河北", "山西", "上海", "江苏"]


def upload(header: str, rows: list[str]):
    return read_upload("t.csv", ("\n".join([header, *rows]) + "\n").encode("gb18030"))


def test_a_national_row_of_a_percentage_column_is_stored_as_a_fraction_and_totals_are_not_references():
    rows = [f"{p},2023,{30 + i}%" for i, p in enumerate(PROVINCES)] + ["全国,2023,33.5%", "合计,2023,200%"]
    result = upload("省份,年份,线下办理偏好占比", rows)
    assert result.ok
    (ref,) = reference_values(result)
    assert ref["indicator"] == "offline_pref_share" and ref["kind"] == "national" and ref["year"] == 2023
    assert ref["value"] == pytest.approx(0.335) and ref["row"] == 8
    caption = reference_caption([ref], get_indicator("offline_pref_share"), 2023, "zh")
    assert caption.startswith("文件中的全国值（第 8 行“全国”，2023 年）：33.5%")
    assert reference_caption([ref], get_indicator("offline_pref_share"), 2022, "zh") is None
    assert reference_caption([ref], get_indicator("dgi_index"), 2023, "zh") is None


def test_the_national_row_is_preferred_to_the_average_and_a_file_without_either_has_none():
    rows = [f"{p},2023,{60 + i}" for i, p in enumerate(PROVINCES)]
    result = upload("地区,年份,数字政府发展指数", [*rows, "平均,2023,62.5", "全国,2023,61.0"])
    refs = reference_values(result)
    assert [r["kind"] for r in refs] == ["average", "national"]
    assert "61.0 分" in reference_caption(refs, get_indicator("dgi_index"), 2023, "zh")
    assert reference_values(upload("地区,年份,数字政府发展指数", rows)) == []


def _nbs_with_national_row() -> bytes:
    from tests.paths import REAL_DATA

    lines = (REAL_DATA / "layout_nbs_broadband_provinces.csv").read_bytes().decode("gbk").split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("地区,"))
    lines.insert(header + 1, "全国,45000.0,43000.0,41000.0,39000.0,37000.0,35000.0,33000.0,31000.0,29000.0,27000.0")
    return "\n".join(lines).encode("gbk")


def test_an_indicator_not_in_the_catalog_keeps_its_national_row_per_year():
    from digigov.reference_values import OWN, own_reference_values, own_references
    from digigov.user_indicators import proposed_spec

    result = read_upload("nbs.csv", _nbs_with_national_row())
    (handed,) = result.uncatalogued
    refs = own_reference_values(result, handed)
    assert {(r["year"], r["value"], r["label"], r["kind"]) for r in refs} >= {
        (2022, 45000.0, "全国", "national"),
        (2013, 27000.0, "全国", "national"),
    }
    assert len(refs) == 10 and all(r["indicator"] == OWN for r in refs)
    indicator = proposed_spec(handed).indicator("abc")
    caption = reference_caption(own_references(refs, indicator), indicator, 2021, "zh")
    assert caption is not None and "全国" in caption and "43,000" in caption
    assert reference_caption(refs, indicator, 2021, "zh") is None  # OWN entries only under the indicator's id


def test_a_wide_tables_free_column_keeps_its_national_row():
    from digigov.reference_values import own_reference_values

    rows = [f"{i},{p},2023,{100 + 7 * i}" for i, p in enumerate(["北京", "天津", "河北", "山西", "上海", "江苏"], 1)]
    text = "序号,省份,年份,人均政务支出(元)\n" + "\n".join([*rows, "7,全国,2023,1.5万"])
    result = read_upload("w.csv", text.encode())
    (handed,) = result.uncatalogued
    (ref,) = own_reference_values(result, handed)
    assert (ref["year"], ref["value"], ref["row"]) == (2023, 15000.0, 8)  # scale word applied, as for the regions
