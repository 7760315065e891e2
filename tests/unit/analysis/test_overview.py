import polars as pl
import pytest

from digigov.analysis import overview
from digigov.datasets import load_builtin
from digigov.presenters import overview as presenter
from tests.factories import province_index

INDEX = province_index()


def synthetic():
    return pl.DataFrame(
        {
            "adcode": ["310000", "540000", "510000", "310000", "540000", "510000"],
            "year": [2023, 2023, 2023, 2024, 2024, 2024],
            "index": [80.0, 40.0, 60.0, 82.0, 50.0, 55.0],
        }
    )


def test_ranking_and_rank_change():
    ranks = overview.ranking(synthetic(), 2024)
    assert ranks["adcode"].to_list() == ["310000", "510000", "540000"]
    assert ranks["rank"].to_list() == [1, 2, 3]
    assert ranks["rank_change"].to_list() == [0, 0, 0]
    frame = synthetic().with_columns(
        pl.when((pl.col("year") == 2024) & (pl.col("adcode") == "540000"))
        .then(70.0)
        .otherwise(pl.col("index"))
        .alias("index")
    )
    changed = overview.ranking(frame, 2024)
    assert dict(zip(changed["adcode"], changed["rank_change"], strict=True)) == {"310000": 0, "540000": 1, "510000": -1}


def test_macro_region_means_and_headline():
    means = overview.macro_region_means(synthetic(), 2024)
    assert dict(zip(means["macro_region"], means["mean"], strict=True)) == {"east": 82.0, "west": 52.5}
    head = overview.headline(synthetic(), 2024)
    assert head.top_adcode == "310000" and head.bottom_adcode == "540000"
    assert head.max_min_ratio == pytest.approx(82 / 50)
    assert head.east_west_gap == pytest.approx(29.5)


def test_sample_headline_matches_the_article_calibration():
    year = int(INDEX["year"].max())
    top10 = overview.ranking(INDEX, year)["adcode"].head(10).to_list()
    assert top10[:3] == ["310000", "330000", "110000"]
    assert overview.headline(INDEX, year).east_west_gap > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_findings_carry_their_numbers(lang):
    year = int(INDEX["year"].max())
    sentences = presenter.draft_findings(
        INDEX, year, lang, channels=load_builtin("city_channels"), open_data=load_builtin("open_data")
    )
    assert 3 <= len(sentences) <= 6
    head = overview.headline(INDEX, year)
    assert f"{head.max_min_ratio:.2f}" in sentences[0]
    assert ("上海" if lang == "zh" else "Shanghai") in sentences[0]
    assert all(any(ch.isdigit() for ch in s) for s in sentences)


def test_ranking_table_is_localised():
    table = presenter.ranking_table(INDEX, 2024, "dgi_index", "en")
    assert table.columns[:2] == ["Rank", "Region"]
    assert table["Region"][0] == "Shanghai"
    assert table.height == 31


def test_west_polarisation_names_the_lowest_western_province():
    year = int(INDEX["year"].max())
    ranks = overview.ranking(INDEX, year).join(overview.region_table(), on="adcode")
    last_west = ranks.filter(pl.col("macro_region") == "west").sort("rank")["rank"].max()
    sentence = next(s for s in presenter.draft_findings(INDEX, year, "en") if "polarised" in s)
    assert sentence.endswith(f"ranks {last_west} of {ranks.height}.")
