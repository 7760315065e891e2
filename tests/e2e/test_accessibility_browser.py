"""axe-core (axe-playwright-python, axe 4.12) on every page of app.py's navigation, in Chinese and in English:
no critical and no serious violations. Also what axe leaves to people but issue 18 asks for: the document's
language follows the language switch, each page has its own title, headings do not skip a level, charts have
an accessible name and no two charts of a page share one, and the sample notice is not an alert.

One browser context for the whole module; each page is visited once per language (the check runs in seconds)."""

from __future__ import annotations

import contextlib
import itertools
import json
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from digigov.i18n import t
from digigov.presenters.methods import URL_PATH as METHODS_PATH
from tests.e2e.helpers import ARTIFACTS, PAINTED_JS, VIEWPORT, open_page, wait_for_map

pytestmark = pytest.mark.e2e

BLOCKING = {"critical", "serious"}


@dataclass(frozen=True)
class AppPage:
    path: str
    nav: str  # its catalog key in app.py's navigation
    maps: tuple[tuple[str, int], ...] = ()  # (widget key, regions drawn) to wait for before axe runs


PAGES = [
    AppPage("", "nav.overview", (("overview_map_0", 34),)),  # the default page lives at /
    AppPage("regional", "nav.regional", (("regional_map_0", 34),)),
    AppPage("channels", "nav.channels", (("channels_map_chart", 367),)),
    AppPage("demand", "nav.demand", (("demand_map_0", 34),)),
    AppPage(
        "data-sharing", "nav.data_sharing", (("data_sharing_map_province", 34), ("data_sharing_connected_map", 34))
    ),
    AppPage("upload", "nav.upload"),
    AppPage("briefing", "nav.briefing"),
    AppPage(METHODS_PATH, "nav.methods"),
]

# Every plotly chart on the page has drawn its SVG (axe must see the finished charts, not their placeholders).
CHARTS_DRAWN_JS = """
() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
        .every(chart => chart.querySelector('.main-svg'))
"""

# Heading levels of the page's content in document order (the sidebar and Streamlit's dialogs left out).
HEADINGS_JS = """
() => [...document.querySelectorAll('[data-testid=stMain] :is(h1,h2,h3,h4,h5,h6)')]
        .filter(h => !h.closest('[role=dialog]')).map(h => Number(h.tagName[1]))
"""

# The accessible name of every plotly chart's drawing (null where it has none), once all have one or after 10 s.
CHART_NAMES_JS = """
() => [...document.querySelectorAll('[data-testid=stPlotlyChart] svg.main-svg:first-of-type')]
        .map(svg => svg.getAttribute('role') === 'img' ? svg.getAttribute('aria-label') : null)
"""
ALL_CHARTS_NAMED_JS = f"() => ({CHART_NAMES_JS})().every(name => !!name)"

# Texts announced as alerts (role=alert) on the page.
ALERTS_JS = "() => [...document.querySelectorAll('[role=alert]')].map(a => a.textContent)"


@pytest.fixture(scope="module")
def a11y_page(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def audits(a11y_page, app_url) -> dict[tuple[str, str], dict]:
    """Each page in each language, once: axe's violations plus what the other checks read from the page."""
    axe = Axe()
    found: dict[tuple[str, str], dict] = {}
    for lang in ("zh", "en"):
        for app_page in PAGES:
            found[(app_page.path, lang)] = _audit(a11y_page, app_url, app_page, lang, axe)
    report = {f"/{path} [{lang}]": audit for (path, lang), audit in found.items()}
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return found


def _audit(page, app_url: str, app_page: AppPage, lang: str, axe: Axe) -> dict:
    open_page(page, app_url, f"/{app_page.path}" + ("?lang=en" if lang == "en" else ""))
    for key, regions in app_page.maps:
        wait_for_map(page, key, regions)
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=45_000)
    # The names are set by the page script after each redraw; a missing one is reported by its test, not here.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(ALL_CHARTS_NAMED_JS, timeout=10_000)
    page.evaluate(PAINTED_JS)
    results = axe.run(page)
    return {
        "violations": results.response["violations"],
        "lang": page.evaluate("() => document.documentElement.lang"),
        "title": page.title(),
        "headings": page.evaluate(HEADINGS_JS),
        "chart_names": page.evaluate(CHART_NAMES_JS),
        "alerts": page.evaluate(ALERTS_JS),
    }


def _report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"]][:5]
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}; targets {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_no_critical_or_serious_violations(audits, path, lang):
    violations = audits[(path, lang)]["violations"]
    print(f"/{path} [{lang}] all violations:\n{_report(violations) or 'none'}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"/{path} [{lang}]:\n{_report(blocking)}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_document_language_follows_the_language_switch(audits, lang):
    expected = {"zh": "zh-CN", "en": "en"}[lang]
    assert {path: audits[(path, lang)]["lang"] for path in (p.path for p in PAGES)} == {p.path: expected for p in PAGES}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_has_its_own_title(audits, lang):
    titles = {p.path: audits[(p.path, lang)]["title"] for p in PAGES}
    assert len(set(titles.values())) == len(PAGES), titles
    for p in PAGES:
        assert titles[p.path] == f"{t(p.nav, lang)} · {t('app.title', lang)}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_headings_start_at_h1_and_skip_no_level(audits, path, lang):
    levels = audits[(path, lang)]["headings"]
    assert levels[:1] == [1] and levels.count(1) == 1, levels
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert skips == [], f"/{path} [{lang}] headings {levels}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [p.path for p in PAGES if p.maps])
def test_charts_are_images_with_a_name(audits, path, lang):
    names = audits[(path, lang)]["chart_names"]
    assert names and all(names), f"/{path} [{lang}] chart names {names}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_no_two_charts_of_a_page_share_a_name(audits, path, lang):
    """Two charts under one heading would both be named by it: a screen reader could not tell them apart."""
    names = [name for name in audits[(path, lang)]["chart_names"] if name]
    shared = sorted({name for name in names if names.count(name) > 1})
    assert shared == [], f"/{path} [{lang}] chart names {names}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_the_sample_notice_is_not_an_alert(audits, path, lang):
    assert not [a for a in audits[(path, lang)]["alerts"] if "sample data" in a]


def test_a_province_opens_from_the_keyboard(a11y_page, app_url):
    """Tab to the province picker, type a name, Enter: the same prefecture map a click opens, and the URL says so."""
    page = a11y_page
    open_page(page, app_url, "/regional")
    wait_for_map(page, "regional_map_0", 34)
    picker = page.get_by_label(t("a11y.province_picker", "zh"))
    picker.focus()
    page.keyboard.type("贵州")
    page.keyboard.press("Enter")
    page.get_by_text("贵州：指数").wait_for(timeout=30_000)
    wait_for_map(page, "regional_city_map", 9, exact=True, timeout=30_000)
    assert "province=520000" in page.url
