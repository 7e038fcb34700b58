"""The receiver over HTTP: challenges, signatures, staleness, replays, size, durability."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from connectors.record_checks import record_problem
from tests.receiver.conftest import FB_SECRET, FB_VERIFY, NOW, X_SECRET
from trustwatch.db.engine import session_scope
from trustwatch.db.models import InboundEvent, InboundRejection
from trustwatch.receiver import samples

PAGE = "100000000000101"  # Oakfield's page in the example registry
OAKFIELD_X = "1500000000000000001"


def _comment(comment_id: str, *, at: dt.datetime = NOW, message: str = "hello") -> dict:
    return samples.facebook_comment(
        page_id=PAGE,
        post_id=f"{PAGE}_900",
        comment_id=comment_id,
        message=message,
        from_id="555",
        from_name="A Parent",
        at=at,
    )


def _fb(*changes: dict) -> tuple[bytes, dict[str, str]]:
    return samples.signed_facebook(samples.facebook_delivery(PAGE, list(changes), NOW), FB_SECRET)


def _tweet(tweet_id: str, *, at: dt.datetime = NOW) -> dict:
    return samples.tweet(
        tweet_id=tweet_id,
        text="@OakfieldPrimary something happened at school",
        user_id="42",
        screen_name="someone",
        name="Some One",
        at=at,
        mentions=[(OAKFIELD_X, "OakfieldPrimary")],
    )


def _x(*tweets: dict) -> tuple[bytes, dict[str, str]]:
    return samples.signed_x(samples.x_delivery(OAKFIELD_X, list(tweets)), X_SECRET)


def _events(engine: Engine) -> list[InboundEvent]:
    with session_scope(engine) as session:
        return list(session.scalars(select(InboundEvent).order_by(InboundEvent.inbound_event_id)))


def _rejections(engine: Engine) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(InboundRejection.status_code, InboundRejection.reason))
        return [(r[0], r[1]) for r in rows]


# --- challenges -------------------------------------------------------------------------


def test_facebook_verification_echoes_the_challenge(client: TestClient, sqlite_engine) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": FB_VERIFY, "hub.challenge": "1158"}
    answer = client.get("/webhooks/facebook", params=params)
    assert answer.status_code == 200 and answer.text == "1158"
    params["hub.verify_token"] = "guess"
    assert client.get("/webhooks/facebook", params=params).status_code == 403
    assert _rejections(sqlite_engine) == [(403, "verification request with a wrong token")]


def test_x_crc_answers_with_the_response_token(client: TestClient) -> None:
    from trustwatch.receiver.signatures import x_crc_response

    answer = client.get("/webhooks/x", params={"crc_token": "abc-123"})
    assert answer.status_code == 200
    assert answer.json() == x_crc_response(X_SECRET, "abc-123")
    assert client.get("/webhooks/x").status_code == 400


# --- signatures -------------------------------------------------------------------------


def test_signed_deliveries_are_stored_then_announced(client, sqlite_engine, subscriber) -> None:
    body, headers = _fb(_comment("c1"), _comment("c2"))
    answer = client.post("/webhooks/facebook", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 2
    events = _events(sqlite_engine)
    assert [(e.platform, e.object_id, e.kind) for e in events] == [
        ("facebook", "c1", "feed.comment.add"),
        ("facebook", "c2", "feed.comment.add"),
    ]
    message = subscriber.get_message(timeout=2.0)
    notice = json.loads(message["data"])
    ids = [e.inbound_event_id for e in events]
    assert notice == {"platform": "facebook", "inbound_event_ids": ids}
    assert "hello" not in message["data"].decode()  # ids only, never text


def test_x_delivery_is_stored_per_subscribed_account(client, sqlite_engine) -> None:
    body, headers = _x(_tweet("1800000000000000001"))
    assert client.post("/webhooks/x", content=body, headers=headers).status_code == 200
    (event,) = _events(sqlite_engine)
    assert event.event_key == f"tweet_create:{OAKFIELD_X}:1800000000000000001"
    user = {"id_str": "42", "screen_name": "someone", "name": "Some One"}
    assert event.payload["tweet"]["user"] == user


def test_unsigned_and_badly_signed_deliveries_are_refused(client, sqlite_engine) -> None:
    body, headers = _fb(_comment("c1"))
    assert client.post("/webhooks/facebook", content=body, headers={}).status_code == 401
    headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    assert client.post("/webhooks/facebook", content=body, headers=headers).status_code == 403
    xbody, xheaders = _x(_tweet("1800000000000000002"))
    assert client.post("/webhooks/x", content=xbody).status_code == 401
    xheaders["x-twitter-webhooks-signature"] = "sha256=AAAA"
    assert client.post("/webhooks/x", content=xbody, headers=xheaders).status_code == 403
    # Signed with the other platform's secret: refused too.
    wrong, wrong_headers = samples.signed_x(json.loads(xbody), FB_SECRET)
    assert client.post("/webhooks/x", content=wrong, headers=wrong_headers).status_code == 403
    assert _events(sqlite_engine) == []
    codes = [code for code, _ in _rejections(sqlite_engine)]
    assert codes == [401, 403, 401, 403, 403]


def test_stale_and_future_events_are_refused_the_rest_kept(client, sqlite_engine) -> None:
    old = NOW - dt.timedelta(hours=3)
    ahead = NOW + dt.timedelta(hours=1)
    body, headers = _fb(_comment("old", at=old), _comment("fresh"), _comment("ahead", at=ahead))
    answer = client.post("/webhooks/facebook", content=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["stored"] == 1
    assert [e.object_id for e in _events(sqlite_engine)] == ["fresh"]
    reasons = sorted(reason for _, reason in _rejections(sqlite_engine))
    assert reasons[0] == "dated in the future" and reasons[1].startswith("stale: dated 10800s")
    xbody, xheaders = _x(_tweet("1800000000000000003", at=old))
    answer = client.post("/webhooks/x", content=xbody, headers=xheaders)
    assert answer.status_code == 422  # every event of the delivery was refused
    assert len(_events(sqlite_engine)) == 1


@pytest.mark.parametrize("platform", ["x", "facebook"])
def test_replayed_delivery_is_refused_and_audited(client, sqlite_engine, platform) -> None:
    body, headers = _x(_tweet("1800000000000000004")) if platform == "x" else _fb(_comment("c4"))
    assert client.post(f"/webhooks/{platform}", content=body, headers=headers).status_code == 200
    again = client.post(f"/webhooks/{platform}", content=body, headers=headers)
    assert again.status_code == 409
    assert len(_events(sqlite_engine)) == 1
    assert _rejections(sqlite_engine) == [(409, "replayed delivery (this body was stored before)")]


def test_same_event_in_a_new_delivery_is_stored_once(client, sqlite_engine) -> None:
    first, h1 = _x(_tweet("1800000000000000005"))
    second, h2 = _x(_tweet("1800000000000000005"), _tweet("1800000000000000006"))
    assert client.post("/webhooks/x", content=first, headers=h1).json()["stored"] == 1
    answer = client.post("/webhooks/x", content=second, headers=h2).json()
    assert (answer["stored"], answer["duplicates"]) == (1, 1)
    assert len(_events(sqlite_engine)) == 2


def test_oversized_and_malformed_bodies_get_a_clear_4xx(client, sqlite_engine) -> None:
    huge = b"{" + b" " * (70 * 1024) + b"}"
    answer = client.post("/webhooks/facebook", content=huge, headers={"X-Hub-Signature-256": "x"})
    assert answer.status_code == 413 and "limit" in answer.json()["error"]
    not_json = b"not json"
    headers = {"X-Hub-Signature-256": samples.facebook_signature(FB_SECRET, not_json)}
    assert client.post("/webhooks/facebook", content=not_json, headers=headers).status_code == 400
    shape, headers = samples.signed_facebook({"object": "instagram", "entry": []}, FB_SECRET)
    assert client.post("/webhooks/facebook", content=shape, headers=headers).status_code == 400
    assert [code for code, _ in _rejections(sqlite_engine)] == [413, 400, 400]


def test_a_broken_event_does_not_cost_its_neighbours(client, sqlite_engine) -> None:
    broken = _comment("c9")
    del broken["value"]["comment_id"], broken["value"]["post_id"]
    reaction = {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "1"}}
    body, headers = _fb(broken, _comment("c10"), reaction)
    answer = client.post("/webhooks/facebook", content=body, headers=headers)
    assert answer.status_code == 200
    assert (answer.json()["stored"], answer.json()["ignored"]) == (1, 1)
    assert [e.object_id for e in _events(sqlite_engine)] == ["c10"]
    assert _rejections(sqlite_engine)[0][0] == 422


def test_a_delivery_nested_past_the_decoder_keeps_its_neighbours(client, sqlite_engine) -> None:
    deep, good = _tweet("1800000000000000011"), _tweet("1800000000000000012")
    odd = _tweet("1800000000000000013")
    deep["text"], odd["entities"] = "NEST-HERE", "NEST-HERE"
    raw = json.dumps(samples.x_delivery(OAKFIELD_X, [deep, good, odd]))
    raw = raw.replace('"NEST-HERE"', "[" * 5000 + "]" * 5000).encode()
    headers = {"x-twitter-webhooks-signature": samples.x_signature(X_SECRET, raw)}

    answer = client.post("/webhooks/x", content=raw, headers=headers)

    # The tweet whose text was cut is stored, to be quarantined with the nesting reason
    # when processed; the one whose entities came out as a list is refused at the door.
    assert answer.status_code == 200 and answer.json()["stored"] == 2
    events = {e.object_id: e for e in _events(sqlite_engine)}
    assert set(events) == {"1800000000000000011", "1800000000000000012"}
    assert _rejections(sqlite_engine) == [
        (422, "malformed tweet: ValueError: entities is not an object")
    ]
    assert events["1800000000000000012"].payload["tweet"]["text"] == good["text"]
    problem = record_problem(events["1800000000000000011"].payload["tweet"])
    assert problem is not None and "nesting deeper than" in problem
    truncated = raw[: len(raw) // 2]
    headers = {"x-twitter-webhooks-signature": samples.x_signature(X_SECRET, truncated)}
    assert client.post("/webhooks/x", content=truncated, headers=headers).status_code == 400


def test_secrets_never_reach_the_audit_or_the_answer(client, sqlite_engine) -> None:
    body, headers = _fb(_comment("c1"))
    headers["X-Hub-Signature-256"] = "sha256=" + "1" * 64
    answer = client.post("/webhooks/facebook", content=body, headers=headers)
    with session_scope(sqlite_engine) as session:
        stored = json.dumps([r.reason for r in session.scalars(select(InboundRejection))])
        count = session.scalar(select(func.count()).select_from(InboundRejection))
    assert count == 1
    for secret in (FB_SECRET, FB_VERIFY, X_SECRET):
        assert secret not in stored and secret not in answer.text
