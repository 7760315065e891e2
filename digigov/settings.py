"""Every setting of the app in one registry, read from the environment in one place.

A setting is an environment variable. Each one is declared here once, with its default and what it does, and
read with :func:`read` (type conversion included), so that no other module touches ``os.environ`` for its own
configuration and the README can be checked against the registry (tests/unit/core/test_docs.py).

The environment is read on every call, not cached at import: tests and the multi-process server change it
after the modules are loaded.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SETTINGS", "Setting", "SettingError", "read", "read_or_default", "setting"]

log = logging.getLogger(__name__)


class SettingError(ValueError):
    """A setting is set to a value that cannot be used; the message names the variable and what it takes."""


def _text(raw: str) -> str:
    return raw


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1 or 0")


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("expected a positive number")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


def _port(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("expected a port number from 1 to 65535")
    return value


@dataclass(frozen=True)
class Setting:
    """One environment variable. ``default`` is what an unset (or blank) variable means; None means that the
    default is worked out where the setting is used (``help`` says how), e.g. one worker per core."""

    name: str
    default: Any
    help: str
    convert: Callable[[str], Any] = _text


SETTINGS: tuple[Setting, ...] = (
    Setting("DIGIGOV_DATA_DIR", None, "accepted datasets (Parquet + manifest.json); default ./userdata", _path),
    Setting("DIGIGOV_IMPORT_DIR", None, "the import folder for large files; default $DIGIGOV_DATA_DIR/import", _path),
    Setting("DIGIGOV_IMPORT_BLOCK_MB", 8.0, "block size of the large-file import in MB", _positive_float),
    Setting("DIGIGOV_MAX_UPLOAD_MB", 50.0, "upload cap in MB, checked by the reader", _positive_float),
    Setting("DIGIGOV_STRICT_I18N", False, "1: a missing catalog key raises instead of showing ⟦key⟧ (tests)", _flag),
    Setting("BROWSER_PATH", None, "the Chromium used for image and briefing export; default: found on PATH", _path),
    Setting("DIGIGOV_SERVE_ADDRESS", "127.0.0.1", "where the proxy of `make serve` listens"),
    Setting("DIGIGOV_ROLES_FILE", None, "TOML mapping users and ID-token groups to viewer/analyst/admin", _path),
    Setting("DIGIGOV_ROLES_CLAIM", "groups", "the ID-token claim that lists the user's groups"),
    Setting("DIGIGOV_AUDIT_DIR", None, "the audit log (JSON lines, rotated); default $DIGIGOV_DATA_DIR/audit", _path),
    Setting(
        "DIGIGOV_TRUSTED_NETWORK",
        False,
        "1: `make run` listens on every interface without sign-in (only behind a proxy that authenticates)",
        _flag,
    ),
    Setting("DIGIGOV_SERVE_PORT", 8501, "the proxy's port", _port),
    Setting("DIGIGOV_SERVE_WORKERS", None, "Streamlit worker processes; default one per core", _positive_int),
    Setting("DIGIGOV_SERVE_BASE_PORT", 8601, "first worker's loopback port; the others follow", _port),
    Setting(
        "DIGIGOV_SERVE_HANG_AFTER_S",
        20.0,
        "seconds of silence with no CPU before a worker is restarted",
        _positive_float,
    ),
    Setting("DIGIGOV_COOKIE_SECRET", None, "cookie secret shared by the workers; default random per start"),
    Setting(
        "DIGIGOV_ENGINE",
        None,
        "where the heavy first pass over raw records runs: duckdb://, sc://host:port (Spark Connect, Sail), "
        "postgres://…, trino://…, clickhouse://…; default the embedded engine (digigov.engine)",
    ),
    Setting(
        "DIGIGOV_RECORDS_LOCATION",
        None,
        "raw records as Parquet parts (a folder, s3://…, hdfs://…); default $DIGIGOV_DATA_DIR/records",
    ),
    Setting("DIGIGOV_RECORDS_TABLE", None, "raw records as a table the engine reads in place (db.table)"),
)
_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The registry entry; KeyError for a name that is not a setting (a typo in code, not in the environment)."""
    return _BY_NAME[name]


def read(name: str) -> Any:
    """The setting's value from the environment, converted; its default when unset or blank.

    Raises SettingError, naming the variable, its value and what it takes, when the value cannot be converted.
    """
    entry = setting(name)
    raw = os.environ.get(name, "").strip()
    if not raw:
        return entry.default
    try:
        return entry.convert(raw)
    except ValueError as exc:
        raise SettingError(f"{name}={raw!r} is not usable ({exc}); {entry.help}") from None


def read_or_default(name: str) -> Any:
    """Like :func:`read`, but a bad value is logged and the default used instead.

    For settings read on a user's request (the upload cap, the import block size): a typo in the server's
    environment must not make every upload fail, and the log says what was ignored.
    """
    try:
        return read(name)
    except SettingError as exc:
        log.warning("%s; using the default %r", exc, setting(name).default)
        return setting(name).default
