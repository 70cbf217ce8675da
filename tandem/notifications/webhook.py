"""Outbound webhooks: refuse private targets, sign the body with HMAC-SHA256, post to the checked address.

Signature: ``X-Tandem-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with the
target's secret, and ``X-Tandem-Timestamp: <unix seconds>``; a receiver recomputes it and
rejects old timestamps. The body is Slack-compatible (``{"text": ...}``).

The host is resolved once (`resolve`, a seam tests replace), every address is checked, and the
connection goes to the checked address (so a DNS answer cannot change between check and use).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_S = 5.0


class WebhookRefused(ValueError):
    """The target may not be called (bad URL, or a private/loopback/link-local address not allowed)."""


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the seam tests stub)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def _forbidden(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


def check_target(url: str, *, allow_private: bool = False) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) for `url`, or WebhookRefused saying why."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(f"{url!r} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(parts.hostname, port)
    except OSError as exc:
        raise WebhookRefused(f"{parts.hostname} does not resolve ({exc})") from exc
    if not addresses:
        raise WebhookRefused(f"{parts.hostname} does not resolve")
    if not allow_private:
        for address in addresses:
            kind = _forbidden(address)
            if kind:
                raise WebhookRefused(f"{parts.hostname} resolves to {address}, a {kind} address; an admin must "
                                     "allow private targets for this webhook")
    return parts.scheme, parts.hostname, port, addresses[0]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed address while verifying the certificate for the URL's host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, payload: dict[str, Any], *, secret: str, timestamp: int, allow_private: bool = False) -> int:
    """POST the signed JSON payload; returns the HTTP status (raises WebhookRefused or OSError)."""
    scheme, host, port, address = check_target(url, allow_private=allow_private)
    body = json.dumps(payload, ensure_ascii=False).encode()
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPS(address, host, port, TIMEOUT_S)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT_S)
    headers = {"Content-Type": "application/json", "Host": host if port in (80, 443) else f"{host}:{port}",
               "User-Agent": "Tandem-Webhook/1", "X-Tandem-Timestamp": str(timestamp),
               "X-Tandem-Signature": sign(secret, timestamp, body)}
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
