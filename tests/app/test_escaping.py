"""User text never becomes live Markdown or HTML: hostile file names, column names, region names and dataset
names go through the upload page and the overview and regional pages, and every rendered Markdown body (texts,
notices, headings, widget labels) is checked for link, image and tag syntax that was not escaped."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from digigov.storage import DatasetStore

CORPUS = Path(__file__).resolve().parents[1] / "data" / "uploads"
LINK = "[x](javascript:alert(1))"
IMAGE = "![img](http://evil/x.png)"
TAG = "<img src=x onerror=alert(1)>"
HOSTILE = f"{LINK} {IMAGE} {TAG}"

_ESCAPED = re.compile(r"\\.", re.S)  # a backslash-escaped character renders as itself
_LIVE = re.compile(r"\]\(|<\s*[a-zA-Z/!?]|javascript:", re.I)

TEXT_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader", "toast")
WIDGETS = (
    "button",
    "checkbox",
    "selectbox",
    "multiselect",
    "text_input",
    "text_area",
    "number_input",
    "radio",
    "expander",
    "tabs",
)


def bodies(at: AppTest) -> Iterator[str]:
    """Every Markdown body on the page: text elements, notices and the labels of widgets and containers."""
    for kind in TEXT_ELEMENTS:
        for element in getattr(at, kind):
            yield str(element.value)
    for kind in WIDGETS:
        for widget in getattr(at, kind):
            yield str(widget.label)
    for widget in at.get("download_button"):
        yield widget.proto.label


# The app's own links to the methods page (catalog text, no user data): the only live links allowed.
_METHOD_LINK = re.compile(r"\[[^\[\]]*\]\(methods(\?lang=en)?#[a-z0-9-]+\)")


def live_markup(at: AppTest) -> list[str]:
    """The bodies that still hold link, image or tag syntax once escaped characters and the app's own methods
    links are set aside."""
    return [body for body in bodies(at) if _LIVE.search(_METHOD_LINK.sub("", _ESCAPED.sub("", body)))]


def assert_inert(at: AppTest, *seen: str) -> None:
    assert not at.exception, at.exception
    assert live_markup(at) == []
    rendered = " ".join(bodies(at))
    for text in seen:  # the hostile text is shown (escaped), not dropped
        assert text in _ESCAPED.sub(lambda m: m.group(0)[1], rendered), text


def test_the_checker_sees_live_markup():
    class Fake:
        def __init__(self, text: str) -> None:
            self.value = self.label = text

    class Page:
        exception = None

        def __getattr__(self, name: str):
            return [Fake(self.text)] if name in TEXT_ELEMENTS else []

        def get(self, name: str):
            return []

    page = Page()
    for text in (LINK, IMAGE, TAG, "see [here](http://x)"):
        page.text = text
        assert live_markup(page), text  # type: ignore[arg-type]
    page.text = r"\[x\]\(javascript\:alert\(1\)\) \<img src\=x\> n < 10"
    assert live_markup(page) == []  # type: ignore[arg-type]


def hostile_table() -> bytes:
    """The good wide index with a phone-number column and an extra column with hostile names, and one hostile
    region name: the privacy notice, the mapping pickers and the region picker all show them."""
    lines = (CORPUS / "good_wide_utf8.csv").read_text(encoding="utf-8-sig").splitlines()
    head, rows = lines[0], lines[1:]
    out = [f'{head},"联系电话 {IMAGE}","{LINK} {TAG}"']
    for i, row in enumerate(rows):
        out.append(f"{row},1381234{i:04d},x")
    region = next(i for i, row in enumerate(out) if row.startswith("广东"))
    out[region] = out[region].replace("广东", f'"{TAG}"', 1)
    return ("\n".join(out) + "\n").encode("utf-8")


@pytest.fixture
def at(app, tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    at = app.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, at.exception
    return at


def test_hostile_names_stay_text_on_the_upload_page(at):
    at.file_uploader[0].upload(f"{HOSTILE}.csv", hostile_table(), "text/csv").run()
    assert_inert(at)
    notice = " ".join(w.value for w in at.warning)
    assert "联系电话" in notice  # the privacy notice names the dropped column, escaped
    labels = " ".join(s.label for s in at.selectbox)
    assert "javascript" in labels and "img src" in labels  # pickers for the hostile column and region


def test_hostile_dataset_name_stays_text_on_upload_overview_and_regional_pages(at, tmp_path):
    data = (CORPUS / "good_wide_utf8.csv").read_bytes()
    at.file_uploader[0].upload(f"{HOSTILE}.csv", data, "text/csv").run()
    accept = next(b for b in at.button if b.key and b.key.startswith("upload_accept"))
    accept.click().run()
    assert_inert(at, HOSTILE)
    assert any(s.value.startswith("已保存") for s in at.success)
    records = DatasetStore(tmp_path).list()
    assert [r.name for r in records] == [HOSTILE]
    for page, key in (("views/overview.py", "overview_src"), ("views/regional.py", "regional_src")):
        at.switch_page(page).run()
        at.selectbox(key=key).set_value(records[0].id).run()
        assert_inert(at, HOSTILE)  # the uploaded-data notice names the dataset, escaped


# -- every Markdown call in views/ and components/, read from the source (AST) -----------------------------------
# Text from uploads (labels, names, messages) reaches the page only through digigov.text.escape_markdown: the one
# boundary. A call's body passes when it is catalog text (t(...)) whose parameters are themselves escaped, catalog
# text, numbers or names from the gazetteer and the indicator catalog; when it went through escape_markdown; or
# when it is built only from such parts (f-strings, +, "".join). Anything else must be listed below with the
# reason it cannot hold uploaded text, and every entry must still match a call (no stale entries).
ROOT = Path(__file__).resolve().parents[2]
MARKDOWN_CALLS = frozenset(
    {"markdown", "subheader", "caption", "write", "title", "header", "info", "warning", "error", "success", "toast"}
)
NOT_STREAMLIT = frozenset({"log", "logger", "logging", "warnings"})  # log.warning(...) is not a page element

# Parameters of t(...) that cannot hold uploaded text (matched by their source text).
SAFE_PARAMETERS = {
    "year": "the page's own year picker (an int from the data's years)",
    "rows": "a row count formatted by the view (f'{n:,}')",
    "region.name(lang)": "a gazetteer name (data/regions), never uploaded text",
    "indicator.name(lang)": "an indicator name from the catalog (data/indicators)",
    "kind_pages(list(kinds), lang)": "page names from the catalog (digigov.upload_kinds.kind_pages)",
}

# Bodies that are not built from t(...) and escape_markdown in the view itself: (file, source text) -> why safe.
ESCAPED_ELSEWHERE = "the presenter escapes every label in it with escape_markdown (markdown=True / _md)"
CATALOG_ONLY = "catalog text, gazetteer names and numbers only: no uploaded label reaches it"
MARKDOWN_ALLOWLIST = {
    ("components/china_map.py", "links"): "links to the methods page from chart_method_links: catalog text only",
    ("components/drilldown.py", "title"): "t('*.drill_header', region=<gazetteer name>) from the page presenters",
    ("components/upload_review.py", "clean"): "t('upload.report_*') built a few lines above from catalog keys",
    ("views/channels.py", "handling.caption"): ESCAPED_ELSEWHERE,
    ("views/channels.py", "handling.finding"): ESCAPED_ELSEWHERE,
    ("views/channels.py", "note"): ESCAPED_ELSEWHERE,
    ("views/channels.py", "f'- {sentence}'"): ESCAPED_ELSEWHERE,
    ("views/channels.py", "view.relation_sentence"): ESCAPED_ELSEWHERE,
    ("views/channels.py", "view.relation_caption"): ESCAPED_ELSEWHERE,
    ("views/data_sharing.py", "note"): ESCAPED_ELSEWHERE,
    ("views/data_sharing.py", "f'- {sentence}'"): ESCAPED_ELSEWHERE,
    ("views/methods.py", "view.title"): "the methods page: catalog text with its own Markdown (links, formulas)",
    ("views/methods.py", "view.intro"): "the methods page: catalog text with its own Markdown",
    ("views/methods.py", "f'**{view.toc_label}**\\n\\n{view.toc}'"): "the methods page: catalog text",
    ("views/methods.py", "section.title"): "the methods page: catalog text",
    ("views/methods.py", "section.intro"): "the methods page: catalog text",
    ("views/methods.py", "entry.title"): "the methods page: catalog text",
    ("views/methods.py", "paragraph"): "the methods page: catalog text",
    ("views/methods.py", "field.line"): "the methods page: catalog text",
    ("views/methods.py", "f'**{view.formula_label}**'"): "the methods page: catalog text",
    ("views/methods.py", "'\\n'.join((f'- {field.line}' for field in entry.detail_fields))"): "methods: catalog text",
    ("views/methods.py", "f'**{view.references_label}**'"): "the methods page: catalog text",
    ("views/methods.py", "'\\n'.join((f'- {reference}' for reference in entry.references))"): "methods: catalog text",
    ("views/overview.py", "f'- {sentence}'"): CATALOG_ONLY,
    ("views/regional.py", "view.caption"): CATALOG_ONLY,
    ("views/regional.py", "view.counts"): CATALOG_ONLY,
    ("views/regional.py", "check.sentence"): CATALOG_ONLY,
    ("views/regional.py", "reweighted.sentence"): CATALOG_ONLY,
    ("views/regional.py", "sentences.moran"): CATALOG_ONLY,
    ("views/regional.py", "sentences.islands"): CATALOG_ONLY,
    ("views/regional.py", "sentences.theil"): CATALOG_ONLY,
    ("views/regional.py", "f\"**{t('regional.dagum_header', lang)}** — {sentences.dagum}\""): CATALOG_ONLY,
    ("views/regional.py", "sentence"): CATALOG_ONLY,
}


def _is_call_to(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _safe_parameter(node: ast.AST) -> bool:
    if _safe_body(node) or ast.unparse(node) in SAFE_PARAMETERS:
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float)
    if isinstance(node, ast.Name | ast.Attribute):  # a module constant: SUPPRESS_K, presenter.PRIORITY_ROWS
        last = node.id if isinstance(node, ast.Name) else node.attr
        return last.isupper()
    if isinstance(node, ast.BinOp):
        return _safe_parameter(node.left) and _safe_parameter(node.right)
    return _is_call_to(node, "len")


def _safe_format(node: ast.AST) -> bool:
    """A part of an f-string: safe text, or a value with a number format (f'{x:,.1f}')."""
    if isinstance(node, ast.FormattedValue):
        return node.format_spec is not None or _safe_body(node.value)
    return True


def _safe_body(node: ast.AST) -> bool:
    """Catalog text with safe parameters, escaped text, or built from those only."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if _is_call_to(node, "escape_markdown"):
        return True
    if _is_call_to(node, "t"):
        call = node
        assert isinstance(call, ast.Call)
        return all(_safe_parameter(a) for a in call.args[2:]) and all(_safe_parameter(k.value) for k in call.keywords)
    if isinstance(node, ast.JoinedStr):
        return all(_safe_format(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _safe_body(node.left) and _safe_body(node.right)
    if isinstance(node, ast.IfExp):
        return _safe_body(node.body) and _safe_body(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        parts = node.args[0] if node.args else None
        if isinstance(parts, ast.GeneratorExp | ast.ListComp):
            return isinstance(node.func.value, ast.Constant) and _safe_body(parts.elt)
    return False


def markdown_calls(source: str) -> Iterator[tuple[int, str, ast.AST]]:
    """(line, element, body) of every Streamlit text element call in source: st.markdown, column.caption, ..."""
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in MARKDOWN_CALLS:
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in NOT_STREAMLIT:
            continue
        bodies = node.args if node.func.attr == "write" else node.args[:1]
        bodies = [*bodies, *(k.value for k in node.keywords if k.arg == "body")]
        for body in bodies:
            yield node.lineno, node.func.attr, body


def unescaped_calls(source: str) -> list[tuple[int, str, str]]:
    return [(line, kind, ast.unparse(body)) for line, kind, body in markdown_calls(source) if not _safe_body(body)]


def page_sources() -> list[Path]:
    return sorted([*(ROOT / "views").glob("*.py"), *(ROOT / "components").glob("*.py")])


def test_every_markdown_call_in_views_and_components_is_catalog_text_or_escaped():
    problems, seen, calls = [], set(), 0
    for path in page_sources():
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        calls += sum(1 for _ in markdown_calls(source))
        for line, kind, body in unescaped_calls(source):
            if (name, body) in MARKDOWN_ALLOWLIST:
                seen.add((name, body))
            else:
                problems.append(f"{name}:{line}: st.{kind}({body})")
    assert calls > 150  # the walk really sees the pages' calls
    hint = "escape with digigov.text.escape_markdown, or allowlist with a reason:\n"
    assert problems == [], hint + "\n".join(problems)
    stale = set(MARKDOWN_ALLOWLIST) - seen
    assert not stale, f"allowlisted calls that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize(
    ("snippet", "safe"),
    [
        ("st.subheader(t('demand.map_header', lang, category=category_label))", False),
        ("st.subheader(t('demand.map_header', lang, category=escape_markdown(label)))", True),
        ("st.markdown(f'- {sentence}')", False),
        ("st.markdown(f'- {escape_markdown(sentence)}')", True),
        ("left.caption(note)", False),
        ("st.sidebar.error(err.message(lang))", False),
        ("st.info(t('a', lang) + ' ' + t('b', lang, n=presenter.ROWS, k=SUPPRESS_K))", True),
        ("st.caption(t('upload.import_done', lang, mb=f'{size / MIB:,.1f}'))", True),
        ("st.caption(t('x', lang, name=f'{name}'))", False),
        ("st.write('a', label)", False),
        ("st.markdown(body=label)", False),
        ("log.warning(label)", True),  # not a page element
    ],
)
def test_the_markdown_walker_sees_unescaped_bodies(snippet, safe):
    assert (unescaped_calls(snippet) == []) is safe
