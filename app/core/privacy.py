"""Spotting secrets and personal data in text before it leaves the computer.

`scan_for_sensitive` is for the "this message contains …" warning before a cloud send: it errs
towards precision (checksums for cards and IBANs, known key prefixes, separators required for
phone numbers) so the warning stays worth reading. `redact_secrets` is for logs and error
messages: it errs the other way and removes anything key-shaped, including keys a provider has
half-masked itself ("sk-proj-abc*****wxyz").
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # one of KIND_LABELS
    excerpt_redacted: str  # enough to recognise it, never enough to reuse it
    start: int
    end: int

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = {
    "api_key": "an API key or access token",
    "private_key": "a private key",
    "email": "an e-mail address",
    "phone": "a phone number",
    "card": "a payment card number",
    "iban": "a bank account number (IBAN)",
}

# -- keys and tokens ---------------------------------------------------------------------------

# Prefixes the services document for their keys; lengths are the shortest real keys seen.
_KEY_PATTERNS = [
    r"sk-ant-[A-Za-z0-9_\-]{20,}",  # Anthropic
    r"sk-(?:proj-|or-v1-|svcacct-)?[A-Za-z0-9_\-]{20,}",  # OpenAI, OpenRouter, DeepSeek
    r"AIza[0-9A-Za-z_\-]{35}",  # Google
    r"gh[pousr]_[A-Za-z0-9]{36,}",  # GitHub
    r"github_pat_[A-Za-z0-9_]{22,}",
    r"xox[abposr]-[A-Za-z0-9\-]{10,}",  # Slack
    r"(?:AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key id
    r"gsk_[A-Za-z0-9]{20,}",  # Groq
    r"xai-[A-Za-z0-9]{20,}",  # xAI
    r"fw_[A-Za-z0-9]{20,}",  # Fireworks
    r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
    r"glpat-[A-Za-z0-9_\-]{20,}",  # GitLab
    r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",  # JWT
]
_KNOWN_KEY = re.compile(r"(?<![A-Za-z0-9_\-])(?:" + "|".join(_KEY_PATTERNS) + r")")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
)
# A long random-looking value right after a word like "token" or "api_key".
_LABELLED_SECRET = re.compile(
    r"(?i)\b(?:api[_\- ]?key|secret|token|password|passwd|auth|bearer|access[_\- ]?key)"
    r"[\"']?\s*(?:[:=]|is|\s)\s*[\"']?(?P<value>[A-Za-z0-9_\-+/=.~]{20,})"
)
_BEARER = re.compile(r"(?i)\bBearer\s+(?P<value>[A-Za-z0-9_\-+/=.~]{12,})")


def _entropy(value: str) -> float:
    """Shannon entropy in bits per character: random keys score ~4+, words ~3."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _looks_random(value: str) -> bool:
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[_\-+/=.~]"))
    return len(value) >= 20 and classes >= 2 and _entropy(value) >= 3.5


def _key_findings(text: str) -> list[Finding]:
    found = [_finding("api_key", m.start(), m.end(), text) for m in _KNOWN_KEY.finditer(text)]
    found += [
        _finding("private_key", m.start(), m.end(), text) for m in _PRIVATE_KEY.finditer(text)
    ]
    for pattern in (_LABELLED_SECRET, _BEARER):
        for m in pattern.finditer(text):
            if _looks_random(m.group("value")):
                found.append(_finding("api_key", m.start("value"), m.end("value"), text))
    return found


# -- e-mail --------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b"
)


def _email_findings(text: str) -> list[Finding]:
    return [_finding("email", m.start(), m.end(), text) for m in _EMAIL.finditer(text)]


# -- phone numbers -------------------------------------------------------------------------------

# International: "+" then 8-15 digits in groups. National: (555) 123-4567, 555-123-4567,
# 020 7946 0958, 06 12 34 56 78. Separators are required, so plain numbers never match.
_PHONE = re.compile(
    r"(?<![\w+/.\-])(?:"
    r"\+\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?){2,6}"
    r"|\(\d{2,5}\)[ .\-]?\d{2,4}(?:[ .\-]\d{2,4}){1,3}"
    r"|0\d{1,4}(?:[ .\-]\d{2,4}){2,4}"
    r"|\d{3}[ .\-]\d{3}[ .\-]\d{4}"
    r")(?![\w/\-]|\.\d)"
)
_DATE_LIKE = re.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$")


def _inside_iban_shape(text: str):
    """Digit groups inside an IBAN-shaped token ("DE89 3704 0044 …") are neither a phone nor a
    card number, even when that IBAN's checksum fails."""
    spans = [m.span() for m in _IBAN.finditer(text)]
    return lambda m: any(a < m.end() and m.start() < b for a, b in spans)


def _phone_findings(text: str) -> list[Finding]:
    in_iban = _inside_iban_shape(text)
    found = []
    for m in _PHONE.finditer(text):
        raw = m.group().strip()
        digits = re.sub(r"\D", "", raw)
        if not 8 <= len(digits) <= 15 or _DATE_LIKE.match(raw) or len(set(digits)) == 1:
            continue
        if in_iban(m):
            continue
        found.append(_finding("phone", m.start(), m.start() + len(raw), text))
    return found


# -- payment cards -------------------------------------------------------------------------------

# Word boundaries on both sides: digit runs inside hashes and ids ("e1b27013400996…") are not cards.
_CARD = re.compile(r"(?<![\w\-])(?:\d[ \-]?){12,18}\d(?![\w\-])")
# Issuer prefixes of the networks people actually paste: Visa, Mastercard, Amex, Discover, JCB,
# Diners, UnionPay, Maestro. A Luhn-valid number with another prefix is more likely an id.
_CARD_PREFIX = re.compile(r"^(?:4|5[0-5]|2[2-7]|3[0478]|36|6)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_findings(text: str) -> list[Finding]:
    in_iban = _inside_iban_shape(text)
    found = []
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        separators = set(re.sub(r"\d", "", raw))
        if (
            not in_iban(m)
            and 13 <= len(digits) <= 19
            and len(separators) <= 1  # "4111 1111-1111 1111" is not how anyone writes a card
            and _CARD_PREFIX.match(digits)
            and len(set(digits)) > 1
            and luhn_valid(digits)
        ):
            found.append(_finding("card", m.start(), m.end(), text))
    return found


# -- IBAN ------------------------------------------------------------------------------------------

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# Lengths for the countries whose IBANs people most often paste; others get the generic range.
_IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27,
    "GB": 22, "GR": 27, "HU": 28, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SK": 24,
}  # fmt: skip


def iban_valid(iban: str) -> bool:
    iban = iban.replace(" ", "").upper()
    expected = _IBAN_LENGTHS.get(iban[:2])
    if (expected and len(iban) != expected) or not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _iban_findings(text: str) -> list[Finding]:
    found = []
    for m in _IBAN.finditer(text):
        raw = m.group()
        # The regex may swallow a following word ("DE89… is"): shrink until the checksum holds.
        while len(raw.replace(" ", "")) >= 15:
            if iban_valid(raw):
                found.append(_finding("iban", m.start(), m.start() + len(raw), text))
                break
            raw = raw[:-1].rstrip()
    return found


# -- the public scanner ---------------------------------------------------------------------------


def _mask(kind: str, value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}•••@{domain}"
    if kind in ("card", "phone"):
        digits = re.sub(r"\D", "", value)
        return "•••• " + digits[-(4 if kind == "card" else 2) :]
    if kind == "iban":
        return f"{compact[:4]} •••• {compact[-2:]}"
    if kind == "private_key":
        return "-----BEGIN … PRIVATE KEY-----"
    return f"{compact[:4]}…{compact[-2:]}" if len(compact) > 12 else "•" * 8


def _finding(kind: str, start: int, end: int, text: str) -> Finding:
    return Finding(kind, _mask(kind, text[start:end]), start, end)


def _drop_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep the earliest, then longest, finding where two overlap (a card is not also a phone)."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if not kept or f.start >= kept[-1].end:
            kept.append(f)
    return kept


def scan_for_sensitive(text: str) -> list[Finding]:
    """Secrets and personal data in `text`, in order of appearance. Pure and fast (regex only)."""
    if not text:
        return []
    # Order matters for overlaps of equal start and length: keys, then the checksummed kinds.
    findings = (
        _key_findings(text)
        + _card_findings(text)
        + _iban_findings(text)
        + _email_findings(text)
        + _phone_findings(text)
    )
    return _drop_overlaps(findings)


# -- redaction for logs and error messages ---------------------------------------------------------

# Wider than the scanner on purpose: shorter tails and "*" (providers echo keys half-masked).
_REDACT_PATTERNS = [
    re.compile(r"(?<![A-Za-z0-9])(?:sk|pk|rk)-[A-Za-z0-9_\-*]{8,}"),
    re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-*]{10,}"),
    re.compile(
        r"(?<![A-Za-z0-9])(?:gh[pousr]_|github_pat_|gsk_|xai-|fw_|hf_|glpat-|xox[abposr]-)"
        r"[A-Za-z0-9_\-*]{8,}"
    ),  # fmt: skip
    re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}"),
    re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]+"),
    _PRIVATE_KEY,
    # Long unbroken runs of letters+digits: hashes, session ids, unknown key formats.
    re.compile(r"(?<![A-Za-z0-9_\-])(?=[A-Za-z_\-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9_\-]{32,}"),
]
_REDACT_LABELLED = re.compile(
    r"(?i)(?P<label>\b(?:api[_\-]?key|x-api-key|x-goog-api-key|authorization|bearer|token|secret"
    r"|password)[\"']?\s*[:=]?\s*[\"']?(?:Bearer\s+)?)(?P<value>[^\s\"',;&]{8,})"
)


def redact_secrets(text: str, *, known: tuple[str, ...] | list[str] = ()) -> str:
    """`text` with anything key-shaped (and each exact string in `known`) replaced."""
    if not text:
        return text
    for secret in known:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for pattern in _REDACT_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return _REDACT_LABELLED.sub(r"\g<label>" + REDACTED, text)


class RedactingLogFilter(logging.Filter):
    """Install on a log handler so no key-shaped string reaches the log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set, so the traceback is redacted exactly once here.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        return True
