"""The regional page's presenter: the RegionalView, the profile and the re-weighting views."""

import plotly.graph_objects as go
import polars as pl
import pytest

from digigov.analysis import inequality, regional
from digigov.i18n import t
from digigov.indicators import get_indicator
from digigov.presenters import regional as presenter
from tests.factories import latest_year, province_index

INDEX = province_index()
LATEST = latest_year(INDEX)


@pytest.fixture(scope="module")
def view() -> presenter.RegionalView:
    return presenter.regional_view(INDEX, LATEST, "dgi_index", "en")


def test_gini_on_the_page_is_the_formula_on_the_mainland_provinces(view):
    values = regional.mainland_values(INDEX, LATEST, "index")
    assert values.height == 31
    cards = {k.label: k.value for k in view.inequality}
    assert list(cards) == [t(f"regional.{k}", "en") for k in ("gini", "theil", "cv", "max_min")]
    assert cards[t("regional.gini", "en")] == f"{inequality.gini(values['value']):.4f}"
    assert cards[t("regional.theil", "en")] == f"{inequality.theil(values['value'], values['macro_region']).total:.4f}"


def test_every_section_is_drawn_and_worded_on_the_samples(view):
    for figure in (view.map, view.ranking, view.macro, view.theil, view.trend, view.sigma, view.beta, view.lisa):
        assert isinstance(figure, go.Figure)
    sentences = view.sentences
    values = regional.mainland_values(INDEX, LATEST, "index")
    theil = inequality.theil(values["value"], values["macro_region"])
    assert sentences.theil.startswith(
        f"In {LATEST}, differences between the four macro-regions make up {theil.between_share * 100:.1f}%"
    )
    dagum = inequality.dagum_gini(values["value"], values["macro_region"])
    assert sentences.dagum.startswith(f"Overall Gini {dagum.total:.4f}")
    assert "β =" in sentences.beta and sentences.moran.startswith("Global Moran's I = ")
    assert sentences.sigma.startswith("Provincial differences")


def test_tables_are_named_and_localised(view):
    tables = view.tables
    assert tables.ranking.height == 31 and tables.ranking["Region"][0] == "Shanghai"
    assert tables.ranking.columns[-4:] == [
        t(f"regional.{k}", "en") for k in ("gap_leader", "gap_mean", "peer_rank", "gap_peer")
    ]
    assert tables.macro_regions.height == 4
    assert tables.dagum_components[t("regional.dagum_share", "en")][-1] == "100.0%"
    assert tables.dagum_pairs.height == 6  # every pair of the four macro-regions
    assert tables.lisa.height == 31 and "p" in tables.lisa.columns
    assert set(tables.macro_trend["macro_region"]) == {"east", "central", "west", "northeast"}
    assert tables.sigma.height == INDEX["year"].n_unique()
    assert tables.beta.height == 31


def test_too_few_provinces_leave_the_dispersion_and_clustering_sections_out():
    few = INDEX.filter(pl.col("adcode").is_in(["310000", "540000", "510000"]))
    view = presenter.regional_view(few, LATEST, "dgi_index", "zh")
    assert view.inequality == () and view.theil is None and view.lisa is None
    assert view.sentences.theil is None and view.sentences.moran is None and view.sentences.islands is None
    assert view.tables.dagum_components is None and view.tables.lisa is None
    assert view.tables.ranking.height == 3


def test_one_year_leaves_the_convergence_sections_out():
    view = presenter.regional_view(INDEX.filter(pl.col("year") == LATEST), LATEST, "dgi_capacity", "zh")
    assert view.sigma is None and view.beta is None
    assert view.sentences.sigma is None and view.sentences.beta is None
    assert view.tables.sigma is None and view.tables.beta is None
    assert view.theil is not None  # one year is enough for the dispersion of that year


def test_profile_view_puts_the_province_beside_its_region_and_the_nation():
    profile = presenter.profile_view(INDEX, "510000", LATEST, "en")
    assert isinstance(profile.chart, go.Figure)
    assert profile.table[t("regional.dimension", "en")].to_list() == presenter.dimension_labels("en")
    own = INDEX.filter((pl.col("adcode") == "510000") & (pl.col("year") == LATEST))
    assert profile.table[t("regional.profile_province", "en")].to_list() == [
        round(float(own[d][0]), 1) for d in presenter.DIMENSION_INDICATORS
    ]
    assert presenter.dimension_labels("zh")[0] == get_indicator("dgi_organisation").name("zh")


def test_reweighting_view_equal_weights_move_nobody_and_skewed_ones_do():
    equal = presenter.reweighting_view(INDEX, LATEST, dict.fromkeys(presenter.DIMENSION_INDICATORS, 25), "minmax", "zh")
    assert equal.sentence == t("regional.weights_same", "zh")
    assert equal.table.height == 31 and (equal.table[t("regional.rank_shift", "zh")] == 0).all()
    skewed = presenter.reweighting_view(
        INDEX, LATEST, {"organisation": 0, "institutions": 25, "capacity": 25, "effect": 100}, "minmax", "zh"
    )
    assert "名次发生变化" in skewed.sentence


def test_city_ranks_compare_each_city_with_its_peer_group_nationwide():
    import polars as pl

    from digigov.analysis.overview import city_ranking_detail
    from digigov.presenters.regional import city_ranking_table

    cities = pl.DataFrame(
        {
            "adcode": ["330100", "330200", "340100", "330300", "330400", "440300", "110000"],
            "year": [2024] * 7,
            "index": [90.0, 80.0, 85.0, 70.0, 70.0, 95.0, 99.0],
        }
    )
    detail = city_ranking_detail(cities, 2024)
    assert "110000" not in detail["adcode"].to_list()  # a province is no city
    by = {r["adcode"]: r for r in detail.iter_rows(named=True)}
    assert by["440300"]["rank"] == 1 and by["440300"]["city_group"] == "sub_provincial"
    assert [by[a]["peer_rank"] for a in ("440300", "330100", "330200")] == [1, 2, 3]
    assert by["340100"]["city_group"] == "capital" and (by["340100"]["peer_rank"], by["340100"]["peers"]) == (1, 1)
    assert by["330300"]["peer_rank"] == by["330400"]["peer_rank"] == 1  # ties share the rank
    assert by["330100"]["gap_peer_mean"] == pytest.approx(90 - (95 + 90 + 80) / 3)
    table = city_ranking_table(cities, 2024, "dgi_index", "zh", within="330000")
    assert table["地区"].to_list() == ["杭州", "宁波", "温州", "嘉兴"]
    assert table["同类城市组"].to_list() == ["副省级城市", "副省级城市", "其他地级市", "其他地级市"]
    assert table["组内排名"].to_list() == ["2 / 3", "3 / 3", "1 / 2", "1 / 2"]
    assert table["排名"].to_list() == [2, 4, 5, 5]
    en = city_ranking_table(cities, 2024, "dgi_index", "en")
    assert en["Peer group"][0] == "Sub-provincial city" and en["Rank in peer group"][0] == "1 of 3"
