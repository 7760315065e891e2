"""Start the workers and the proxy, watch them, restart what hangs or dies, stop everything on SIGTERM."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from digigov import settings
from digigov.serve.haproxy import ProxyConfig, render
from digigov.serve.watchdog import Limits, Verdict, Watch, needs_restart

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ServeOptions:
    app: Path
    address: str = "127.0.0.1"
    port: int = 8501
    workers: int = 2
    base_port: int = 8601
    check_interval_s: float = 2.0
    health_timeout_s: float = 5.0
    limits: Limits = field(default_factory=Limits)
    haproxy: str = "haproxy"


def worker_command(app: Path, port: int) -> list[str]:
    """`streamlit run` as production runs it: loopback only (the proxy is the way in), no file watcher (it costs
    a thread per session and reloads code on a server nobody edits), no run-on-save, no usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
    ]


def _die_with_parent() -> None:
    # Children get SIGKILL when the supervisor dies, even by SIGKILL: no orphaned servers holding the ports.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _spawn(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True, preexec_fn=_die_with_parent)


def stop_process(process: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM to the process group, SIGKILL after grace_s (a locked-up Streamlit ignores SIGTERM)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        kill_process(process)


def kill_process(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(30)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime: fields 14 and 15 of the full line


def healthy(port: int, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class Worker:
    """One Streamlit process on a fixed loopback port, restarted by its own watchdog thread."""

    def __init__(self, name: str, port: int, options: ServeOptions, env: dict[str, str]) -> None:
        self.name, self.port, self.options, self.env = name, port, options, env
        self.process: subprocess.Popen | None = None
        self.watch: Watch | None = None
        self.restarts = 0

    def start(self) -> None:
        self.process = _spawn(worker_command(self.options.app, self.port), self.options.app.parent, self.env)
        self.watch = Watch(started_at=time.monotonic())
        log.info("worker %s started on 127.0.0.1:%d (pid %d)", self.name, self.port, self.process.pid)

    def check(self) -> Verdict | None:
        """One round of the watchdog; restarts the worker when it died, hung or stopped answering."""
        assert self.process is not None and self.watch is not None
        code = self.process.poll()
        if code is not None:
            log.warning("worker %s (pid %d) exited with %s; restarting", self.name, self.process.pid, code)
            self.restart()
            return None
        ok = healthy(self.port, self.options.health_timeout_s)
        verdict = self.watch.judge(time.monotonic(), ok, cpu_seconds(self.process.pid), self.options.limits)
        if verdict is Verdict.FAILING:
            log.warning("worker %s (pid %d) did not answer its health check", self.name, self.process.pid)
        if needs_restart(verdict):
            log.error("worker %s (pid %d) is %s; killing and restarting it", self.name, self.process.pid, verdict.value)
            kill_process(self.process)
            self.restart()
        return verdict

    def restart(self) -> None:
        self.restarts += 1
        if self.process is not None and self.process.poll() is None:
            kill_process(self.process)
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


class Supervisor:
    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.stopping = threading.Event()
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="digigov-serve-"))
        # One cookie secret for all workers: XSRF tokens and sign-in cookies set by one worker must be valid on
        # another after a failover.
        secret = settings.read("DIGIGOV_COOKIE_SECRET") or secrets.token_hex(32)
        env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secret, "PYTHONUNBUFFERED": "1"}
        self.workers = [Worker(f"w{i + 1}", options.base_port + i, options, env) for i in range(options.workers)]
        self.proxy: subprocess.Popen | None = None
        self.threads: list[threading.Thread] = []
        self.proxy_config = self.runtime_dir / "haproxy.cfg"

    def _start_proxy(self) -> None:
        config = ProxyConfig(
            self.options.address,
            self.options.port,
            tuple((w.name, w.port) for w in self.workers),
            check_interval_s=self.options.check_interval_s,
            check_timeout_s=self.options.health_timeout_s,
        )
        self.proxy_config.write_text(render(config))
        binary = shutil.which(self.options.haproxy) or shutil.which(self.options.haproxy, path="/usr/sbin:/sbin")
        if binary is None:
            raise SystemExit("haproxy is not installed: apt-get install haproxy (scripts/ensure_system_deps.sh)")
        self.proxy = _spawn([binary, "-W", "-db", "-f", str(self.proxy_config)], self.runtime_dir, dict(os.environ))
        log.info(
            "haproxy on %s:%d (pid %d) in front of %d workers",
            self.options.address,
            self.options.port,
            self.proxy.pid,
            len(self.workers),
        )

    def _watch_worker(self, worker: Worker) -> None:
        while not self.stopping.wait(self.options.check_interval_s):
            worker.check()

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        try:
            for worker in self.workers:
                worker.start()
            self._start_proxy()
            self.threads = [threading.Thread(target=self._watch_worker, args=(w,), daemon=True) for w in self.workers]
            for thread in self.threads:
                thread.start()
            while not self.stopping.wait(1.0):
                if self.proxy is not None and self.proxy.poll() is not None:
                    log.error("haproxy exited with %s; restarting it", self.proxy.returncode)
                    self._start_proxy()
            return 0
        finally:
            log.info("stopping")
            self.stopping.set()
            for thread in self.threads:  # a check under way must not restart a worker being stopped
                thread.join(self.options.health_timeout_s + 40)
            if self.proxy is not None:
                stop_process(self.proxy, grace_s=5)
            for worker in self.workers:
                worker.stop()
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
