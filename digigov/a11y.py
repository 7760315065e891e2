"""Accessibility pieces that need no Streamlit: the document's language tag, each page's browser title, and the
small script the app puts in the page (Streamlit has no API for <html lang> or for naming a chart).

The script is built from catalog data only (the language tag, checked against a BCP 47 pattern); it reads no
user data. In the browser it sets document.documentElement.lang, gives every plotly chart's drawing role="img"
and an accessible name (the chart's own title, else the heading the chart sits under), and makes a formula that
scrolls sideways focusable so it can be scrolled from the keyboard (axe's scrollable-region-focusable)."""

from __future__ import annotations

import json
import re

from digigov.i18n import t

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
      const name = (title && title.textContent.trim()) || headingBefore(chart);
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


def page_script(lang: str) -> str:
    """The <script> element that sets the document language and names the charts (see the module docstring)."""
    return f"<script>{_SCRIPT.replace('__LANG__', json.dumps(html_lang(lang)))}</script>"
