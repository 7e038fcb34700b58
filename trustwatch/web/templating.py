"""Jinja2 set-up: autoescaping always on, and the filters that make untrusted text safe.

Item text comes from strangers on social media. It is only ever rendered through
`linkify`, which escapes everything and turns bare http(s) URLs into links that carry
rel="noopener nofollow ugc"; nothing from an item can become an image or a script.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.responses import Response

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LINK_REL = "noopener nofollow ugc"
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def safe_url(value: str | None) -> str | None:
    """The URL if it is plain http(s), else None: no javascript:, data: or relative links."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return value.strip()


def external_link(url: str | None, label: str | None = None) -> Markup:
    """An anchor to somewhere outside the app, or the escaped label if the URL is unsafe."""
    href = safe_url(url)
    text = label if label is not None else (url or "")
    if href is None:
        return escape(text)
    return Markup('<a href="{}" rel="{}" target="_blank">{}</a>').format(href, LINK_REL, text)


def linkify(text: str | None) -> Markup:
    """Escape untrusted text; bare http(s) URLs become links with rel="noopener nofollow ugc"."""
    if not text:
        return Markup("")
    out: list[Markup] = []
    pos = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        out.append(escape(text[pos : match.start()]))
        out.append(external_link(url))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


SLA_LABELS = {
    "open": "Waiting",
    "at_risk": "Due soon",
    "open_breached": "Overdue",
    "met": "Answered in time",
    "breached": "Answered late",
}
STATUS_LABELS = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
    "dismissed": "Dismissed",
    "active": "Open or acknowledged",
    "all": "Any status",
}
TYPE_LABELS = {
    "sla_at_risk": "response due soon",
    "sla_breached": "response overdue",
    "other_language": "other language",
}


def sla_label(status: str | None) -> str:
    """A response clock's status in words ('open_breached' reads 'Overdue')."""
    return SLA_LABELS.get(status or "", (status or "").replace("_", " "))


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", (status or "").replace("_", " "))


def type_label(alert_type: str | None) -> str:
    return TYPE_LABELS.get(alert_type or "", (alert_type or "").replace("_", " "))


def make_templates(timezone: str) -> Jinja2Templates:
    zone = ZoneInfo(timezone)

    def local(value: dt.datetime | None, fmt: str = "%a %d %b %Y %H:%M") -> str:
        return value.astimezone(zone).strftime(fmt) if value else ""

    def age(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        seconds = max(0, int((dt.datetime.now(dt.UTC) - value).total_seconds()))
        if seconds < 3600:
            return f"{seconds // 60} min"
        if seconds < 48 * 3600:
            return f"{seconds // 3600} h"
        return f"{seconds // 86400} d"

    def relative(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
        """'3 h ago' or 'in 40 min': the distance from now, past or future."""
        if value is None:
            return ""
        delta = int((value - (now or dt.datetime.now(dt.UTC))).total_seconds())
        span = abs(delta)
        if span < 60:
            return "just now"
        if span < 3600:
            amount = f"{span // 60} min"
        elif span < 48 * 3600:
            amount = f"{span // 3600} h"
        else:
            amount = f"{span // 86400} days"
        return f"in {amount}" if delta > 0 else f"{amount} ago"

    def when(value: dt.datetime | None, fmt: str = "%a %d %b %Y %H:%M") -> Markup:
        """Absolute time in the trust's zone, machine-readable, with the relative one after."""
        if value is None:
            return Markup("")
        return Markup(
            '<time class="when" datetime="{}">{}</time> <span class="rel">{}</span>'
        ).format(value.astimezone(dt.UTC).isoformat(), local(value, fmt), relative(value))

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        local=local,
        age=age,
        relative=relative,
        when=when,
        linkify=linkify,
        external_link=external_link,
        sla_label=sla_label,
        status_label=status_label,
        type_label=type_label,
    )
    env.globals["timezone"] = timezone
    env.globals["zone_name"] = dt.datetime.now(zone).tzname()
    return Jinja2Templates(env=env)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with the signed-in user and their CSRF token available to every form."""
    viewer = getattr(request.state, "viewer", None)
    base: dict[str, Any] = {
        "user": viewer,
        "csrf_token": viewer.csrf_token if viewer is not None else "",
        "error": None,
        "notice": None,
        "now": dt.datetime.now(dt.UTC),
    }
    base.update(context or {})
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, base, status_code=status_code)
