"""Session-wide engine servers (started once, stopped by PID at the end) and the `spark` marker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from digigov import engine
from tests.engines import servers


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: starts Spark's own Spark Connect server (Java 17, local[2]; ~11 s to start here)"
    )


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("engine-servers")


@pytest.fixture(scope="session")
def sail_url(server_logs) -> Iterator[str]:
    with servers.sail_server(server_logs) as url:
        yield url
        engine.close_all()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with servers.postgres_server() as url:
        yield url
        engine.close_all()


@pytest.fixture(scope="session")
def spark_url(server_logs) -> Iterator[str]:
    with servers.spark_connect_server(server_logs, cores=2) as (url, _seconds):
        yield url
        engine.close_all()
