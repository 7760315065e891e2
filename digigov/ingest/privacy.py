"""Personal identifiers in uploaded data: detect, drop or redact, hash where a key is needed, mask in messages.

Detected: 18-digit resident ID numbers with a valid GB 11643 check digit (ISO 7064 MOD 11-2) and a valid birth
date, 15-digit first-generation ID numbers (valid birth date), mainland mobile numbers (1[3-9] + 9 digits,
optional +86/86 prefix, spaces or dashes), and columns whose names say they hold such data (姓名, 身份证, 手机,
电话, name, phone, ...). Raw identifier values never go into a message: `mask_text` hides them
(1101**********1234, 138****5678).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from digigov.i18n import t

ID_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_CHECK_CHARS = "10X98765432"
# First two digits of GB/T 2260 codes (incl. 71 台湾, 81 香港, 82 澳门, 83 for residence permits).
ID_PROVINCE_PREFIXES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    }
)

_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])", re.ASCII)
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)", re.ASCII)
_LONG_DIGITS = re.compile(r"\d{15,}", re.ASCII)
# Cheap prefilter for polars (Rust regex has no look-around): cells that could hold an ID or a mobile number.
_PREFILTER = r"\d{15}|1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"

# Column names that announce personal identifiers (after folding case, width, spaces and punctuation).
PII_NAME_EXACT = frozenset(
    {
        "姓名",
        "名字",
        "联系人",
        "受访者姓名",
        "申请人",
        "法人",
        "法定代表人",
        "name",
        "fullname",
        "personname",
        "tel",
        "电话号码",
        "手机号",
        "手机号码",
        "身份证",
        "身份证号",
        "身份证号码",
        "证件号",
        "证件号码",
        "idno",
        "idcard",
    }
)
PII_NAME_PARTS: tuple[str, ...] = (
    "姓名",
    "身份证",
    "证件号",
    "手机",
    "电话",
    "联系方式",
    "联系电话",
    "住址",
    "邮箱",
    "微信号",
    "phone",
    "mobile",
    "idnumber",
    "idcard",
    "idno",
    "identitycard",
    "identitynumber",
    "nationalid",
    "email",
    "firstname",
    "lastname",
    "surname",
    "contactnumber",
)
_FOLD = re.compile(r"[\s_\-.·:：()（）\[\]【】/\\#]+")


def _fold(name: str) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", str(name)).casefold())


def pii_column_name(name: str) -> str | None:
    """The keyword that makes a column name look like a personal identifier column, or None."""
    folded = _fold(name)
    if not folded:
        return None
    if folded in PII_NAME_EXACT:
        return folded
    for part in PII_NAME_PARTS:
        if part in folded:
            return part
    return None


# -- ID numbers --------------------------------------------------------------------------------------------
def id_check_digit(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _valid_date(text: str) -> bool:
    try:
        date = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return 1900 <= date.year <= dt.date.today().year


def is_valid_resident_id(value: str) -> bool:
    """An 18-character ID with a known province prefix, a real birth date and a correct check character,
    or a 15-digit first-generation ID with a known prefix and a real birth date (19yymmdd)."""
    text = str(value).strip()
    if not text.isascii():
        return False
    if len(text) == 18:
        body, check = text[:17], text[17].upper()
        return (
            body.isdigit()
            and text[:2] in ID_PROVINCE_PREFIXES
            and _valid_date(text[6:14])
            and id_check_digit(body) == check
        )
    if len(text) == 15:
        return text.isdigit() and text[:2] in ID_PROVINCE_PREFIXES and _valid_date("19" + text[6:12])
    return False


_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "＋": "+", "－": "-"})


def _ascii_digits(text: str) -> str:
    """Full-width digits (１３８…) count as digits: people type them in Chinese input methods."""
    return text.translate(_WIDE)


def find_resident_ids(text: str) -> list[str]:
    return [m.group(1) for m in _ID_CANDIDATE.finditer(_ascii_digits(text)) if is_valid_resident_id(m.group(1))]


def find_mobiles(text: str) -> list[str]:
    return [m.group(0) for m in _MOBILE.finditer(_ascii_digits(text))]


def contains_identifier(text: str | None) -> bool:
    if not text:
        return False
    return bool(find_resident_ids(text) or find_mobiles(text))


# -- masking (for messages) -----------------------------------------------------------------------------------
def _mask_digits(match: re.Match[str]) -> str:
    digits = match.group(0)
    keep = 4 if len(digits) >= 12 else 3
    return digits[:keep] + "*" * (len(digits) - 2 * keep) + digits[-keep:]


def _mask_mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def mask_text(text: str) -> str:
    """Hide ID numbers (and any run of 15+ digits) and mobile numbers: 1101**********1234, 138****5678."""
    masked = _ID_CANDIDATE.sub(_mask_digits, _ascii_digits(text))
    masked = _LONG_DIGITS.sub(_mask_digits, masked)
    return _MOBILE.sub(_mask_mobile, masked)


def redact_text(text: str) -> str:
    """Replace identifiers completely (for data that is kept): IDs and mobile numbers become ***."""
    out = _ID_CANDIDATE.sub(lambda m: "***" if is_valid_resident_id(m.group(1)) else m.group(0), _ascii_digits(text))
    return _MOBILE.sub("***", out)


# -- scanning a frame --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnFinding:
    column: str
    by_name: str | None  # the keyword in the column name, if the name gave it away
    id_cells: int
    phone_cells: int
    non_empty: int
    example: str | None  # masked

    @property
    def cells(self) -> int:
        return self.id_cells + self.phone_cells

    @property
    def action(self) -> str:
        """drop the whole column (named like an identifier, or mostly identifiers) or redact the cells."""
        if self.by_name or (self.non_empty and self.cells / self.non_empty > 0.5):
            return "drop"
        return "redact"


@dataclass(frozen=True)
class PrivacyFindings:
    columns: list[ColumnFinding] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.columns)

    def to_drop(self) -> list[str]:
        return [f.column for f in self.columns if f.action == "drop"]

    def to_redact(self) -> list[str]:
        return [f.column for f in self.columns if f.action == "redact"]

    def get(self, column: str) -> ColumnFinding | None:
        return next((f for f in self.columns if f.column == column), None)


def scan_identifiers(
    frame: pl.DataFrame, *, by_name: Iterable[str] | None = None, skip: Iterable[str] = ()
) -> PrivacyFindings:
    """Which columns hold identifiers, and in how many cells. by_name: the columns whose names count as
    identifier names (default: judged by pii_column_name); skip: columns not to look at at all."""
    skip_set = set(skip)
    named = (
        {c: (pii_column_name(c) or "name") for c in by_name}
        if by_name is not None
        else {c: k for c in frame.columns if (k := pii_column_name(c))}
    )
    findings: list[ColumnFinding] = []
    for column in frame.columns:
        if column in skip_set or frame.schema[column] != pl.String:
            continue
        values = frame.get_column(column)
        non_empty = values.len() - values.null_count()
        candidates = values.filter(values.str.contains(_PREFILTER).fill_null(False))
        ids = phones = 0
        example = None
        for value, count in candidates.value_counts().iter_rows():
            has_id = bool(find_resident_ids(value))
            has_phone = bool(find_mobiles(value))
            ids += count if has_id else 0
            phones += count if has_phone and not has_id else 0
            if (has_id or has_phone) and example is None:
                example = mask_text(value)
        if column in named or ids or phones:
            findings.append(ColumnFinding(column, named.get(column), ids, phones, non_empty, example))
    return PrivacyFindings(findings)


@dataclass(frozen=True)
class PrivacyNotice:
    dropped: list[str]
    redacted: dict[str, int]  # column -> cells redacted
    hashed: list[str]

    @property
    def any(self) -> bool:
        return bool(self.dropped or self.redacted or self.hashed)

    def text(self, lang: str = "zh") -> str:
        from digigov.ingest.text import safe_text

        parts: list[str] = []
        sep = "、" if lang != "en" else ", "
        if self.dropped:
            parts.append(
                t(
                    "ingest.privacy.dropped",
                    lang,
                    columns=sep.join(safe_text(c) for c in self.dropped),
                    count=len(self.dropped),
                )
            )
        if self.hashed:
            parts.append(t("ingest.privacy.hashed", lang, columns=sep.join(safe_text(c) for c in self.hashed)))
        if self.redacted:
            listing = sep.join(f"{safe_text(c)} ({n})" for c, n in self.redacted.items())
            parts.append(t("ingest.privacy.redacted", lang, columns=listing, count=sum(self.redacted.values())))
        if not parts:
            return t("ingest.privacy.none", lang)
        return " ".join(parts)


def salted_hash(series: pl.Series, salt: bytes | str) -> pl.Series:
    """HMAC-SHA256 of each value (stripped; ID check letters upper-cased), first 32 hex digits; nulls stay null.

    The same salt gives the same hash, so the column still works as a key; without the salt the values cannot
    be recovered by hashing every possible ID or phone number.
    """
    key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
    if not key:
        raise ValueError("salted_hash needs a non-empty salt")
    text = series.cast(pl.String)
    mapping: dict[str, str] = {}
    for value in text.drop_nulls().unique().to_list():
        normal = value.strip().upper()
        mapping[value] = hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(series.name)


def new_salt() -> bytes:
    import secrets

    return secrets.token_bytes(16)


def drop_identifiers(
    frame: pl.DataFrame,
    findings: PrivacyFindings | None = None,
    *,
    hash_columns: Iterable[str] = (),
    salt: bytes | str | None = None,
) -> tuple[pl.DataFrame, PrivacyNotice]:
    """Remove identifiers: drop identifier columns, replace identifiers inside other text cells with ***.

    hash_columns: identifier columns that are needed as a key; they are replaced by salted_hash(..., salt)
    instead of being dropped (a fresh random salt when none is given).
    """
    findings = findings if findings is not None else scan_identifiers(frame)
    keep_hashed = [c for c in hash_columns if c in frame.columns]
    dropped = [c for c in findings.to_drop() if c not in keep_hashed]
    out = frame
    if keep_hashed:
        key = salt if salt else new_salt()
        out = out.with_columns([salted_hash(out.get_column(c), key) for c in keep_hashed])
    redacted: dict[str, int] = {}
    for column in findings.to_redact():
        if column in keep_hashed or column not in out.columns:
            continue
        values = out.get_column(column)
        candidates = values.filter(values.str.contains(_PREFILTER).fill_null(False)).unique().to_list()
        mapping = {v: redact_text(v) for v in candidates}
        mapping = {k: v for k, v in mapping.items() if k != v}
        if mapping:
            redacted[column] = int(values.is_in(list(mapping)).sum())
            out = out.with_columns(pl.col(column).replace(mapping))
    out = out.drop([c for c in dropped if c in out.columns])
    return out, PrivacyNotice(dropped, redacted, keep_hashed)
