"""The pre-send scanner and the redaction used for logs and error messages."""

from __future__ import annotations

import logging

import pytest

from app.core.privacy import (
    REDACTED,
    RedactingLogFilter,
    iban_valid,
    luhn_valid,
    redact_secrets,
    scan_for_sensitive,
)


def kinds(text):
    return [(f.kind, text[f.start : f.end]) for f in scan_for_sensitive(text)]


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcDEF1234567890abcdefXYZ0987",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "AIzaSyA1234567890abcdefghijklmnopqrstu1",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "xoxb-1234567890-abcdefghijklmn",
        "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlF",
    ],
)
def test_known_key_formats(secret):
    text = f"here you go: {secret} thanks"
    assert kinds(text) == [("api_key", secret)]
    (finding,) = scan_for_sensitive(text)
    assert secret not in finding.excerpt_redacted and len(finding.excerpt_redacted) < 12


def test_generic_token_only_next_to_a_label_and_only_when_random():
    assert kinds("api_key = 'Zx9Qw2Er7Ty4Ui8Op3As6Df1Gh5Jk0Lz'") == [
        ("api_key", "Zx9Qw2Er7Ty4Ui8Op3As6Df1Gh5Jk0Lz")
    ]
    assert kinds("the token is supercalifragilisticexpialidocious") == []
    assert kinds("commit 9f2c1e7a4b3d2c1e0f9a8b7c6d5e4f3a2b1c0d9e") == []


def test_private_key_block():
    text = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n"
        "-----END OPENSSH PRIVATE KEY-----"
    )
    assert [f.kind for f in scan_for_sensitive(text)] == ["private_key"]


def test_email_addresses():
    assert kinds("mail jane.doe+news@example.co.uk today") == [
        ("email", "jane.doe+news@example.co.uk")
    ]
    (finding,) = scan_for_sensitive("x@example.org")
    assert finding.excerpt_redacted == "x•••@example.org"
    assert kinds("see @mention and user@localhost") == []


@pytest.mark.parametrize(
    "number",
    [
        "+44 20 7946 0958",
        "+1 (415) 555-2671",
        "(555) 123-4567",
        "555-123-4567",
        "06 12 34 56 78",
        "+49 30 901820",
        "020 7946 0958",
    ],
)
def test_phone_numbers(number):
    assert kinds(f"call me on {number}.") == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "on 2024-01-15",
        "12/05/2024",
        "15.01.2024",
        "version 1.2.3.4",
        "ip 192.168.100.200",
        "id 1234567890",
        "the year 2024 had 365 days",
        "pi is 3.14159265358979",
        "ISBN 978-3-16",
    ],
)
def test_dates_versions_and_plain_numbers_are_not_phones(text):
    assert kinds(text) == []


def test_card_numbers_pass_luhn_with_spaces_or_dashes():
    text = "visa 4111 1111 1111 1111, mc 5555-5555-5555-4444, amex 378282246310005"
    assert [k for k, _ in kinds(text)] == ["card", "card", "card"]
    assert scan_for_sensitive("4111 1111 1111 1111")[0].excerpt_redacted == "•••• 1111"
    assert kinds("not a card 4111 1111 1111 1112") == []  # Luhn fails
    assert kinds("order 12345678901234") == []  # no card network starts like this
    assert kinds("sha e1b2701340099614b87 and 3cf55778191640441888cdb") == []  # inside hashes
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def test_ibans_pass_mod_97():
    text = "pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432 please"
    assert kinds(text) == [
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("iban", "GB82WEST12345698765432"),
    ]
    assert kinds("DE89 3704 0044 0532 0130 01") == []
    assert iban_valid("FR1420041010050500013M02606") and not iban_valid(
        "FR1420041010050500013M02607"
    )


def test_findings_are_ordered_and_do_not_overlap():
    text = "mail a@b.io, card 4111111111111111, key sk-proj-abcDEF1234567890abcdefXYZ"
    found = scan_for_sensitive(text)
    assert [f.kind for f in found] == ["email", "card", "api_key"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
    assert found[1].label == "a payment card number"


def test_ordinary_prose_has_no_findings():
    text = (
        "Can you summarise chapter 3 of the report? We met on 3 March 2024 at 10:30, "
        "spent 1,250.00 EUR and the build number was 20240315.1. Thanks!"
    )
    assert scan_for_sensitive(text) == []
    assert scan_for_sensitive("") == []


# -- redaction -------------------------------------------------------------------------------


def test_redact_removes_keys_including_half_masked_ones():
    message = "Incorrect API key provided: sk-proj-abc*****************wxyz. You can find it"
    assert redact_secrets(message) == f"Incorrect API key provided: {REDACTED}. You can find it"
    assert REDACTED in redact_secrets("x-goog-api-key: AIzaSyA1234567890abcdefghijk")
    assert redact_secrets("Authorization: Bearer abcdefghijklmnop") == (
        f"Authorization: Bearer {REDACTED}"
    )


def test_redact_exact_known_secret_of_any_shape():
    assert redact_secrets("user typed hunter2-password", known=["hunter2-password"]) == (
        f"user typed {REDACTED}"
    )


def test_redact_leaves_plain_words_alone():
    text = "The model is overloaded (HTTP 529). Try again in 30 s."
    assert redact_secrets(text) == text


def test_log_filter_redacts_messages_and_tracebacks(caplog):
    logger = logging.getLogger("test.privacy")
    handler_filter = RedactingLogFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        logger.warning("sending with %s", "sk-ant-api03-secretsecretsecret")
        try:
            raise ValueError("bad key sk-proj-abcdefghijklmnopqrstuvwxyz")
        except ValueError:
            logger.exception("failed")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert "secretsecret" not in caplog.text and "abcdefghijklmnop" not in caplog.text
    assert caplog.text.count(REDACTED) >= 2
