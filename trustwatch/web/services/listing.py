"""What the review app's list pages share: one-line snippets of post text.

The lead's queue and the response inbox show a snippet of each post; it is cut here once,
so every list cuts text the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

__all__ = ["snippet", "snippet_source"]


def snippet_source(text: ColumnElement[str] | Any, chars: int) -> ColumnElement[str]:
    """The first `chars` + 1 characters of a text column: enough for `snippet` to cut at
    `chars` and know the text ran on, without loading whole posts for a list."""
    return func.substr(text, 1, chars + 1)


def snippet(text: str | None, chars: int) -> str | None:
    """One line of the text, at most `chars` long, cut at a word and marked as cut."""
    if not text:
        return None
    flat = " ".join(text.split())
    if len(flat) <= chars:
        return flat
    return flat[:chars].rsplit(" ", 1)[0] + "…"
