"""Reports on disk are copies of warehouse data: erasure must reach them too.

A report's HTML and PDF are written side by side (`<stem>.html`, `<stem>.pdf`) under
`var/reports` (or wherever `--out` pointed). The PDF is compressed and cannot be
searched reliably, so its HTML twin is searched: a report that names the person or
quotes one of their posts (as a complaint-theme example, redacted and cut) is deleted,
both files. Reports are rebuilt from the warehouse, which no longer holds the person.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path

from trustwatch.personal_data.redaction import redact
from trustwatch.settings import get_settings

QUOTE_PREFIX_CHARS = 60  # how much of a quoted post identifies it
MIN_QUOTE_CHARS = 20  # shorter posts ("thanks!") are not distinctive enough to match


def default_report_dir() -> Path:
    return get_settings().var_dir / "reports"


def _quotes(texts: Iterable[str]) -> list[str]:
    """How each of their posts would appear in a report: redacted, then cut."""
    out = []
    for text in texts:
        quoted = redact(text, 240)[:QUOTE_PREFIX_CHARS].rstrip("…").strip()
        if len(quoted) >= MIN_QUOTE_CHARS:
            out.append(quoted.lower())
    return out


def _naming(root: Path, pattern: re.Pattern[str] | None, own_texts: Iterable[str]) -> list[Path]:
    if not root.is_dir():
        return []
    quotes = _quotes(own_texts)
    found = []
    for page in sorted(root.rglob("*.html")):
        content = html.unescape(page.read_text(encoding="utf-8", errors="replace"))
        lowered = content.lower()
        named = pattern is not None and pattern.search(content) is not None
        if named or any(quote in lowered for quote in quotes):
            found.append(page)
    return found


def reports_naming(
    pattern: re.Pattern[str] | None, own_texts: Iterable[str], directory: Path | None = None
) -> list[str]:
    """Report pages (relative to the report folder) that name them or quote their posts."""
    root = directory or default_report_dir()
    return [str(page.relative_to(root)) for page in _naming(root, pattern, own_texts)]


def erase_from_reports(
    directory: Path | None, pattern: re.Pattern[str] | None, own_texts: Iterable[str]
) -> int:
    """Delete every report under `directory` that names them; return the files deleted."""
    deleted = 0
    for page in _naming(directory or default_report_dir(), pattern, own_texts):
        for twin in (page, page.with_suffix(".pdf")):
            if twin.exists():
                twin.unlink()
                deleted += 1
    return deleted
