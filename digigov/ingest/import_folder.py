"""The import folder: where large files (beyond the browser upload cap) are put on the server to be imported.

Browsers upload through memory, so a file of a gigabyte is copied to the server by other means (a shared drive,
scp, a mounted folder) into this folder and chosen on the upload page, which reads it in blocks
(digigov.ingest.chunked). Only plain files directly inside the folder are offered, and a name is accepted only
if it is one of them, so nothing outside the folder can be read through the page.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from digigov import settings
from digigov.storage import default_data_dir

ENV_IMPORT_DIR = "DIGIGOV_IMPORT_DIR"
SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt")


class ImportFileError(LookupError):
    """The name is not a file in the import folder (any more)."""


@dataclass(frozen=True)
class ImportFile:
    name: str
    size: int
    modified: float  # seconds since the epoch

    @property
    def key(self) -> str:
        """Changes when the file is replaced, so results worked out for the old file are not reused."""
        return f"{self.name}|{self.size}|{self.modified:.6f}"


def import_dir() -> Path:
    """``$DIGIGOV_IMPORT_DIR`` if set, else ``import`` inside the data directory."""
    return settings.read(ENV_IMPORT_DIR) or default_data_dir() / "import"


def list_import_files(folder: Path | None = None) -> list[ImportFile]:
    """CSV/TSV/TXT files directly inside the folder, by name; an absent folder has none."""
    folder = folder or import_dir()
    found: list[ImportFile] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.lower().endswith(SUFFIXES):
            continue
        try:
            if not entry.is_file():
                continue
            stat = entry.stat()
        except OSError:
            continue
        found.append(ImportFile(entry.name, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda f: f.name)


def import_file_path(name: str, folder: Path | None = None) -> Path:
    """The path of a listed file; ImportFileError for anything else (other folders, .., vanished files)."""
    folder = folder or import_dir()
    if name not in {f.name for f in list_import_files(folder)}:
        raise ImportFileError(name)
    return folder / name
