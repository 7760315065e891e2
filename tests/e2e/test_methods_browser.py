"""The methods page in Chromium: KaTeX draws every formula, and a deep link (the URL method_link builds) opens the
page scrolled to its entry."""

from __future__ import annotations

import pytest

from digigov.presenters import methods
from tests.e2e.helpers import ARTIFACTS, PAINTED_JS, open_page, screenshot, wait_for_script

pytestmark = pytest.mark.e2e

# The heading with this id is wholly on screen (Streamlit scrolls it into view on mount; the last entries cannot
# reach the top, the page ends below them).
IN_VIEW_JS = """
(anchor) => {
  const el = document.getElementById(anchor);
  if (!el) return false;
  const box = el.getBoundingClientRect();
  return box.top >= -1 && box.bottom <= window.innerHeight;
}
"""


@pytest.fixture(autouse=True)
def entry_script_has_run(page, app_url):
    """A fresh server's first deep link runs the page script without app.py (see test_demand_browser.py)."""
    open_page(page, app_url, "/")


def formulas(lang: str) -> int:
    return sum(len(e.formulas) for e in methods.methods_view(lang).entries)


def test_methods_page_renders_every_formula(page, app_url):
    open_page(page, app_url, f"/{methods.URL_PATH}")
    page.get_by_role("heading", name="方法与数据说明").first.wait_for(timeout=30_000)
    page.locator("[data-testid=stMarkdownContainer] .katex").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid=stMarkdownContainer] .katex-display").count() == formulas("zh")
    assert page.locator(".katex-error").count() == 0
    # KaTeX laid the formula out (a fraction drawn as such, not the raw source)
    assert page.locator("#gini").count() == 1
    assert not page.evaluate(IN_VIEW_JS, "lisa")  # without a fragment the page opens at the top
    assert "\\frac" not in page.locator("[data-testid=stMarkdownContainer] .katex-html").first.inner_text()
    screenshot(page, "methods_zh.png")


@pytest.mark.parametrize(("entry_id", "lang"), [("lisa", "zh"), ("gini", "en"), ("map", "zh")])
def test_deep_link_scrolls_to_the_entry(page, app_url, entry_id, lang):
    url = methods.method_url(entry_id, lang)  # what a caption's link on another page points to
    open_page(page, app_url, f"/{url}")
    entry = methods.methods_view(lang).entry(entry_id)
    page.locator(f"[id='{entry.anchor}']").wait_for(timeout=30_000)
    page.wait_for_function(IN_VIEW_JS, arg=entry.anchor, timeout=15_000)
    assert page.locator(f"[id='{entry.anchor}']").inner_text().strip().startswith(entry.title)
    wait_for_script(page)
    page.evaluate(PAINTED_JS)
    page.screenshot(path=str(ARTIFACTS / f"methods_{lang}_{entry_id}.png"))
