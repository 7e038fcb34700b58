"""The lead's queue, alert detail, actions through the life cycle, and their audit trail."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import Alert, AlertEvent, AuditLog, ManualResponse, ResponseSla

from .conftest import OTHER_HANDLE, SECRET_HANDLE, SECRET_TEXT, Casework, sign_in
from .factories import MODEL_VERSION, Post, add_alert, add_thread

_ALERT_LINK = re.compile(r'href="/alerts/(\d+)"')


def _queue_ids(html: str) -> list[int]:
    return [int(m) for m in _ALERT_LINK.findall(html)]


def _audit(engine: Engine, action: str) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _events(engine: Engine, alert_id: int) -> list[AlertEvent]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(AlertEvent)
                .where(AlertEvent.alert_id == alert_id)
                .order_by(AlertEvent.alert_event_id)
            )
        )


def test_queue_is_sorted_by_severity_then_oldest_first(client, sqlite_engine, people):
    now = dt.datetime.now(dt.UTC)
    with session_scope(sqlite_engine) as session:
        items = add_thread(
            session,
            school_key="harbourside",
            start=now - dt.timedelta(days=2),
            posts=[Post("root", author_id="s", from_school=True)]
            + [Post(f"comment {i}", author_id=f"a{i}", minutes=i) for i in range(4)],
        )
        young_critical = add_alert(
            session,
            items[1],
            alert_type="safeguarding",
            severity="critical",
            created_at=now - dt.timedelta(hours=1),
        )
        old_high = add_alert(
            session, items[2], severity="high", created_at=now - dt.timedelta(hours=30)
        )
        young_high = add_alert(
            session, items[3], severity="high", created_at=now - dt.timedelta(hours=2)
        )
        low = add_alert(
            session,
            items[4],
            alert_type="complaint",
            severity="low",
            created_at=now - dt.timedelta(days=2),
        )
        expected = [young_critical.alert_id, old_high.alert_id, young_high.alert_id, low.alert_id]
    sign_in(client, sqlite_engine, people["lead"])
    assert _queue_ids(client.get("/alerts?school=harbourside").text) == expected


def test_queue_filters(client: TestClient, sqlite_engine, casework: Casework, people):
    sign_in(client, sqlite_engine, people["lead"])
    everything = _queue_ids(client.get("/alerts").text)
    assert set(everything) == {casework.oak_alert_id, casework.low_alert_id, casework.mill_alert_id}
    assert _queue_ids(client.get("/alerts?platform=x").text) == [casework.mill_alert_id]
    assert _queue_ids(client.get("/alerts?school=oakfield&type=bullying").text) == [
        casework.low_alert_id
    ]
    today = dt.datetime.now(dt.UTC).date()
    future = (today + dt.timedelta(days=3)).isoformat()
    assert _queue_ids(client.get(f"/alerts?from={future}").text) == []
    with session_scope(sqlite_engine) as session:
        session.get_one(Alert, casework.mill_alert_id).status = "resolved"
    assert casework.mill_alert_id not in _queue_ids(client.get("/alerts").text)
    assert _queue_ids(client.get("/alerts?status=resolved").text) == [casework.mill_alert_id]
    # A bad date is ignored rather than failing the page.
    assert client.get("/alerts?from=not-a-date").status_code == 200


def test_queue_shows_a_snippet_but_no_handle_and_audits_what_it_showed(
    client, sqlite_engine, casework, people
):
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get("/alerts").text
    assert SECRET_TEXT in html  # short text: the whole of it is the snippet
    assert SECRET_HANDLE not in html
    assert not _audit(sqlite_engine, "alert.view")
    (shown,) = _audit(sqlite_engine, "alert.queue_view")
    assert shown.actor == people["lead"].email
    assert set(shown.detail["alert_ids"]) == {
        casework.oak_alert_id,
        casework.low_alert_id,
        casework.mill_alert_id,
    }


def test_detail_shows_the_case_and_is_audited(client, sqlite_engine, casework, people):
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get(f"/alerts/{casework.oak_alert_id}").text
    assert SECRET_TEXT in html
    assert SECRET_HANDLE in html
    assert 'href="https://www.facebook.com/worried.parent.4471"' in html
    assert 'rel="noopener nofollow ugc"' in html
    assert MODEL_VERSION in html
    assert "0.930" in html  # the safeguarding score
    assert "Lovely day, thank you" in html  # the thread around the item
    assert OTHER_HANDLE not in html  # other authors appear only as pseudonyms
    assert "flagged item" in html
    views = _audit(sqlite_engine, "alert.view")
    assert [(v.actor, v.target_id) for v in views] == [
        (people["lead"].email, str(casework.oak_alert_id))
    ]


def _alert_on_a_reply(warehouse, reply: str, alert_type: str, severity: str):
    """A school post with one public reply, and an alert on the reply: (alert, reply item)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with session_scope(warehouse) as session:
        items = add_thread(
            session,
            school_key="oakfield",
            start=now - dt.timedelta(hours=2),
            posts=[
                Post("News from this week", author_id="school", from_school=True),
                Post(reply, author_id="p-1", minutes=5),
            ],
        )
        return add_alert(session, items[1], alert_type=alert_type, severity=severity), items[1]


def test_alert_and_item_pages_show_how_the_model_read_an_emoji_insult(
    client, sqlite_engine, warehouse, casework, people
):
    """A lead sees why "🤡🤡" was flagged: the serving model reads insulting emoji as words."""
    emoji_alert, item = _alert_on_a_reply(
        warehouse, "jayden thinks hes captain 🤡🤡 fkn joke", "bullying", "medium"
    )
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get(f"/alerts/{emoji_alert.alert_id}").text
    assert "Read by the model as: <q>jayden thinks hes captain clown fucking joke</q>" in html
    item_page = client.get(f"/mentions/{item.item_id}").text
    assert "<q>jayden thinks hes captain clown fucking joke</q>" in item_page
    # A post the model read as written carries no such line.
    assert "Read by the model as" not in client.get(f"/alerts/{casework.oak_alert_id}").text
    assert "Read by the model as" not in client.get(f"/mentions/{casework.flagged_item_id}").text


def test_alert_page_names_the_hate_code_that_raised_a_flag(
    client, sqlite_engine, warehouse, casework, people
):
    """A hate flag from the backstop says which code raised it, so a lead can dismiss a post
    that only quotes one knowingly (C23); a festival greeting's swastika raises nothing (C24)."""
    hate_alert, _ = _alert_on_a_reply(
        warehouse, "someone drew a 卐 on the lockers already 14/88", "hate", "high"
    )
    diwali_alert, _ = _alert_on_a_reply(
        warehouse, "Happy Diwali to all the Oakfield families 🪔 卐", "complaint", "low"
    )
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get(f"/alerts/{hate_alert.alert_id}").text
    assert "Flagged as hate by a code: <q>卐</q>, <q>14/88</q>." in html
    for alert_id in (casework.oak_alert_id, diwali_alert.alert_id):
        assert "Flagged as hate by a code" not in client.get(f"/alerts/{alert_id}").text


def test_acknowledge_then_resolve_with_history(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    url = f"/alerts/{casework.oak_alert_id}"
    response = client.post(f"{url}/status", data={"csrf_token": csrf, "to_status": "acknowledged"})
    assert response.status_code == 303
    assert "Alert acknowledged." in client.get(response.headers["location"]).text

    refused = client.post(f"{url}/status", data={"csrf_token": csrf, "to_status": "resolved"})
    assert refused.status_code == 400  # resolving needs a note
    resolved = client.post(
        f"{url}/status",
        data={"csrf_token": csrf, "to_status": "resolved", "note": "Spoke to the family"},
    )
    assert resolved.status_code == 303

    events = _events(sqlite_engine, casework.oak_alert_id)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("open", "acknowledged", people["lead"].email),
        ("acknowledged", "resolved", people["lead"].email),
    ]
    assert events[1].note == "Spoke to the family"
    page = client.get(url).text
    assert "Spoke to the family" in page and "Reopen" in page
    changes = _audit(sqlite_engine, "alert.transition")
    assert [c.detail for c in changes] == [
        {"from": "open", "to": "acknowledged"},
        {"from": "acknowledged", "to": "resolved"},
    ]


def test_an_illegal_move_is_explained_not_applied(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    response = client.post(
        f"/alerts/{casework.oak_alert_id}/status",
        data={"csrf_token": csrf, "to_status": "open"},
    )
    assert response.status_code == 409
    assert "cannot become open" in response.text
    assert _events(sqlite_engine, casework.oak_alert_id) == []


def test_dismiss_needs_a_note(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    url = f"/alerts/{casework.low_alert_id}/status"
    assert client.post(url, data={"csrf_token": csrf, "to_status": "dismissed"}).status_code == 400
    ok = client.post(
        url, data={"csrf_token": csrf, "to_status": "dismissed", "note": "Sarcasm between friends"}
    )
    assert ok.status_code == 303
    with session_scope(sqlite_engine) as session:
        assert session.get_one(Alert, casework.low_alert_id).status == "dismissed"


def test_assign_only_to_a_lead_covering_the_school(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    url = f"/alerts/{casework.oak_alert_id}/assign"
    wrong_school = client.post(
        url, data={"csrf_token": csrf, "assignee": people["mill_lead"].email}
    )
    assert wrong_school.status_code == 400
    ok = client.post(
        url, data={"csrf_token": csrf, "assignee": people["oak_lead"].email, "note": "yours"}
    )
    assert ok.status_code == 303
    with session_scope(sqlite_engine) as session:
        assert session.get_one(Alert, casework.oak_alert_id).assigned_to == people["oak_lead"].email
    assert [e.event for e in _events(sqlite_engine, casework.oak_alert_id)] == ["assigned"]
    assert _audit(sqlite_engine, "alert.assign")


def test_state_changes_without_csrf_token_are_refused(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    url = f"/alerts/{casework.oak_alert_id}/status"
    for data in ({"to_status": "acknowledged"}, {"to_status": "acknowledged", "csrf_token": "x"}):
        response = client.post(url, data=data)
        assert response.status_code == 403
    other = TestClient(client.app, follow_redirects=False)
    sign_in(other, sqlite_engine, people["oak_lead"])
    # Another session's valid token is still the wrong token.
    response = other.post(url, data={"csrf_token": csrf, "to_status": "acknowledged"})
    assert response.status_code == 403
    note = client.post(
        f"/mentions/{casework.flagged_item_id}/responded-outside", data={"note": "phoned"}
    )
    assert note.status_code == 403
    assert _events(sqlite_engine, casework.oak_alert_id) == []
    with session_scope(sqlite_engine) as session:
        assert not list(session.scalars(select(ManualResponse)))


def test_mark_responded_outside_from_the_alert(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    page = client.get(f"/alerts/{casework.oak_alert_id}").text
    assert "Mark responded outside the platform" in page
    response = client.post(
        f"/mentions/{casework.flagged_item_id}/responded-outside",
        data={
            "csrf_token": csrf,
            "note": "Head of year phoned the parent",
            "return_to": f"/alerts/{casework.oak_alert_id}",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/alerts/{casework.oak_alert_id}?done=responded"
    with session_scope(sqlite_engine) as session:
        clock = session.get_one(ResponseSla, casework.flagged_item_id)
        assert clock.responded_at is not None
        assert clock.responded_manually_by == people["lead"].email
        mark = session.scalar(select(ManualResponse))
        assert mark.note == "Head of year phoned the parent"
    assert _audit(sqlite_engine, "sla.responded_outside")
    after = client.get(response.headers["location"]).text
    assert "Marked as responded outside the platform." in after
    assert "Head of year phoned the parent" in after


def test_responded_outside_refuses_a_time_before_the_message(
    client, sqlite_engine, casework, people
):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    response = client.post(
        f"/mentions/{casework.flagged_item_id}/responded-outside",
        data={"csrf_token": csrf, "note": "phoned", "responded_at": "2020-01-01T09:00"},
    )
    assert response.status_code == 400
    assert "before the message arrived" in response.text
    with session_scope(sqlite_engine) as session:
        assert session.get_one(ResponseSla, casework.flagged_item_id).responded_at is None


def test_waiting_list_and_item_page(client, sqlite_engine, casework, people):
    sign_in(client, sqlite_engine, people["lead"])
    listing = client.get("/mentions").text
    assert f"/mentions/{casework.flagged_item_id}" in listing
    assert SECRET_TEXT not in listing
    item = client.get(f"/mentions/{casework.flagged_item_id}").text
    assert SECRET_TEXT in item
    assert SECRET_HANDLE not in item  # handles only on the alert page
    assert _audit(sqlite_engine, "item.view")
    sign_in(client, sqlite_engine, people["mill_lead"])
    assert client.get(f"/mentions/{casework.flagged_item_id}").status_code == 404


def test_the_review_app_reads_the_serving_mode_without_loading_torch() -> None:
    """The app asks the model's config how it reads text; loading torch for that would cost
    every web worker a gigabyte. Checked in a fresh interpreter."""
    code = (
        "import sys\n"
        "import trustwatch.web.main\n"
        "from classifiers.active import serving_normalisation\n"
        "assert serving_normalisation()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
