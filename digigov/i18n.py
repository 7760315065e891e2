"""The zh/en catalog: every user-facing string of the app comes from digigov/locale/*.toml.

The catalog is one namespace split over files by area (core, ingest, export, ...); a key defined in two
files is an error.

Chinese is the default. Set DIGIGOV_STRICT_I18N=1 (the tests do) to make a missing key an error
instead of a visible placeholder.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from digigov import settings

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
CATALOG_DIR = Path(__file__).with_name("locale")


class MissingTranslationError(KeyError):
    pass


def _flatten(table: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    flat: dict[str, dict[str, str]] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            flat[path] = value
        elif isinstance(value, dict):
            flat.update(_flatten(value, path))
        else:
            raise ValueError(f"catalog entry {path!r} must be a table with zh and en")
    return flat


@cache
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.toml")):
        with path.open("rb") as f:
            entries = _flatten(tomllib.load(f))
        clash = set(entries) & set(merged)
        if clash:
            raise ValueError(f"{path.name} redefines catalog keys {sorted(clash)}")
        merged.update(entries)
    return merged


def normalise_language(lang: object) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for key in lang, with {placeholders} filled from values."""
    entry = catalog().get(key)
    text = entry.get(normalise_language(lang)) if entry else None
    if text is None:
        if settings.read("DIGIGOV_STRICT_I18N"):
            raise MissingTranslationError(f"{key!r} has no {lang!r} text in {CATALOG_DIR}")
        return f"⟦{key}⟧"
    return text.format(**values) if values else text
