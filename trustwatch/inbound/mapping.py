"""One stored webhook event -> the platform record the hourly stream would have fetched.

The event path reuses the hourly streams' parsers rather than a parser of its own: a
Facebook feed change becomes the Graph API object (`id`, `message`, `created_time`,
`from`, `parent`) that `FacebookComments` / `FacebookVisitorPosts` parse, and an X
`tweet_create_events` tweet (v1.1 shape) becomes the v2 record (`data` + `includes`)
that `XMentions` parses. So an item reached by a webhook and by the hourly poll has the
same natural key, kind, school and author pseudonym, and loads once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from connectors.base import Parent, PlannedPartition
from connectors.facebook import FacebookComments, FacebookVisitorPosts
from connectors.x import XMentions
from trustwatch.registry import Registry

__all__ = ["Mapped", "UnknownAccount", "map_event"]


class UnknownAccount(LookupError):
    """The event is for a page or account the registry does not list."""


@dataclass(frozen=True)
class Mapped:
    planned: PlannedPartition
    parent: Parent | None
    record: dict[str, Any]


def _find(planned: list[PlannedPartition], stream: str, account_id: str) -> PlannedPartition:
    for plan in planned:
        if plan.stream_cls.name == stream and plan.partition.account_id == account_id:
            return plan
    raise UnknownAccount(f"no {stream} partition for account {account_id} in the registry")


def _facebook(payload: dict[str, Any], planned: list[PlannedPartition]) -> Mapped:
    page_id = str(payload["page_id"])
    value = payload["value"]
    removed = value.get("verb") == "remove"
    record: dict[str, Any] = {"created_time": value["created_time"]}
    if not removed:
        record["message"] = value.get("message") or ""
        if value.get("from"):
            record["from"] = {k: value["from"].get(k) for k in ("id", "name")}
    if value["item"] == "comment":
        plan = _find(planned, FacebookComments.name, page_id)
        post_id = str(value["post_id"])
        parent_id = value.get("parent_id")
        if parent_id and str(parent_id) != post_id:
            record["parent"] = {"id": str(parent_id)}
        record["id"] = str(value["comment_id"])
        return Mapped(plan, Parent(post_id, plan.partition.school_key), record)
    plan = _find(planned, FacebookVisitorPosts.name, page_id)
    record["id"] = str(value["post_id"])
    return Mapped(plan, None, record)


def _x_time(tweet: dict[str, Any]) -> str:
    if tweet.get("timestamp_ms"):
        moment = dt.datetime.fromtimestamp(int(tweet["timestamp_ms"]) / 1000, tz=dt.UTC)
    else:
        moment = dt.datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y")
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _x(payload: dict[str, Any], planned: list[PlannedPartition]) -> Mapped:
    plan = _find(planned, XMentions.name, str(payload["for_user_id"]))
    tweet = payload["tweet"]
    user = tweet["user"]
    data: dict[str, Any] = {
        "id": tweet["id_str"],
        "text": tweet.get("full_text") or tweet.get("text") or "",
        "author_id": user["id_str"],
        "created_at": _x_time(tweet),
        "entities": {
            "mentions": [
                {"id": m["id_str"], "username": m.get("screen_name")}
                for m in tweet.get("user_mentions", [])
                if m.get("id_str")
            ]
        },
    }
    if tweet.get("lang"):
        data["lang"] = tweet["lang"]
    if tweet.get("in_reply_to_user_id_str"):
        data["in_reply_to_user_id"] = tweet["in_reply_to_user_id_str"]
    if tweet.get("in_reply_to_status_id_str"):
        data["referenced_tweets"] = [
            {"type": "replied_to", "id": tweet["in_reply_to_status_id_str"]}
        ]
    author = {"id": user["id_str"], "username": user.get("screen_name"), "name": user.get("name")}
    return Mapped(plan, None, {"data": data, "includes": {"users": [author]}})


def map_event(platform: str, payload: dict[str, Any], planned: list[PlannedPartition]) -> Mapped:
    """The stream, parent and platform record for one event; raises on a bad payload."""
    if platform == "facebook":
        return _facebook(payload, planned)
    if platform == "x":
        return _x(payload, planned)
    raise ValueError(f"no webhook mapping for platform {platform!r}")


def planned_for(registry: Registry) -> list[PlannedPartition]:
    from trustwatch.ingest import plan_partitions

    return plan_partitions(registry, platform="facebook") + plan_partitions(registry, platform="x")
