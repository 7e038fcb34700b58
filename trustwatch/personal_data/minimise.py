"""What the loader keeps of a record: no handles or names outside `authors`, ever.

Identities live only in `authors`, where access is restricted and retention and erasure
find them. So before an item is stored:

* its URL carries no handle (X links are built as `https://x.com/i/web/status/<id>`,
  which X resolves without the author's name);
* its raw payload loses every handle and name the platform sent along (the author's
  profile, mention lists, Reddit's author fields, Facebook's `from`/`reviewer` names)
  and the post's words, which `items.text` already holds (one copy, on the text clock);
  it keeps ids, times, counts and flags;
* an item posted before the retention periods is stored already purged, so re-fetching
  old posts cannot undo retention.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

X_STATUS_URL = "https://x.com/i/web/status/{}"

# X user objects (includes.users, mentions): everything but the id is identity.
_X_USER_KEEP = frozenset({"id"})
# Keys that are a person's handle or name, wherever they appear in a payload.
_NAME_KEYS = frozenset(
    {"username", "screen_name", "display_name", "author", "author_flair_text", "reviewer_name"}
)
# The post's words: kept once, in `items.text`, not again in the payload.
_TEXT_KEYS = frozenset(
    {"text", "note_tweet", "body", "body_html", "selftext", "selftext_html", "title",
     "message", "review_text", "story", "description"}
)  # fmt: skip
# `author_*` fields (Reddit) describe the author; only the account ids are kept.
_REDDIT_AUTHOR_KEEP = frozenset({"author_fullname", "author_id"})
# Facebook objects that stand for a person: their `name` goes, their `id` stays.
_FB_PEOPLE = frozenset(
    {"from", "reviewer", "to", "message_tags", "tags", "with_tags", "admin_creator"}
)


def x_status_url(external_id: str) -> str:
    return X_STATUS_URL.format(external_id)


def _x_user(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in _X_USER_KEEP}
    return value


def _without_names(value: Any, *, person: bool = False) -> Any:
    """A copy of a JSON value with handle and name fields removed, recursively."""
    if isinstance(value, list):
        return [_without_names(v, person=person) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in _NAME_KEYS or key in _TEXT_KEYS:
            continue
        if key.startswith("author_") and key not in _REDDIT_AUTHOR_KEEP:
            continue
        if person and key in {"name", "profile_image_url", "description", "location", "url"}:
            continue
        if key == "users":
            out[key] = [_x_user(u) for u in item] if isinstance(item, list) else item
        elif key == "mentions":
            out[key] = [_x_user_mention(m) for m in item] if isinstance(item, list) else item
        else:
            out[key] = _without_names(item, person=key in _FB_PEOPLE or (person and key == "data"))
    return out


def _x_user_mention(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in {"username", "name"}}
    return value


def strip_raw(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The raw payload without handles or names; ids, times and content fields stay."""
    if raw is None:
        return None
    stripped = _without_names(raw)
    return stripped if isinstance(stripped, dict) else None


def purged_at_load(
    row: dict[str, Any],
    *,
    now: dt.datetime,
    raw_cutoff: dt.datetime | None,
    text_cutoff: dt.datetime | None,
) -> dict[str, Any]:
    """An item row as retention would have left it, had it been stored on time."""
    created = row["created_at"]
    if text_cutoff is not None and created < text_cutoff:
        return {**row, "text": None, "url": None, "raw": None,
                "text_purged_at": now, "raw_purged_at": now}  # fmt: skip
    if raw_cutoff is not None and created < raw_cutoff:
        return {**row, "raw": None, "raw_purged_at": now}
    return row
