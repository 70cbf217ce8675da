"""Reading CSV cells into typed values. Plain Python: no Django, no database.

Every parser raises FieldError naming the field and saying what was wrong, so a bad row is
reported by line and field and the good rows go on. Timestamps become timezone-aware UTC: one
without an offset is refused unless the file's time zone was given.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import cache

#: A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
#: Names people and CRMs write for countries, beyond the English names (lower case).
COUNTRY_ALIASES = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "deutschland": "DE", "österreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
    "españa": "ES", "italia": "IT", "nederland": "NL", "holland": "NL", "the netherlands": "NL",
    "belgië": "BE", "belgique": "BE", "polska": "PL", "sverige": "SE", "norge": "NO", "danmark": "DK",
    "suomi": "FI", "česko": "CZ", "czech republic": "CZ", "türkiye": "TR", "turkey": "TR",
    "russia": "RU", "south korea": "KR", "korea, republic of": "KR", "uae": "AE",
}


class FieldError(ValueError):
    """One field of one row is unusable; `field` names it, the message says why."""

    def __init__(self, field: str, message: str, value: str = ""):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.value = value[:200]


def guard(text: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unguard(text: str) -> str:
    """Undo `guard`: a quote followed by a formula character is dropped, so exports import back."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def parse_instant(text: str, field: str, *, tz: tzinfo | None, formats: tuple[str, ...] = ()) -> datetime:
    """An instant as aware UTC. ISO 8601 first, then the given strptime formats.

    A value without an offset (a naive timestamp or a bare date) is read in `tz`; without `tz`
    it is refused, because its instant is unknown.
    """
    value = text.strip()
    parsed = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for fmt in formats:
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - the zone is applied just below
                break
            except ValueError:
                continue
    if parsed is None:
        raise FieldError(field, "not a date and time (use ISO 8601, e.g. 2024-03-27T09:00:00Z)", value)
    if parsed.tzinfo is None:
        if tz is None:
            raise FieldError(field, "no UTC offset: add Z or +01:00, or give the time zone the file was "
                                    "written in (for example Europe/Berlin)", value)
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def parse_date(text: str, field: str, *, formats: tuple[str, ...] = ()) -> date:
    value = text.strip()
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no instant
        except ValueError:
            continue
    raise FieldError(field, "not a date (use YYYY-MM-DD)", value)


def parse_decimal(text: str, field: str) -> Decimal:
    """A non-negative amount with at most two decimals; '12,000.50' is read as 12000.50."""
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FieldError(field, "not a decimal amount (e.g. 12000.50)", text) from None
    if not amount.is_finite() or amount < 0:
        raise FieldError(field, "must be zero or more", text)
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError(field, "at most two decimal places", text)
    if amount >= Decimal("1e12"):
        raise FieldError(field, "too large", text)
    return amount


def parse_int(text: str, field: str, *, minimum: int = 0) -> int:
    value = text.strip().replace(",", "")
    try:
        number = int(float(value)) if value.endswith(".0") else int(value)
    except ValueError:
        raise FieldError(field, "not a whole number", text) from None
    if number < minimum:
        raise FieldError(field, f"must be {minimum} or more", text)
    return number


@cache
def _country_names() -> dict[str, str]:
    from phonenumbers.geodata.locale import LOCALE_DATA

    def name(by_language: dict[str, str], language: str) -> str:
        value = by_language.get(language, "")
        while value.startswith("*"):  # "*aa": the same as the name in language aa
            value = by_language.get(value[1:], "")
        return value

    names = {}
    for code, by_language in LOCALE_DATA.items():
        if len(code) == 2 and code.isalpha():
            for language in ("es", "fr", "de", "en"):  # English last: it wins on a clash
                if name(by_language, language):
                    names[name(by_language, language).lower()] = code
    names.update(COUNTRY_ALIASES)
    return names


def country_code(text: str, field: str = "country") -> str:
    """'DE', 'de', 'Germany' or 'Deutschland' -> 'DE'; '' for blank input."""
    value = text.strip()
    if not value:
        return ""
    if len(value) == 2 and value.isalpha():
        return value.upper()
    code = _country_names().get(value.lower())
    if code is None:
        raise FieldError(field, "not a country (use the ISO code, e.g. DE, or its English name)", value)
    return code


def choice(text: str, field: str, allowed: dict[str, str]) -> str:
    """Look `text` up (case-insensitively) in `allowed`, a map of accepted spellings to values."""
    value = allowed.get(text.strip().lower())
    if value is None:
        shown = ", ".join(sorted(set(allowed.values())))
        raise FieldError(field, f"must be one of {shown}", text)
    return value


def clip(text: str, field: str, length: int) -> str:
    if len(text) > length:
        raise FieldError(field, f"longer than {length} characters", text)
    return text
