"""How company domains are normalised before they are stored or compared."""

from __future__ import annotations

from urllib.parse import urlsplit


def normalize_domain(value: str | None) -> str:
    """'https://WWW.Example.COM/about' -> 'example.com'; '' for blank input."""
    text = (value or "").strip().lower()
    if not text:
        return ""
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


def segment_for(employees: int | None) -> str:
    if employees is None:
        return ""
    if employees < 200:
        return "smb"
    return "mid" if employees < 1000 else "enterprise"
