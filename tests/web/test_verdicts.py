"""Leads' verdicts on labels: the optional form on an alert, "the model missed this" on an
item, who may give them, and the data staff's live-precision counts."""

from __future__ import annotations

from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog, LabelVerdict

from .conftest import SECRET_TEXT, Casework, csrf_in, sign_in


def _verdicts(engine: Engine) -> dict[tuple[int, str], tuple[str, str | None, int | None]]:
    with session_scope(engine) as session:
        return {
            (v.item_id, v.label): (v.verdict, v.should_be, v.alert_id)
            for v in session.scalars(select(LabelVerdict))
        }


def test_dismissing_an_alert_offers_the_form_prefilled_as_wrong(
    client, sqlite_engine, casework: Casework, people
):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    url = f"/alerts/{casework.low_alert_id}"
    client.post(
        f"{url}/status", data={"csrf_token": csrf, "to_status": "dismissed", "note": "banter"}
    )
    page = client.get(url).text
    assert "Was each flagged label right?" in page
    # Both labels flagged on the item are asked about; the dismissed one pre-set to wrong.
    assert 'name="answer_bullying" value="dismissed" aria-label="bullying was wrong" checked' in (
        page
    )
    assert 'name="answer_safeguarding"' in page
    assert _verdicts(sqlite_engine) == {}  # nothing stored until the lead saves


def test_saving_verdicts_stores_one_row_per_label_with_who_and_alert(
    client, sqlite_engine, casework: Casework, people
):
    sign_in(client, sqlite_engine, people["lead"])
    page = client.get(f"/alerts/{casework.low_alert_id}").text
    response = client.post(
        f"/verdicts/alerts/{casework.low_alert_id}",
        data={
            "csrf_token": csrf_in(page),
            "answer_bullying": "dismissed",
            "should_be_bullying": "abuse",
            "answer_safeguarding": "confirmed",
        },
    )
    assert response.status_code == 303
    assert "your verdicts will teach" in client.get(response.headers["location"]).text
    item = casework.flagged_item_id
    assert _verdicts(sqlite_engine) == {
        (item, "bullying"): ("should_be", "abuse", casework.low_alert_id),
        (item, "safeguarding"): ("confirmed", None, casework.low_alert_id),
    }
    with session_scope(sqlite_engine) as session:
        rows = list(session.scalars(select(LabelVerdict)))
        assert {r.reviewer_id for r in rows} == {people["lead"].user_id}
        assert {r.model_version for r in rows} == {"minilm-lora-test-0001"}
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "verdict.record")).one()
        assert audit.detail == {"labels": {"bullying": "should_be", "safeguarding": "confirmed"}}

    # A second answer replaces the first: one verdict per item and label.
    client.post(
        f"/verdicts/alerts/{casework.low_alert_id}",
        data={"csrf_token": csrf_in(page), "answer_bullying": "confirmed"},
    )
    assert _verdicts(sqlite_engine)[(item, "bullying")] == (
        "confirmed",
        None,
        casework.low_alert_id,
    )


def test_unflagged_labels_and_bad_answers_are_refused_or_ignored(
    client, sqlite_engine, casework: Casework, people
):
    sign_in(client, sqlite_engine, people["lead"])
    csrf = csrf_in(client.get(f"/alerts/{casework.low_alert_id}").text)
    url = f"/verdicts/alerts/{casework.low_alert_id}"
    # hate was never flagged on this item: an answer about it is not a verdict on an alert.
    client.post(url, data={"csrf_token": csrf, "answer_hate": "confirmed"})
    assert _verdicts(sqlite_engine) == {}
    bad = client.post(url, data={"csrf_token": csrf, "answer_bullying": "maybe"})
    assert bad.status_code == 400
    same = client.post(
        url,
        data={"csrf_token": csrf, "answer_bullying": "dismissed", "should_be_bullying": "bullying"},
    )
    assert same.status_code == 400
    assert _verdicts(sqlite_engine) == {}


def test_the_model_missed_this_from_the_mention_view(
    client, sqlite_engine, casework: Casework, people
):
    sign_in(client, sqlite_engine, people["lead"])
    item = casework.reply_item_id
    page = client.get(f"/mentions/{item}").text
    assert "The model missed this" in page
    response = client.post(
        f"/verdicts/items/{item}/missed", data={"csrf_token": csrf_in(page), "label": "complaint"}
    )
    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert "Reported as missed: complaint" in after
    assert _verdicts(sqlite_engine) == {(item, "complaint"): ("missed", None, None)}
    # A label the model did flag is judged on its alert, not reported as missed.
    flagged = client.post(
        f"/verdicts/items/{casework.flagged_item_id}/missed",
        data={"csrf_token": csrf_in(page), "label": "safeguarding"},
    )
    assert flagged.status_code == 400


def test_only_leads_in_scope_and_with_a_token_may_give_verdicts(
    client, sqlite_engine, casework: Casework, people
):
    csrf = sign_in(client, sqlite_engine, people["oak_lead"])
    other_school = client.post(
        f"/verdicts/alerts/{casework.mill_alert_id}",
        data={"csrf_token": csrf, "answer_abuse": "confirmed"},
    )
    assert other_school.status_code == 404
    no_token = client.post(
        f"/verdicts/alerts/{casework.oak_alert_id}", data={"answer_safeguarding": "confirmed"}
    )
    assert no_token.status_code == 403
    csrf = sign_in(client, sqlite_engine, people["data"])
    data_staff = client.post(
        f"/verdicts/items/{casework.reply_item_id}/missed",
        data={"csrf_token": csrf, "label": "abuse"},
    )
    assert data_staff.status_code == 403
    assert _verdicts(sqlite_engine) == {}


def test_data_staff_see_live_precision_counts_and_no_text(
    client, sqlite_engine, casework: Casework, people
):
    sign_in(client, sqlite_engine, people["lead"])
    csrf = csrf_in(client.get(f"/alerts/{casework.low_alert_id}").text)
    client.post(
        f"/verdicts/alerts/{casework.low_alert_id}",
        data={
            "csrf_token": csrf,
            "answer_bullying": "dismissed",
            "answer_safeguarding": "confirmed",
        },
    )
    client.post(
        f"/verdicts/alerts/{casework.mill_alert_id}",
        data={"csrf_token": csrf, "answer_abuse": "confirmed"},
    )
    client.post(
        f"/verdicts/items/{casework.reply_item_id}/missed",
        data={"csrf_token": csrf, "label": "complaint"},
    )
    sign_in(client, sqlite_engine, people["data"])
    page = client.get("/dashboards").text
    assert "Live precision" in page
    assert SECRET_TEXT not in page
    rows = [
        line
        for line in page.split("<tr>")
        if "<td>bullying</td>" in line
        or "<td>safeguarding</td>" in line
        or "<td>abuse</td>" in line
    ]
    assert any("<td>bullying</td><td>0</td><td>1</td>" in r and "0%" in r for r in rows)
    assert any("<td>safeguarding</td><td>1</td><td>0</td>" in r and "100%" in r for r in rows)
    assert any("<td>abuse</td><td>1</td><td>0</td>" in r for r in rows)
    assert "<td>complaint</td>" not in page  # a missed label is not a flagged one
