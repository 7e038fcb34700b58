"""Text that leaves the warehouse (reports, notifications) loses what names other people.

Authors are already pseudonyms; a post can still name someone by @mention or link to a
profile, so both are replaced before the text is shown anywhere outside the review app.
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+")


def redact(text: str, limit: int = 240) -> str:
    """@mentions and links replaced; cut to `limit` characters with an ellipsis."""
    cleaned = _URL.sub("[link]", _MENTION.sub("@[someone]", text)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
