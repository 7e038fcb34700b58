"""The platforms' challenge and signature schemes, as pure functions.

- Facebook: `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` is answered
  with the challenge when the verify token matches; every POST carries
  `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app
  secret>`.
- X Account Activity API: `GET ?crc_token=...` is answered with
  `{"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}`; every
  POST carries `x-twitter-webhooks-signature: sha256=<base64 HMAC of the raw body>`.

Comparisons are constant-time; nothing here logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def facebook_signature(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` header Facebook sends for this body."""
    return "sha256=" + _mac(secret, body).hex()


def facebook_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(facebook_signature(secret, body), header.strip().lower())


def facebook_challenge(
    verify_token: str, mode: str | None, token: str | None, challenge: str | None
) -> str | None:
    """The challenge to echo, or None when the subscription request is not ours."""
    if mode != "subscribe" or not token or challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def x_signature(secret: str, body: bytes) -> str:
    """The `x-twitter-webhooks-signature` header X sends for this body."""
    return "sha256=" + base64.b64encode(_mac(secret, body)).decode()


def x_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(x_signature(secret, body).encode(), header.strip().encode())


def x_crc_response(secret: str, crc_token: str) -> dict[str, str]:
    """The body X expects back from a challenge-response check."""
    return {"response_token": x_signature(secret, crc_token.encode())}
