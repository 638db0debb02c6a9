"""API token format and hashing: ``mg_<key_id>.<secret>``.

The secret is 256 random bits; only HMAC-SHA256(pepper, secret) is stored. A password hasher is deliberately not
used: PBKDF2 costs ~200 ms per check (DESIGN-NOTES), and a 256-bit random secret needs no stretching. The pepper
lives outside the database (``MODELGATE_TOKEN_PEPPER``), so a database dump alone cannot verify a guess."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings

PREFIX = "mg_"
TOKEN_PATTERN = re.compile(r"^mg_(?P<key_id>[A-Za-z0-9]{16})\.(?P<secret>[A-Za-z0-9_\-]{43})$")


@dataclass(frozen=True)
class ParsedToken:
    key_id: str
    secret: str


def generate() -> tuple[str, str, str]:
    """(key_id, secret, full token string)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)  # 32 bytes = 256 bits, 43 URL-safe characters
    return key_id, secret, f"{PREFIX}{key_id}.{secret}"


def parse(raw: str) -> ParsedToken | None:
    match = TOKEN_PATTERN.match(raw or "")
    if not match:
        return None
    return ParsedToken(key_id=match["key_id"], secret=match["secret"])


def secret_hash(secret: str) -> str:
    return hmac.new(settings.MODELGATE_TOKEN_PEPPER.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(secret), stored_hash)
