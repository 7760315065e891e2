"""The export Chromium keeps its sandbox unless the process runs as root (issue 18): choreographer's own default,
when its Chromium class is subclassed, is --no-sandbox. Both branches, without starting a browser."""

from __future__ import annotations

import logging
import sys

import pytest

from digigov.export import browser


def _cli(monkeypatch, euid: int) -> tuple[bool, list[str]]:
    from choreographer.channels import Pipe

    monkeypatch.setattr(browser.os, "geteuid", lambda: euid, raising=False)
    channel = Pipe()
    chromium = browser._browser_class()(channel, path=sys.executable)  # any executable: nothing is started
    try:
        chromium.pre_open()
        return chromium.sandbox_enabled, list(chromium.get_cli())
    finally:
        chromium.clean()
        channel.close()


def test_an_unprivileged_process_keeps_the_sandbox_on(monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger=browser.__name__)
    enabled, cli = _cli(monkeypatch, 1000)
    assert enabled is True
    assert "--no-sandbox" not in cli
    assert "--disable-background-networking" in cli  # still our subclass, with its own flags
    assert not [r for r in caplog.records if "sandbox" in r.getMessage()]


def test_root_runs_without_the_sandbox_and_says_so(monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger=browser.__name__)
    enabled, cli = _cli(monkeypatch, 0)
    assert enabled is False
    assert "--no-sandbox" in cli
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "sandbox" in r.getMessage()]
    assert len(warnings) == 1 and "root" in warnings[0].getMessage()


@pytest.mark.parametrize(("euid", "expected"), [(0, False), (1, True), (65534, True)])
def test_sandbox_enabled_follows_the_effective_user(monkeypatch, euid, expected):
    monkeypatch.setattr(browser.os, "geteuid", lambda: euid, raising=False)
    assert browser.sandbox_enabled() is expected


def test_without_geteuid_the_sandbox_stays_on(monkeypatch):
    monkeypatch.delattr(browser.os, "geteuid", raising=False)  # Windows
    assert browser.sandbox_enabled() is True
