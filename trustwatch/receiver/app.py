"""The receiver's HTTP surface: challenges and signed deliveries for Facebook and X.

Order of work for a POST, and why:

1. size (413 before reading more than the limit), signature (401 unsigned, 403 bad),
   JSON and shape (400): checked against the raw bytes, before anything is parsed;
2. the events are split out; stale or malformed ones are refused one by one (audited),
   the rest go on;
3. the events are written to `inbound_events` (a replayed body gets 409: its events are
   already stored);
4. only then the answer: 200 if anything of the delivery is stored (or was stored by an
   earlier delivery), 422 if every event of it was refused;
5. and the Redis notice, ids only, after the commit.

Every refusal writes an `inbound_rejections` row with the reason, the body's digest and
size, never the body. Both platforms want an answer within seconds (Facebook 20 s, X 3 s
for a CRC); the path above is one small transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from connectors.deep_json import cut_deep_json
from trustwatch.receiver import events as ev
from trustwatch.receiver import signatures as sig
from trustwatch.receiver.notice import Publisher, RedisPublisher
from trustwatch.receiver.settings import ReceiverSettings
from trustwatch.receiver.store import audit, store_delivery

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
FACEBOOK_HEADER = "x-hub-signature-256"
X_HEADER = "x-twitter-webhooks-signature"


class _Refusal(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _Refusal(413, f"body of {declared} bytes is over the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Refusal(413, f"body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    engine: Engine,
    *,
    settings: ReceiverSettings | None = None,
    publisher: Publisher | None = None,
    clock: Clock = _now,
) -> FastAPI:
    settings = settings or ReceiverSettings()
    publisher = publisher or RedisPublisher(settings.redis_url, settings.inbound_channel)
    max_age = dt.timedelta(seconds=settings.webhook_max_age_seconds)
    skew = dt.timedelta(seconds=settings.webhook_max_skew_seconds)
    app = FastAPI(title="trustwatch receiver", docs_url=None, redoc_url=None, openapi_url=None)

    def secret_of(platform: str) -> str | None:
        value = (
            settings.facebook_app_secret if platform == ev.FACEBOOK else settings.x_consumer_secret
        )
        return value.get_secret_value() if value is not None else None

    async def refuse(platform: str, status: int, reason: str, body: bytes | None) -> Response:
        digest = hashlib.sha256(body).hexdigest() if body is not None else None
        await run_in_threadpool(
            audit,
            engine,
            platform,
            [ev.Refused(reason)],
            status_code=status,
            body_sha256=digest,
            body_bytes=len(body) if body is not None else None,
            now=clock(),
        )
        log.info("refused a %s delivery: %s (%d)", platform, reason, status)
        return JSONResponse({"error": reason}, status_code=status)

    async def receive(
        request: Request,
        platform: str,
        header: str,
        valid: Callable[[str, bytes, str | None], bool],
        split_events: Callable[..., ev.Split],
    ) -> Response:
        secret = secret_of(platform)
        if secret is None:
            return JSONResponse({"error": f"{platform} webhooks are not configured"}, 404)
        body: bytes | None = None
        try:
            body = await _read_limited(request, settings.webhook_max_bytes)
            signature = request.headers.get(header)
            if not signature:
                raise _Refusal(401, f"unsigned delivery (no {header} header)")
            if not valid(secret, body, signature):
                raise _Refusal(403, "signature does not match the body")
            try:
                # Values nested past the decoder's reach are cut to a marker first, as on
                # the polling path: that event is quarantined with the reason when it is
                # processed, and its neighbours in the delivery are kept.
                payload = json.loads(cut_deep_json(body) or body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise _Refusal(400, "body is not JSON") from None
            except RecursionError:  # a truncated body the cut could not close
                raise _Refusal(400, "body nests too deeply to decode") from None
            now = clock()
            try:
                split = split_events(payload, now=now, max_age=max_age, skew=skew)
            except ev.BadDelivery as exc:
                raise _Refusal(400, str(exc)) from None
        except _Refusal as refusal:
            return await refuse(platform, refusal.status, refusal.reason, body)
        digest = hashlib.sha256(body).hexdigest()
        stored = await run_in_threadpool(
            store_delivery, engine, split.events, delivery_sha256=digest, now=now
        )
        if stored.replay:
            return await refuse(
                platform, 409, "replayed delivery (this body was stored before)", body
            )
        await run_in_threadpool(
            audit,
            engine,
            platform,
            split.refused,
            status_code=422,
            body_sha256=digest,
            body_bytes=len(body),
            now=now,
        )
        published = await run_in_threadpool(publisher.publish, platform, stored.new_ids)
        counts: dict[str, Any] = {
            "stored": len(stored.new_ids),
            "duplicates": stored.duplicates,
            "refused": [r.reason for r in split.refused],
            "ignored": split.ignored,
            "announced": published,
        }
        status = 422 if split.refused and not split.events else 200
        return JSONResponse(counts, status_code=status)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {
            "ok": True,
            "facebook": settings.facebook_app_secret is not None,
            "x": settings.x_consumer_secret is not None,
        }

    @app.get("/webhooks/facebook")
    async def facebook_verify(request: Request) -> Response:
        token = settings.facebook_verify_token
        if token is None or settings.facebook_app_secret is None:
            return JSONResponse({"error": "facebook webhooks are not configured"}, 404)
        query = request.query_params
        challenge = sig.facebook_challenge(
            token.get_secret_value(),
            query.get("hub.mode"),
            query.get("hub.verify_token"),
            query.get("hub.challenge"),
        )
        if challenge is None:
            return await refuse(ev.FACEBOOK, 403, "verification request with a wrong token", None)
        return PlainTextResponse(challenge)

    @app.post("/webhooks/facebook")
    async def facebook_delivery(request: Request) -> Response:
        return await receive(
            request, ev.FACEBOOK, FACEBOOK_HEADER, sig.facebook_signature_valid, ev.facebook_events
        )

    @app.get("/webhooks/x")
    async def x_crc(request: Request) -> Response:
        secret = secret_of(ev.X)
        if secret is None:
            return JSONResponse({"error": "x webhooks are not configured"}, 404)
        token = request.query_params.get("crc_token")
        if not token:
            return await refuse(ev.X, 400, "challenge without crc_token", None)
        return JSONResponse(sig.x_crc_response(secret, token))

    @app.post("/webhooks/x")
    async def x_delivery(request: Request) -> Response:
        return await receive(request, ev.X, X_HEADER, sig.x_signature_valid, ev.x_events)

    return app
