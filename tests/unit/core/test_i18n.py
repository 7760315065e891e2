import ast
import re
import string

import pytest

from digigov.i18n import LANGUAGES, MissingTranslationError, catalog, t
from tests.paths import ROOT

UI_FILES = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "components").glob("*.py"))]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders():
    for key, entry in catalog().items():
        assert set(entry) == set(LANGUAGES), key
        assert placeholders(entry["zh"]) == placeholders(entry["en"]), key


def test_english_texts_carry_no_chinese_except_bilingual_labels():
    bilingual = {"app.language", "app.language_zh", "sample.notice"}
    # These quote the Chinese a file holds or must hold (scale words, units, an NBS title line, region names).
    bilingual |= {
        "ingest.issue.number_unit_unknown",
        "ingest.issue.value_approximate",
        "ingest.issue.value_scaled",
        "ingest.issue.period_indicator_missing",
        "ingest.issue.ambiguous_region_column",
    }
    cjk = re.compile(r"[\u4e00-\u9fff]")
    offenders = [k for k, e in catalog().items() if k not in bilingual and cjk.search(e["en"])]
    assert offenders == []


def test_missing_key_fails_in_strict_mode():
    with pytest.raises(MissingTranslationError):
        t("no.such.key", "en")


def test_placeholders_are_filled():
    assert t("map.selected", "en", region="Zhejiang") == "Selected: Zhejiang"


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_ui_code_passes_no_literal_text_to_streamlit(path):
    """Pages and components take every label from the catalog: no string literal with letters
    is passed straight to an st.* call (keys, icons and format specs are allowed)."""
    allowed_keywords = {
        "key",
        "icon",
        "page_icon",
        "layout",
        "url_path",
        "on_select",
        "selection_mode",
        "width",
        "type",
        "label_visibility",
        "format",
        "mime",
        "file_name",
        "on_click",
        "on_change",
    }
    offenders = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id == "st"):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Attribute) and receiver.attr in ("query_params", "session_state"):
            continue  # dictionary look-ups by key, not text shown to users
        args = [*node.args, *(k.value for k in node.keywords if k.arg not in allowed_keywords)]
        for arg in args:
            is_text = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            if is_text and re.search(r"[^\W\d_]", arg.value) and not arg.value.startswith((":material/", "views/")):
                offenders.append(f"{path.name}:{arg.lineno}: {arg.value!r}")
    assert offenders == []
