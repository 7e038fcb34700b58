"""How platform keys read in text meant for people (reports, emails, webhooks)."""

from __future__ import annotations

PLATFORM_NAMES = {"x": "X", "facebook": "Facebook", "reddit": "Reddit", "instagram": "Instagram"}


def platform_name(key: str) -> str:
    return PLATFORM_NAMES.get(key, key)
