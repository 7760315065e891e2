"""The documentation keeps up with the code (as datasette's tests/test_docs.py does for its settings)."""

from __future__ import annotations

import re

import pytest

from digigov.settings import SETTINGS
from tests.paths import ROOT

README = ROOT / "README.md"


def readme_table_names() -> set[str]:
    """Names in the first cell of every README table row (`NAME` in backticks)."""
    names = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if match:
            names.add(match.group(1))
    return names


@pytest.mark.parametrize("name", [s.name for s in SETTINGS])
def test_readme_documents_every_setting(name):
    assert name in readme_table_names(), f"add a row for {name} to a settings table in README.md"


def test_settings_have_unique_names_and_help():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.help for s in SETTINGS)


@pytest.mark.parametrize(
    "doc", ["docs/design.md", "docs/architecture.md", "docs/howto.md", "CHANGELOG.md", "CONTRIBUTING.md"]
)
def test_docs_exist(doc):
    assert (ROOT / doc).is_file()


def test_architecture_trace_names_real_functions():
    """The worked trace in docs/architecture.md points at functions that exist (module.py::function)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    refs = re.findall(r"`((?:digigov|views|components)/[\w/]+\.py)::(\w+)`", text)
    assert refs, "the architecture page shows no trace"
    for path, function in refs:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^\s*(?:async\s+)?def {function}\b|^{function}\s*=", source, re.M), f"{path}::{function}"
