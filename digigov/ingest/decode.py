"""Strict text decoding: UTF-8 (with or without BOM), then GB18030, then UTF-16 by its BOM; never lossy.

GB18030 is a superset of GBK and GB2312, and it maps every byte sequence it accepts to exactly one text, so
decoding with it loses nothing; characters outside GBK (䶮, 𬌗) decode too. The encoding is reported as "gbk"
when the bytes also decode identically as GBK (the common case for Excel exports on Chinese Windows).
charset-normalizer is asked only for a second opinion: to name a likely encoding when all of ours fail, and to
flag a GB18030 decoding whose text looks implausible.
"""

from __future__ import annotations

import codecs
import logging
import unicodedata
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Offered to the user as a manual override ("auto" = detect).
ENCODING_CHOICES: tuple[str, ...] = (
    "auto",
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "gbk",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "big5",
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8, gbk, gb18030, utf-16-le, utf-16-be, or the override's canonical name
    bom: bool
    uncertain: bool = False  # decoded without error, but the text looks implausible (see hint)
    hint: str | None = None  # charset-normalizer's guess, when it has one


class DecodeError(ValueError):
    """The bytes are not valid in any accepted encoding (or in the one the user chose)."""

    def __init__(
        self, code: str, *, encoding: str = "", offset: int = 0, line: int = 1, hint: str | None = None
    ) -> None:
        self.code = code
        self.encoding = encoding
        self.offset = offset
        self.line = line
        self.hint = hint
        super().__init__(f"{code}: {encoding} at byte {offset} (line {line}); hint {hint}")


def canonical_encoding(name: str) -> str | None:
    """The codec's canonical name, or None for an unknown codec or one that is not a text encoding."""
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, AttributeError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    newline = "\n".encode(encoding if encoding.startswith("utf-16") else "ascii")
    return data.count(newline, 0, offset) + 1


def _guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
    except Exception:  # a hint only: any failure means "no hint"
        log.debug("charset detection failed", exc_info=True)
        return None
    return best.encoding if best is not None else None


_PLAUSIBLE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x2000, 0x206F),
    (0x2100, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x25FF),
    (0x3000, 0x303F),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31C0, 0x31EF),
    (0x3200, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)


def _plausible(char: str) -> bool:
    code = ord(char)
    if char in "\t\r\n":
        return True
    return any(lo <= code <= hi for lo, hi in _PLAUSIBLE_RANGES)


def _looks_plausible(text: str) -> bool:
    sample = [c for c in text[:20000] if not c.isspace() or c in "\t\r\n"]
    if not sample:
        return True
    good = sum(1 for c in sample if c in "\t\r\n" or (_plausible(c) and unicodedata.category(c) not in ("Co", "Cn")))
    return good / len(sample) >= 0.97


def _strict(data: bytes, encoding: str) -> str:
    return data.decode(encoding, errors="strict")


def _override(data: bytes, encoding: str) -> Decoded:
    name = canonical_encoding(encoding)
    if name is None:
        raise DecodeError("decode_unknown_encoding", encoding=encoding)
    bom = False
    payload = data
    if name in ("utf-8", "utf-8-sig"):
        bom = data.startswith(codecs.BOM_UTF8)
        payload = data[3:] if bom else data
        name = "utf-8"
    elif name == "utf-16":
        bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not bom:
            name = "utf-16-le"  # Python's utf-16 without a BOM is little-endian on every platform we run
        else:
            name = "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
            payload = data[2:]
    elif name in ("utf-16-le", "utf-16-be"):
        bom_bytes = codecs.BOM_UTF16_LE if name == "utf-16-le" else codecs.BOM_UTF16_BE
        bom = data.startswith(bom_bytes)
        payload = data[2:] if bom else data
    try:
        text = _strict(payload, name)
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(data) - len(payload))
        raise DecodeError(
            "decode_override_failed", encoding=name, offset=offset, line=_line_of(data, offset, name), hint=_guess(data)
        ) from None
    return Decoded(text, name, bom)


def decode_bytes(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode bytes strictly. encoding (a codec name, or None / "auto") overrides detection.

    Raises DecodeError (with the byte offset and line of the first bad byte, and a hint) when no accepted
    encoding fits; never replaces or drops bytes.
    """
    if encoding and encoding.strip().lower() != "auto":
        return _override(data, encoding)
    for bom_bytes, name in _BOMS:
        if data.startswith(bom_bytes):
            payload = data[len(bom_bytes) :]
            try:
                return Decoded(_strict(payload, name), name, True)
            except UnicodeDecodeError as exc:
                offset = exc.start + len(bom_bytes)
                raise DecodeError(
                    "decode_failed", encoding=name, offset=offset, line=_line_of(data, offset, name), hint=_guess(data)
                ) from None
    try:
        return Decoded(_strict(data, "utf-8"), "utf-8", False)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = _strict(data, "gb18030")
    except UnicodeDecodeError:
        offset = utf8_error.start
        raise DecodeError(
            "decode_failed", encoding="utf-8", offset=offset, line=_line_of(data, offset, "utf-8"), hint=_guess(data)
        ) from None
    try:
        label = "gbk" if data.decode("gbk") == text else "gb18030"
    except UnicodeDecodeError:
        label = "gb18030"
    if _looks_plausible(text):
        return Decoded(text, label, False)
    return Decoded(text, label, False, uncertain=True, hint=_guess(data))
