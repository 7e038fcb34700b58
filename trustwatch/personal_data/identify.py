"""Find the one author a data-protection request is about.

Erasure and subject access both start from what the requester knows: a handle, or the
platform's id for the account. A handle is matched case-insensitively without its `@`
(or Reddit's `u/`). The platform id always works, even after retention has purged the
handle, because the pseudonym is recomputed from it with the HMAC key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustwatch.db.models import Author, Item
from trustwatch.errors import UserError
from trustwatch.personal_data.pseudonyms import author_key
from trustwatch.personal_data.retention import PURGED_ID_PREFIX
from trustwatch.registry import Platform


class UnknownAuthorError(UserError):
    """No author matches the request (exit code 2)."""


@dataclass(frozen=True)
class Subject:
    """The author a request resolves to; `author` is None if only items remain."""

    platform: str
    author_key: str
    author: Author | None
    handle: str | None

    @property
    def display_name(self) -> str | None:
        return self.author.display_name if self.author else None

    def platform_ids(self, requested: str | None) -> frozenset[str]:
        """Their platform ids to look for in other rows: the one the request gave and the
        one on record, less retention's placeholders (a purged id names nobody)."""
        found = {requested, self.author.platform_author_id if self.author else None}
        return frozenset(v for v in found if v and not v.startswith(PURGED_ID_PREFIX))


def normalise_handle(handle: str) -> str:
    cleaned = handle.strip()
    for prefix in ("@", "u/", "/u/"):
        cleaned = cleaned.removeprefix(prefix)
    return cleaned


def _platform(value: str) -> str:
    try:
        return Platform(value.lower()).value
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise UserError(f"unknown platform '{value}'. Fix: use one of {known}.") from None


def find_subject(
    session: Session,
    *,
    platform: str | None,
    handle: str | None,
    platform_author_id: str | None,
    secret: bytes,
) -> Subject:
    """Resolve a request to exactly one author, or raise a UserError that says why.

    Without a platform, a handle is looked up on every platform; it must be unique.
    """
    if platform_author_id:
        if not platform:
            raise UserError("an --author-id belongs to one platform: pass --platform too.")
        return _by_id(session, _platform(platform), platform_author_id, secret)
    if not handle:
        raise UserError("name the person: pass --author HANDLE or --author-id ID.")
    wanted = normalise_handle(handle)
    query = select(Author).where(func.lower(Author.handle) == wanted.lower())
    if platform:
        query = query.where(Author.platform == _platform(platform))
    matches = session.scalars(query).all()
    where = f"{_platform(platform)} author" if platform else "author on any platform"
    if not matches:
        raise UnknownAuthorError(
            f"no {where} with handle '{wanted}' is held in the warehouse. If the handle "
            "changed or retention already purged it, pass --platform and --author-id with "
            "the platform's account id instead."
        )
    if len(matches) > 1:
        platforms = sorted({m.platform for m in matches})
        fix = (
            "pass --platform (one of " + ", ".join(platforms) + ")"
            if len(platforms) > 1
            else "pass --author-id with the platform's account id"
        )
        raise UserError(
            f"{len(matches)} authors have had the handle '{wanted}' (handles can be reused, "
            f"and differ between platforms). Fix: {fix}."
        )
    author = matches[0]
    return Subject(author.platform, author.author_key, author, author.handle)


def _by_id(session: Session, platform: str, platform_author_id: str, secret: bytes) -> Subject:
    key = author_key(platform, platform_author_id, secret)
    author = session.get(Author, key)
    has_items = session.scalar(select(func.count()).where(Item.author_key == key))
    if author is None and not has_items:
        raise UnknownAuthorError(
            f"no author with {platform} id '{platform_author_id}' is held in the "
            "warehouse: nothing to do."
        )
    return Subject(platform, key, author, author.handle if author else None)


def handle_pattern(handle: str) -> re.Pattern[str]:
    """The handle as a whole word, with or without its `@`, in any case."""
    return re.compile(rf"(?<![\w])@?{re.escape(normalise_handle(handle))}(?![\w])", re.IGNORECASE)


MIN_NAME_CHARS = 4  # a shorter display name ("Mo") would redact ordinary words


def identity_pattern(
    handle: str | None, name: str | None, ids: frozenset[str] = frozenset()
) -> re.Pattern[str] | None:
    """The handle (with or without `@`), the display name and the ids, as whole words.

    Erasure removes all three from free text (other people's posts, staff notes, audit
    details, quarantine reasons): a note may call someone by name rather than handle.
    """
    parts = []
    if handle:
        parts.append(rf"@?{re.escape(normalise_handle(handle))}")
    if name and len(name.strip()) >= MIN_NAME_CHARS:
        parts.append(r"\s+".join(re.escape(word) for word in name.split()))
    parts += [re.escape(value) for value in sorted(ids) if value]
    if not parts:
        return None
    return re.compile(rf"(?<![\w])(?:{'|'.join(parts)})(?![\w])", re.IGNORECASE)


def identity_needles(handle: str | None, name: str | None, ids: frozenset[str]) -> list[str]:
    """Lower-case substrings a row must contain to be worth matching in Python."""
    needles = [normalise_handle(handle).lower()] if handle else []
    if name and len(name.strip()) >= MIN_NAME_CHARS:
        needles.append(name.split()[0].lower())
    return needles + [value.lower() for value in ids if value]


def json_mentions(value: Any, pattern: re.Pattern[str] | None, ids: frozenset[str]) -> bool:
    """True if a JSON value holds the handle in any string, or one of the ids as a value."""
    if isinstance(value, dict):
        return any(json_mentions(v, pattern, ids) for v in value.values())
    if isinstance(value, list):
        return any(json_mentions(v, pattern, ids) for v in value)
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return str(value) in ids
    text = str(value)
    return text in ids or (pattern is not None and pattern.search(text) is not None)


def redact_json(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """A copy of a JSON value with the handle replaced in every string."""
    if isinstance(value, dict):
        return {k: redact_json(v, pattern, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, pattern, replacement) for v in value]
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    return value
