"""The haproxy configuration in front of the Streamlit workers.

Why each part is there:
- Sticky sessions by cookie: a Streamlit session lives in one process (its websocket, its uploaded files at
  /_stcore/upload_file/<session>, its download files under /media), so every request of a browser must reach
  the process that served its first page. `cookie ... insert indirect nocache` adds the cookie to the first
  response (index.html) and strips it before the request reaches Streamlit.
- `balance leastconn`: websockets are long-lived; counting open connections spreads officials better than
  taking turns.
- Active health checks on /_stcore/health with their own short timeout: a worker that stops answering is
  taken out of rotation for new sessions within `fall × inter`, and `option redispatch` sends a browser whose
  cookie names a dead worker to a live one (it loses that session's widget state, not the page).
- `timeout tunnel`: an open dashboard tab keeps its websocket for hours; `timeout server` bounds one HTTP
  request, not the websocket.
- X-Served-By names the worker (w1, w2, ...) so an operator, the load test and the tests can see the routing.
"""

from __future__ import annotations

from dataclasses import dataclass

COOKIE = "DIGIGOV_BACKEND"


@dataclass(frozen=True)
class ProxyConfig:
    address: str
    port: int
    backends: tuple[tuple[str, int], ...]  # (name, port) on 127.0.0.1
    check_interval_s: float = 2.0
    check_timeout_s: float = 5.0
    fall: int = 3  # failed checks before a worker leaves rotation (a busy worker answers late, not never)
    rise: int = 2


def _ms(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def render(config: ProxyConfig) -> str:
    servers = "\n".join(f"    server {name} 127.0.0.1:{port} cookie {name}" for name, port in config.backends)
    return f"""# Written by digigov.serve at start-up; edits are overwritten.
global
    maxconn 4096
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option dontlognull
    option redispatch
    retries 2
    timeout connect 5s
    timeout client 60s
    timeout server 120s
    timeout http-request 30s
    timeout tunnel 8h
    timeout check {_ms(config.check_timeout_s)}

frontend digigov
    bind {config.address}:{config.port}
    default_backend streamlit

backend streamlit
    balance leastconn
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server check inter {_ms(config.check_interval_s)} fall {config.fall} rise {config.rise}
    http-response set-header X-Served-By %s
{servers}
"""
