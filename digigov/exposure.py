"""Where the app may listen (issue 18). Without sign-in the app is for one local analyst: loopback only. Serving a
network needs sign-in configured (an [auth] section in .streamlit/secrets.toml) or the explicit, documented
override DIGIGOV_TRUSTED_NETWORK=1 for an intranet behind a proxy that authenticates.

`make run` asks `python -m digigov.exposure` for its address; `make serve` checks the proxy's address here."""

from __future__ import annotations

import ipaddress
import sys
import tomllib
from pathlib import Path

from digigov import settings

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
EVERYWHERE = "0.0.0.0"  # only with sign-in or the trusted-network override


def sign_in_configured(root: Path = ROOT) -> bool:
    """True when the app's secrets have an [auth] section (Streamlit's st.login reads the same file)."""
    path = root / ".streamlit" / "secrets.toml"
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return "auth" in tomllib.load(f)


def may_serve_network(root: Path = ROOT) -> bool:
    return sign_in_configured(root) or bool(settings.read("DIGIGOV_TRUSTED_NETWORK"))


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def run_address(root: Path = ROOT) -> str:
    """The address `make run` listens on: every interface only when the network may be served."""
    return EVERYWHERE if may_serve_network(root) else LOOPBACK


def check_address(address: str, root: Path = ROOT) -> str | None:
    """Why address may not be served (None when it may): a network address without sign-in or the override."""
    if is_loopback(address) or may_serve_network(root):
        return None
    return (
        f"refusing to listen on {address}: sign-in is not configured ([auth] in .streamlit/secrets.toml), so "
        "anyone on the network could read and change every dataset. Configure sign-in (README, 'Access'), "
        "or set DIGIGOV_TRUSTED_NETWORK=1 if a proxy in front authenticates every request."
    )


if __name__ == "__main__":
    print(run_address())
    sys.exit(0)
