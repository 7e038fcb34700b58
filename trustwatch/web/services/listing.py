"""What the review app's list pages share: paging, one-line snippets of post text, and
reading the date filters.

The lead's queue, the response inbox, the waiting list and the audit log each show a page
of rows at a time ("showing 1–50 of N"); the first two show a snippet of each post; the
queue, the audit log and the dashboards filter by dates typed into the page's address.
These are worked out here once, so every list pages, cuts text and reads dates the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

from sqlalchemy import ColumnElement, Select, func

__all__ = ["PageCounts", "Window", "filter_date", "snippet", "snippet_source"]

_S = TypeVar("_S", bound=Select[Any])


class PageCounts(TypedDict):
    """The fields every list page's result carries for "showing first–last of total"."""

    total: int
    page: int
    pages: int
    first: int
    last: int


@dataclass(frozen=True)
class Window:
    """Which rows of `total` a page shows, `size` at a time.

    A requested page below 1 shows the first and one past the end shows the last, so a
    stale or hand-edited link still lands on rows.
    """

    total: int
    page: int
    pages: int
    size: int

    @classmethod
    def at(cls, total: int, requested: int, size: int) -> Window:
        pages = max(1, -(-total // size))
        return cls(total=total, page=min(max(1, requested), pages), pages=pages, size=size)

    def rows(self, stmt: _S) -> _S:
        """`stmt` limited to this page's rows (order it first)."""
        return stmt.limit(self.size).offset((self.page - 1) * self.size)

    @property
    def first(self) -> int:
        """The 1-based number of the page's first row; 0 when there are none."""
        return (self.page - 1) * self.size + 1 if self.total else 0

    def counts(self, shown: int) -> PageCounts:
        """The page's counts, for a page that shows `shown` rows."""
        first = self.first
        return PageCounts(
            total=self.total,
            page=self.page,
            pages=self.pages,
            first=first,
            last=first + shown - 1 if shown else 0,
        )


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


def filter_date(value: str | None) -> dt.date | None:
    """A filter's YYYY-MM-DD date; None when empty or not a date (the filter is then off,
    as a hand-edited address should not cost the user an error page)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
