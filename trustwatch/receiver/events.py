"""Split a verified delivery into events: pure functions, no I/O.

A delivery may carry several events (Facebook batches `entry[].changes[]`; X batches
`tweet_create_events[]`). Each event is judged on its own: a stale or malformed one is
refused with a reason while the others in the same delivery are kept. Only what the
item mapping needs is kept from each event (least data): a Facebook change's value and
page id; a tweet's ids, text, time, reply and mention fields and its author's id, handle
and name.

Event keys make storage idempotent: X's tweet id (per subscribed account); for
Facebook, which sends no event id, a digest of the page id and the change, so a
redelivered change is the same key and an edit (new text) is a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

FACEBOOK = "facebook"
X = "x"
FEED_ITEMS = {"comment", "post", "status"}
FEED_VERBS = {"add", "edited", "remove"}
X_TIME = "%a %b %d %H:%M:%S %z %Y"
TWEET_KEEP = (
    "id_str",
    "created_at",
    "timestamp_ms",
    "text",
    "truncated",
    "in_reply_to_status_id_str",
    "in_reply_to_user_id_str",
    "lang",
)


class BadDelivery(ValueError):
    """The body is not a delivery of this platform at all: refuse it whole."""


@dataclass(frozen=True)
class Event:
    """One event to store: its key, what it is about, and the minimal payload."""

    platform: str
    event_key: str
    kind: str
    account_platform_id: str
    object_id: str
    occurred_at: dt.datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """One event of a delivery that is not stored, and why (goes to the audit table)."""

    reason: str
    event_key: str | None = None


@dataclass
class Split:
    events: list[Event] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    ignored: int = 0  # events of kinds trustwatch does not watch (reactions, follows...)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _fresh(occurred: dt.datetime, now: dt.datetime, max_age: dt.timedelta, skew: dt.timedelta):
    if occurred < now - max_age:
        return f"stale: dated {int((now - occurred).total_seconds())}s ago"
    if occurred > now + skew:
        return "dated in the future"
    return None


def _str_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ValueError("missing or malformed id")
    return str(value)


def facebook_events(
    body: Any, *, now: dt.datetime, max_age: dt.timedelta, skew: dt.timedelta
) -> Split:
    """Events of a Pages webhook delivery (`object: page`, field `feed`)."""
    if not isinstance(body, dict) or body.get("object") != "page":
        raise BadDelivery("not a Pages delivery (object is not 'page')")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise BadDelivery("no entry list")
    split = Split()
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            split.refused.append(Refused("entry without a changes list"))
            continue
        for change in changes:
            _facebook_change(split, entry, change, now, max_age, skew)
    return split


def _facebook_change(split: Split, entry: dict, change: Any, now, max_age, skew) -> None:
    value = change.get("value") if isinstance(change, dict) else None
    if not isinstance(change, dict) or change.get("field") != "feed":
        split.ignored += 1
        return
    if not isinstance(value, dict) or value.get("item") not in FEED_ITEMS:
        split.ignored += 1  # reactions, likes, shares, photos: no words to read
        return
    try:
        page_id = _str_id(entry.get("id"))
        key = "feed:" + _digest({"page": page_id, "value": value})[:48]
        if value.get("verb") not in FEED_VERBS:
            raise ValueError(f"unknown verb {str(value.get('verb'))[:20]!r}")
        object_id = _str_id(value.get("comment_id") or value.get("post_id"))
        stamp = value.get("created_time") or entry.get("time")
        if not isinstance(stamp, int | float) or isinstance(stamp, bool):
            raise ValueError("no created_time")
        occurred = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError) as exc:
        split.refused.append(Refused(f"malformed feed change: {exc}"))
        return
    problem = _fresh(occurred, now, max_age, skew)
    if problem:
        split.refused.append(Refused(problem, key))
        return
    split.events.append(
        Event(
            platform=FACEBOOK,
            event_key=key,
            kind=f"feed.{value['item']}.{value['verb']}",
            account_platform_id=page_id,
            object_id=object_id,
            occurred_at=occurred,
            payload={"page_id": page_id, "value": value},
        )
    )


def _object(value: Any, what: str) -> dict[str, Any]:
    """`value` when it is a JSON object (or absent: {}); a wrong shape refuses the event."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not an object")
    return value


def _tweet_payload(tweet: dict[str, Any]) -> dict[str, Any]:
    """What the event path keeps of a tweet (least data); a malformed shape raises ValueError."""
    kept = {k: tweet[k] for k in TWEET_KEEP if tweet.get(k) is not None}
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and extended.get("full_text"):
        kept["full_text"] = extended["full_text"]
    mentions = _object(tweet.get("entities"), "entities").get("user_mentions") or []
    if not isinstance(mentions, list):
        raise ValueError("entities.user_mentions is not a list")
    kept["user_mentions"] = [
        {"id_str": m.get("id_str"), "screen_name": m.get("screen_name")}
        for m in mentions
        if isinstance(m, dict)
    ]
    user = _object(tweet.get("user"), "user")
    kept["user"] = {k: user.get(k) for k in ("id_str", "screen_name", "name")}
    return kept


def x_events(body: Any, *, now: dt.datetime, max_age: dt.timedelta, skew: dt.timedelta) -> Split:
    """Events of an Account Activity delivery: `tweet_create_events` for `for_user_id`."""
    if not isinstance(body, dict) or "for_user_id" not in body:
        raise BadDelivery("not an Account Activity delivery (no for_user_id)")
    try:
        for_user = _str_id(body["for_user_id"])
    except ValueError as exc:
        raise BadDelivery(f"for_user_id: {exc}") from None
    split = Split()
    split.ignored = sum(
        len(v)
        for k, v in body.items()
        if k.endswith("_events") and k != "tweet_create_events"
        if isinstance(v, list)
    )
    tweets = body.get("tweet_create_events") or []
    if not isinstance(tweets, list):
        raise BadDelivery("tweet_create_events is not a list")
    for tweet in tweets:
        try:
            if not isinstance(tweet, dict):
                raise ValueError("not an object")
            tweet_id = _str_id(tweet.get("id_str"))
            key = f"tweet_create:{for_user}:{tweet_id}"
            if tweet.get("timestamp_ms"):
                occurred = dt.datetime.fromtimestamp(int(tweet["timestamp_ms"]) / 1000, tz=dt.UTC)
            else:
                occurred = dt.datetime.strptime(str(tweet["created_at"]), X_TIME)
            payload = {"for_user_id": for_user, "tweet": _tweet_payload(tweet)}
            _str_id(payload["tweet"]["user"].get("id_str"))
        except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
            split.refused.append(Refused(f"malformed tweet: {type(exc).__name__}: {exc}"[:200]))
            continue
        problem = _fresh(occurred, now, max_age, skew)
        if problem:
            split.refused.append(Refused(problem, key))
            continue
        split.events.append(
            Event(
                platform=X,
                event_key=key,
                kind="tweet_create",
                account_platform_id=for_user,
                object_id=tweet_id,
                occurred_at=occurred.astimezone(dt.UTC),
                payload=payload,
            )
        )
    return split
