"""Accessibility pieces that need no Streamlit: the document's language tag, each page's browser title, chart names
and the small script the app puts in the page (Streamlit has no API for <html lang>, and its chart alt text names
the chart's frame, not the drawing inside it).

The script is built from catalog data only (the language tag, checked against a BCP 47 pattern); it reads no
user data. In the browser it sets document.documentElement.lang, gives every plotly chart's drawing role="img"
and an accessible name (the chart's own title, else the name the app gave the chart as Streamlit's alt text, else
the heading the chart sits under), and makes a formula that scrolls sideways focusable so it can be scrolled from
the keyboard (axe's scrollable-region-focusable).

Two charts without a title under one heading would share the heading as their name, so such a chart gets its own
name from the catalog (chart_name: a11y.chart.<page>.<chart>), passed by components/china_map.py as st.plotly_chart's
alt; tests/e2e/test_accessibility_browser.py checks that the names on every page are unique."""

from __future__ import annotations

import json
import re

from digigov.i18n import catalog, t

LANG_TAG = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")

# Runs in the top document (st.html with unsafe_allow_javascript). Installed once per browser tab; a later run
# (the language switched) only changes the language tag. Labels are re-applied after every DOM change, batched
# to one pass per animation frame, because Streamlit and plotly redraw charts on reruns.
_SCRIPT = """
(() => {
  const doc = window.document;
  doc.documentElement.lang = __LANG__;
  if (window.__digigovA11y) return;
  const HEADINGS = "h1, h2, h3, h4";
  const headingBefore = (node) => {
    let found = null;
    for (const h of doc.querySelectorAll(HEADINGS)) {
      if (h.closest("[data-testid=stSidebar], [role=dialog]")) continue;
      if (h.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) found = h; else break;
    }
    return found ? found.textContent.trim() : "";
  };
  const label = () => {
    for (const chart of doc.querySelectorAll("[data-testid=stPlotlyChart]")) {
      const svg = chart.querySelector("svg.main-svg");
      if (!svg) continue;
      const title = chart.querySelector(".gtitle");
      const alt = (chart.getAttribute("aria-label") || "").trim();  // st.plotly_chart(alt=...)
      const name = (title && title.textContent.trim()) || alt || headingBefore(chart);
      if (name && svg.getAttribute("aria-label") !== name) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", name);
      }
    }
    for (const block of doc.querySelectorAll(".katex-display:not([tabindex])")) {
      if (block.scrollWidth > block.clientWidth) block.setAttribute("tabindex", "0");
    }
  };
  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; label(); });
  });
  observer.observe(doc.body, {childList: true, subtree: true});
  window.__digigovA11y = observer;
  label();
})();
"""


def html_lang(lang: str) -> str:
    """The BCP 47 tag of the page language (zh -> zh-CN, en -> en), from the catalog."""
    tag = t("a11y.html_lang", lang)
    if not LANG_TAG.fullmatch(tag):
        raise ValueError(f"a11y.html_lang for {lang!r} is not a language tag: {tag!r}")
    return tag


def page_title(page: str, lang: str) -> str:
    """The browser title of a page: the page's navigation title, then the app's name."""
    return t("a11y.page_title", lang, page=page, app=t("app.title", lang))


def chart_name(page: str, chart: str, lang: str) -> str | None:
    """The catalog's accessible name of a page's chart (a11y.chart.<page>.<chart>), None for a chart without one
    (it is named by its title or heading in the browser)."""
    key = f"a11y.chart.{page}.{chart}"
    return t(key, lang) if key in catalog() else None


def page_script(lang: str) -> str:
    """The <script> element that sets the document language and names the charts (see the module docstring)."""
    return f"<script>{_SCRIPT.replace('__LANG__', json.dumps(html_lang(lang)))}</script>"
