"""Reading uploaded files as they really come: CSV/TSV in any common Chinese encoding, Excel .xlsx with title
rows and notes, Parquet; validated row by row, personal identifiers removed, values normalised.

The entry point is `read_upload(name, data, ...)`; it never raises for anything about the file. See
pipeline.py for the normalised frame and report.py for the validation report.
"""

from digigov.ingest.columns import ALL_ROLES, ROLES, ColumnMapping, ColumnMatch, propose_mapping
from digigov.ingest.decode import ENCODING_CHOICES, Decoded, DecodeError, decode_bytes
from digigov.ingest.excel_reader import list_sheets
from digigov.ingest.limits import MAX_UPLOAD_BYTES, max_upload_bytes
from digigov.ingest.pipeline import IngestResult, read_upload
from digigov.ingest.privacy import (
    PrivacyFindings,
    PrivacyNotice,
    drop_identifiers,
    is_valid_resident_id,
    mask_text,
    salted_hash,
    scan_identifiers,
)
from digigov.ingest.progress import Progress, ProgressCallback
from digigov.ingest.raw_records import RawRecords
from digigov.ingest.regions_resolve import RegionResolution, resolve_region_values
from digigov.ingest.report import Issue, ValidationReport
from digigov.ingest.shapes import SHAPES
from digigov.ingest.sniff import sniff
from digigov.ingest.values import SCALES, UnitInference, parse_number, parse_year

__all__ = [
    "ALL_ROLES",
    "ENCODING_CHOICES",
    "MAX_UPLOAD_BYTES",
    "ROLES",
    "SCALES",
    "SHAPES",
    "ColumnMapping",
    "ColumnMatch",
    "DecodeError",
    "Decoded",
    "IngestResult",
    "Issue",
    "PrivacyFindings",
    "PrivacyNotice",
    "Progress",
    "ProgressCallback",
    "RawRecords",
    "RegionResolution",
    "UnitInference",
    "ValidationReport",
    "decode_bytes",
    "drop_identifiers",
    "is_valid_resident_id",
    "list_sheets",
    "mask_text",
    "max_upload_bytes",
    "parse_number",
    "parse_year",
    "propose_mapping",
    "read_upload",
    "resolve_region_values",
    "salted_hash",
    "scan_identifiers",
    "sniff",
]
