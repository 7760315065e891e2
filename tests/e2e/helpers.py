"""Shared e2e helpers: starting the app, opening a page, waiting for the script run or a map, screenshots,
downloads. Elements are found by widget key: Streamlit puts the class st-key-<key> on a keyed widget's
container. Waits are on the app's script state or on the element that must appear, never fixed sleeps."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digigov.i18n import t
from tests.paths import ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1440, "height": 1100}
TALL_VIEWPORT = {"width": 1440, "height": 2600}

# The script run has finished (the pattern of bench/benchlib.py RENDERED_JS).
# The run has finished, and it is not a session's first run that stopped after its map (components/first_map.py):
# that run ends with a line saying the rest of the page follows, which the rerun the browser asks for replaces.
_REST_FOLLOWS = json.dumps([t("map.rest_follows", lang) for lang in ("zh", "en")], ensure_ascii=False)
SCRIPT_DONE_JS = (
    "() => { const app = document.querySelector('[data-testid=stApp]');"
    " if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;"
    f" const text = document.body.innerText; return !{_REST_FOLLOWS}.some(line => text.includes(line)); }}"
)

# At least (or, with exact, exactly) n choropleth shapes inside the widget with the given key.
MAP_DRAWN_JS = """
([key, n, exact]) => {
  const shapes = document.querySelectorAll(`.st-key-${key} .choroplethlocation`).length;
  return exact ? shapes === n : shapes >= n;
}
"""

# Centre of the region's path on screen inside the keyed map; plotly's geo layer takes the click there.
FIND_POINT_INSIDE = """
([key, adcode]) => {
  const paths = [...document.querySelectorAll(`.st-key-${key} .choroplethlocation`)];
  const path = paths.find(p => p.__data__ && p.__data__.loc === adcode);
  if (!path) return null;
  const box = path.getBoundingClientRect();
  return {x: box.left + box.width / 2, y: box.top + box.height / 2};
}
"""

# Two animation frames: the browser has laid out and painted what the last resize changed.
PAINTED_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    data_dir: Path,
    log: Path,
    *,
    port: int | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`streamlit run app.py` on a free port (or port) with its dataset store in data_dir, extra command-line
    args and environment; yields the app's URL once the health endpoint answers."""
    port = port or free_port()
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                *args,
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            # 1 MB import blocks: a 20 MB file in the import folder is read in twenty, with visible progress.
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "DIGIGOV_DATA_DIR": str(data_dir),
                "DIGIGOV_IMPORT_BLOCK_MB": "1",
                **(env or {}),
            },
        )
        try:
            url = f"http://127.0.0.1:{port}"
            if not _healthy(url, timeout_s=60):
                raise RuntimeError(f"streamlit did not start; see {log}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _healthy(url: str, timeout_s: float) -> bool:
    """Poll the health endpoint (the server is not a page yet: there is no script state to wait on)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def wait_for_script(page, timeout: int = 60_000) -> None:
    """Until the app's current script run has finished."""
    page.wait_for_function(SCRIPT_DONE_JS, timeout=timeout)


def open_page(page, app_url: str, path: str = "/", timeout: int = 60_000) -> None:
    """Go to a page of the app and wait until its script run has finished."""
    page.goto(f"{app_url}{path}")
    wait_for_script(page, timeout)


def keyed(page, key: str):
    """The container of the widget with key=key."""
    return page.locator(f".st-key-{key}")


def keyed_prefix(page, prefix: str):
    """The container of the widget whose key starts with prefix (keys that end in a file's identity)."""
    return page.locator(f"[class*='st-key-{prefix}']")


def wait_for_map(page, key: str, regions: int, *, exact: bool = False, timeout: int = 45_000) -> None:
    """Until the map with widget key `key` holds at least (exact: exactly) `regions` shapes."""
    page.wait_for_function(MAP_DRAWN_JS, arg=[key, regions, exact], timeout=timeout)


def click_region(page, key: str, adcode: str) -> None:
    """Click the region `adcode` on the map with widget key `key`."""
    keyed(page, key).scroll_into_view_if_needed()
    point = page.evaluate(FIND_POINT_INSIDE, [key, adcode])
    assert point, f"{adcode} not found on the map {key}"
    page.mouse.click(point["x"], point["y"])


def map_locations(page, key: str) -> list[str]:
    """The locations the map with widget key `key` was given (its first trace)."""
    return page.evaluate(f"() => document.querySelector('.st-key-{key} .js-plotly-plot').data[0].locations")


def outside_map_requests(page) -> list[str]:
    """Blocked requests for map shapes or plotly's CDN (the map must draw offline)."""
    return [u for u in page.outside_requests if "topojson" in u or "plot.ly" in u]


def screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its own container, so a tall viewport stands in for a full-page shot."""
    page.set_viewport_size(TALL_VIEWPORT)
    wait_for_script(page)
    page.evaluate(PAINTED_JS)
    page.screenshot(path=str(ARTIFACTS / name))
    page.set_viewport_size(VIEWPORT)


def download(page, button, timeout: int = 120_000) -> bytes:
    """Click a download button and return the file's bytes."""
    with page.expect_download(timeout=timeout) as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def download_button(page, key: str, name: str):
    """The button labelled name of the download widget with key=key."""
    return keyed(page, key).get_by_role("button", name=name)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])
