"""Author pseudonyms: a keyed hash, so the warehouse cannot reverse them without the key."""

from __future__ import annotations

import hashlib
import hmac


def author_key(platform: str, platform_author_id: str, secret: bytes) -> str:
    """HMAC-SHA256 of platform and author id, hex.

    Keyed rather than a plain hash: author ids are guessable, and a plain hash of a
    guessable value is no pseudonym.
    """
    message = f"{platform}:{platform_author_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
