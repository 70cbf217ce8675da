"""Signed webhooks: `X-Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The MAC is computed with a shared secret over the bytes `f"{t}."` followed by the raw request
body, exactly as received. A signature is good when some v1 value matches some configured
secret (several secrets may be configured while one is rotated, and a sender may send several
v1 values) and `t` is within `tolerance` seconds of the receiver's clock. Pure: no Django.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Tandem-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300


class SignatureInvalid(Exception):
    """Missing, malformed, stale or wrong: the delivery is refused and nothing is written."""


def mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender puts on `body` at `timestamp` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={mac(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp, macs = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == SCHEME and value:
            macs.append(value.strip().lower())
    if timestamp is None or not macs:
        raise SignatureInvalid(f"{HEADER} must look like t=<unix seconds>,{SCHEME}=<hex>")
    return timestamp, macs


def verify(header: str | None, body: bytes, secrets: list[str], *, now: float,
           tolerance: int = TOLERANCE_SECONDS) -> int:
    """The signed timestamp if the signature is good; SignatureInvalid (saying why) otherwise."""
    if not secrets:
        raise SignatureInvalid("no webhook secret is configured on this instance (TANDEM_WEBHOOK_SECRETS)")
    if not header:
        raise SignatureInvalid(f"the {HEADER} header is missing")
    timestamp, macs = _parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureInvalid(f"the signature's timestamp is more than {tolerance} s from now")
    expected = [mac(secret, timestamp, body) for secret in secrets]
    if not any(hmac.compare_digest(given, want) for given in macs for want in expected):
        raise SignatureInvalid("the signature does not match the body")
    return timestamp
