"""A headless Streamlit client: speaks the app's websocket protocol the way the browser's frontend does.

The browser loads index.html over HTTP (behind the proxy that sets the sticky-session cookie), then opens
/_stcore/stream with the subprotocol "streamlit" and sends BackMsg protobufs: a rerun_script with the page's
URL path on first load, and with the page's script hash (from the server's navigation message) when the user
clicks a page in the sidebar. The server answers with ForwardMsgs until script_finished. One page view here is
that round trip: request sent to script_finished received, with the bytes and any exception element counted.
No rendering happens, so this measures the server alone.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.request
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

T = TypeVar("T")


@dataclass
class PageView:
    page: str
    seconds: float
    bytes: int
    messages: int
    exceptions: int
    status: str  # "ok", "exception", "timeout", "closed", "not_found"


@dataclass
class _Tally:
    """What one page view's ForwardMsgs came to."""

    bytes: int = 0
    messages: int = 0
    exceptions: int = 0
    status: str = "ok"
    finished: bool = False

    def add(self, size: int, forward: ForwardMsg, pages: dict[str, str]) -> None:
        self.bytes += size
        self.messages += 1
        kind = forward.WhichOneof("type")
        if kind == "navigation":
            pages.update({p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages})
        elif kind == "page_not_found":
            self.status = "not_found"
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            self.exceptions += forward.delta.new_element.WhichOneof("type") == "exception"
        elif kind == "script_finished":
            # A run cut short by a rerun is not the end of the page view.
            self.finished = forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def final_status(self) -> str:
        return "exception" if self.status == "ok" and self.exceptions else self.status


@dataclass
class Session:
    """One browser tab: one websocket, many page views."""

    base_url: str  # http://host:port
    timeout: float = 120.0
    cookie: str | None = None
    pages: dict[str, str] = field(default_factory=dict)  # url_pathname -> page_script_hash
    served_by: str | None = None
    _ws: websockets.ClientConnection | None = None

    def _http_get_index(self) -> None:
        """GET / as the browser does first: a proxy in front sets its sticky-session cookie here."""
        request = urllib.request.Request(self.base_url + "/", headers={"Accept": "text/html"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
            self.served_by = response.headers.get("X-Served-By")
        self.cookie = "; ".join(cookies) or None

    async def connect(self) -> None:
        await asyncio.to_thread(self._http_get_index)
        ws_url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Origin": self.base_url}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._ws = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
            compression=None,
        )

    async def view(self, page: str, query: str = "") -> PageView:
        """Open a page ("" = the default page), as a first load or as a sidebar click when the hash is known."""
        assert self._ws is not None
        started = time.perf_counter()
        tally = _Tally()
        try:
            await self._ws.send(self._rerun(page, query).SerializeToString())
            while not tally.finished:
                remaining = self.timeout - (time.perf_counter() - started)
                if remaining <= 0:
                    raise TimeoutError
                data = await asyncio.wait_for(self._ws.recv(), remaining)
                forward = ForwardMsg()
                forward.ParseFromString(data)
                tally.add(len(data), forward, self.pages)
        except TimeoutError:
            tally.status = "timeout"
        except websockets.ConnectionClosed:
            tally.status = "closed"
        return PageView(
            page, time.perf_counter() - started, tally.bytes, tally.messages, tally.exceptions, tally.final_status()
        )

    def _rerun(self, page: str, query: str) -> BackMsg:
        state = ClientState(query_string=query)
        if page in self.pages:
            state.page_script_hash = self.pages[page]
        else:
            state.page_name = page
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        state.context_info.url = f"{self.base_url}/{page}"
        return BackMsg(rerun_script=state)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: callers (pytest after Playwright's sync API, which leaves an event
    loop running in the main thread) may already have a loop."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="stclient")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
