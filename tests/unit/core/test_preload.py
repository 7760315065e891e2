"""First imports must not race between the first sessions of a cold server (components/preload.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT

CHILD = Path(__file__).with_name("_import_race.py")


def _race(mode: str) -> str:
    done = subprocess.run([sys.executable, str(CHILD), mode], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_threads_racing_on_first_imports_fail_without_the_preload():
    # The hazard itself, so the next test means something: plotly meets a half-imported pandas/numpy.
    assert "partially initialized module" in _race("raw")


def test_with_the_preload_first_no_thread_meets_a_half_imported_module():
    assert _race("preload") == "ERRORS []"


def test_app_imports_the_preload_before_anything_of_ours():
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    ours = [
        n
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom)
        and not (isinstance(n, ast.Import) and n.names[0].name == "streamlit")
    ]
    first = ours[0]
    assert isinstance(first, ast.Import) and first.names[0].name == "components.preload"


def test_the_preload_covers_every_module_of_the_domain_package():
    import components.preload as preload

    modules = {
        p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
        for p in (ROOT / "digigov").rglob("*.py")
    }
    expected = {m for m in modules if not m.startswith("digigov.serve")} - {"digigov"}
    assert expected <= set(preload.PRELOADED)
