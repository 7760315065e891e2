"""The channels page tells the truth on any data of its kind, and its small-cell protection holds against what
the page view and its downloadable tables show (issue 12)."""

from __future__ import annotations

import json
import random

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

from digigov.analysis.channels import channel_shares
from digigov.datasets import load_builtin
from digigov.findings import Finding
from digigov.i18n import t
from digigov.presenters import channels as cp
from digigov.regions import region_label

K = 10


def cell(adcode, n, offline, *, year=2024, entity="enterprise", category="tax", weight=None):
    web = n - n // 4
    row = {
        "adcode": adcode,
        "year": year,
        "entity_type": entity,
        "service_category": category,
        "respondents": n if weight is None else n * weight,
        "web": web if weight is None else web * weight,
        "mobile_app": 0 if weight is None else 0.0,
        "self_service_terminal": 0 if weight is None else 0.0,
        "counter": n - web if weight is None else (n - web) * weight,
        "prefers_offline": offline if weight is None else offline * weight,
    }
    if weight is not None:
        row |= {"unweighted_n": n, "sum_weight_sq": n * weight**2}
    return row


def view(frame, lang="en", **sel) -> cp.ChannelsView:
    return cp.present(frame, cp.Selection(year=sel.pop("year", 2024), **sel), lang)


def n_by_unit(v: cp.ChannelsView, lang="en") -> dict[str, float | None]:
    table = v.tables.units
    return dict(zip(table[t("column.adcode", lang)], table[t("channels.col_n", lang)], strict=True))


# -- 1. suppression counts records, not weights --------------------------------------------------------------
def weighted_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [
            cell("330100", 3, 2, weight=5000.0),  # three records weighing 15,000
            cell("330200", 80, 30, weight=1.0),
            cell("330300", 60, 20, weight=1.0),
            cell("510100", 90, 50, weight=1.0),
            cell("510300", 70, 30, weight=1.0),
        ]
    )


def test_a_weighted_cell_of_three_records_is_hidden_everywhere():
    v = view(weighted_frame())
    row = v.shares.filter(pl.col("adcode") == "330100").row(0, named=True)
    assert row["suppressed"] and row["suppression"] == "primary"
    assert row["offline_share"] is None and row["respondents"] is None and row["prefers_offline"] is None
    assert n_by_unit(v)["330100"] is None
    assert "330100" not in v.mix_options
    # the map shows no value for it
    main = [trace for trace in v.map.data if "330100" in list(trace.locations or [])]
    assert main and all(trace.z is None or set(trace.z) <= {0} for trace in main)
    # sample sizes on the page are records, not weights
    assert n_by_unit(v)["330200"] == 80


# -- 2. secondary suppression: no hidden cell recoverable from what the page shows ------------------------------
PROVINCE_CITIES = {
    "330000": ["330100", "330200", "330300", "330400"],
    "510000": ["510100", "510300", "510400"],
    "420000": ["420100", "420200"],
    "210000": ["210100"],
}


def random_frame(seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for cities in PROVINCE_CITIES.values():
        for city in cities:
            for entity in ("enterprise", "individual_business", "individual"):
                for category in ("tax", "permits"):
                    if rng.random() < 0.4:
                        continue
                    n = rng.choice([1, 2, 4, 6, 9, 15, 30, 60])
                    rows.append(cell(city, n, rng.randint(0, n), entity=entity, category=category))
    return pl.DataFrame(rows)


def shown_equations(frame: pl.DataFrame, city_view: cp.ChannelsView, province_view: cp.ChannelsView, lang="en"):
    """What an attacker reads off the page: the n of every unit at both levels and of every shown entity type
    and category, and the sum relations between them. Returns (unknown cells, equations, known values)."""
    cities, provinces = n_by_unit(city_view, lang), n_by_unit(province_view, lang)
    entity = dict(zip(city_view.tables.entity["key"], city_view.tables.entity["n"], strict=True))
    category = dict(zip(city_view.tables.category["key"], city_view.tables.category["n"], strict=True))
    all_entities, all_categories = set(frame["entity_type"]), set(frame["service_category"])
    values: dict[tuple[str, str], float | None] = {("city", a): n for a, n in cities.items()}
    values |= {("province", a): n for a, n in provinces.items()}
    values |= {("entity", e): entity.get(e) for e in all_entities}
    values |= {("category", c): category.get(c) for c in all_categories}
    values[("total", "all")] = None
    groups = [(("province", p), [("city", c) for c in cities if c[:2] == p[:2]]) for p in provinces]
    groups.append((("total", "all"), [("province", p) for p in provinces]))
    groups.append((("total", "all"), [("entity", e) for e in all_entities]))
    groups.append((("total", "all"), [("category", c) for c in all_categories]))
    return values, groups


def recovered(values, groups) -> list[tuple[str, str]]:
    unknown = sorted(key for key, value in values.items() if value is None)
    column = {key: i for i, key in enumerate(unknown)}
    rows = []
    for parent, children in groups:
        equation = np.zeros(len(unknown))
        if parent in column:
            equation[column[parent]] += 1
        for child in children:
            if child in column:
                equation[column[child]] -= 1
        if equation.any():
            rows.append(equation)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for key, j in column.items():
        if key[0] == "total":
            continue
        unit = np.zeros(len(unknown))
        unit[j] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(key)
    return found


@pytest.mark.parametrize("seed", range(8))
def test_no_hidden_cell_can_be_recovered_by_subtraction_from_the_page(seed):
    frame = random_frame(seed)
    city_view = view(frame, level="prefecture")
    province_view = view(frame, level="province")
    values, groups = shown_equations(frame, city_view, province_view)
    # nothing below k is shown anywhere
    assert all(v is None or v >= K for v in values.values()), values
    assert recovered(values, groups) == []
    # hidden cells carry no number in the presenter's frames either
    for v in (city_view, province_view):
        hidden = v.shares.filter(pl.col("suppressed"))
        assert (
            hidden.select("respondents", "prefers_offline", "offline_share", "web_share").null_count().row(0)
            == (hidden.height,) * 4
        )


def test_the_subtraction_that_used_to_work_no_longer_does():
    # 杭州 has 5 records; 浙江's total minus 宁波 and 温州 was 杭州.
    frame = pl.DataFrame(
        [cell("330100", 5, 4), cell("330200", 100, 30), cell("330300", 60, 20), cell("510100", 90, 40)]
    )
    cities, provinces = n_by_unit(view(frame)), n_by_unit(view(frame, level="province"))
    assert cities["330100"] is None
    visible = [n for a, n in cities.items() if a.startswith("33") and n is not None]
    assert provinces["330000"] is None or len(visible) <= 1, (provinces, cities)
    assert sum(n is None for a, n in cities.items() if a.startswith("33")) >= 2


def test_a_small_entity_type_is_hidden_with_a_second_one():
    frame = pl.DataFrame(
        [
            cell("330100", 200, 40, entity="enterprise"),
            cell("330200", 150, 40, entity="individual_business"),
            cell("330300", 4, 3, entity="individual"),
            cell("510100", 300, 90, entity="enterprise"),
        ]
    )
    v = view(frame)
    assert set(v.tables.entity["key"]) == {"enterprise"}  # individual (4) and the smaller other one are hidden
    assert any("Individuals" in note and "Individual businesses" in note for note in v.notes)


# -- 3. relation: sample index labelled, one point per province, wording follows p and sign ----------------------
def provinces_frame(slope: float, noise: float, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    provinces = [f"{p}0000" for p in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41)]
    index = rng.uniform(40, 90, len(provinces))
    shares = np.clip(0.4 + slope * (index - 65) + rng.normal(0, noise, len(provinces)), 0.02, 0.98)
    rows = []
    for p, share in zip(provinces, shares, strict=True):
        for city in (p[:2] + "0100", p[:2] + "0200"):  # two cities each: they share the province's index
            rows.append(cell(city, 400, round(float(400 * share))))
    index_frame = pl.DataFrame({"adcode": provinces, "year": [2024] * len(provinces), "index": index})
    return pl.DataFrame(rows), index_frame


@pytest.mark.parametrize(
    ("slope", "noise", "key"),
    [
        (-0.008, 0.01, "channels.relation_negative"),
        (0.008, 0.01, "channels.relation_positive"),
        (0.0, 0.1, "channels.relation_not_significant"),
    ],
)
def test_relation_wording_follows_significance_and_sign(slope, noise, key):
    frame, index = provinces_frame(slope, noise)
    found = cp.channels_findings(frame, 2024, "en", index=index)
    relation = [f for f in found if f.key.startswith("channels.relation_")]
    assert [f.key for f in relation] == [key]
    facts = relation[0].facts
    assert facts.provinces == 16  # one point per province, not 32 cities
    assert facts.significant == (facts.p_value < cp.ALPHA) and facts.negative == (facts.r < 0)
    if key == "channels.relation_not_significant":
        assert "significantly" not in relation[0].text


def test_relation_uses_one_point_per_province_and_labels_the_sample_index():
    frame, _ = provinces_frame(-0.008, 0.01)
    v = cp.present(frame, cp.Selection(year=2024), "en")  # an analyst's data, the built-in index
    assert v.tables.relation.height == 16 and set(v.tables.relation["adcode"].str.slice(2)) == {"0000"}
    texts = [a.text for a in v.relation.layout.annotations]
    assert t("channels.index_sample_mark", "en") in texts
    assert t("channels.relation_index_sample_mixed", "en") in v.relation_caption
    own = cp.present(frame, cp.Selection(year=2024), "en", index=provinces_frame(-0.008, 0.01)[1])
    assert t("channels.index_sample_mark", "en") not in [a.text for a in own.relation.layout.annotations]
    assert "sample data" not in own.relation_caption


def test_relation_with_too_few_provinces_says_so():
    frame = pl.DataFrame([cell("330100", 100, 30), cell("330200", 100, 40), cell("510100", 100, 50)])
    v = view(frame)
    assert v.relation_sentence is None
    assert t("channels.relation_too_few", "en", n=2) in v.relation_caption


# -- 4, 5. free-text labels shown with their own (escaped) text --------------------------------------------------
EVIL = "[click](http://evil.example) ![x](http://evil.example/a.png) <b>bold</b>"


def free_text_frame() -> pl.DataFrame:
    return pl.DataFrame(
        [
            cell("330100", 200, 40, entity="外资企业", category=EVIL),
            cell("330200", 150, 90, entity="個體工商戶", category="跨境贸易"),
            cell("510100", 120, 70, entity="个体工商户", category="跨境贸易"),
            cell("510300", 120, 20, entity="外资企业", category=EVIL),
        ]
    )


def test_labels_outside_the_catalog_are_shown_and_the_page_works():
    v = view(free_text_frame(), lang="zh")
    # 个体工商户 is the catalog's; 個體工商戶 is the same label in traditional script and joins it (OpenCC)
    assert set(v.tables.entity["group"]) == {"外资企业", "个体工商户"}
    assert set(v.tables.entity["key"]) == {"外资企业", "individual_business"}
    assert set(v.tables.category["group"]) == {EVIL, "跨境贸易"}
    bars = v.category.data[0].x
    assert "<b>" not in json.dumps(list(bars)) and "&lt;b&gt;" in json.dumps(list(bars))
    opts = cp.options(free_text_frame())
    assert set(opts.entity_types) == {"individual_business", "外资企业"}
    assert opts.categories == tuple(sorted([EVIL, "跨境贸易"]))


def test_user_text_in_findings_is_escaped_for_markdown_and_plain_for_the_command_line():
    v = view(free_text_frame(), lang="en")
    category_sentence = next(s for s in v.findings if "Matters of" in s)
    assert "](http" not in category_sentence and "\\[click\\]" in category_sentence
    plain = cp.channels_findings(free_text_frame(), 2024, "en")
    assert any(EVIL in f.text for f in plain)


def test_two_labels_with_the_same_text_stay_two_bars():
    frame = pl.DataFrame([cell("330100", 200, 40, entity="enterprise"), cell("330200", 150, 90, entity="Enterprises")])
    v = view(frame)
    assert v.tables.entity["group"].n_unique() == 2
    assert len(set(v.entity.data[0].x)) == 2


# -- 6. findings from facts ------------------------------------------------------------------------------------
def cities_frame(offline: list[int], n: int = 200) -> pl.DataFrame:
    codes = ["330100", "330200", "330300", "330400", "330500"][: len(offline)]
    return pl.DataFrame([cell(a, n, o) for a, o in zip(codes, offline, strict=True)])


def test_spread_finding_names_the_true_highest_and_lowest_in_either_order():
    for offline in ([160, 100, 40], [40, 100, 160]):
        found = cp.channels_findings(cities_frame(offline), 2024, "en")
        spread = next(f for f in found if f.key == "channels.finding_spread")
        shares = {a: o / 200 for a, o in zip(["330100", "330200", "330300"], offline, strict=True)}
        assert spread.facts.highest == max(shares, key=shares.get)
        assert spread.facts.lowest == min(shares, key=shares.get)
        assert spread.facts.spread_pp == pytest.approx(60.0)
        assert region_label(spread.facts.highest, "en") in spread.text
        assert next(f for f in found if f.key.startswith("channels.finding_")).key == "channels.finding_spread"


def test_equal_cities_get_a_neutral_sentence_and_one_city_none():
    found = cp.channels_findings(cities_frame([80, 80, 80]), 2024, "zh")
    keys = [f.key for f in found]
    assert "channels.finding_spread_equal" in keys and "channels.finding_spread" not in keys
    assert "channels.finding_distinct" not in keys and "channels.finding_not_distinct" not in keys
    one = [f.key for f in cp.channels_findings(cities_frame([80]), 2024, "zh")]
    assert not [k for k in one if k.startswith("channels.finding_spread")]
    assert "channels.finding_distinct" not in one and "channels.finding_not_distinct" not in one


def test_entity_sentence_checks_order_ties_and_intervals():
    def frame(a, b, n=400):
        return pl.DataFrame([cell("330100", n, a, entity="enterprise"), cell("330200", n, b, entity="individual")])

    for a, b in ((100, 300), (300, 100)):
        facts = next(
            f for f in cp.channels_findings(frame(a, b), 2024, "en") if f.key.startswith("channels.finding_entity")
        ).facts
        assert facts.most == ("individual" if b > a else "enterprise")
        assert facts.difference_pp > 0 and not facts.within_ci
    tied = next(
        f for f in cp.channels_findings(frame(200, 200), 2024, "en") if f.key.startswith("channels.finding_entity")
    )
    assert tied.key == "channels.finding_entity_equal"


def test_entity_sentence_overlapping_intervals_is_hedged():
    frame = pl.DataFrame([cell("330100", 60, 30, entity="enterprise"), cell("330200", 60, 33, entity="individual")])
    found = next(f for f in cp.channels_findings(frame, 2024, "en") if f.key.startswith("channels.finding_entity"))
    assert found.key == "channels.finding_entity_overlap" and found.facts.within_ci


def test_a_small_group_left_out_of_the_comparison_is_said_and_the_extremes_are_the_compared_ones():
    # a 15-record group at 0 % is shown (flagged), not hidden, and not the "lowest": the sentence says it is out
    frame = pl.DataFrame(
        [
            cell("330100", 200, 20, entity="enterprise"),
            cell("330200", 200, 60, entity="individual"),
            cell("330300", 15, 0, entity="cooperative"),
        ]
    )
    for lang, word in (("zh", "未参与比较"), ("en", "left out")):
        found = next(f for f in cp.channels_findings(frame, 2024, lang) if f.key.startswith("channels.finding_entity"))
        assert (found.facts.most, found.facts.least) == ("individual", "enterprise")
        assert found.facts.left_out == 1 and found.facts.groups == 2
        assert word in found.text and "30" in found.text
    adequate = frame.with_columns(pl.lit(200).alias("respondents"))
    found = next(f for f in cp.channels_findings(adequate, 2024, "en") if f.key.startswith("channels.finding_entity"))
    assert found.facts.left_out == 0 and "left out" not in found.text


def test_channels_findings_on_the_samples_agree_with_an_independent_computation():
    frame = load_builtin("city_channels")
    found = cp.channels_findings(frame, lang="en", index=load_builtin("province_index"), index_sample=True)
    assert all(isinstance(f, Finding) for f in found) and found
    assert all(f.facts_dict() is not None for f in found)
    spread = next(f for f in found if f.key == "channels.finding_spread").facts
    latest = channel_shares(frame, by=("adcode", "year"), year=2024).filter(pl.col("respondents") >= 30)
    assert spread.highest_share == pytest.approx(latest["offline_share"].max())
    assert spread.lowest_share == pytest.approx(latest["offline_share"].min())
    national = next(f for f in found if f.key == "channels.finding_national").facts
    assert national.share == pytest.approx(
        frame.filter(pl.col("year") == 2024)["prefers_offline"].sum()
        / frame.filter(pl.col("year") == 2024)["respondents"].sum()
    )
    assert [f.key for f in found][-1] == "channels.relation_negative"


def test_partial_coverage_is_not_called_national():
    found = cp.channels_findings(cities_frame([160, 100, 40]), 2024, "zh")
    keys = [f.key for f in found]
    assert "channels.finding_all_units" in keys and "channels.finding_national" not in keys
    assert not any(f.text.startswith("全国") for f in found)


# -- 7. any dataset of its kind ----------------------------------------------------------------------------------
def hostile_frames() -> dict[str, pl.DataFrame]:
    base = cities_frame([160, 100, 40])
    with_nulls = base.with_columns(
        pl.when(pl.col("adcode") == "330200").then(None).otherwise(pl.col("prefers_offline")).alias("prefers_offline"),
        pl.when(pl.col("adcode") == "330300").then(None).otherwise(pl.col("entity_type")).alias("entity_type"),
    )
    off_map = pl.concat([base, cities_frame([50]).with_columns(pl.lit("990100").alias("adcode"))])
    corps = pl.concat([base, cities_frame([50]).with_columns(pl.lit("660000").alias("adcode"))])
    no_breakdown = base.drop("entity_type", "service_category")
    return {
        "three_cities": base,
        "nulls": with_nulls,
        "weighted": weighted_frame(),
        "free_text": free_text_frame(),
        "off_map": off_map,
        "corps": corps,
        "no_breakdown": no_breakdown,
        "one_row": cities_frame([50]),
        "all_hidden": cities_frame([3, 2], n=4),
        "empty": base.clear(),
        "over_count": base.with_columns(pl.lit(999).alias("prefers_offline")),
    }


@pytest.mark.parametrize("name", list(hostile_frames()))
@pytest.mark.parametrize("level", ["prefecture", "province"])
def test_the_page_renders_on_hostile_data(name, level):
    frame = hostile_frames()[name]
    for lang in ("zh", "en"):
        v = view(frame, lang=lang, level=level)  # never raises
        assert isinstance(v.map, go.Figure) and isinstance(v.relation, go.Figure)
        for sentence in (*v.findings, *getattr(v, "notes", ()), getattr(v, "relation_caption", "")):
            assert "⟦" not in sentence
        cp.channel_mix(v, v.mix_default, lang)


def test_what_cannot_be_shown_is_said():
    frames = hostile_frames()
    assert any("990100" in note for note in view(frames["off_map"]).notes)
    assert any(t("channels.note_dropped", "en", n=1) == note for note in view(frames["nulls"]).notes)
    assert any(note == t("channels.note_one_year", "en") for note in view(frames["three_cities"]).notes)
    assert any(note == t("channels.note_weighted", "en") for note in view(frames["weighted"]).notes)
    assert any(note == t("channels.note_empty", "en", year=2024) for note in view(frames["empty"]).notes)
    over = view(frames["over_count"])
    assert over.shares.is_empty() and t("channels.note_dropped", "en", n=3) in over.notes
    hidden = view(frames["all_hidden"])
    assert hidden.shares["suppressed"].all() and not [f for f in hidden.findings if "%" in f]
