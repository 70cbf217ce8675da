"""Phone numbers normalised as tandem.leads.normalize.normalize_phone does, fast for international numbers.

A number written "+<country code> <digits>" (spaces and hyphens only) whose national part does
not start with its country's national prefix (the "0" of "+49 030…", the "1" of "+1 1…") is, in
E.164, "+" and its digits; whether it is a possible number depends only on its country code and
length, so that verdict is computed once by phonenumbers and remembered. Every other number goes
to normalize_phone. A test holds the two equal on random numbers of every country code.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata

from tandem.leads.normalize import normalize_phone

_INTERNATIONAL = re.compile(r"\+[1-9][0-9 \-]{3,40}")
_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
_possible: dict[tuple[str, int], bool] = {}


@cache
def _national_prefix(code: str) -> tuple[bool, re.Pattern | None]:
    """(metadata known, the pattern phonenumbers strips from the national number when parsing)."""
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        int(code), phonenumbers.region_code_for_country_code(int(code)))
    if metadata is None:
        return False, None
    pattern = metadata.national_prefix_for_parsing
    return True, re.compile(pattern) if pattern else None


def normalize_phone_fast(text: str, *, country: str = "") -> str:
    """E.164, or '' for an impossible number: the same result as normalize_phone(text, country=country)."""
    if not _INTERNATIONAL.fullmatch(text):
        return normalize_phone(text, country=country)
    digits = text[1:].replace(" ", "").replace("-", "")
    for size in (1, 2, 3):
        code = digits[:size]
        if code in _CODES:
            break
    else:
        return normalize_phone(text, country=country)
    national = digits[size:]
    known, prefix = _national_prefix(code)
    if not known or len(national) < 2 or len(digits) > 17 or (prefix is not None and prefix.match(national)):
        return normalize_phone(text, country=country)
    key = (code, len(national))
    if key not in _possible:
        _possible[key] = bool(normalize_phone(text, country=country))
    return "+" + digits if _possible[key] else ""
