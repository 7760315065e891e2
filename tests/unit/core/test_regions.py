import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digigov.regions import CORPS_ADCODE, UnknownRegionError, load_gazetteer, normalise_key

G = load_gazetteer()

NBS_REGIONS = {
    "east": "北京 天津 河北 上海 江苏 浙江 福建 山东 广东 海南",
    "central": "山西 安徽 江西 河南 湖北 湖南",
    "west": "内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆",
    "northeast": "辽宁 吉林 黑龙江",
    "hmt": "香港 澳门 台湾",
}


@pytest.mark.parametrize(
    ("name", "adcode"),
    [
        ("上海", "310000"),
        ("上海市", "310000"),
        ("Shanghai", "310000"),
        ("shanghai", "310000"),
        ("310000", "310000"),
        (310000, "310000"),
        ("310000000000", "310000"),
        (" 上海 ", "310000"),
        ("内蒙古", "150000"),
        ("Inner Mongolia", "150000"),
        ("Nei Mongol", "150000"),
        ("NEI-MONGOL", "150000"),
        ("广西", "450000"),
        ("广西壮族自治区", "450000"),
        ("西藏", "540000"),
        ("Tibet", "540000"),
        ("Xizang", "540000"),
        ("兵团", CORPS_ADCODE),
        ("新疆生产建设兵团", CORPS_ADCODE),
        ("Hong Kong", "810000"),
        ("Macau", "820000"),
        ("台湾", "710000"),
        ("Xi'an", "610100"),
        ("xian", "610100"),
        ("杭州市", "330100"),
        ("恩施", "422800"),
        ("Ｓｈａｎｇｈａｉ", "310000"),
    ],
)
def test_resolver_accepts_every_spelling(name, adcode):
    assert G.resolve(name).adcode == adcode


def test_province_wins_over_same_named_prefecture_unless_asked():
    assert G.resolve("吉林").adcode == "220000"
    assert G.resolve("吉林", level="prefecture").adcode == "220200"
    assert G.resolve("吉林市").adcode == "220200"
    assert G.resolve("海南", level="prefecture").adcode == "632500"


def test_unknown_name_gives_closest_suggestions():
    with pytest.raises(UnknownRegionError) as err:
        G.resolve("Shangai")
    assert "310000" in [r.adcode for r in err.value.suggestions]
    assert "Shangai" in str(err.value)


def test_ambiguous_name_lists_candidates():
    with pytest.raises(UnknownRegionError) as err:
        G.resolve("Fuzhou", level="prefecture")
    assert err.value.ambiguous
    assert {r.name_zh for r in err.value.suggestions} == {"福州市", "抚州市"}
    assert G.resolve("Fuzhou", level="prefecture", within="350000").name_zh == "福州市"


@pytest.mark.parametrize("bad", ["", None, "火星", 3.5, "12345", "<script>alert(1)</script>"])
def test_garbage_is_an_error_not_a_crash(bad):
    with pytest.raises(UnknownRegionError):
        G.resolve(bad)


def test_corps_is_known_and_flagged_without_boundary():
    corps = G[CORPS_ADCODE]
    assert not corps.has_boundary
    assert not corps.counted_in_31
    assert all(r.has_boundary for r in G.regions.values() if r.adcode != CORPS_ADCODE)


def test_counts_and_macro_regions_follow_nbs():
    provinces = [r for r in G.provinces() if r.adcode != CORPS_ADCODE]
    assert len(provinces) == 34
    assert len(G.provinces(counted_in_31_only=True)) == 31
    for macro, names in NBS_REGIONS.items():
        got = {r.short_zh for r in provinces if r.macro_region == macro}
        assert got == set(names.split()), macro


def test_every_prefecture_sits_in_a_province_and_codes_are_six_digits():
    prefectures = [r for r in G.regions.values() if r.level == "prefecture"]
    assert len(prefectures) == 367
    for r in prefectures:
        assert G[r.parent].level == "province"
        assert r.adcode[:2] == r.parent[:2]
    assert all(len(code) == 6 and code.isdigit() for code in G.regions)


def test_suggestions_respect_level():
    assert all(r.level == "province" for r in G.suggest("四", level="province"))


@given(st.sampled_from(sorted(G.regions)), st.sampled_from(["upper", "lower", "spaced", "asis"]))
def test_every_unit_resolves_by_code_and_english_name_in_any_case(adcode, variant):
    region = G[adcode]
    assert G.resolve(adcode) == region
    english = {
        "upper": region.name_en.upper(),
        "lower": region.name_en.lower(),
        "spaced": " ".join(region.name_en),
        "asis": region.name_en,
    }[variant]
    resolved = G.resolve(english, level=region.level, within=region.parent)
    assert resolved == region


@given(st.text(max_size=30))
def test_resolver_never_raises_anything_but_unknown_region(text):
    with contextlib.suppress(UnknownRegionError):
        G.resolve(text)


def test_normalise_key_folds_width_case_and_punctuation():
    assert normalise_key("Ｎｅｉ　Mongol") == normalise_key("nei-mongol") == "neimongol"


def test_a_total_is_national_only_when_every_province_is_reached():
    from digigov.regions import covers_all_provinces, load_gazetteer

    gazetteer = load_gazetteer()
    provinces = [r.adcode for r in gazetteer.provinces(counted_in_31_only=True)]
    assert covers_all_provinces(provinces)
    assert not covers_all_provinces(provinces[1:])
    cities = [gazetteer.children(p)[0].adcode if gazetteer.children(p) else p for p in provinces]
    assert covers_all_provinces(cities)
    assert not covers_all_provinces(["810000", "820000", "710000", "999999"])


def test_city_groups_list_15_sub_provincial_cities_and_27_capitals_all_prefectures_of_the_gazetteer():
    from digigov.regions import city_group, load_city_groups

    groups = load_city_groups()
    sub = {a for a, g in groups.items() if "sub_provincial" in g}
    capitals = {a for a, g in groups.items() if "capital" in g}
    assert len(sub) == 15 and len(capitals) == 27
    gazetteer = load_gazetteer()
    assert all(a in gazetteer and gazetteer[a].level == "prefecture" for a in groups)
    # One capital per province that is not a municipality, each in its own province.
    assert len({gazetteer[a].parent for a in capitals}) == 27
    assert {"北京市", "上海市", "天津市", "重庆市"}.isdisjoint(gazetteer[a].name_zh for a in groups)
    assert {gazetteer[a].short_zh for a in sub - capitals} == {"深圳", "大连", "青岛", "宁波", "厦门"}
    assert city_group("440300") == "sub_provincial" and city_group("330100") == "sub_provincial"
    assert city_group("340100") == "capital" and city_group("330300") is None and city_group("110000") is None
