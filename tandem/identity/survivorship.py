"""Survivorship rules: what the surviving record keeps when two become one. Pure: reads attributes only.

- The survivor's own values win; a blank survivor field takes the loser's value.
- Consent: the strictest of the two (granted < unknown < pending < withdrawn).
- Proposed survivor of a group: the record furthest along the funnel, then the oldest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tandem.leads.choices import ConsentStatus, LawfulBasis

#: From least to most restrictive; a merge keeps the most restrictive of the two.
CONSENT_ORDER = (ConsentStatus.GRANTED, ConsentStatus.UNKNOWN, ConsentStatus.PENDING, ConsentStatus.WITHDRAWN)
LEAD_FILLS = ("first_name", "last_name", "phone", "phone_normalized", "title", "account_id", "country", "source",
              "self_reported_source")
ACCOUNT_FILLS = ("industry", "employees", "segment", "country", "owner_id")


def strictest_consent(a: str, b: str) -> str:
    """The more restrictive status; an unrecognised one counts as 'unknown'."""
    def rank(status: str) -> int:
        return CONSENT_ORDER.index(status) if status in CONSENT_ORDER else CONSENT_ORDER.index(ConsentStatus.UNKNOWN)

    return max(a, b, key=rank)


def _blank(value: Any) -> bool:
    return value in ("", None)


def fills(survivor: Any, loser: Any, names: Sequence[str]) -> dict[str, Any]:
    """The loser's values for the survivor's blank fields."""
    return {name: getattr(loser, name) for name in names
            if _blank(getattr(survivor, name)) and not _blank(getattr(loser, name))}


def lead_fills(survivor: Any, loser: Any) -> dict[str, Any]:
    taken = fills(survivor, loser, LEAD_FILLS)
    if survivor.lawful_basis == LawfulBasis.UNSPECIFIED and loser.lawful_basis != LawfulBasis.UNSPECIFIED:
        taken["lawful_basis"] = loser.lawful_basis
    return taken


def account_fills(survivor: Any, loser: Any) -> dict[str, Any]:
    return fills(survivor, loser, ACCOUNT_FILLS)


def proposed_survivor(records: Sequence[Any], progress: Callable[[Any], int]) -> Any:
    """The record with the highest `progress` (e.g. stage order); the oldest (lowest id) on a tie."""
    return max(records, key=lambda r: (progress(r), -r.pk))
