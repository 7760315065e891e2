"""The serving stack's pure parts: the watchdog's rule, the proxy configuration, the worker command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from digigov.serve.__main__ import parse
from digigov.serve.haproxy import COOKIE, ProxyConfig, render
from digigov.serve.supervisor import cpu_seconds, worker_command
from digigov.serve.watchdog import Limits, Verdict, Watch, needs_restart

LIMITS = Limits(hang_after_s=20, idle_cpu_s=1.0, unresponsive_after_s=120, startup_grace_s=90)


def test_a_new_worker_gets_its_grace_then_is_judged():
    watch = Watch(started_at=0.0)
    assert watch.judge(10, False, 5.0, LIMITS) is Verdict.STARTING
    assert watch.judge(89, False, 5.0, LIMITS) is Verdict.STARTING
    assert watch.judge(91, False, 5.0, LIMITS) is Verdict.UNRESPONSIVE


def test_a_locked_up_worker_is_hung_after_the_limit():
    watch = Watch(started_at=0.0)
    assert watch.judge(100, True, 50.0, LIMITS) is Verdict.HEALTHY
    assert watch.judge(102, False, 50.0, LIMITS) is Verdict.FAILING
    assert watch.judge(112, False, 50.2, LIMITS) is Verdict.FAILING
    assert watch.judge(122, False, 50.3, LIMITS) is Verdict.HUNG  # 20 s silent, 0.3 CPU-s used
    assert needs_restart(Verdict.HUNG)


def test_a_busy_worker_is_left_alone_until_the_hard_limit():
    watch = Watch(started_at=0.0)
    watch.judge(100, True, 50.0, LIMITS)
    watch.judge(102, False, 50.0, LIMITS)
    assert watch.judge(130, False, 78.0, LIMITS) is Verdict.FAILING  # silent but working at 100 % CPU
    assert not needs_restart(Verdict.FAILING)
    assert watch.judge(223, False, 170.0, LIMITS) is Verdict.UNRESPONSIVE


def test_an_answer_resets_the_count():
    watch = Watch(started_at=0.0)
    watch.judge(100, True, 50.0, LIMITS)
    watch.judge(102, False, 50.0, LIMITS)
    watch.judge(110, True, 50.0, LIMITS)
    assert watch.judge(121, False, 50.0, LIMITS) is Verdict.FAILING  # a new silence starts at 121
    assert watch.judge(135, False, 50.0, LIMITS) is Verdict.FAILING
    assert watch.judge(141, False, 50.0, LIMITS) is Verdict.HUNG


def test_proxy_config_has_sticky_cookie_health_checks_and_every_worker(tmp_path):
    text = render(ProxyConfig("127.0.0.1", 8501, (("w1", 8601), ("w2", 8602)), check_interval_s=1.5, check_timeout_s=3))
    assert "bind 127.0.0.1:8501" in text
    assert f"cookie {COOKIE} insert indirect nocache" in text
    assert "option httpchk GET /_stcore/health" in text and "timeout check 3000ms" in text
    assert "inter 1500ms fall 3 rise 2" in text and "option redispatch" in text and "timeout tunnel" in text
    assert "server w1 127.0.0.1:8601 cookie w1" in text and "server w2 127.0.0.1:8602 cookie w2" in text
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    assert haproxy, "haproxy comes from apt (scripts/ensure_system_deps.sh)"
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_workers_run_without_file_watcher_on_loopback():
    command = worker_command(Path("/srv/app.py"), 8601)
    joined = " ".join(command)
    assert "--server.fileWatcherType none" in joined and "--server.runOnSave false" in joined
    assert "--server.address 127.0.0.1" in joined and "--server.port 8601" in joined
    assert "--client.showErrorDetails none" in joined


def test_options_default_to_one_worker_per_core_on_loopback(monkeypatch):
    monkeypatch.delenv("DIGIGOV_SERVE_ADDRESS", raising=False)
    monkeypatch.delenv("DIGIGOV_SERVE_WORKERS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    options = parse([])
    assert options.address == "127.0.0.1" and options.workers == 6 and options.app.name == "app.py"
    monkeypatch.setenv("DIGIGOV_SERVE_WORKERS", "3")
    assert parse(["--port", "9000"]).workers == 3
    with pytest.raises(SystemExit):
        parse(["--workers", "0"])


def test_cpu_seconds_reads_proc():
    import os

    own = cpu_seconds(os.getpid())
    assert own is not None and own > 0
    assert cpu_seconds(2**22 + 12345) is None
