"""Personal identifiers in uploaded data: detect, drop or redact, hash where a key is needed, mask in messages.

Detected: 18-digit resident ID numbers with a valid GB 11643 check digit (ISO 7064 MOD 11-2) and a valid birth
date, 15-digit first-generation ID numbers (valid birth date), both also written in groups with spaces or dashes
(110101 19900307 1234); mainland mobile numbers (1[3-9] + 9 digits, optional +86/86 prefix, spaces or dashes);
e-mail addresses; bank card numbers (16-19 digits, ISO/IEC 7812 industry digit 3-6, valid Luhn check digit,
grouped or not); and columns whose names say they hold such data (姓名, 身份证, 手机, 电话, 地址, 负责人, 护照,
邮箱, 银行卡, 车牌, name, phone, address, passport, ...). Raw identifier values never go into a message:
`mask_text` hides them (1101**********1234, 138****5678, z***@example.cn, 6222***********7890) and any other run
of 15 or more digits, grouped or not.

Scanning a frame is vectorised: polars expressions pick the candidate cells (and count e-mail addresses on
their own); only the distinct candidate values go to Python, for the check digits.
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

# Digits may be written in groups: at most two spaces or dashes between any two digits (after full-width
# characters are folded to ASCII by _ascii_digits).
_SEP = r"[ \-]{0,2}"
_ID_CANDIDATE = re.compile(
    rf"(?<![0-9A-Za-z])(\d(?:{_SEP}\d){{16}}{_SEP}[0-9Xx]|\d(?:{_SEP}\d){{14}})(?![0-9A-Za-z])", re.ASCII
)
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)", re.ASCII)
_CARD_CANDIDATE = re.compile(rf"(?<![0-9A-Za-z])([3-6](?:{_SEP}\d){{15,18}})(?![0-9A-Za-z])", re.ASCII)
# Any run of 15+ digits, grouped or not, with an ID's check letter: masked in messages whatever it is.
_LONG_DIGITS = re.compile(rf"\d(?:{_SEP}\d){{14,}}(?:{_SEP}[Xx](?![A-Za-z]))?", re.ASCII)
_SEPARATORS = re.compile(r"[ \-]", re.ASCII)
# The same pattern for Python's re and polars' (Rust) regex: no look-around, ASCII classes only.
EMAIL_PATTERN = (
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_EMAIL = re.compile(EMAIL_PATTERN, re.ASCII)
# Cheap prefilter for polars (Rust regex has no look-around): cells that could hold an ID, a bank card or a mobile
# number. Rust's \d also matches full-width digits, which _ascii_digits folds before the exact check.
_PREFILTER = r"\d(?:[ \-－　]{0,2}\d){14}|1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"

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
    "地址",  # 户籍地址, 家庭地址, 居住地址, 联系地址 ... (not 网址, IP地址, 接口地址: see PII_NAME_NOT)
    "负责人",
    "经办人",
    "护照",
    "qq",
    "邮箱",
    "电子邮件",
    "银行卡",
    "银行账号",
    "银行账户",
    "卡号",
    "车牌",
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
    "mailaddress",
    "address",
    "passport",
    "bankcard",
    "bankaccount",
    "cardnumber",
    "cardno",
    "licenceplate",
    "licenseplate",
    "numberplate",
    "platenumber",
    "plateno",
    "firstname",
    "lastname",
    "surname",
    "contactnumber",
)
# Addresses of machines and services, not of people: a name holding one of these is not judged by "地址"/"address".
PII_NAME_NOT: tuple[str, ...] = (
    "ip地址",
    "ipaddress",
    "网",
    "url",
    "接口",
    "服务地址",
    "服务器",
    "平台",
    "链接",
    "webaddress",
    "api",
    "macaddress",
)
_ADDRESS_PARTS = frozenset({"地址", "address"})
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
        if part in folded and not (part in _ADDRESS_PARTS and any(n in folded for n in PII_NAME_NOT)):
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
    text = _digits(_ascii_digits(str(value)).strip())  # grouped with spaces or dashes: the same number
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


_WIDE = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        "－": "-",
        "\u3000": " ",
        "\u00a0": " ",
        "＠": "@",
    }
)


def _ascii_digits(text: str) -> str:
    """Full-width digits (１３８…) count as digits: people type them in Chinese input methods."""
    return text.translate(_WIDE)


def _digits(text: str) -> str:
    return _SEPARATORS.sub("", text)


def luhn_valid(digits: str) -> bool:
    """The Luhn (ISO/IEC 7812-1) check over a string of ASCII digits."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def is_bank_card(value: str) -> bool:
    """16 to 19 digits (spaces or dashes between groups allowed), industry digit 3-6, a valid Luhn check digit."""
    digits = _digits(_ascii_digits(str(value)).strip())
    return 16 <= len(digits) <= 19 and digits[0] in "3456" and luhn_valid(digits)


def find_resident_ids(text: str) -> list[str]:
    """The ID numbers in text, as written (with their spaces or dashes, if any)."""
    found = _ID_CANDIDATE.finditer(_ascii_digits(text))
    return [m.group(1) for m in found if is_valid_resident_id(_digits(m.group(1)))]


def find_mobiles(text: str) -> list[str]:
    return [m.group(0) for m in _MOBILE.finditer(_ascii_digits(text))]


def find_emails(text: str) -> list[str]:
    return _EMAIL.findall(_ascii_digits(text))


def find_bank_cards(text: str) -> list[str]:
    """Bank card numbers in text that are not also ID numbers, as written."""
    ascii_text = _ascii_digits(text)
    return [m.group(1) for m in _CARD_CANDIDATE.finditer(ascii_text) if _is_card_not_id(m.group(1))]


def _is_card_not_id(candidate: str) -> bool:
    return is_bank_card(candidate) and not is_valid_resident_id(_digits(candidate))


def contains_identifier(text: str | None) -> bool:
    if not text:
        return False
    return bool(find_resident_ids(text) or find_mobiles(text) or find_emails(text) or find_bank_cards(text))


# -- masking (for messages) -----------------------------------------------------------------------------------
def _mask_digits(match: re.Match[str]) -> str:
    digits = _digits(match.group(0))
    keep = 4 if len(digits) >= 12 else 3
    return digits[:keep] + "*" * (len(digits) - 2 * keep) + digits[-keep:]


def _mask_mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def _mask_email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Hide ID numbers and bank cards (any run of 15+ digits, grouped or not), mobile numbers and e-mail
    addresses: 1101**********1234, 138****5678, z***@example.cn."""
    masked = _EMAIL.sub(_mask_email, _ascii_digits(text))
    masked = _LONG_DIGITS.sub(_mask_digits, masked)
    return _MOBILE.sub(_mask_mobile, masked)


def redact_text(text: str) -> str:
    """Replace identifiers completely (for data that is kept): IDs, bank cards, mobile numbers and e-mail
    addresses become ***."""
    out = _EMAIL.sub("***", _ascii_digits(text))
    out = _ID_CANDIDATE.sub(lambda m: "***" if is_valid_resident_id(_digits(m.group(1))) else m.group(0), out)
    out = _CARD_CANDIDATE.sub(lambda m: "***" if is_bank_card(m.group(1)) else m.group(0), out)
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
    email_cells: int = 0
    card_cells: int = 0
    flagged: int | None = None  # cells holding any identifier (a cell with two kinds counts once)

    @property
    def cells(self) -> int:
        if self.flagged is not None:
            return self.flagged
        return self.id_cells + self.phone_cells + self.email_cells + self.card_cells

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


def _candidates(column: str) -> pl.Expr:
    """Cells that might hold an ID number, a bank card or a mobile number (checked exactly in Python)."""
    return pl.col(column).str.contains(_PREFILTER).fill_null(False)


def _emails(column: str) -> pl.Expr:
    """Cells holding an e-mail address (the pattern is exact: no Python check needed)."""
    return pl.col(column).str.contains(EMAIL_PATTERN).fill_null(False)


# A column of long numeric codes (transaction or record numbers) passes the Luhn check for about one value in
# ten by chance; a column of card numbers for all of them. Below this share of Luhn-valid values among at least
# CODE_COLUMN_MIN distinct bare numbers, a column is taken for codes and its Luhn hits are not counted as cards.
CODE_COLUMN_CARD_SHARE = 0.3
CODE_COLUMN_MIN = 20
_BARE_NUMBER = re.compile(r"\s*\d{15,19}[Xx]?\s*", re.ASCII)


@dataclass
class _Tally:
    ids: int = 0
    phones: int = 0
    cards: int = 0
    flagged_values: list[str] = field(default_factory=list)
    card_values: list[tuple[str, int]] = field(default_factory=list)
    bare_numbers: int = 0
    example: str | None = None

    def add(self, value: str, count: int) -> None:
        bare = _BARE_NUMBER.fullmatch(_ascii_digits(value))
        if bare:  # a cell that is one long number (the common case in code columns): the direct checks only
            self.bare_numbers += 1
            has_id = is_valid_resident_id(value)
            has_card = not has_id and is_bank_card(value)
            # 0086 13x xxxx xxxx written without separators is 15 digits: a mobile number, not a code
            has_phone = not (has_id or has_card) and _MOBILE.fullmatch(bare.group(0).strip()) is not None
        else:
            has_id = bool(find_resident_ids(value))
            has_card = not has_id and bool(find_bank_cards(value))
            has_phone = not (has_id or has_card) and bool(find_mobiles(value))
        if has_card and not has_phone:
            self.card_values.append((value, count))
            return
        self.ids += count if has_id else 0
        self.phones += count if has_phone else 0
        if has_id or has_phone:
            self._flag(value)

    def _flag(self, value: str) -> None:
        self.flagged_values.append(value)
        if self.example is None:
            self.example = mask_text(value)

    def settle_cards(self) -> None:
        """Count the Luhn hits as cards, unless the column looks like one of numeric codes."""
        codes = (
            self.bare_numbers >= CODE_COLUMN_MIN and len(self.card_values) / self.bare_numbers < CODE_COLUMN_CARD_SHARE
        )
        if codes:
            return
        for value, count in self.card_values:
            self.cards += count
            self._flag(value)


@dataclass(frozen=True)
class _ColumnStats:
    """What one select over every column gives for one (so polars runs the columns in parallel)."""

    non_empty: int
    emails: int
    candidates: pl.Series  # the cells that might hold an ID number, a bank card or a mobile number


def _column_stats(frame: pl.DataFrame, columns: list[str]) -> dict[str, _ColumnStats]:
    # An e-mail address needs an "@": a literal search (memchr) spares the pattern on columns without one.
    first = frame.select(
        *(pl.col(c).str.contains("@", literal=True).any().alias(f"at_{i}") for i, c in enumerate(columns)),
        *(pl.col(c).is_not_null().sum().alias(f"n_{i}") for i, c in enumerate(columns)),
        *(pl.col(c).filter(_candidates(c)).implode().alias(f"c_{i}") for i, c in enumerate(columns)),
    ).row(0, named=True)
    with_at = [i for i in range(len(columns)) if first[f"at_{i}"]]
    emails = (
        frame.select(_emails(columns[i]).sum().alias(f"e_{i}") for i in with_at).row(0, named=True) if with_at else {}
    )
    return {
        c: _ColumnStats(
            int(first[f"n_{i}"]), int(emails.get(f"e_{i}", 0)), pl.Series(c, first[f"c_{i}"], dtype=pl.String)
        )
        for i, c in enumerate(columns)
    }


def _scan_column(frame: pl.DataFrame, column: str, by_name: str | None, stats: _ColumnStats) -> ColumnFinding | None:
    tally = _Tally()
    for value, count in stats.candidates.value_counts().iter_rows():
        tally.add(value, count)
    tally.settle_cards()
    emails = stats.emails
    if not (by_name or tally.flagged_values or emails):
        return None
    flagged = int(frame.select((pl.col(column).is_in(tally.flagged_values) | _emails(column)).sum()).item())
    example = tally.example
    if example is None and emails:
        first = frame.filter(_emails(column)).get_column(column).head(1).item()
        example = mask_text(first)
    return ColumnFinding(
        column,
        by_name,
        tally.ids,
        tally.phones,
        stats.non_empty,
        example,
        email_cells=emails,
        card_cells=tally.cards,
        flagged=flagged,
    )


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
    columns = [c for c in frame.columns if c not in skip_set and frame.schema[c] == pl.String]
    stats = _column_stats(frame, columns) if columns else {}
    findings: list[ColumnFinding] = []
    for column in columns:
        finding = _scan_column(frame, column, named.get(column), stats[column])
        if finding is not None:
            findings.append(finding)
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


def _redact_column(frame: pl.DataFrame, column: str) -> tuple[pl.DataFrame, int]:
    """Identifiers inside the cells of one column replaced by ***: e-mail addresses by a polars expression, the
    distinct candidate cells for IDs, cards and mobile numbers through redact_text; with the cells changed."""
    values = frame.get_column(column)
    candidates = values.filter(values.str.contains(_PREFILTER).fill_null(False)).unique().to_list()
    mapping = {v: redacted for v in candidates if (redacted := redact_text(v)) != v}
    cleaned = pl.col(column).replace(mapping) if mapping else pl.col(column)
    cleaned = cleaned.str.replace_all(EMAIL_PATTERN, "***")
    out = frame.with_columns(cleaned.alias(column))
    changed = int((out.get_column(column) != values).fill_null(False).sum())
    return out, changed


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
        out, count = _redact_column(out, column)
        if count:
            redacted[column] = count
    out = out.drop([c for c in dropped if c in out.columns])
    return out, PrivacyNotice(dropped, redacted, keep_hashed)
