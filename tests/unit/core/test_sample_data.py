"""The built-in sample datasets: reproducible, internally consistent and calibrated to the article.

They are illustrative samples (data/samples/README.md); these tests pin what the pages rely on: the
generator's bytes, the accounting identities between columns, and the patterns the article reports.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.paths import ROOT

SAMPLES = ROOT / "data" / "samples"
SCRIPT = ROOT / "scripts" / "make_sample_data.py"
FILES = (
    "province_index",
    "city_index",
    "city_channels",
    "demand_funnel",
    "open_data",
    "open_data_catalogue",
    "sharing_calls",
    "platform_operations",
)
CATEGORIES = ("business_registration", "tax", "social_insurance", "permits", "certificates")
ENTITY_TYPES = ("enterprise", "individual_business", "individual")
DIMENSIONS = ("organisation", "institutions", "capacity", "effect")
REASONS = (
    "reason_unaware",
    "reason_no_guidance",
    "reason_no_answer",
    "reason_prefers_face",
    "reason_tech_failure",
    "reason_other",
)
CITY_PROVINCES = {"330000", "440000", "510000", "520000"}
CORPS = "660000"
TOP10 = ["上海", "浙江", "北京", "广东", "四川", "福建", "贵州", "山东", "江西", "江苏"]
COLUMNS = {
    "province_index": ["adcode", "year", *DIMENSIONS, "index"],
    "city_index": ["adcode", "year", "parent", *DIMENSIONS, "index"],
    "city_channels": [
        "adcode",
        "year",
        "entity_type",
        "service_category",
        "respondents",
        "web",
        "mobile_app",
        "self_service_terminal",
        "counter",
        "prefers_offline",
    ],
    "demand_funnel": [
        "adcode",
        "level",
        "year",
        "service_category",
        "entities",
        "respondents",
        "need",
        "aware",
        "used",
        "completed",
        "satisfied",
        *REASONS,
    ],
    "open_data": ["adcode", "year", "platforms", "datasets", "updated_on_time", "median_staleness_days"],
    "open_data_catalogue": ["adcode", "title", "department", "frequency", "last_updated", "formats", "open_type"],
    "sharing_calls": ["adcode", "year", "provider", "consumer", "calls"],
    "platform_operations": ["adcode", "year", "platform", "investment", "transactions", "active_users"],
}


@cache
def load(name: str) -> pl.DataFrame:
    return pl.read_csv(SAMPLES / f"{name}.csv", schema_overrides={"adcode": pl.String, "parent": pl.String})


@cache
def gazetteer() -> pl.DataFrame:
    return pl.read_csv(ROOT / "data" / "gazetteer.csv", infer_schema=False)


def provinces31() -> pl.DataFrame:
    return gazetteer().filter((pl.col("level") == "province") & (pl.col("counted_in_31") == "true"))


def prefectures() -> pl.DataFrame:
    return gazetteer().filter(pl.col("level") == "prefecture")


def short_name() -> dict[str, str]:
    return dict(zip(gazetteer()["adcode"], gazetteer()["short_zh"], strict=True))


def with_macro(frame: pl.DataFrame, key: str = "adcode") -> pl.DataFrame:
    macro = dict(zip(gazetteer()["adcode"], gazetteer()["macro_region"], strict=True))
    return frame.with_columns(macro=pl.col(key).replace_strict(macro))


def offline_share_2024() -> pl.DataFrame:
    return (
        load("city_channels")
        .filter(pl.col("year") == 2024)
        .group_by("adcode")
        .agg(
            share=pl.col("prefers_offline").sum() / pl.col("respondents").sum(),
            counter=pl.col("counter").sum() / pl.col("respondents").sum(),
        )
    )


# -- files -------------------------------------------------------------------------------------------------


def test_generator_reproduces_the_committed_bytes(tmp_path: Path) -> None:
    out = tmp_path / "samples"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], cwd=ROOT, check=True, capture_output=True, timeout=300
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in FILES)
    for name in FILES:
        assert (out / f"{name}.csv").read_bytes() == (SAMPLES / f"{name}.csv").read_bytes(), name


@pytest.mark.parametrize("name", FILES)
def test_files_are_plain_utf8_csv_with_the_documented_columns(name: str) -> None:
    raw = (SAMPLES / f"{name}.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    raw.decode("utf-8")
    assert load(name).columns == COLUMNS[name]
    assert load(name)["adcode"].str.contains(r"^\d{6}$").all()
    assert f"`{name}.csv`" in (SAMPLES / "README.md").read_text(encoding="utf-8")


def test_samples_stay_small() -> None:
    assert sum((SAMPLES / f"{n}.csv").stat().st_size for n in FILES) < 3_000_000


def test_readme_says_the_data_are_not_official() -> None:
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert "示例数据" in text
    assert "not official statistics" in text
    for columns in COLUMNS.values():
        for column in columns:
            assert f"`{column}`" in text, column


@pytest.mark.parametrize("name", FILES)
def test_every_adcode_is_in_the_gazetteer(name: str) -> None:
    known = set(gazetteer()["adcode"])
    assert set(load(name)["adcode"]) <= known
    if "parent" in load(name).columns:
        assert set(load(name)["parent"]) <= known


@pytest.mark.parametrize("name", ["province_index", "city_index", "city_channels", "demand_funnel"])
def test_no_duplicate_keys(name: str) -> None:
    keys = [c for c in ("adcode", "level", "year", "entity_type", "service_category") if c in load(name).columns]
    assert load(name).select(keys).is_duplicated().sum() == 0


# -- 1. province index -------------------------------------------------------------------------------------


def test_province_index_covers_the_31_provinces_2018_to_2024() -> None:
    frame = load("province_index")
    assert set(frame["adcode"]) == set(provinces31()["adcode"])
    assert not set(frame["adcode"]) & {"710000", "810000", "820000", CORPS}
    assert frame.height == 31 * 7
    assert sorted(set(frame["year"])) == list(range(2018, 2025))


@pytest.mark.parametrize("name", ["province_index", "city_index"])
def test_index_is_the_mean_of_the_four_dimensions(name: str) -> None:
    frame = load(name)
    for column in [*DIMENSIONS, "index"]:
        assert frame[column].is_between(0, 100).all()
    mean = frame.select(sum(pl.col(d) for d in DIMENSIONS) / 4)
    assert np.allclose(mean.to_series().to_numpy(), frame["index"].to_numpy(), rtol=0, atol=1e-9)


def test_dimensions_differ_per_province() -> None:
    frame = load("province_index").filter(pl.col("year") == 2024)
    spread = frame.select(pl.max_horizontal(*DIMENSIONS) - pl.min_horizontal(*DIMENSIONS)).to_series()
    assert (spread > 1).all()
    gap = frame["institutions"] - frame["effect"]
    assert (gap > 3).any() and (gap < -3).any()  # some strong in institutions, others in effect


@pytest.mark.parametrize("year", [2021, 2024])
def test_top_10_is_the_articles_ranking(year: int) -> None:
    frame = load("province_index").filter(pl.col("year") == year).sort("index", descending=True)
    names = short_name()
    assert [names[a] for a in frame["adcode"].head(10)] == TOP10


def test_east_leads_central_and_west_every_year() -> None:
    means = (
        with_macro(load("province_index"))
        .group_by("year", "macro")
        .agg(pl.col("index").mean())
        .pivot("macro", index="year")
    )
    assert (means["east"] > means["central"]).all()
    assert (means["east"] > means["west"]).all()


def test_west_is_polarised() -> None:
    frame = with_macro(load("province_index")).filter((pl.col("year") == 2024) & (pl.col("macro") == "west"))
    by_name = dict(zip(map(short_name().get, frame["adcode"]), frame["index"], strict=True))
    east_mean = (
        with_macro(load("province_index"))
        .filter((pl.col("year") == 2024) & (pl.col("macro") == "east"))["index"]
        .mean()
    )
    assert by_name["四川"] > east_mean and by_name["贵州"] > east_mean - 2
    assert by_name["西藏"] == min(by_name.values())
    assert by_name["四川"] - by_name["西藏"] > 30


def test_every_province_grows_every_year() -> None:
    growth = (
        load("province_index")
        .sort("adcode", "year")
        .with_columns(g=pl.col("index") / pl.col("index").shift(1).over("adcode") - 1)["g"]
        .drop_nulls()
    )
    assert (growth > 0.01).all() and (growth < 0.10).all()


def growth_2018_2024() -> pl.DataFrame:
    wide = (
        load("province_index").filter(pl.col("year").is_in([2018, 2024])).pivot("year", index="adcode", values="index")
    )
    return wide.with_columns(rate=(pl.col("2024") / pl.col("2018")) ** (1 / 6) - 1)


def test_sichuan_and_guizhou_are_among_the_five_fastest_growers() -> None:
    fastest = growth_2018_2024().sort("rate", descending=True)["adcode"].head(5).to_list()
    assert {"510000", "520000"} <= set(fastest)
    rates = growth_2018_2024()["rate"]
    assert rates.min() > 0.02 and rates.max() < 0.065


def test_convergence_beta_and_sigma() -> None:
    growth = growth_2018_2024()
    beta = np.corrcoef(np.log(growth["2018"].to_numpy()), growth["rate"].to_numpy())[0, 1]
    assert beta < -0.3  # lower starting level, faster growth
    cv = (
        load("province_index")
        .group_by("year")
        .agg(cv=pl.col("index").std() / pl.col("index").mean())
        .sort("year")["cv"]
    )
    assert cv[0] > cv[-1]
    assert (cv.diff().drop_nulls() < 0).all()


# -- 2. city index -----------------------------------------------------------------------------------------


def test_city_index_covers_the_prefectures_of_four_provinces() -> None:
    frame = load("city_index")
    expected = prefectures().filter(pl.col("parent").is_in(CITY_PROVINCES))
    assert set(frame["adcode"]) == set(expected["adcode"])
    assert frame.height == expected.height * 7
    parents = dict(zip(expected["adcode"], expected["parent"], strict=True))
    assert all(parents[a] == p for a, p in zip(frame["adcode"], frame["parent"], strict=True))


def test_city_means_track_the_province_index_and_capitals_lead() -> None:
    frame = load("city_index")
    means = (
        frame.group_by("parent", "year")
        .agg(pl.col("index").mean().alias("city_mean"))
        .join(load("province_index").select(parent="adcode", year="year", province="index"), on=["parent", "year"])
    )
    assert ((means["city_mean"] - means["province"]).abs() < 1.0).all()
    leaders = frame.sort("index", descending=True).group_by("parent", "year").agg(pl.col("adcode").first())
    assert set(leaders["adcode"]) == {"330100", "440100", "510100", "520100"}
    spread = (
        frame.filter(pl.col("year") == 2024)
        .group_by("parent")
        .agg((pl.col("index").max() - pl.col("index").min()).alias("range"))
    )
    assert (spread["range"] > 5).all()


# -- 3. city channels --------------------------------------------------------------------------------------


def test_city_channels_cover_every_prefecture_and_the_corps() -> None:
    frame = load("city_channels")
    units = {*prefectures()["adcode"], CORPS}
    assert set(frame["adcode"]) == units
    assert frame.height == len(units) * 3 * len(ENTITY_TYPES) * len(CATEGORIES)
    assert set(frame["year"]) == {2022, 2023, 2024}
    assert set(frame["entity_type"]) == set(ENTITY_TYPES)
    assert set(frame["service_category"]) == set(CATEGORIES)


def test_channels_add_up_to_respondents() -> None:
    frame = load("city_channels")
    channels = frame["web"] + frame["mobile_app"] + frame["self_service_terminal"] + frame["counter"]
    assert (channels == frame["respondents"]).all()
    assert (frame["prefers_offline"] <= frame["respondents"]).all()
    assert (frame.select(pl.all().exclude("adcode", "entity_type", "service_category")) >= 0).to_numpy().all()
    assert (frame["respondents"] > 0).all()


def test_small_samples_are_present() -> None:
    respondents = load("city_channels")["respondents"]
    assert 0.02 < (respondents < 30).mean() < 0.10
    assert (respondents < 10).sum() >= 5
    assert 20 <= respondents.median() <= 400


def test_offline_share_spans_about_40_points() -> None:
    share = offline_share_2024()["share"]
    assert 0.35 <= share.max() - share.min() <= 0.45
    assert 0.12 < share.min() < 0.25 and 0.50 < share.max() < 0.65


def test_offline_share_follows_development() -> None:
    share = offline_share_2024()
    assert np.corrcoef(share["share"], share["counter"])[0, 1] > 0.8
    parents = dict(zip(prefectures()["adcode"], prefectures()["parent"], strict=True))
    cities = (
        share.filter(pl.col("adcode") != CORPS)
        .with_columns(province=pl.col("adcode").replace_strict(parents))
        .join(
            load("province_index").filter(pl.col("year") == 2024).select(province="adcode", index="index"),
            on="province",
        )
    )
    assert np.corrcoef(cities["share"], cities["index"])[0, 1] < -0.5
    by_macro = with_macro(cities, "province").group_by("macro").agg(pl.col("share").mean())
    means = dict(zip(by_macro["macro"], by_macro["share"], strict=True))
    assert means["east"] < means["central"] < means["west"]


def test_offline_share_by_entity_category_and_year() -> None:
    def share(by: str) -> dict:
        frame = load("city_channels").group_by(by).agg(pl.col("prefers_offline").sum() / pl.col("respondents").sum())
        return dict(zip(frame[by], frame["prefers_offline"], strict=True))

    entity = share("entity_type")
    assert entity["enterprise"] < entity["individual_business"] < entity["individual"]
    category = share("service_category")
    assert max(category["tax"], category["business_registration"]) < min(category["permits"], category["certificates"])
    year = share("year")
    assert year[2022] > year[2023] > year[2024]


# -- 4. demand funnel --------------------------------------------------------------------------------------


def test_demand_funnel_covers_provinces_corps_and_prefectures() -> None:
    frame = load("demand_funnel")
    provinces = frame.filter(pl.col("level") == "province")
    assert set(provinces["adcode"]) == {*provinces31()["adcode"], CORPS}
    assert set(frame.filter(pl.col("level") == "prefecture")["adcode"]) == set(prefectures()["adcode"])
    assert set(frame["level"]) == {"province", "prefecture"}
    assert frame.height == (32 + prefectures().height) * 2 * len(CATEGORIES)
    assert set(frame["year"]) == {2023, 2024}


def test_funnel_is_a_chain_and_reasons_partition_the_non_users() -> None:
    f = load("demand_funnel")
    chain = ["entities", "respondents", "need", "aware", "used", "completed", "satisfied"]
    for bigger, smaller in pairwise(chain):
        assert (f[smaller] <= f[bigger]).all(), (smaller, bigger)
    assert (f.select(chain[2:] + list(REASONS)) >= 0).to_numpy().all()
    assert (f["reason_unaware"] == f["need"] - f["aware"]).all()
    assert (f.select(sum(pl.col(r) for r in REASONS)).to_series() == f["need"] - f["used"]).all()
    assert (f.select(sum(pl.col(r) for r in REASONS[1:])).to_series() == f["aware"] - f["used"]).all()


def test_province_rows_are_sums_of_their_prefectures() -> None:
    f = load("demand_funnel")
    parents = dict(zip(prefectures()["adcode"], prefectures()["parent"], strict=True))
    counts = COLUMNS["demand_funnel"][4:]
    summed = (
        f.filter(pl.col("level") == "prefecture")
        .with_columns(pl.col("adcode").replace_strict(parents))
        .group_by("adcode", "year", "service_category")
        .agg(pl.col(c).sum() for c in counts)
    )
    provinces = f.filter((pl.col("level") == "province") & (pl.col("adcode") != CORPS)).drop("level")
    joined = provinces.join(summed, on=["adcode", "year", "service_category"], suffix="_sum")
    assert joined.height == provinces.height
    for c in counts:
        assert (joined[c] == joined[f"{c}_sum"]).all(), c


def province_funnel_2024() -> pl.DataFrame:
    return with_macro(
        load("demand_funnel")
        .filter((pl.col("level") == "province") & (pl.col("year") == 2024))
        .group_by("adcode")
        .agg(
            potential=pl.col("need").sum() / pl.col("respondents").sum(),
            actual=pl.col("used").sum() / pl.col("respondents").sum(),
            awareness_gap=(pl.col("need") - pl.col("aware")).sum() / pl.col("respondents").sum(),
            conversion_gap=(pl.col("aware") - pl.col("used")).sum() / pl.col("respondents").sum(),
            entities=pl.col("entities").max(),
        )
        .with_columns(shortfall=pl.col("potential") - pl.col("actual"))
    )


def test_funnel_calibration() -> None:
    f = province_funnel_2024()
    assert f["potential"].is_between(0.6, 0.9).all()
    assert f["shortfall"].is_between(0.10, 0.35).all()
    means = dict(f.group_by("macro").agg(pl.col("shortfall").mean()).iter_rows())
    assert means["west"] > means["east"]
    # priorities differ: some regions lose users to not knowing, others to not converting
    assert (f["awareness_gap"] > f["conversion_gap"]).sum() >= 5
    assert (f["awareness_gap"] < f["conversion_gap"]).sum() >= 5
    assert f.filter(pl.col("adcode") != CORPS)["entities"].is_between(300_000, 10_000_000).all()


# -- 5. open data ------------------------------------------------------------------------------------------


def test_open_data_rows_and_invariants() -> None:
    f = load("open_data")
    assert set(f["adcode"]) == set(provinces31()["adcode"])
    assert f.height == 31 * 4 and set(f["year"]) == {2021, 2022, 2023, 2024}
    assert f["platforms"].is_between(0, 20).all()
    assert (f["updated_on_time"] <= f["platforms"]).all() and (f["updated_on_time"] >= 0).all()
    none = f.filter(pl.col("platforms") == 0)
    assert none.height >= 1
    assert (none["datasets"] == 0).all() and (none["updated_on_time"] == 0).all()
    assert none["median_staleness_days"].is_null().all()
    some = f.filter(pl.col("platforms") > 0)
    assert some["median_staleness_days"].is_between(30, 720).all() and (some["datasets"] > 0).all()


def test_more_than_half_of_platforms_are_not_updated_on_time() -> None:
    share = (
        load("open_data")
        .group_by("year")
        .agg(pl.col("updated_on_time").sum() / pl.col("platforms").sum())
        .sort("year")["updated_on_time"]
    )
    assert (share < 0.5).all()
    assert (share.diff().drop_nulls() > 0).all()
    by_macro = dict(
        with_macro(load("open_data"))
        .group_by("macro")
        .agg(pl.col("updated_on_time").sum() / pl.col("platforms").sum())
        .iter_rows()
    )
    assert by_macro["east"] > by_macro["west"]
