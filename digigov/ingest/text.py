"""User-supplied text in messages and reports: masked, escaped and shortened, never interpreted.

Values from uploads are only ever data. In a report they are shown with personal identifiers masked, control
and bidirectional-override characters made visible, and long values cut. Exported report cells that a
spreadsheet would run as a formula (=, +, -, @, tab, CR, LF first) are neutralised by `neutralise_formula`.
"""

from __future__ import annotations

import unicodedata

from digigov.ingest.privacy import mask_text

MAX_VALUE_CHARS = 60
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
FORMULA_PATTERN = r"^[=+\-@\t\r\n]"  # the same triggers, for polars expressions
_VISIBLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    if char in _VISIBLE:
        return _VISIBLE[char]
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return f"\\u{ord(char):04x}"
    return char


def safe_text(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value fit for a message: identifiers masked, control/format characters escaped, at most limit chars."""
    text = "" if value is None else str(value)
    text = mask_text(text)
    text = "".join(_escape_char(c) for c in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def neutralise_formula(text: str | None) -> str | None:
    """Prefix a cell that Excel or LibreOffice would evaluate as a formula with an apostrophe."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text
