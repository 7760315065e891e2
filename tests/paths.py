"""Paths the tests share, so no test counts parents of its own ``__file__``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
UPLOADS = TESTS / "data" / "uploads"
REAL_DATA = TESTS / "data" / "real"
