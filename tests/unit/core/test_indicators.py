import math

import pytest

from digigov.indicators import get_indicator, load_catalog


def test_catalog_entries_are_complete():
    for indicator in load_catalog().values():
        for field in ("name_zh", "name_en", "definition_zh", "definition_en", "formula", "source"):
            assert getattr(indicator, field), (indicator.id, field)
        assert indicator.polarity in ("higher_better", "lower_better")


@pytest.mark.parametrize(
    ("indicator_id", "value", "lang", "expected"),
    [
        ("dgi_index", 78.345, "zh", "78.3 分"),
        ("dgi_index", 78.345, "en", "78.3 points"),
        ("offline_pref_share", 0.4534, "zh", "45.3%"),
        ("usage_shortfall", 0.12, "zh", "12.0 个百分点"),
        ("usage_shortfall", 0.12, "en", "12.0 pp"),
        ("dgi_index", None, "en", "—"),
        ("dgi_index", math.nan, "zh", "—"),
    ],
)
def test_format(indicator_id, value, lang, expected):
    assert get_indicator(indicator_id).format(value, lang) == expected


def test_names_follow_language():
    index = get_indicator("dgi_index")
    assert index.name("zh") == "数字政府发展指数"
    assert index.name("en") == "Digital government development index"
