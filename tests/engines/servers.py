"""Real engine servers on loopback for the tests: Sail and Spark Connect (Spark's own server from the pyspark
wheel), PostgreSQL (initdb into a temporary folder). Each listens on 127.0.0.1 and a free port and is stopped by
its PID. A missing binary fails the test that needs it, never skips it: `make test` installs them all (the
`engines` extra and scripts/ensure_system_deps.sh)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None, timeout: float, log: Path) -> float:
    """Seconds until the port accepts connections; fails with the server's log if it exits or times out."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return time.monotonic() - start
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"port {port} not open after {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def _alive(pid: int) -> bool:
    """Whether the process still runs; a child of ours that exited is reaped (a zombie answers signal 0)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        return reaped == 0
    except ChildProcessError:  # not our child (the postmaster, which pg_ctl started)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def stop_pid(pid: int, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal one process by its PID and wait until it is gone (SIGKILL after ``timeout``)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _stop_child(proc: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> None:
    stop_pid(proc.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@contextlib.contextmanager
def sail_server(log_dir: Path) -> Iterator[str]:
    """Sail (pysail), a Spark Connect server in Rust: ``sc://127.0.0.1:PORT``."""
    binary = Path(sys.executable).with_name("sail")
    if not binary.exists():
        pytest.fail(f"{binary} is missing: install the engines extra (pip install -e '.[engines]')")
    port, log = free_port(), log_dir / "sail.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(binary), "spark", "server", "--ip", "127.0.0.1", "--port", str(port)], stdout=out, stderr=out
        )
    try:
        wait_for_port(port, proc, 60, log)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop_child(proc)


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


@contextlib.contextmanager
def spark_connect_server(log_dir: Path, cores: int = 2, memory: str = "1g") -> Iterator[tuple[str, float]]:
    """Spark's own Spark Connect server from the pyspark wheel, ``local[cores]`` (Java 17): the URL and the
    seconds it took to open its port. spark-class execs java, so the child's PID is the JVM's."""
    if shutil.which("java") is None:
        pytest.fail("java is missing: scripts/ensure_system_deps.sh installs openjdk-17-jre-headless")
    home = spark_home()
    port, log = free_port(), log_dir / f"spark-connect-{cores}.log"
    command = [
        str(home / "bin" / "spark-submit"),
        "--master",
        f"local[{cores}]",
        "--driver-memory",
        memory,
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf",
        f"spark.connect.grpc.binding.port={port}",
        "--conf",
        f"spark.sql.shuffle.partitions={max(2, cores * 2)}",
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
        "spark-internal",
    ]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=out, env=env, cwd=log_dir)
    try:
        seconds = wait_for_port(port, proc, 180, log)
        yield f"sc://127.0.0.1:{port}", seconds
    finally:
        _stop_child(proc)


def postgres_bin(name: str) -> str:
    """A PostgreSQL server binary: on PATH, or Debian's /usr/lib/postgresql/<version>/bin (newest first)."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        pytest.fail(f"{name} is missing: scripts/ensure_system_deps.sh installs Debian's postgresql")
    return found


def _as_postgres_user() -> list[str]:
    """initdb refuses to run as root: run the server binaries as the postgres user (Debian creates it)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.fail("running as root without runuser: cannot start PostgreSQL as the postgres user")
    return [runuser, "-u", "postgres", "--"]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster: ``postgres://digigov@127.0.0.1:PORT/postgres`` (trust authentication on
    loopback only; fsync off, it is deleted afterwards)."""
    initdb, pg_ctl, prefix = postgres_bin("initdb"), postgres_bin("pg_ctl"), _as_postgres_user()
    folder = Path(tempfile.mkdtemp(prefix="digigov-pg-"))
    if prefix:
        shutil.chown(folder, "postgres")
    data, port, log = folder / "data", free_port(), folder / "server.log"
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "digigov", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"], check=True)
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        try:
            yield f"postgres://digigov@127.0.0.1:{port}/postgres"
        finally:
            stop_pid(pid, signal.SIGINT)  # "fast" shutdown of the postmaster
    finally:
        shutil.rmtree(folder, ignore_errors=True)
