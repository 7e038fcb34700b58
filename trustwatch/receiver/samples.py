"""Deliveries in the platforms' recorded wire shapes, signed as the platforms sign them.

Used by the demo's event segment, the time-to-alert benchmark and the tests: a Pages
`feed` change (`object: page`, `entry[].changes[]`) and an Account Activity
`tweet_create_events` delivery (v1.1 tweet), each with the signature header computed
from the exact bytes sent, with the given secret.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from trustwatch.receiver.signatures import facebook_signature, x_signature

X_TIME = "%a %b %d %H:%M:%S +0000 %Y"


def facebook_comment(
    *,
    page_id: str,
    post_id: str,
    comment_id: str,
    message: str,
    from_id: str,
    from_name: str,
    at: dt.datetime,
    verb: str = "add",
    parent_id: str | None = None,
) -> dict[str, Any]:
    """One `feed` change for a comment, as Facebook sends it."""
    return {
        "field": "feed",
        "value": {
            "from": {"id": from_id, "name": from_name},
            "post": {"status_type": "added_photos", "is_published": True, "id": post_id},
            "message": message,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_time": int(at.timestamp()),
            "item": "comment",
            "parent_id": parent_id or post_id,
            "verb": verb,
        },
    }


def facebook_delivery(page_id: str, changes: list[dict[str, Any]], at: dt.datetime) -> dict:
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": int(at.timestamp()), "changes": changes}],
    }


def tweet(
    *,
    tweet_id: str,
    text: str,
    user_id: str,
    screen_name: str,
    name: str,
    at: dt.datetime,
    mentions: list[tuple[str, str]] = (),  # type: ignore[assignment]
    reply_to: tuple[str, str] | None = None,  # (status id, user id)
) -> dict[str, Any]:
    """A v1.1 tweet object as `tweet_create_events` carries it."""
    return {
        "created_at": at.astimezone(dt.UTC).strftime(X_TIME),
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": text,
        "truncated": False,
        "in_reply_to_status_id_str": reply_to[0] if reply_to else None,
        "in_reply_to_user_id_str": reply_to[1] if reply_to else None,
        "user": {"id": int(user_id), "id_str": user_id, "name": name, "screen_name": screen_name},
        "entities": {
            "hashtags": [],
            "urls": [],
            "user_mentions": [
                {"id": int(uid), "id_str": uid, "screen_name": handle, "indices": [0, 1]}
                for uid, handle in mentions
            ],
        },
        "lang": "en",
        "timestamp_ms": str(int(at.timestamp() * 1000)),
    }


def x_delivery(for_user_id: str, tweets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"for_user_id": for_user_id, "tweet_create_events": tweets}


def signed_facebook(body: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": facebook_signature(secret, raw),
    }


def signed_x(body: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        "x-twitter-webhooks-signature": x_signature(secret, raw),
    }
