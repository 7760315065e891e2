"""digigov.settings: one registry, read in one place, with conversion and a clear error for a bad value."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from digigov import settings
from digigov.settings import SettingError, read, read_or_default
from tests.paths import ROOT


def test_unset_or_blank_gives_the_default(monkeypatch):
    monkeypatch.delenv("DIGIGOV_SERVE_PORT", raising=False)
    assert read("DIGIGOV_SERVE_PORT") == 8501
    monkeypatch.setenv("DIGIGOV_SERVE_PORT", "  ")
    assert read("DIGIGOV_SERVE_PORT") == 8501


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("DIGIGOV_SERVE_PORT", "9000", 9000),
        ("DIGIGOV_MAX_UPLOAD_MB", "0.5", 0.5),
        ("DIGIGOV_STRICT_I18N", "1", True),
        ("DIGIGOV_STRICT_I18N", "0", False),
        ("DIGIGOV_DATA_DIR", "~/x", Path("~/x").expanduser()),
        ("DIGIGOV_SERVE_ADDRESS", " 0.0.0.0 ", "0.0.0.0"),
    ],
)
def test_values_are_converted(monkeypatch, name, raw, value):
    monkeypatch.setenv(name, raw)
    assert read(name) == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("DIGIGOV_SERVE_PORT", "http"),
        ("DIGIGOV_SERVE_PORT", "70000"),
        ("DIGIGOV_SERVE_WORKERS", "0"),
        ("DIGIGOV_MAX_UPLOAD_MB", "-1"),
        ("DIGIGOV_MAX_UPLOAD_MB", "nan"),
        ("DIGIGOV_STRICT_I18N", "maybe"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch, name, raw):
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingError, match=name) as info:
        read(name)
    assert repr(raw) in str(info.value)


def test_read_or_default_logs_and_falls_back(monkeypatch, caplog):
    monkeypatch.setenv("DIGIGOV_IMPORT_BLOCK_MB", "lots")
    with caplog.at_level(logging.WARNING, logger="digigov.settings"):
        assert read_or_default("DIGIGOV_IMPORT_BLOCK_MB") == 8.0
    assert "DIGIGOV_IMPORT_BLOCK_MB" in caplog.text and "lots" in caplog.text


def test_unknown_name_is_a_code_error():
    with pytest.raises(KeyError):
        settings.setting("DIGIGOV_NO_SUCH_SETTING")


def test_no_other_module_reads_the_environment_for_a_setting():
    """Only digigov/settings.py reads os.environ (or os.getenv); passing the environment on to a child process
    (``{**os.environ, ...}``, ``dict(os.environ)``) is not reading a setting."""
    offenders = []
    for path in sorted((ROOT / "digigov").rglob("*.py")):
        if path.name == "settings.py" and path.parent.name == "digigov":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            reads = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "getenv")
                and ast.unparse(node.func.value) in ("os.environ", "os")
            )
            indexed = isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
            if reads or indexed:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert offenders == []
