"""The regional page's comparison with an analyst's indicator says only what it checked: the sign when the interval
of r excludes 0, "no clear relation" when it does not, every tied region, the year actually used."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from digigov.presenters.covariate import covariate_view
from digigov.regions import load_gazetteer
from digigov.user_indicators import UserIndicatorSpec

PROVINCES = [r.adcode for r in load_gazetteer().provinces(counted_in_31_only=True)]
SPEC = UserIndicatorSpec(label="x", name_zh="宽带接入用户", name_en="Broadband", unit_zh="万户", decimals=0)


def index_frame(scores: dict[str, float], year: int = 2023) -> pl.DataFrame:
    return pl.DataFrame({"adcode": list(scores), "year": [year] * len(scores), "index": list(scores.values())})


def values_frame(values: dict[str, float | None], year: int = 2023) -> pl.DataFrame:
    return pl.DataFrame(
        {"adcode": list(values), "year": [year] * len(values), "value": list(values.values())},
        schema={"adcode": pl.String, "year": pl.Int32, "value": pl.Float64},
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(6, 31), st.sampled_from([1.0, -1.0]), st.integers(0, 10_000))
def test_the_sign_in_words_follows_the_data(n, direction, seed):
    provinces = PROVINCES[:n]
    scores = {a: 40.0 + i for i, a in enumerate(provinces)}
    noise = [((seed * (i + 7)) % 5) / 10 for i in range(n)]
    values = {a: 100 + direction * 10 * i + noise[i] for i, a in enumerate(provinces)}
    view = covariate_view(SPEC, "d1", values_frame(values), index_frame(scores), 2023, "zh")
    text = " ".join(view.findings)
    assert view.correlation is not None and view.correlation.excludes_zero
    assert ("正相关" in text) == (direction > 0) and ("负相关" in text) == (direction < 0)
    assert "相关不等于因果" in text and view.scatter is not None


def test_unrelated_values_are_no_clear_relation():
    scores = {a: 50.0 + (i % 2) for i, a in enumerate(PROVINCES[:8])}
    values = {a: 10.0 + (i // 2 % 2) for i, a in enumerate(PROVINCES[:8])}
    view = covariate_view(SPEC, "d1", values_frame(values), index_frame(scores), 2023, "en")
    text = " ".join(view.findings)
    assert "no clear linear relation" in text and "includes 0" in text
    assert "positively" not in text and "negatively" not in text


def test_ties_are_all_named_and_equal_values_say_so():
    values = {PROVINCES[0]: 5.0, PROVINCES[1]: 5.0, PROVINCES[2]: 1.0}
    view = covariate_view(SPEC, "d1", values_frame(values), index_frame({}), 2023, "zh")
    assert "最高的是北京、天津（5 万户）" in view.findings[0]
    same = covariate_view(SPEC, "d1", values_frame(dict.fromkeys(PROVINCES[:3], 2.0)), index_frame({}), 2023, "zh")
    assert same.findings[0] == "所有有数值的地区宽带接入用户都相同（2 万户）。"


def test_the_nearest_year_is_used_and_said_and_too_few_pairs_give_no_r():
    values = values_frame({PROVINCES[0]: 1.0, PROVINCES[1]: 2.0, PROVINCES[2]: 4.0}, year=2020)
    view = covariate_view(SPEC, "d1", values, index_frame(dict.fromkeys(PROVINCES[:3], 60.0)), 2023, "zh")
    assert view.year == 2020 and view.correlation is None
    assert any("最接近的 2020 年" in s for s in view.findings)
    assert any("只有 3 个省份同时有" in s for s in view.findings)
    assert not any("相关不等于因果" in s for s in view.findings)


def test_a_prefecture_indicator_is_mapped_without_a_comparison():
    spec = UserIndicatorSpec(label="x", name_zh="城市指标", level="prefecture")
    cities = [r.adcode for r in load_gazetteer().regions.values() if r.level == "prefecture"][:5]
    view = covariate_view(spec, "d1", values_frame(dict.fromkeys(cities, 3.0)), index_frame({}), 2023, "zh")
    assert view.map is not None and view.scatter is None and view.ranking is None
    assert any("地市级指标" in s for s in view.findings)


def test_no_values_at_all_says_so():
    view = covariate_view(SPEC, "d1", values_frame({}), index_frame({}), 2023, "zh")
    assert view.year is None and view.map is None and view.findings == ("宽带接入用户没有可显示的数值。",)
