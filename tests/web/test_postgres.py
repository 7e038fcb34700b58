"""The same app on PostgreSQL: queue, detail, life cycle, marks and dashboards."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AlertEvent, AuditLog, ResponseSla

from .conftest import SECRET_HANDLE, SECRET_TEXT, Casework, sign_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def warehouse(pg_engine: Engine) -> Engine:
    return pg_engine


def test_lead_flow_on_postgresql(client, warehouse, casework: Casework, people):
    csrf = sign_in(client, warehouse, people["lead"])
    queue = client.get("/alerts?school=oakfield").text
    assert queue.index(f"/alerts/{casework.oak_alert_id}") < queue.index(
        f"/alerts/{casework.low_alert_id}"
    )
    detail = client.get(f"/alerts/{casework.oak_alert_id}").text
    assert SECRET_TEXT in detail and SECRET_HANDLE in detail
    url = f"/alerts/{casework.oak_alert_id}/status"
    assert (
        client.post(url, data={"csrf_token": csrf, "to_status": "acknowledged"}).status_code == 303
    )
    mark = client.post(
        f"/mentions/{casework.flagged_item_id}/responded-outside",
        data={"csrf_token": csrf, "note": "Phoned the parent"},
    )
    assert mark.status_code == 303
    with session_scope(warehouse) as session:
        assert session.scalars(select(AlertEvent.to_status)).all() == ["acknowledged"]
        assert session.get_one(ResponseSla, casework.flagged_item_id).responded_at is not None
        actions = set(session.scalars(select(AuditLog.action)))
    assert {"alert.view", "sla.responded_outside"} <= actions


def test_dashboards_on_postgresql(client, warehouse, casework: Casework, people):
    sign_in(client, warehouse, people["data"])
    page = client.get("/dashboards?dimension=category")
    assert page.status_code == 200
    assert SECRET_TEXT not in page.text and SECRET_HANDLE not in page.text
    for chart in ("volume", "compliance", "response_times", "open_alerts"):
        assert client.get(f"/dashboards/charts/{chart}.svg").status_code == 200
    rows = list(csv.DictReader(io.StringIO(client.get("/dashboards/export/sla.csv").text)))
    assert [(r["school"], r["received"], r["overdue"]) for r in rows] == [
        ("Oakfield Primary Academy", "1", "1")
    ]
    volume = client.get("/dashboards/export/volume.csv?dimension=category").text
    assert "safeguarding" in volume
    assert client.get(f"/alerts/{casework.oak_alert_id}").status_code == 403


def test_queue_views_inbox_and_audit_on_postgresql(client, warehouse, casework: Casework, people):
    """The queries new in issue 21 (facet counts, FILTER, tuple IN, paging) on PostgreSQL."""
    sign_in(client, warehouse, people["lead"])
    for sort in ("severity", "posted", "due"):
        page = client.get(f"/alerts?sort={sort}&mine=&type=&severity=")
        assert page.status_code == 200 and "Showing 1–3 of 3" in page.text
    assert client.get(f"/alerts/{2**63}").status_code == 404
    assert client.get("/mentions?page=2").status_code == 200
    inbox = client.__class__(client.app, follow_redirects=False)
    csrf = sign_in(inbox, warehouse, people["tom"])
    html = inbox.get("/inbox").text
    assert f'id="item-{casework.flagged_item_id}"' in html and "Overdue" in html
    assert SECRET_TEXT not in html
    done = inbox.post(
        f"/inbox/{casework.flagged_item_id}/not-needed",
        data={"csrf_token": csrf, "reason": "Handled by the lead"},
    )
    assert done.status_code == 303
    with session_scope(warehouse) as session:
        assert session.get(ResponseSla, casework.flagged_item_id) is None
    admin = client.__class__(client.app, follow_redirects=False)
    sign_in(admin, warehouse, people["admin"])
    audit = admin.get("/admin/audit?action=sla.no&actor=TOM").text
    assert "Showing 1–1 of 1" in audit
