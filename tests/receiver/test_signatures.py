"""The challenge and signature schemes, checked against independently computed values."""

from __future__ import annotations

import base64
import hashlib
import hmac

from trustwatch.receiver import signatures as sig


def test_facebook_signature_is_hex_hmac_of_the_raw_body() -> None:
    body = b'{"object":"page","entry":[]}'
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sig.facebook_signature("s3cret", body) == expected
    assert sig.facebook_signature_valid("s3cret", body, expected)
    upper_hex = "sha256=" + expected.removeprefix("sha256=").upper()
    assert sig.facebook_signature_valid("s3cret", body, upper_hex)
    assert not sig.facebook_signature_valid("other", body, expected)
    assert not sig.facebook_signature_valid("s3cret", body + b" ", expected)
    assert not sig.facebook_signature_valid("s3cret", body, None)
    assert not sig.facebook_signature_valid("s3cret", body, expected.removeprefix("sha256="))


def test_x_crc_matches_the_documented_recipe() -> None:
    # The recipe from X's docs: base64(HMAC-SHA256(consumer_secret, crc_token)), "sha256=".
    token = "9b4507b3-9040-4669-9ca3-6b94edb50553"
    secret = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    assert sig.x_crc_response(secret, token) == {
        "response_token": "sha256=" + base64.b64encode(digest).decode()
    }


def test_x_signature_is_base64_hmac_of_the_raw_body() -> None:
    body = b'{"for_user_id":"1"}'
    header = sig.x_signature("k3y-value", body)
    assert header.startswith("sha256=") and len(base64.b64decode(header[7:])) == 32
    assert sig.x_signature_valid("k3y-value", body, header)
    assert not sig.x_signature_valid("k3y-value", body + b"\n", header)
    assert not sig.x_signature_valid("k3y-value", body, "")


def test_facebook_challenge_needs_subscribe_and_the_token() -> None:
    assert sig.facebook_challenge("tok", "subscribe", "tok", "1158201444") == "1158201444"
    assert sig.facebook_challenge("tok", "subscribe", "wrong", "1158201444") is None
    assert sig.facebook_challenge("tok", "unsubscribe", "tok", "1") is None
    assert sig.facebook_challenge("tok", "subscribe", None, "1") is None
