"""The notifications ledger on PostgreSQL: sent once, failures kept, then sent."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from notify.builders import NOW, SAFEGUARDING_TEXT, make_alert, transport_for
from notify.peers import Sleeps, SmtpRecorder
from trustwatch.db.models import Notification
from trustwatch.notify import dispatch
from trustwatch.registry import Registry


@pytest.mark.postgres
def test_ledger_on_postgresql(
    pg_engine: Engine, registry: Registry, smtp_server: SmtpRecorder, sleeps: Sleeps
) -> None:
    with sessionmaker(bind=pg_engine, expire_on_commit=False)() as session:
        alert = make_alert(
            session, alert_type="safeguarding", severity="critical", text=SAFEGUARDING_TEXT
        )
        smtp_server.refuse = 3
        transport = transport_for(registry, sleeps)
        assert not dispatch(session, registry, now=NOW, transport=transport).ok
        assert dispatch(session, registry, now=NOW, transport=transport).ok
        assert dispatch(session, registry, now=NOW, transport=transport).already_sent == 1
        row = session.scalars(select(Notification)).one()
        assert (row.alert_id, row.status, row.attempts) == (alert.alert_id, "sent", 4)
    assert len(smtp_server.messages) == 1
