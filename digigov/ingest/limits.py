"""Size limits for uploads, checked in code (not only by the browser or Streamlit's own cap).

The upload cap defaults to 50 MB and can be changed with the environment variable DIGIGOV_MAX_UPLOAD_MB.
Before an .xlsx is opened its ZIP directory is checked against the limits below (zip bombs), and every XML part
is streamed once with a hard cap to look for a DTD (entity expansion).
"""

from __future__ import annotations

from digigov import settings

MIB = 1024 * 1024
ENV_MAX_UPLOAD_MB = "DIGIGOV_MAX_UPLOAD_MB"

XLSX_MAX_ENTRY_BYTES = 100 * MIB  # any one uncompressed ZIP entry
XLSX_MAX_RATIO = 200  # uncompressed / compressed size of one entry
XLSX_RATIO_MIN_BYTES = 1 * MIB  # entries smaller than this cannot be a bomb; their ratio is not judged
XLSX_MAX_TOTAL_BYTES = 500 * MIB  # all entries together, uncompressed
XLSX_MAX_ENTRIES = 10_000
PARQUET_MAX_UNCOMPRESSED_BYTES = 1024 * MIB

MAX_ISSUES_PER_CODE = 50  # rows listed per kind of problem; the rest are counted in one summary row
MAX_SCAN_ROWS = 30  # rows looked at to find the header below title rows


def max_upload_bytes() -> int:
    """The upload cap in bytes: DIGIGOV_MAX_UPLOAD_MB if set to a positive number, else 50 MB (logged)."""
    return int(settings.read_or_default(ENV_MAX_UPLOAD_MB) * MIB)


MAX_UPLOAD_BYTES = max_upload_bytes()  # as configured at import; read_upload re-reads the environment per call
