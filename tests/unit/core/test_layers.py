"""The layers of docs/architecture.md, enforced: a rule broken anywhere fails here, naming the file and line.

views -> components -> digigov (presenters -> analysis / figures / ingest / export / storage). The domain package
never imports streamlit (so every number can be tested without a browser); analysis never imports the catalog
(statistics only; sentences are the presenters' job); ingest never imports analysis (reading a file does not
need the statistics); and no module imports a page script (st.navigation runs them; an import would run a page).
Every import statement counts, including ones inside functions and ``try`` blocks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

PYTHON_PLACES = ["app.py", "digigov", "components", "views", "tests", "scripts", "bench"]


def _files(place: str) -> list[Path]:
    path = ROOT / place
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file; ``from a import b`` gives a.b too (b may be a module),
    relative imports are resolved against the file's own package."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def offenders(places: list[str], forbidden: str) -> list[str]:
    """file:line: module for every import of forbidden (or a module under it) by a file under places."""
    out = []
    for place in places:
        for path in _files(place):
            for line, module in imported_modules(path):
                if _within(module, forbidden):
                    out.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    return sorted(set(out))


@pytest.mark.parametrize(
    ("places", "forbidden"),
    [
        (["digigov"], "streamlit"),
        (["digigov/analysis"], "digigov.i18n"),
        (["digigov/ingest"], "digigov.analysis"),
        (PYTHON_PLACES, "views"),
    ],
    ids=["digigov-no-streamlit", "analysis-no-i18n", "ingest-no-analysis", "nothing-imports-a-view"],
)
def test_layer_rule(places, forbidden):
    assert offenders(places, forbidden) == []


def test_the_checker_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The rules are only as good as the import finder: plain, from, relative, and inside a function."""
    package = tmp_path / "digigov" / "analysis"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "m.py").write_text(
        "from __future__ import annotations\n"
        "import streamlit as st\n"
        "from digigov import i18n\n"
        "from .. import i18n as again\n"
        "def f():\n"
        "    try:\n"
        "        from ..i18n import t\n"
        "    except Exception:\n"
        "        pass\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert offenders(["digigov"], "streamlit") == ["digigov/analysis/m.py:2: streamlit"]
    assert offenders(["digigov/analysis"], "digigov.i18n") == [
        "digigov/analysis/m.py:3: digigov.i18n",
        "digigov/analysis/m.py:4: digigov.i18n",
        "digigov/analysis/m.py:7: digigov.i18n",
        "digigov/analysis/m.py:7: digigov.i18n.t",
    ]
