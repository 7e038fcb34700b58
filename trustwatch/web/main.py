"""The app factory: `create_app()` serves the configured warehouse; tests pass their own."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustwatch.db.engine import get_engine, unit_of_work
from trustwatch.errors import ConfigError
from trustwatch.registry import load_registry
from trustwatch.settings import Settings, get_settings
from trustwatch.web.api.deps import LoginRequired
from trustwatch.web.api.main import api_router
from trustwatch.web.proxies import TrustedProxies, parse_networks
from trustwatch.web.services import audit
from trustwatch.web.templating import make_templates, render

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Nothing is loaded from anywhere but this app: no CDN, no remote image, no inline script.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds the headers above to every response; pages are never cached (they hold casework)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not is_static:
                    extra["cache-control"] = "no-store"
                if self.hsts:
                    extra["strict-transport-security"] = "max-age=31536000"
                for name, value in extra.items():
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            # Starlette's own 500 page is sent from outside this middleware, without the
            # headers above; answer here instead, and keep the traceback in the log only.
            log.exception("unhandled error on %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            await _plain_500(tracking_send)


async def _plain_500(send: Send) -> None:
    body = (
        b'<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        b"<title>Error \xc2\xb7 trustwatch</title></head><body><h1>Something went wrong</h1>"
        b'<p>The error was logged. <a href="/">Back to your start page</a></p></body></html>'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _login_redirect(request: Request, _exc: Exception) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = "/"
    from urllib.parse import quote

    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _audit_refusal(request: Request, exc: HTTPException) -> None:
    """A 403 is written down in its own transaction: the request's own was rolled back."""
    viewer = getattr(request.state, "viewer", None)
    with unit_of_work(request.app.state.session_factory) as session:
        audit.record(
            session,
            actor=viewer.email if viewer is not None else "anonymous",
            action="access.refused",
            target_type="route",
            target_id=request.url.path[:200],
            detail={"method": request.method, "reason": str(exc.detail)[:200]},
        )


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 403:
        _audit_refusal(request, exc)
    titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 429: "Too many requests"}
    return render(
        request,
        "error.html",
        {"title": titles.get(exc.status_code, "Error"), "message": exc.detail},
        status_code=exc.status_code,
    )


def _bad_request(request: Request, _exc: Exception) -> Response:
    """Malformed ids or missing form fields: a plain page, never a JSON dump of the input."""
    return render(
        request,
        "error.html",
        {"title": "Bad request", "message": "The request was not understood."},
        status_code=400,
    )


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app over one warehouse; nothing is read from the environment after this."""
    settings = settings or get_settings()
    try:
        trusted = parse_networks(settings.web_trusted_proxies)
    except ValueError as exc:
        raise ConfigError(f"{exc}.") from None
    engine = engine or get_engine(settings.resolved_warehouse_url)
    registry = load_registry(settings.config)

    app = FastAPI(
        title="trustwatch review",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.registry = registry
    app.state.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    app.state.templates = make_templates(registry.trust.timezone)

    app.include_router(api_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    # Added last, so it runs first: every later layer sees the real client address.
    app.add_middleware(TrustedProxies, trusted=trusted)
    return app
