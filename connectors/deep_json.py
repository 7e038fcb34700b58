"""Cut JSON nested too deeply for the decoder before the platform client decodes it.

tweepy, praw (prawcore) and facebook-sdk all decode a response with `requests`'
`Response.json()`. Python's decoder recurses once per level, so a response nesting
deeper than about 1,000 levels raises RecursionError, and the whole page (with every
good record on it) failed before per-record isolation could see it: the partition was
retried, then reported, on every run.

`cut_response` is a `requests` response hook on each connector's HTTP session. It scans
the raw body once, without recursion and in linear time (one regular-expression pass
that steps over strings whole), and replaces every value that starts deeper than
`CUT_DEPTH` levels with a small marker object. The body stays valid JSON, decodes, and
the record holding the marker is quarantined by `connectors.record_checks` with a reason
naming the nesting; the rest of the page loads and the cursor moves. Bodies that do not
nest that deeply (every real one: records nest under 10 levels, and a Reddit thread adds
5 per level of replies) are left byte for byte as they are.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests

log = logging.getLogger(__name__)

# Far below the decoder's recursion limit (about 1,000 levels, less the caller's own
# stack), far above any real payload (a 20-deep Reddit reply chain is about 105 levels).
CUT_DEPTH = 128
CUT_KEY = "__trustwatch_cut__"
CUT_REASON = f"nesting deeper than {CUT_DEPTH} levels in the response, cut before JSON decoding"
MARKER = ('{"' + CUT_KEY + '": "' + CUT_REASON + '"}').encode()

# A whole JSON string (escapes included), or one bracket. Everything else (numbers,
# literals, commas, colons, whitespace) is skipped by the search itself.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")
_QUOTE = ord('"')


def cut_deep_json(body: bytes, limit: int = CUT_DEPTH) -> bytes | None:
    """`body` with every value deeper than `limit` levels replaced by the marker.

    None when nothing is that deep (the caller keeps the body as it is), or when the
    body ends before a cut value closes (truncated: the decoder reports that as malformed
    JSON, which is retried). Works on the raw bytes: in UTF-8 a quote, a backslash or a
    bracket byte never occurs inside a multi-byte character.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return None  # not enough brackets to nest that deep: the common case, no scan
    depth = 0
    cut_from = -1
    pieces: list[bytes] = []
    kept_to = 0
    for match in _TOKEN.finditer(body):
        start = match.start()
        char = body[start]
        if char == _QUOTE:
            continue
        if char in _OPEN:
            depth += 1
            if depth == limit + 1 and cut_from < 0:
                cut_from = start
            continue
        if depth == limit + 1 and cut_from >= 0:
            pieces += [body[kept_to:cut_from], MARKER]
            kept_to = match.end()
            cut_from = -1
        depth -= 1
    if not pieces or cut_from >= 0:
        return None
    pieces.append(body[kept_to:])
    return b"".join(pieces)


def cut_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: cut over-deep JSON in place, before anyone calls `.json()`."""
    kind = response.headers.get("content-type", "")
    body = response.content
    if not body or ("json" not in kind and body.lstrip()[:1] not in (b"{", b"[")):
        return
    if (response.encoding or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8"):
        return  # UTF-16/32 JSON: no platform sends it; the decoder reports it if too deep
    cut = cut_deep_json(body)
    if cut is not None:
        log.warning(
            "a %s response nested deeper than %d levels: the deep values were cut before "
            "decoding and their records will be quarantined",
            response.request.method if response.request is not None else "HTTP",
            CUT_DEPTH,
        )
        response._content = cut  # what .text and .json() read


def guard(session: requests.Session) -> requests.Session:
    """Install `cut_response` on a session (once)."""
    hooks = session.hooks.setdefault("response", [])
    if cut_response not in hooks:
        hooks.insert(0, cut_response)
    return session


def is_cut(value: Any) -> bool:
    """Whether `value` is the marker left where a too-deep value was cut."""
    return isinstance(value, dict) and CUT_KEY in value
