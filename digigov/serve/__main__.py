"""`python -m digigov.serve`: the multi-process server (what `make serve` runs)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from digigov import settings
from digigov.exposure import check_address
from digigov.serve.supervisor import ServeOptions, Supervisor
from digigov.serve.watchdog import Limits

APP = Path(__file__).resolve().parents[2] / "app.py"


def parse(argv: list[str] | None = None) -> ServeOptions:
    parser = argparse.ArgumentParser(prog="python -m digigov.serve", description=__doc__)
    try:  # the environment gives the defaults; a bad value is a usage error naming the variable
        address = settings.read("DIGIGOV_SERVE_ADDRESS")
        port = settings.read("DIGIGOV_SERVE_PORT")
        workers = settings.read("DIGIGOV_SERVE_WORKERS") or os.cpu_count() or 1
        base_port = settings.read("DIGIGOV_SERVE_BASE_PORT")
        hang_after = settings.read("DIGIGOV_SERVE_HANG_AFTER_S")
    except settings.SettingError as exc:
        parser.error(str(exc))
    parser.add_argument(
        "--address", default=address, help="address the proxy listens on (default 127.0.0.1: only this machine)"
    )
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--workers", type=int, default=workers, help="Streamlit processes (default: one per core)")
    parser.add_argument(
        "--base-port", type=int, default=base_port, help="first worker's loopback port; the others follow"
    )
    parser.add_argument("--check-interval", type=float, default=2.0, help="seconds between health checks")
    parser.add_argument("--health-timeout", type=float, default=5.0, help="seconds a health check may take")
    parser.add_argument(
        "--hang-after", type=float, default=hang_after, help="restart a worker silent this long while using no CPU"
    )
    parser.add_argument(
        "--unresponsive-after", type=float, default=120.0, help="restart a worker silent this long whatever its CPU"
    )
    parser.add_argument("--app", type=Path, default=APP)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if (refusal := check_address(args.address)) is not None:
        parser.error(refusal)
    return ServeOptions(
        app=args.app.resolve(),
        address=args.address,
        port=args.port,
        workers=args.workers,
        base_port=args.base_port,
        check_interval_s=args.check_interval,
        health_timeout_s=args.health_timeout,
        limits=Limits(hang_after_s=args.hang_after, unresponsive_after_s=args.unresponsive_after),
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return Supervisor(parse(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
