"""What makes a raw record unstorable, found before any parser or database sees it.

A record the warehouse cannot hold used to fail the whole page's commit on every run,
wedging the partition: a lone UTF-16 surrogate (half an emoji; no UTF-8 encoder accepts
it), NaN or Infinity (JSON has neither; PostgreSQL's JSON types refuse them), nesting deep
enough to raise RecursionError in `json.dumps` (or the marker `connectors.deep_json` leaves
where a response nested past the JSON decoder's reach was cut), or a field far larger
than any platform allows. `record_problem` walks the record once, iteratively (so depth
itself cannot blow the stack), and names the first such problem; the stream quarantines
that record with the reason and loads the rest of the page.
"""

from __future__ import annotations

import math
from typing import Any

from connectors.deep_json import CUT_REASON, is_cut

# Twitter v2, Reddit listings and Graph API records nest under 10 levels.
MAX_DEPTH = 32
# Longest text a watched platform allows is a Facebook post (63,206 characters); any
# field beyond this is broken or hostile.
MAX_FIELD_CHARS = 100_000
# The whole record: characters over all strings, and values over all containers.
MAX_RECORD_CHARS = 1_000_000
MAX_VALUES = 50_000


def field_path(path: tuple[Any, ...]) -> str:
    """A printable path like `data.entities.mentions[0].id` (never a value)."""
    out = ""
    for part in path[:12]:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = printable(str(part))[:40]
            out += f".{name}" if out else name
    if len(path) > 12:
        out += "..."
    return out or "(the record)"


def printable(text: str) -> str:
    """Text safe to store and print: lone surrogates become escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _string_problem(value: str, path: tuple[Any, ...], what: str) -> str | None:
    if len(value) > MAX_FIELD_CHARS:
        return (
            f"oversized field: {what} {field_path(path)} is {len(value):,} characters, over "
            f"the {MAX_FIELD_CHARS:,} limit for one field (no platform allows that much)"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        return (
            f"invalid text: {what} {field_path(path)} holds a lone UTF-16 surrogate "
            f"(U+{code:04X}, half of an emoji); it is not valid Unicode and cannot be stored"
        )
    return None


def record_problem(raw: Any) -> str | None:
    """The first reason `raw` cannot be stored, or None if it can."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(raw, ())]
    values = 0
    chars = 0
    while stack:
        value, path = stack.pop()
        values += 1
        if values > MAX_VALUES:
            return f"oversized record: more than {MAX_VALUES:,} values"
        if isinstance(value, str):
            chars += len(value)
            problem = _string_problem(value, path, "field")
        elif isinstance(value, float):
            problem = None
            if not math.isfinite(value):
                problem = (
                    f"invalid number: field {field_path(path)} is {value} (NaN or Infinity); "
                    "JSON has no such number and PostgreSQL refuses it"
                )
        elif isinstance(value, dict | list):
            problem = None
            if is_cut(value):
                return f"too deeply nested: {CUT_REASON} (at {field_path(path)})"
            if len(path) >= MAX_DEPTH:
                return (
                    f"too deeply nested: nesting deeper than {MAX_DEPTH} levels "
                    f"at {field_path(path)}"
                )
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in pairs:
                if isinstance(key, str):
                    chars += len(key)
                    problem = problem or _string_problem(key, (*path, key), "key")
                stack.append((child, (*path, key)))
        else:
            problem = None
        if problem:
            return problem
        if chars > MAX_RECORD_CHARS:
            return f"oversized record: more than {MAX_RECORD_CHARS:,} characters of text"
    return None
