"""An analyst's own indicators: what ingest hands over, what the analyst may save, how it is stored and read back."""

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov import user_indicators as ui
from digigov.ingest import read_upload
from digigov.ingest.pipeline import UncataloguedIndicator
from digigov.storage import DatasetStore
from digigov.upload_kinds import saveable_kinds, uncovered_errors

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "上海", "江苏"]


def handed(
    values: list[tuple[str, str, int, float | None]], label: str = "宽带接入用户(万户)"
) -> UncataloguedIndicator:
    frame = pl.DataFrame(
        [(a, level, True, year, v, i + 2) for i, (a, level, year, v) in enumerate(values)],
        schema={
            "adcode": pl.String,
            "level": pl.String,
            "drawn": pl.Boolean,
            "year": pl.Int32,
            "value": pl.Float64,
            "row": pl.Int64,
        },
        orient="row",
    )
    return UncataloguedIndicator("宽带接入用户", "万户", "数值", label, "国家统计局", frame)


def test_the_proposal_takes_the_files_name_unit_source_level_and_decimals():
    item = handed(
        [("110000", "province", 2022, 258.0), ("120000", "province", 2022, 12.5), ("130100", "prefecture", 2022, 3.0)]
    )
    spec = ui.proposed_spec(item)
    assert (spec.name_zh, spec.unit_zh, spec.level, spec.decimals, spec.polarity) == (
        "宽带接入用户",
        "万户",
        "province",
        1,
        "neutral",
    )
    assert spec.provenance.source == "国家统计局" and spec.label == "宽带接入用户(万户)"


def test_problems_name_what_stops_a_save():
    item = handed([("110000", "province", 2022, 1.0), ("110000", "province", 2022, 2.0)])
    spec = ui.proposed_spec(item)
    assert [p.key for p in ui.problems(item, spec)] == ["repeated"]
    blank = ui.UserIndicatorSpec(
        label=spec.label, name_zh="  \u202e ", level="prefecture", provenance=ui.Provenance(year=1800)
    )
    assert [p.key for p in ui.problems(item, blank)] == ["name_missing", "no_values", "year_out_of_range"]


def test_the_stored_table_keeps_the_chosen_level_and_drops_empty_values():
    item = handed(
        [("110000", "province", 2022, 1.0), ("120000", "province", 2022, None), ("130100", "prefecture", 2022, 3.0)]
    )
    frame = ui.indicator_frame(item, ui.proposed_spec(item))
    assert frame.to_dicts() == [{"adcode": "110000", "year": 2022, "value": 1.0}]


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


@settings(max_examples=80, deadline=None)
@given(text, text, text, st.sampled_from(ui.POLARITIES), st.integers(-3, 9), text)
def test_a_spec_survives_the_store_as_it_was_cleaned(tmp_path_factory, name, unit, source, polarity, decimals, note):
    spec = ui.UserIndicatorSpec(
        label="x",
        name_zh=name,
        unit_zh=unit,
        polarity=polarity,
        decimals=decimals,
        provenance=ui.Provenance(source=source, note=note),
    ).cleaned()
    store = DatasetStore(tmp_path_factory.mktemp("store"))
    frame = pl.DataFrame({"adcode": ["110000"], "year": [2022], "value": [1.0]})
    record = store.save(
        frame,
        name="n",
        source_file="f.csv",
        shape="long",
        column_mapping={},
        meta={"kinds": [ui.KIND], "indicator": spec.to_meta()},
    )
    (item,) = ui.stored_indicators(store)
    assert item.spec == spec and item.dataset_id == record.id and 0 <= item.spec.decimals <= 4
    assert ui.load_values(store, record.id).columns == list(ui.COLUMNS)


def test_a_broken_entry_is_left_out_and_levels_filter(tmp_path):
    store = DatasetStore(tmp_path)
    frame = pl.DataFrame({"adcode": ["110000"], "year": [2022], "value": [1.0]})
    store.save(
        frame,
        name="bad",
        source_file="f",
        shape="long",
        column_mapping={},
        meta={"kinds": [ui.KIND], "indicator": {"nonsense": 1}},
    )
    spec = ui.UserIndicatorSpec(label="x", name_zh="城市指标", level="prefecture")
    store.save(
        frame,
        name="ok",
        source_file="f",
        shape="long",
        column_mapping={},
        meta={"kinds": [ui.KIND], "indicator": spec.to_meta()},
    )
    assert [i.dataset_name for i in ui.stored_indicators(store)] == ["ok"]
    assert ui.stored_indicators(store, level="province") == []


def test_a_custom_unit_formats_as_written_in_both_languages():
    spec = ui.UserIndicatorSpec(
        label="x", name_zh="宽带接入用户", unit_zh="万户", unit_en="10,000 households", decimals=1
    )
    indicator = spec.indicator("abc")
    assert indicator.format(258.04, "zh") == "258.0 万户" and indicator.scale == 1.0
    assert indicator.format(258.04, "en") == "258.0 10,000 households"
    assert indicator.name("en") == "宽带接入用户"  # no English name given: the Chinese one, never empty
    assert ui.UserIndicatorSpec(label="x", name_zh="个数", decimals=0).indicator("a").format(3, "zh") == "3"


def test_an_nbs_export_is_saveable_only_once_its_indicator_is_confirmed():
    result = read_upload("nbs.csv", (REAL / "layout_nbs_broadband_provinces.csv").read_bytes())
    (item,) = result.uncatalogued
    assert saveable_kinds(result) == {}
    confirmed = ui.saveable(result, {item.label: ui.proposed_spec(item)})
    assert list(confirmed) == [item.label]
    spec, frame = confirmed[item.label]
    assert frame.height == 309 and spec.unit_zh == "万户"
    assert saveable_kinds(result, frozenset(confirmed)) == {}  # no catalog kind: the indicator is saved on its own


def csv_of(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_a_wide_tables_free_numeric_columns_are_handed_over_but_not_ranks_or_row_numbers():
    rows = [f"{i},{p},2023,{50 + i}.5,{i},{70 + i}" for i, p in enumerate(PROVINCES, 1)]
    result = read_upload("t.csv", csv_of("序号,省份,年份,人均政务支出(元),排名,数字政府发展指数", rows))
    assert result.ok and "dgi_index" in result.frame.columns  # the catalog indicator is saved as before
    assert [u.label for u in result.uncatalogued] == ["人均政务支出(元)"]
    (item,) = result.uncatalogued
    assert (item.name, item.unit) == ("人均政务支出", "元")
    assert item.values.filter(pl.col("adcode") == "310000")["value"].item() == 57.5


def test_a_table_of_only_free_numbers_says_what_to_do_and_is_saved_once_confirmed():
    rows = [f"{p},2023,{1.2 + i}万" for i, p in enumerate(PROVINCES)]
    result = read_upload("t.csv", csv_of("地区,年份,宽带接入端口", rows))
    assert [i.code for i in result.report.errors] == ["only_uncatalogued"]
    (item,) = result.uncatalogued
    assert item.values["value"].to_list()[0] == pytest.approx(12000.0)  # 1.2万 as a number
    assert saveable_kinds(result) == {}
    assert list(ui.saveable(result, {item.label: ui.proposed_spec(item)})) == ["宽带接入端口"]


def test_a_long_tables_unknown_name_is_covered_by_its_confirmation_and_the_catalog_rows_still_save():
    rows = [f"{p},2023,数字政府发展指数,{60 + i}" for i, p in enumerate(PROVINCES)]
    rows += [f"{p},2023,宽带接入用户,{300 + i}" for i, p in enumerate(PROVINCES)]
    result = read_upload("t.csv", csv_of("地区,年份,指标,数值", rows))
    assert [i.code for i in result.report.errors] == ["unknown_indicator"]
    (item,) = result.uncatalogued
    confirmed = ui.saveable(result, {item.label: ui.proposed_spec(item)})
    assert [i.code for i in uncovered_errors(result, frozenset())] == ["unknown_indicator"]
    assert uncovered_errors(result, frozenset(confirmed)) == []
    assert uncovered_errors(result, frozenset({"另一个指标"})) != []
    assert result.frame["dgi_index"].to_list() == [float(60 + i) for i in range(8)]  # the catalog rows are kept


def test_catalogues_and_exchange_tables_are_not_offered_as_indicators():
    for name in (
        "catalogue_zhejiang_gb18030.csv",
        "sharing_matrix_zhejiang_gb18030.csv",
        "sharing_platforms_gb18030.csv",
    ):
        result = read_upload(name, (REAL / name).read_bytes())
        assert result.uncatalogued == [], name
