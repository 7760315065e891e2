"""One headless Chromium for every server-side export, started on first use and kept warm.

kaleido (1.5) renders plotly figures in it, and briefing pages are laid out, printed and screenshotted in
a tab of the same browser through the Chrome DevTools Protocol (choreographer, kaleido's own driver), so
the app needs no second browser stack at run time.

Why not `kaleido.start_sync_server()`: its `call_function` waits with no timeout, and two threads calling
it at once (Streamlit runs each session in its own thread) can receive each other's results. Here every
request is its own future on one private event loop, so callers are independent and each waits at most
its timeout (DESIGN §6: renders that call Chromium run with a timeout).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from digigov import settings
from digigov.errors import UserFacingError
from digigov.paths import STATIC_DIR

T = TypeVar("T")
log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install chromium fonts-noto-cjk"
# plotly's geo base layer fetches world_110m.json; kaleido reads it from our copy, never the CDN.
TOPOJSON_URL = (STATIC_DIR / "topojson").as_uri() + "/"
# Tabs kaleido keeps for figures. Each loads plotly.js at start (about 3 s apiece); one is enough here.
KALEIDO_TABS = 1
_START_TIMEOUT_S = 60.0
_CANCEL_GRACE_S = 10.0
# Longest any one render may take inside the browser, whatever the caller's timeout.
HARD_LIMIT_S = 90.0
_EXTRA_ARGS = ("--disable-background-networking", "--disable-features=Translate,MediaRouter")


class ExportError(UserFacingError, RuntimeError):
    """An export that could not be made; `message(lang)` is the text for the user."""


class ExportUnavailable(ExportError):
    """No usable Chromium on this machine: images cannot be rendered on the server."""

    def __init__(self, key: str = "export.unavailable", **values: object) -> None:
        values.setdefault("hint", INSTALL_HINT)
        super().__init__(key, **values)


class ExportTimeout(ExportError, TimeoutError):
    def __init__(self, seconds: float) -> None:
        super().__init__("export.timeout", seconds=f"{seconds:g}")


def chromium_path() -> str | None:
    """The Chromium kaleido would start: $BROWSER_PATH, then chromium/chrome on PATH or in usual places."""
    from choreographer.browsers.chromium import Chromium

    explicit = settings.read("BROWSER_PATH")
    if explicit:
        return str(explicit) if explicit.is_file() and os.access(explicit, os.X_OK) else None
    try:
        found = Chromium.find_browser(skip_local=False)
    except Exception:  # no browser found is reported to the user as ExportUnavailable; why goes to the log
        log.warning("looking for Chromium failed", exc_info=True)
        return None
    return found if found and os.path.isfile(found) else None


def chromium_available() -> bool:
    return chromium_path() is not None


def _alive(k: Any) -> bool:
    process = getattr(k, "subprocess", None)
    return process is None or process.poll() is None


def sandbox_enabled() -> bool:
    """Whether the export Chromium keeps its sandbox: always, unless this process runs as root (Chromium
    refuses to start sandboxed as root), which is logged as a warning, since a page rendered with data from
    uploads then runs without the browser's process isolation."""
    geteuid = getattr(os, "geteuid", None)  # not on Windows, where the sandbox needs no special user
    if geteuid is not None and geteuid() == 0:
        log.warning(
            "the export Chromium runs without its sandbox (--no-sandbox) because this process runs as root; "
            "run the app as an unprivileged user to keep the sandbox on"
        )
        return False
    return True


def _browser_class() -> type:
    from choreographer.browsers.chromium import Chromium

    class QuietChromium(Chromium):
        """kaleido's Chromium flags plus no background network traffic, with the sandbox on unless we run as
        root (choreographer's own default is --no-sandbox)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["enable_sandbox"] = sandbox_enabled()
            super().__init__(*args, **kwargs)

        def get_cli(self):
            return [*super().get_cli(), *_EXTRA_ARGS]

    return QuietChromium


class _Server:
    """A daemon thread running an event loop that owns one Kaleido (a Chromium with figure tabs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._started: concurrent.futures.Future | None = None

    def _launch(self, path: str) -> concurrent.futures.Future:
        import kaleido

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="digigov-export-chromium", daemon=True)
        thread.start()

        async def open_browser() -> Any:
            k = kaleido.Kaleido(
                n=KALEIDO_TABS, timeout=HARD_LIMIT_S, mathjax=False, path=path, browser_cls=_browser_class()
            )
            await k.open()
            return k

        self._loop, self._thread = loop, thread
        return asyncio.run_coroutine_threadsafe(open_browser(), loop)

    def _ensure_started(self, deadline: float, timeout_s: float) -> tuple[Any, asyncio.AbstractEventLoop]:
        with self._lock:
            if self._started is None:
                path = chromium_path()
                if path is None:
                    raise ExportUnavailable()
                self._started = self._launch(path)
            started, loop = self._started, self._loop
        try:
            k = started.result(timeout=max(0.0, min(deadline, time.monotonic() + _START_TIMEOUT_S) - time.monotonic()))
        except concurrent.futures.TimeoutError:
            # Leave the start running: the next request will find the browser warm.
            raise ExportTimeout(timeout_s) from None
        except Exception as error:
            log.warning("Chromium for export failed to start", exc_info=True)  # the user sees only the type
            self.stop()
            raise ExportUnavailable("export.browser_failed", detail=type(error).__name__) from error
        self._kaleido = k
        assert loop is not None
        return k, loop

    def run(self, job: Callable[[Any], Awaitable[T]], timeout_s: float) -> T:
        """Run job(kaleido) on the browser's loop; at most timeout_s seconds, start-up included."""
        from choreographer.channels import ChannelClosedError
        from choreographer.errors import BrowserClosedError, BrowserFailedError

        deadline = time.monotonic() + timeout_s
        for attempt in (1, 2):
            k, loop = self._ensure_started(deadline, timeout_s)
            if not _alive(k):
                self.stop(wait=False)  # Chromium died while idle (killed, out of memory): start a fresh one
                k, loop = self._ensure_started(deadline, timeout_s)
            finished = threading.Event()

            async def guarded(k: Any = k, finished: threading.Event = finished) -> T:
                try:
                    return await job(k)
                finally:
                    finished.set()

            future = asyncio.run_coroutine_threadsafe(guarded(), loop)
            try:
                return future.result(timeout=max(0.0, deadline - time.monotonic()))
            except concurrent.futures.TimeoutError:
                # The caller stops waiting, but the render is not cancelled: cancelling kaleido mid-render loses
                # its tab for good (seen: after a few cancels every render hangs). The render ends by itself,
                # at the latest at kaleido's hard limit; if it has not ended even then, Chromium is replaced.
                self._watch(finished)
                raise ExportTimeout(timeout_s) from None
            except (BrowserClosedError, BrowserFailedError, ChannelClosedError) as error:
                self.stop(wait=False)  # Chromium died during the job: one fresh start, then give up
                if attempt == 2:
                    raise ExportUnavailable("export.browser_failed", detail=type(error).__name__) from error
            except ExportError:
                raise
            except Exception as error:  # e.g. plotly.js rejecting a figure: a message for the user, details logged
                log.warning("export render failed", exc_info=True)
                raise ExportError("export.failed", detail=type(error).__name__) from error
        raise AssertionError("unreachable")

    def _watch(self, finished: threading.Event) -> None:
        started = self._started

        def watch() -> None:
            if not finished.wait(HARD_LIMIT_S + _CANCEL_GRACE_S) and self._started is started:
                self.stop(wait=False)

        threading.Thread(target=watch, name="digigov-export-watch", daemon=True).start()

    def stop(self, wait: bool = True) -> None:
        with self._lock:
            loop, thread, started = self._loop, self._thread, self._started
            self._loop = self._thread = self._started = self._kaleido = None
        if loop is None:
            return

        async def close() -> None:
            if started is not None and started.done() and started.exception() is None:
                await asyncio.wait_for(started.result().close(), 10)

        def shut_down() -> None:
            try:
                asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=15)
            except Exception:  # a browser that died or hangs is left to the OS; the loop is stopped all the same
                log.warning("closing the export Chromium failed", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)

        if wait:
            shut_down()
        else:
            threading.Thread(target=shut_down, name="digigov-export-stop", daemon=True).start()


_SERVER = _Server()
atexit.register(_SERVER.stop)


def run_in_browser(job: Callable[[Any], Awaitable[T]], timeout_s: float) -> T:
    """Run an async job(kaleido) on the shared browser; ExportUnavailable / ExportTimeout on failure."""
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    return _SERVER.run(job, timeout_s)


def warm_up(timeout_s: float = _START_TIMEOUT_S) -> None:
    """Start Chromium now (e.g. while a page loads) so the first export is fast."""

    async def nothing(_k: Any) -> None:
        return None

    run_in_browser(nothing, timeout_s)


class PageTab:
    """A blank tab of the shared browser holding one HTML document (no file, no network)."""

    def __init__(self, k: Any, tab: Any) -> None:
        self._k = k
        self.tab = tab

    @classmethod
    async def open(cls, k: Any, width_px: int, height_px: int, device_scale: float = 1.0) -> PageTab:
        tab = await k.create_tab("about:blank", window=True)
        page = cls(k, tab)
        await page.command("Page.enable")
        await page.command(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width_px,
                "height": height_px,
                "deviceScaleFactor": device_scale,
                "mobile": False,
            },
        )
        return page

    async def command(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.tab.send_command(method, params=params or {})
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response.get("result", {})

    async def set_html(self, html: str) -> None:
        """Replace the document and wait until its images are decoded and its fonts loaded."""
        tree = await self.command("Page.getFrameTree")
        await self.command("Page.setDocumentContent", {"frameId": tree["frameTree"]["frame"]["id"], "html": html})
        await self.evaluate(
            "Promise.all([...document.images].map(i => i.decode().catch(() => null)))"
            ".then(() => document.fonts.ready).then(() => true)"
        )

    async def evaluate(self, expression: str) -> Any:
        result = await self.command(
            "Runtime.evaluate",
            {
                "expression": expression,
                "awaitPromise": True,
                "returnByValue": True,
            },
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    async def print_pdf(self, **params: Any) -> bytes:
        import base64

        result = await self.command("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True, **params})
        return base64.b64decode(result["data"])

    async def screenshot(self, width_css: float, height_css: float) -> bytes:
        import base64

        result = await self.command(
            "Page.captureScreenshot",
            {
                "format": "png",
                "fromSurface": True,
                "clip": {"x": 0, "y": 0, "width": width_css, "height": height_css, "scale": 1},
            },
        )
        return base64.b64decode(result["data"])

    async def close(self) -> None:
        try:
            await self._k.close_tab(self.tab.target_id)
        except Exception:  # the page was already made (or failed); a tab left open goes with its browser
            log.warning("closing an export tab failed", exc_info=True)
