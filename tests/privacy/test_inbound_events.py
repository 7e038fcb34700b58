"""Webhook events (`inbound_events`) under retention, erasure and subject access.

An unprocessed event holds the whole payload the platform pushed: the author's id,
handle, name and words. A processed one holds ids only (its payload was cleared when
its item loaded). Events are stored the receiver's way (`store_delivery`) from real
X Account Activity shapes, then dated against the privacy tests' fixed `NOW`.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine, select, update

from tests.privacy.conftest import CHILD, NOW, OAKFIELD_X, PARENT, SECRET, Populated, ago
from tests.privacy.test_erasure import erase_child
from trustwatch.db.engine import session_scope
from trustwatch.db.models import InboundEvent, InboundRejection
from trustwatch.personal_data.retention import enforce
from trustwatch.personal_data.subject_access import export_subject
from trustwatch.receiver import events as ev
from trustwatch.receiver import samples
from trustwatch.receiver.store import store_delivery
from trustwatch.registry import Registry

CHILD_WORDS = "@OakfieldPrimary someone in my class keeps hitting me"


def _event(
    engine: Engine,
    tweet_id: str,
    who: dict[str, str],
    text: str,
    *,
    received: dt.datetime,
    processed: dt.datetime | None = None,
) -> int:
    tweet = samples.tweet(
        tweet_id=tweet_id, text=text, user_id=who["id"], screen_name=who["handle"],
        name=who["name"], at=received, mentions=[(OAKFIELD_X, "OakfieldPrimary")],
    )  # fmt: skip
    body = samples.x_delivery(OAKFIELD_X, [tweet])
    window = dt.timedelta(days=1)
    split = ev.x_events(body, now=received, max_age=window, skew=window)
    [event_id] = store_delivery(
        engine, split.events, delivery_sha256=f"sha-{tweet_id}", now=received
    ).new_ids
    with session_scope(engine) as session:
        session.execute(
            update(InboundEvent)
            .where(InboundEvent.inbound_event_id == event_id)
            .values(
                received_at=received,
                processed_at=processed,
                payload=None if processed else InboundEvent.payload,
            )
        )
    return event_id


def _events(engine: Engine) -> dict[str, InboundEvent]:
    with session_scope(engine) as session:
        return {e.object_id: e for e in session.scalars(select(InboundEvent))}


def test_retention_deletes_processed_events_soon_and_unprocessed_on_the_raw_clock(
    populated_any: Populated, registry: Registry, caplog
) -> None:
    engine = populated_any.engine
    _event(engine, "501", CHILD, CHILD_WORDS, received=ago(3.1), processed=ago(3))
    _event(engine, "502", CHILD, CHILD_WORDS, received=ago(1.1), processed=ago(1))
    _event(engine, "503", CHILD, CHILD_WORDS, received=ago(31))  # never loaded: payload
    _event(engine, "504", PARENT, "@OakfieldPrimary fair?", received=ago(5))

    with session_scope(engine) as session:
        dry = enforce(session, registry, now=NOW, dry_run=True)
    assert set(_events(engine)) == {"501", "502", "503", "504"}
    caplog.set_level(logging.DEBUG)
    with session_scope(engine) as session:
        summary = enforce(session, registry, now=NOW)

    assert set(_events(engine)) == {"502", "504"}
    assert (summary.inbound_processed_purged, summary.inbound_unprocessed_purged) == (1, 1)
    assert {**dry.as_dict(), "dry_run": False} == summary.as_dict()
    warning = [r for r in caplog.records if "never processed" in r.getMessage()]
    assert len(warning) == 1 and "deleted 1 webhook events" in warning[0].getMessage()
    assert CHILD_WORDS not in caplog.text and CHILD["handle"] not in caplog.text
    with session_scope(engine) as session:
        again = enforce(session, registry, now=NOW)
    assert (again.inbound_processed_purged, again.inbound_unprocessed_purged) == (0, 0)


def test_the_processed_window_comes_from_the_registry(
    populated: Populated, registry: Registry
) -> None:
    engine = populated.engine
    _event(engine, "511", CHILD, CHILD_WORDS, received=ago(1.6), processed=ago(1.5))
    longer = registry.model_copy(
        update={"retention": registry.retention.model_copy(update={"inbound_processed_days": 7})}
    )
    with session_scope(engine) as session:
        later = enforce(session, longer, now=NOW + dt.timedelta(days=3))
    assert later.inbound_processed_purged == 0  # 4.5 days after, inside 7
    shorter = registry.model_copy(
        update={"retention": registry.retention.model_copy(update={"inbound_processed_days": 1})}
    )
    with session_scope(engine) as session:
        summary = enforce(session, shorter, now=NOW)
    assert summary.inbound_processed_purged == 1  # 1.5 days after, past 1


def test_subject_access_shows_and_erasure_clears_waiting_events_that_hold_them(
    populated_any: Populated,
) -> None:
    engine = populated_any.engine
    _event(engine, "521", CHILD, CHILD_WORDS, received=ago(0.01))
    _event(engine, "522", PARENT, "@OakfieldPrimary when is the fair?", received=ago(0.01))
    _event(engine, "523", CHILD, CHILD_WORDS, received=ago(1.1), processed=ago(1))

    with session_scope(engine) as session:
        document = export_subject(
            session, platform="x", handle=CHILD["handle"], platform_author_id=None,
            actor="dpo@riverbend", secret=SECRET, now=NOW,
        )  # fmt: skip
    waiting = document["inbound_events_naming_them"]
    assert [e["object_id"] for e in waiting] == ["521"]
    assert waiting[0]["payload"]["tweet"]["text"] == CHILD_WORDS

    summary = erase_child(populated_any)

    assert summary.inbound_events_erased == 1
    events = _events(engine)
    assert events["521"].payload is None and events["521"].processed_at is not None
    assert events["521"].last_error == "erased on request"
    assert events["522"].payload is not None and events["522"].processed_at is None
    with session_scope(engine) as session:
        payloads = [e.payload for e in session.scalars(select(InboundEvent))]
    assert CHILD["handle"] not in repr(payloads) and CHILD["id"] not in repr(payloads)


def test_the_cli_reports_webhook_events_purged(populated: Populated, monkeypatch, capsys) -> None:
    from trustwatch.cli import main

    _event(populated.engine, "531", CHILD, CHILD_WORDS, received=ago(3.1), processed=ago(3))
    _event(populated.engine, "532", CHILD, CHILD_WORDS, received=ago(40))
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", str(populated.engine.url))
    assert main(["retention", "--now", "2026-11-28T12:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "2 webhook events (1 never processed)" in out and CHILD_WORDS not in out


def _refusal(engine: Engine, key: str, received: dt.datetime) -> None:
    with session_scope(engine) as session:
        session.add(
            InboundRejection(
                platform="x", status_code=401, reason="signature does not match",
                event_key=key, body_sha256="0" * 64, body_bytes=10, received_at=received,
            )
        )  # fmt: skip


def test_refused_deliveries_go_on_the_raw_clock(
    populated_any: Populated, registry: Registry
) -> None:
    engine = populated_any.engine
    _refusal(engine, "x:tweet:old", ago(31))
    _refusal(engine, "x:tweet:new", ago(29))

    with session_scope(engine) as session:
        dry = enforce(session, registry, now=NOW, dry_run=True)
        summary = enforce(session, registry, now=NOW)
    with session_scope(engine) as session:
        left = session.scalars(select(InboundRejection.event_key)).all()

    assert dry.inbound_rejections_purged == summary.inbound_rejections_purged == 1
    assert left == ["x:tweet:new"]
