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
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass
class PageView:
    page: str
    seconds: float
    bytes: int
    messages: int
    exceptions: int
    status: str  # "ok", "exception", "timeout", "closed", "not_found"


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
            ws_url, subprotocols=["streamlit"], additional_headers=headers, max_size=None,
            open_timeout=self.timeout, ping_interval=None, compression=None,
        )

    async def view(self, page: str, query: str = "") -> PageView:
        """Open a page ("" = the default page), as a first load or as a sidebar click when the hash is known."""
        assert self._ws is not None
        state = ClientState(query_string=query)
        if page in self.pages:
            state.page_script_hash = self.pages[page]
        else:
            state.page_name = page
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        state.context_info.url = f"{self.base_url}/{page}"
        message = BackMsg(rerun_script=state)
        started = time.perf_counter()
        size = count = exceptions = 0
        status = "ok"
        try:
            await self._ws.send(message.SerializeToString())
            while True:
                remaining = self.timeout - (time.perf_counter() - started)
                if remaining <= 0:
                    status = "timeout"
                    break
                data = await asyncio.wait_for(self._ws.recv(), remaining)
                size += len(data)
                count += 1
                forward = ForwardMsg()
                forward.ParseFromString(data)
                kind = forward.WhichOneof("type")
                if kind == "navigation":
                    self.pages.update({p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages})
                elif kind == "page_not_found":
                    status = "not_found"
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    if forward.delta.new_element.WhichOneof("type") == "exception":
                        exceptions += 1
                elif kind == "script_finished":
                    if forward.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue
                    break
        except TimeoutError:
            status = "timeout"
        except websockets.ConnectionClosed:
            status = "closed"
        if status == "ok" and exceptions:
            status = "exception"
        return PageView(page, time.perf_counter() - started, size, count, exceptions, status)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
