"""Who is calling: the client's address, believing X-Forwarded-For only from configured proxies.

Without TANDEM_TRUSTED_PROXIES the client is the TCP peer (REMOTE_ADDR) and X-Forwarded-For
is ignored, since anyone can send that header. When the peer is a trusted proxy, the client
is the right-most address in X-Forwarded-For that is not itself a trusted proxy: each proxy
appends the address it saw, so the hops to the right of that one were written by our proxies
and everything to its left was written by the client and may be forged.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text (what rate limits and idempotency scopes are keyed on)."""
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = _networks(tuple(getattr(settings, "TANDEM_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(_address(peer), networks):
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a proxy we trust wrote garbage: fall back to the proxy itself
        if not _trusted(address, networks):
            return str(address)
    return str(_address(hops[0])) if hops else peer
