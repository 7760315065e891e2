"""What a file is, judged by its bytes (signature), never by its name."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

Kind = Literal["empty", "text", "xlsx", "parquet", "xls", "ods", "office", "zip", "binary"]

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
PARQUET_MAGIC = b"PAR1"
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF-", "PDF"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"\x7fELF", "ELF"),
    (b"MZ\x90\x00", "EXE"),
    (b"SQLite format 3\x00", "SQLite"),
    (b"RIFF", "RIFF"),
    (b"\x00\x00\x00\x18ftyp", "MP4"),
    (b"\x00\x00\x00\x20ftyp", "MP4"),
    (b"OggS", "Ogg"),
    (b"ID3", "MP3"),
)
TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# The kind that a file name's extension promises; used only to tell the user when name and content disagree.
EXTENSION_KINDS: dict[str, Kind] = {
    ".csv": "text",
    ".tsv": "text",
    ".txt": "text",
    ".tab": "text",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xls": "xls",
    ".ods": "ods",
}


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    detail: str = ""  # e.g. "PNG" for a binary kind, "docx" for an office file that is not a workbook


def _zip_kind(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError):
        return Sniffed("binary", "ZIP")
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return Sniffed("xlsx")
    if b"spreadsheet" in mimetype:
        return Sniffed("ods")
    for prefix, detail in (("word/", "docx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return Sniffed("office", detail)
    return Sniffed("zip", "ZIP")


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1A))
    return controls > max(2, len(head) // 100)


def _signature_kind(data: bytes) -> Sniffed | None:
    """The kind given away by the first bytes (Parquet, legacy xls, known binary formats, UTF-32), if any."""
    if data.startswith(PARQUET_MAGIC):
        if len(data) >= 12 and data.endswith(PARQUET_MAGIC):
            return Sniffed("parquet")
        return Sniffed("binary", "Parquet")
    if data.startswith(OLE_SIGNATURE):
        return Sniffed("xls")
    for signature, detail in BINARY_SIGNATURES:
        if data.startswith(signature):
            return Sniffed("binary", detail)
    if data.startswith(b"\x00\x00\xfe\xff") or data.startswith(b"\xff\xfe\x00\x00"):
        return Sniffed("binary", "UTF-32")
    return None


def sniff(data: bytes) -> Sniffed:
    """Classify bytes: empty, text (CSV/TSV, any encoding), xlsx, parquet, legacy xls, other office, binary."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        return Sniffed("empty")
    if data.startswith(ZIP_SIGNATURES):
        return _zip_kind(data)
    signed = _signature_kind(data)
    if signed is not None:
        return signed
    if data.startswith(TEXT_BOMS[1:]):
        return Sniffed("text")  # UTF-16 with BOM: NUL bytes are expected
    if _looks_binary(data[:8192]):
        return Sniffed("binary", "")
    return Sniffed("text")


def extension_kind(name: str) -> Kind | None:
    return EXTENSION_KINDS.get(PurePath(name or "").suffix.lower())
