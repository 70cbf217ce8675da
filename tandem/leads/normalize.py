"""How identifying fields are normalised before they are stored or compared."""

from __future__ import annotations

import phonenumbers


def normalize_email(value: str | None) -> str:
    """Trim and lower-case; '' for blank input. The local part's case is not significant in practice."""
    return (value or "").strip().lower()


def normalize_phone(value: str | None, *, country: str = "") -> str:
    """E.164 ('+4930123456'), using the lead's country for national numbers; '' if unparseable."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
