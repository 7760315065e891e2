"""Every cache is bounded (issue 16): the server is shared by many officials for weeks, and a cache keyed by what
they choose (slider positions, uploaded datasets, years, languages) must not grow without end.

- st.cache_data / st.cache_resource: a max_entries (and, where it applies, a ttl) on every use;
- functools.cache / lru_cache(maxsize=None): only on functions without parameters or keyed by a closed set
  named below (a language, a built-in sample's name); anything else takes lru_cache(maxsize=N).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from digigov.analysis import proportions, spatial

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    ROOT / "app.py",
    *sorted(p for folder in ("digigov", "components", "views") for p in (ROOT / folder).rglob("*.py")),
]
# functools caches with parameters whose values come from a closed, small set.
CLOSED_KEYS = {
    ("digigov/presenters/methods.py", "methods_view"): "lang: zh or en",
    ("digigov/datasets.py", "_read"): "the name of a built-in sample file",
    ("digigov/boundaries.py", "load_layer"): "level: province or prefecture",
    ("digigov/boundaries.py", "layer_ids"): "level: province or prefecture",
}


def _decorators() -> list[tuple[str, ast.FunctionDef, ast.expr]]:
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for deco in node.decorator_list:
                    found.append((path.relative_to(ROOT).as_posix(), node, deco))
    return found


def _name(expr: ast.expr) -> str:
    target = expr.func if isinstance(expr, ast.Call) else expr
    return ast.unparse(target)


def _keywords(expr: ast.expr) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in expr.keywords if k.arg} if isinstance(expr, ast.Call) else {}


def test_the_walker_finds_the_caches_it_checks():
    names = {_name(d) for _, _, d in _decorators()}
    assert {"st.cache_data", "st.cache_resource", "cache"} <= names


def test_every_streamlit_cache_has_max_entries():
    unbounded = [
        f"{path}:{fn.lineno} {fn.name}"
        for path, fn, deco in _decorators()
        if _name(deco) in ("st.cache_data", "st.cache_resource") and "max_entries" not in _keywords(deco)
    ]
    assert not unbounded, f"st.cache_* without max_entries: {unbounded}"


def _has_parameters(fn: ast.FunctionDef) -> bool:
    a = fn.args
    return bool(a.posonlyargs or a.args or a.kwonlyargs or a.vararg or a.kwarg)


def test_unbounded_functools_caches_only_on_closed_keys():
    offenders = []
    for path, fn, deco in _decorators():
        name = _name(deco)
        unbounded = name in ("cache", "functools.cache") or (
            name in ("lru_cache", "functools.lru_cache")
            and isinstance(_keywords(deco).get("maxsize"), ast.Constant)
            and _keywords(deco)["maxsize"].value is None
        )
        if unbounded and _has_parameters(fn) and (path, fn.name) not in CLOSED_KEYS:
            offenders.append(f"{path}:{fn.lineno} {fn.name}")
    assert not offenders, f"unbounded caches keyed by open values: {offenders}"


@pytest.mark.parametrize(("function", "limit"), [(proportions.z_value, 16), (spatial._neighbours, 64)])
def test_a_bounded_functools_cache_evicts(function, limit):
    function.cache_clear()
    if function is proportions.z_value:
        for i in range(limit * 3):
            function(0.5 + i / (limit * 10))
    else:
        ids = ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000"]
        for i in range(limit + 10):
            chosen = tuple(sorted(x for bit, x in enumerate(ids) if (i + 1) >> bit & 1))
            function(chosen, 1, "boundary")
    info = function.cache_info()
    assert info.maxsize == limit and info.currsize <= limit
    function.cache_clear()
