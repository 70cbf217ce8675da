"""The import's fast phone normalisation gives exactly what the leads' own normalisation gives."""

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.imports.phones import normalize_phone_fast
from tandem.leads.normalize import normalize_phone

CODES = sorted(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@settings(max_examples=3000)
@given(code=st.sampled_from(CODES), digits=st.text("0123456789", min_size=1, max_size=15),
       separator=st.sampled_from(["", " ", "-", "  "]), country=st.sampled_from(["", "DE", "US", "GB", "FR"]))
def test_international_numbers_normalise_as_the_lead_service_does(code, digits, separator, country):
    text = f"+{code}{separator}{digits[:3]}{separator}{digits[3:]}"
    assert normalize_phone_fast(text, country=country) == normalize_phone(text, country=country)


@given(st.text(max_size=25), st.sampled_from(["", "DE", "US"]))
def test_any_other_text_normalises_as_the_lead_service_does(text, country):
    assert normalize_phone_fast(text, country=country) == normalize_phone(text, country=country)


def test_common_formats_agree():
    for text in ["+49 30 1234567", "+49 030 1234567", "+1 202 555 0143", "+1 1 202 555 0143", "+44 20 7946 0018",
                 "030 1234567", "(0)30-123", "+39 06 1234 5678", "+7 8 495 123 45 67", "+86 1199 1234 5678"]:
        assert normalize_phone_fast(text, country="DE") == normalize_phone(text, country="DE"), text
