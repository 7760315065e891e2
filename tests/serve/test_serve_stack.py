"""`make serve` for real: two Streamlit workers behind haproxy, the supervisor's watchdog, on loopback.

The stack is started once (python -m digigov.serve, short watchdog limits) and taken through what production
meets: sticky sessions, a page rendered through the proxy over the websocket, a worker that locks up (SIGSTOP:
no health answer, no CPU, as in the GIL deadlock), a worker that dies, and a clean stop on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from stclient import Session, run_sync  # noqa: E402

HANG_AFTER_S = 12  # longer than the proxy needs to take a silent worker out (3 checks × (1 s + 2 s))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, cookie: str | None = None, timeout: float = 10) -> tuple[int, str | None, str | None]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
        set_cookie = response.headers.get("Set-Cookie")
        return response.status, response.headers.get("X-Served-By"), set_cookie.split(";")[0] if set_cookie else None


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def worker_pids(supervisor: int) -> dict[int, int]:
    """worker port -> pid of its Streamlit process."""
    out = {}
    for pid in _children(supervisor):
        args = _cmdline(pid)
        if "streamlit" in args and "--server.port" in args:
            out[int(args[args.index("--server.port") + 1])] = pid
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def _served_by(url: str) -> set[str]:
    seen = set()
    for _ in range(10):
        try:
            seen.add(_get(url + "/", timeout=5)[1])
        except OSError:
            continue
    return seen - {None}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    port, base = _free_port(), _free_port() + 2000
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "digigov.serve",
                "--port",
                str(port),
                "--base-port",
                str(base),
                "--workers",
                "2",
                "--check-interval",
                "1",
                "--health-timeout",
                "2",
                "--hang-after",
                str(HANG_AFTER_S),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DIGIGOV_DATA_DIR": str(log.parent)},
        )
        url = f"http://127.0.0.1:{port}"
        info = {"url": url, "process": process, "ports": (base, base + 1), "log": log}
        try:
            assert wait_until(lambda: _served_by(url) == {"w1", "w2"}, 120), log.read_text()[-3000:]
            yield info
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(30)


def test_proxy_sets_a_sticky_cookie_and_keeps_a_browser_on_its_worker(stack):
    url = stack["url"]
    status, worker, cookie = _get(url + "/")
    assert status == 200 and worker in {"w1", "w2"}
    assert cookie == f"DIGIGOV_BACKEND={worker}"
    assert {_get(url + "/", cookie)[1] for _ in range(8)} == {worker}
    assert {_get(url + "/_stcore/health", cookie)[1] for _ in range(4)} == {worker}
    other = "w2" if worker == "w1" else "w1"
    assert {_get(url + "/", f"DIGIGOV_BACKEND={other}")[1] for _ in range(4)} == {other}


def test_a_page_renders_through_the_proxy_over_the_websocket(stack):
    async def visit() -> list:
        session = Session(stack["url"], timeout=120)
        await session.connect()
        try:
            return [await session.view(""), await session.view("channels")]
        finally:
            await session.close()

    overview, channels = run_sync(visit())
    assert overview.status == "ok" and overview.messages > 10, overview
    assert channels.status == "ok" and channels.bytes > 50_000, channels  # the city map's values arrived


def test_a_locked_up_worker_is_taken_out_of_rotation_and_restarted(stack):
    url, supervisor = stack["url"], stack["process"].pid
    port = stack["ports"][0]
    before = worker_pids(supervisor)
    stuck = before[port]
    os.kill(stuck, signal.SIGSTOP)  # no health answer and no CPU: what the GIL deadlock looked like
    try:
        # Until the watchdog acts, the proxy's own checks take it out of rotation: new visitors reach w2.
        assert wait_until(lambda: _served_by(url) == {"w2"}, 30)
        restarted = wait_until(lambda: worker_pids(supervisor).get(port) not in (None, stuck), HANG_AFTER_S + 40)
        assert restarted, stack["log"].read_text()[-3000:]
        assert not _alive(stuck), "the locked-up process must be killed, not left behind"
        assert wait_until(lambda: _served_by(url) == {"w1", "w2"}, 120), "the restarted worker is back in rotation"
    finally:
        if _alive(stuck):
            os.kill(stuck, signal.SIGKILL)
    assert "is hung; killing and restarting it" in stack["log"].read_text()


def test_a_worker_that_dies_is_restarted(stack):
    url, supervisor = stack["url"], stack["process"].pid
    port = stack["ports"][1]
    dead = worker_pids(supervisor)[port]
    os.kill(dead, signal.SIGKILL)
    assert wait_until(lambda: worker_pids(supervisor).get(port) not in (None, dead), 30)
    assert wait_until(lambda: _served_by(url) == {"w1", "w2"}, 120)
    assert "exited with -9; restarting" in stack["log"].read_text()


def test_sigterm_stops_the_proxy_and_every_worker(stack):
    process = stack["process"]
    children = _children(process.pid)
    assert len(children) >= 3  # two workers and haproxy
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    assert wait_until(lambda: not any(_alive(pid) for pid in children), 20)
    with pytest.raises(OSError):
        _get(stack["url"] + "/_stcore/health", timeout=3)
