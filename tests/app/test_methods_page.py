"""The methods page (方法与数据说明) through the whole app: renders in zh and en, every section and entry has its
anchored heading, every formula is drawn with st.latex, and the language switch changes the text."""

from __future__ import annotations

from digigov.i18n import t
from digigov.presenters import methods
from tests.app.helpers import CJK, open_view


def headings(at, kind: str) -> dict[str, str]:
    """anchor -> heading text of every st.header / st.subheader on the page."""
    return {h.proto.anchor: h.value for h in getattr(at, kind)}


def test_methods_page_in_chinese(app):
    at = open_view(app, "methods")
    view = methods.methods_view("zh")
    assert at.title[0].value == t("methods.title", "zh")
    assert headings(at, "header") == {s.anchor: s.title for s in view.sections}
    assert headings(at, "subheader") == {e.anchor: e.title for e in view.entries}
    latex = [el.proto.body for el in at.get("latex")]
    assert len(latex) == sum(len(e.formulas) for e in view.entries)
    assert all(formula in "\n".join(latex) for e in view.entries for formula in e.formulas)
    shown = "\n".join(m.value for m in at.markdown)
    assert "](#gini)" in shown and "](#sample-data)" in shown  # the table of contents
    assert "Dagum, C. (1997)" in shown and "Benjamini, Y., & Hochberg, Y. (1995)" in shown
    assert t("map.note", "zh") in shown
    # no user data, no data-source picker, no charts
    assert not at.get("plotly_chart") and not at.selectbox


def test_language_switch_changes_the_text(app):
    at = open_view(app, "methods")
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception, at.exception
    view = methods.methods_view("en")
    assert at.title[0].value == t("methods.title", "en")
    assert headings(at, "subheader") == {e.anchor: e.title for e in view.entries}
    shown = [h.value for h in at.header] + [s.value for s in at.subheader] + [m.value for m in at.markdown]
    shown += [c.value for c in at.caption]
    assert [s for s in shown if CJK.search(s)] == []
    assert at.query_params["lang"] == "en"


def test_methods_page_opened_in_english_by_link(app):
    app.query_params["lang"] = "en"
    at = app.run()
    at.switch_page("views/methods.py").run()
    assert not at.exception, at.exception
    assert headings(at, "header")["statistics"] == t("methods.section.statistics.title", "en")
    assert len(at.get("latex")) == sum(len(e.formulas) for e in methods.methods_view("en").entries)
