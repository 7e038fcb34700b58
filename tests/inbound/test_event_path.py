"""The event path end to end without Airflow: events -> items -> scores -> alert -> email.

The classifier is the keyword stand-in (tests/dags/keyword_classifier.py); the load,
alert engine, notifications ledger and SMTP delivery (to a local aiosmtpd) are real.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.inbound.conftest import NOW, comment, store_facebook
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import Alert, Classification, Item, Notification
from trustwatch.pipeline.events_step import run_event_path
from trustwatch.pipeline.runtime import Window


def test_a_disclosure_reaches_the_lead(sqlite_url, sqlite_engine, smtp_inbox, monkeypatch) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("TRUSTWATCH_CLASSIFIER", "tests.dags.keyword_classifier:make")
    # An older, unscored item the event path must leave to the hourly classify run.
    store_facebook(sqlite_engine, comment("old", "lovely concert"))
    run_event_path(Window(NOW, NOW), notify=False)
    with session_scope(sqlite_engine) as session:
        session.execute(Classification.__table__.delete())
    store_facebook(sqlite_engine, comment("c1", "I want to hurt myself, I am scared to go in"))
    run_began = dt.datetime.now(dt.UTC)

    out = run_event_path(Window(run_began, run_began))

    assert out["ingest"]["loaded"] == 1 and out["classify"]["items_scored"] == 1
    assert out["alerts"]["created"] >= 1 and out["notify"]["sent"] >= 1
    # A retry of the run: its events are processed already, yet it still covers their
    # item (nothing left to score, raise or send), and "old" stays out of it.
    again = run_event_path(Window(run_began, run_began))
    assert again["ingest"]["loaded"] == 0 and again["items"] == 1
    assert again["classify"]["items_scored"] == 0 and again["notify"]["sent"] == 0
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        item_id = session.scalar(select(Item.item_id).where(Item.external_id == "c1"))
        alert = session.scalar(select(Alert).where(Alert.alert_type == "safeguarding"))
        scored = set(session.scalars(select(Classification.item_id).distinct()))
        sent = session.scalar(
            select(func.count()).select_from(Notification).where(Notification.status == "sent")
        )
    assert alert is not None and alert.item_id == item_id and alert.severity == "critical"
    assert scored == {item_id}  # "old" stays for the hourly classify run
    assert sent >= 1 and smtp_inbox.messages
    assert "I want to hurt myself" not in smtp_inbox.messages[0].as_string()
