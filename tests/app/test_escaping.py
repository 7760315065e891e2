"""User text never becomes live Markdown or HTML: hostile file names, column names, region names and dataset
names go through the upload page and the overview and regional pages, and every rendered Markdown body (texts,
notices, headings, widget labels) is checked for link, image and tag syntax that was not escaped."""

from __future__ import annotations

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
