"""The regional page's tiers, ranks with ties and gaps, the uploaded-ranking check, and tier datasets from uploads."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest

from digigov.analysis import tiers
from digigov.i18n import t
from digigov.ingest import read_upload
from digigov.presenters import regional as presenter
from digigov.presenters.overview import ranking_table
from digigov.sources import list_sources
from digigov.storage import DatasetStore
from digigov.upload_kinds import kind_frames, saveable_kinds
from tests.factories import latest_year, province_index

INDEX = province_index()
LATEST = latest_year(INDEX)
LABELS_ZH = list(presenter.tier_labels("zh").values())


def tiers_of(view: presenter.TierView, lang: str = "en") -> dict[str, str]:
    return dict(zip(view.table[t("column.region", lang)], view.table[t("regional.tier_column", lang)], strict=True))


# -- tiers by bands ------------------------------------------------------------------------------------------
def test_default_tiers_are_quintiles_and_say_so():
    view = presenter.tier_view(INDEX, LATEST, "dgi_index", "zh")
    assert isinstance(view.map, go.Figure)
    assert view.table.height == 31  # every scored province, once
    assert view.edges == presenter.default_edges(INDEX, LATEST, "dgi_index")
    assert "五分位数" in view.caption and "不是该报告的标准" in view.caption
    assert LABELS_ZH == ["引领型", "优质型", "特色型", "发展型", "追赶型"]
    counts = view.table.group_by(t("regional.tier_column", "zh")).len()
    assert counts.height == 5 and counts["len"].min() >= 5  # quintiles of 31 provinces
    legend = [trace.name for trace in view.map.data if trace.showlegend]
    assert legend[:5] == LABELS_ZH  # then "no data" for the units the index leaves out (HK, Macao, Taiwan)


def test_user_bands_change_the_tiers_and_the_caption():
    default = presenter.tier_view(INDEX, LATEST, "dgi_index", "en")
    custom = presenter.tier_view(INDEX, LATEST, "dgi_index", "en", (95.0, 90.0, 85.0, 80.0))
    assert "bands you set" in custom.caption and "Leading ≥ 95.0" in custom.caption
    assert tiers_of(custom)["Shanghai"] == "High-quality"  # 91.0 in the sample: below 95, at least 90
    assert tiers_of(custom) != tiers_of(default)
    assert custom.edges == (95.0, 90.0, 85.0, 80.0)


def test_a_score_shown_on_an_edge_is_in_the_higher_tier():
    data = pl.DataFrame(
        {"adcode": ["310000", "330000", "520000"], "year": [2024] * 3, "index": [80.04, 79.96, 79.94]}
    ).with_columns(pl.col("index").alias(c) for c in presenter.DIMENSION_INDICATORS)
    view = presenter.tier_view(data, 2024, "dgi_index", "en", (80.0, 70.0, 60.0, 50.0))
    # 79.96 is shown as 80.0: compared as shown, it is on the edge and joins the higher tier; 79.94 shows 79.9
    assert tiers_of(view) == {"Shanghai": "Leading", "Zhejiang": "Leading", "Guizhou": "High-quality"}


def test_no_scores_in_the_year_leave_the_map_out():
    view = presenter.tier_view(INDEX, 1990, "dgi_index", "en")
    assert view.map is None and view.table.height == 0 and view.edges == ()


def test_edges_round_trip_through_the_url_text():
    edges = (85.5, 75.0, 65.25, 55.0)
    assert tiers.edges_from_text(presenter.edges_to_text(edges)) == edges


# -- ranking with ties and gaps ------------------------------------------------------------------------------
def test_regional_ranking_adds_gaps_and_peers_to_the_overview_table():
    table = presenter.regional_ranking_table(INDEX, LATEST, "dgi_index", "en")
    base = ranking_table(INDEX, LATEST, "dgi_index", "en")
    assert table.select(base.columns).equals(base)  # the overview's columns, unchanged
    extra = [t(f"regional.{k}", "en") for k in ("gap_leader", "gap_mean", "peer_rank", "gap_peer")]
    assert table.columns == [*base.columns, *extra]
    top = table.row(0, named=True)
    assert top["Region"] == "Shanghai" and top[extra[0]] == "0.0" and top[extra[2]] == 1
    sichuan = table.filter(pl.col("Region") == "Sichuan").row(0, named=True)
    assert sichuan[extra[2]] == 1  # the West's leader
    assert sichuan[extra[0]].startswith("-") and sichuan[extra[1]].startswith("+")


def test_equal_scores_share_a_rank_in_the_ranking_table():
    data = pl.DataFrame(
        {"adcode": ["310000", "330000", "110000", "440000"], "year": [2024] * 4, "index": [90.0, 85.0, 85.0, 80.0]}
    )
    table = presenter.regional_ranking_table(data, 2024, "dgi_index", "en")
    assert table[t("column.rank", "en")].to_list() == [1, 2, 2, 4]
    assert table[t("regional.gap_leader", "en")].to_list() == ["0.0", "-5.0", "-5.0", "-10.0"]
    assert table[t("regional.gap_mean", "en")].to_list() == ["+5.0", "0.0", "0.0", "-5.0"]


def test_the_page_view_uses_the_regional_ranking_table():
    view = presenter.regional_view(INDEX, LATEST, "dgi_index", "en")
    assert t("regional.peer_rank", "en") in view.tables.ranking.columns
    assert view.rank_check is None  # the samples carry no stated rank


# -- the uploaded ranking against its scores ---------------------------------------------------------------
def stated_index() -> pl.DataFrame:
    data = INDEX.filter(pl.col("year") == LATEST, pl.col("adcode").is_in(["310000", "330000", "110000"]))
    stated = {"310000": (2, 7), "330000": (1, 6), "110000": (3, 8)}  # 浙江 (89.5) ranked above 上海 (91.0)
    return data.with_columns(
        pl.col("adcode")
        .replace_strict({a: r for a, (r, _) in stated.items()}, return_dtype=pl.Float64)
        .alias("stated_rank"),
        pl.col("adcode").replace_strict({a: w for a, (_, w) in stated.items()}, return_dtype=pl.Int64).alias("row"),
    )


def test_rank_check_names_rows_regions_ranks_and_scores():
    check = presenter.rank_check(stated_index(), "index", "zh")
    assert check is not None and check.pairs == 1
    assert "第 6 行浙江（第 1 名，得分 89.5）排在第 7 行上海（第 2 名，得分 91.0）之前" in check.sentence
    assert check.table.height == 1
    assert check.table.row(0) == (LATEST, "浙江", "6", "1", 89.5, "上海", "7", "2", 91.0)
    english = presenter.rank_check(stated_index(), "index", "en")
    assert "row 6 Zhejiang (rank 1, score 89.5) ranked above row 7 Shanghai (rank 2, score 91.0)" in english.sentence


def test_rank_check_is_silent_without_a_stated_rank_or_when_the_order_agrees():
    assert presenter.rank_check(INDEX, "index", "en") is None
    agreeing = stated_index().with_columns(
        pl.col("adcode").replace_strict({"310000": 1.0, "330000": 2.0, "110000": 3.0}).alias("stated_rank")
    )
    assert presenter.rank_check(agreeing, "index", "en") is None


def test_the_page_view_carries_the_rank_check():
    data = INDEX.join(stated_index().select("adcode", "year", "stated_rank", "row"), on=["adcode", "year"], how="left")
    view = presenter.regional_view(data, LATEST, "dgi_index", "en")
    assert view.rank_check is not None and view.rank_check.pairs == 1


# -- tier datasets -------------------------------------------------------------------------------------------
TIERS_CSV = "省份,年份,等级\n上海,2024,引领型\n浙江,2024,1\n北京,2024,第二梯队\n西藏,2024,Catching-up\n"
TIERS_WITH_SCORES_CSV = (
    "省份,年份,排名,数字政府发展指数,等级\n上海,2024,1,90.1,引领型\n浙江,2024,2,91.0,引领型\n北京,2024,3,85,优质型\n"
)


def test_a_tiers_only_file_becomes_a_province_tiers_table():
    result = read_upload("tiers.csv", TIERS_CSV.encode())
    frames = kind_frames(result)
    assert list(frames) == ["province_tiers"]
    tiers_frame = frames["province_tiers"].sort("adcode")
    assert dict(tiers_frame.select("adcode", "tier").iter_rows()) == {
        "110000": 2,
        "310000": 1,
        "330000": 1,
        "540000": 5,
    }
    assert tiers_frame["row"].to_list() == [4, 2, 3, 5]  # the file's rows, header on row 1
    # the table pipeline reports a file without indicator columns; the tiers are read from the file's own text,
    # so the upload page may still save them (saveable_kinds)
    assert not result.ok
    assert list(saveable_kinds(result)) == ["province_tiers"]


def test_a_tier_file_with_scores_and_ranks_keeps_them():
    result = read_upload("tiers.csv", TIERS_WITH_SCORES_CSV.encode())
    assert result.ok
    frame = kind_frames(result)["province_tiers"].sort("adcode")
    assert frame.columns == ["adcode", "year", "row", "tier", "stated_rank", "index"]
    assert frame["stated_rank"].to_list() == [3.0, 1.0, 2.0]
    view = presenter.stated_tiers_view(frame, 2024, "en")
    assert view.rank_check is not None and "row 2 Shanghai (rank 1, score 90.1)" in view.rank_check.sentence


def test_an_unreadable_tier_is_not_guessed():
    result = read_upload("tiers.csv", "省份,年份,等级\n上海,2024,引领型\n浙江,2024,很好\n".encode())
    assert "province_tiers" not in kind_frames(result)


def test_a_province_index_upload_keeps_its_stated_rank_for_the_check():
    csv = (
        "省份,年份,组织机构,制度体系,治理能力,治理效果,数字政府发展指数,排名\n"
        "上海,2024,80,80,80,80,80,2\n浙江,2024,90,90,90,90,90,1\n北京,2024,70,70,70,70,70,3\n"
    )
    frames = kind_frames(read_upload("index.csv", csv.encode()))
    assert list(frames) == ["province_index"]
    index = frames["province_index"]
    assert {"stated_rank", "row"} <= set(index.columns)
    assert presenter.rank_check(index, "index", "en") is None  # 浙江 90 first, 上海 80 second, 北京 70 third
    flipped = index.with_columns(
        pl.col("stated_rank").replace_strict({1.0: 2.0, 2.0: 1.0}, default=pl.col("stated_rank"))
    )
    assert presenter.rank_check(flipped, "index", "en").pairs == 1


def test_stated_tiers_view_shows_the_tiers_as_stated():
    frame = kind_frames(read_upload("tiers.csv", TIERS_CSV.encode()))["province_tiers"]
    view = presenter.stated_tiers_view(frame, 2024, "zh")
    assert isinstance(view.tiers.map, go.Figure) and view.rank_check is None
    assert view.tiers.table[t("regional.tier_column", "zh")].to_list() == ["引领型", "引领型", "优质型", "追赶型"]
    assert "未按得分重新分档" in view.tiers.caption
    assert view.tiers.counts.startswith("引领型 2 个")
    assert presenter.stated_tiers_view(frame, 2023, "zh").tiers.map is None


def test_the_regional_page_lists_scores_and_tiers_datasets(tmp_path):
    store = DatasetStore(tmp_path)
    frame = kind_frames(read_upload("tiers.csv", TIERS_CSV.encode()))["province_tiers"]
    tiers_id = store.save(
        frame, name="梯队", source_file="t.csv", shape="wide", column_mapping={}, meta={"kinds": ["province_tiers"]}
    ).id
    sources = list_sources("province_scores_or_tiers", store)
    assert [(s.id, s.kind) for s in sources] == [("builtin", "province_index"), (tiers_id, "province_tiers")]
    assert [s.id for s in list_sources("province_index", store)] == ["builtin"]  # other pages never see tiers


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_score_sections_have_headers(lang):
    for section in presenter.SCORE_SECTIONS:
        assert t(f"regional.{section}", lang)
