"""Every route by every role, anonymous included: allowed or refused.

The matrix below must name every route the app serves; a new route without a row fails
`test_matrix_covers_every_route`, so nobody can add a page without deciding who sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AlertEvent

from .conftest import Casework, Person, sign_in

LEAD, DATA, ADMIN, ACCOUNT_ADMIN = "lead", "data", "admin", "account_admin"
EVERYONE = frozenset({LEAD, DATA, ADMIN, ACCOUNT_ADMIN})
ROLES = ("anonymous", LEAD, DATA, ADMIN, ACCOUNT_ADMIN)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    allowed: frozenset[str]
    form: tuple[tuple[str, str], ...] = ()


def matrix(case: Casework, people: dict[str, Person]) -> list[Row]:
    a, i, u = case.oak_alert_id, case.flagged_item_id, people["subject"].user_id
    lead = people["lead"].email
    return [
        Row("GET", "/", EVERYONE),
        Row("GET", "/account", EVERYONE),
        Row("POST", "/account/password", EVERYONE, (("current_password", "wrong guess"),)),
        Row("GET", "/alerts", frozenset({LEAD})),
        Row("GET", f"/alerts/{a}", frozenset({LEAD})),
        Row("POST", f"/alerts/{a}/status", frozenset({LEAD}), (("to_status", "acknowledged"),)),
        Row("POST", f"/alerts/{a}/assign", frozenset({LEAD}), (("assignee", lead),)),
        Row("GET", "/mentions", frozenset({LEAD})),
        Row("GET", f"/mentions/{i}", frozenset({LEAD})),
        Row(
            "POST",
            f"/mentions/{i}/responded-outside",
            frozenset({LEAD}),
            (("note", "Phoned the parent"),),
        ),
        Row("GET", "/inbox", frozenset({ACCOUNT_ADMIN})),
        Row(
            "POST",
            f"/inbox/{i}/responded",
            frozenset({ACCOUNT_ADMIN}),
            (("note", "Replied by email"),),
        ),
        Row(
            "POST",
            f"/inbox/{i}/not-needed",
            frozenset({ACCOUNT_ADMIN}),
            (("reason", "Already answered"),),
        ),
        Row("GET", "/dashboards", frozenset({LEAD, DATA})),
        Row("GET", "/dashboards/checks", frozenset({LEAD, DATA})),
        Row("GET", "/dashboards/charts/volume.svg", frozenset({LEAD, DATA})),
        Row("GET", "/dashboards/export/sla.csv", frozenset({LEAD, DATA})),
        Row("GET", "/admin/users", frozenset({ADMIN})),
        Row(
            "POST",
            "/admin/users",
            frozenset({ADMIN}),
            (
                ("email", "new.lead@riverbend.example.org"),
                ("role", "lead"),
                ("password", "a long enough password"),
            ),
        ),
        Row("GET", f"/admin/users/{u}", frozenset({ADMIN})),
        Row(
            "POST", f"/admin/users/{u}", frozenset({ADMIN}), (("role", "data"), ("is_active", "on"))
        ),
        Row(
            "POST",
            f"/admin/users/{u}/password",
            frozenset({ADMIN}),
            (("password", "another long password"),),
        ),
        Row("POST", f"/admin/users/{u}/unlock", frozenset({ADMIN})),
        Row("GET", "/admin/schools", frozenset({ADMIN})),
        Row("GET", "/admin/audit", frozenset({ADMIN})),
        Row(
            "POST",
            f"/verdicts/alerts/{a}",
            frozenset({LEAD}),
            (("answer_safeguarding", "confirmed"),),
        ),
        Row("POST", f"/verdicts/items/{i}/missed", frozenset({LEAD}), (("label", "complaint"),)),
        # Last: signing out ends the session the rows above used.
        Row("POST", "/logout", EVERYONE),
    ]


PUBLIC = {("GET", "/login"), ("POST", "/login")}


def _template(path: str, case: Casework, people: dict[str, Person]) -> str:
    return (
        path.replace(str(case.oak_alert_id), "{alert_id}")
        .replace(f"/mentions/{case.flagged_item_id}", "/mentions/{item_id}")
        .replace(f"/inbox/{case.flagged_item_id}", "/inbox/{item_id}")
        .replace(f"/items/{case.flagged_item_id}/", "/items/{item_id}/")
        .replace(f"/users/{people['subject'].user_id}", "/users/{user_id}")
        .replace("charts/volume.svg", "charts/{name}.svg")
        .replace("export/sla.csv", "export/{dataset}.csv")
    )


def test_matrix_covers_every_route(app: FastAPI, casework: Casework, people):
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    listed = {(r.method, _template(r.path, casework, people)) for r in matrix(casework, people)}
    assert served - PUBLIC == listed


def _person_for(role: str, people: dict[str, Person]) -> Person:
    return people[{"lead": "lead", "data": "data", "admin": "admin", "account_admin": "tom"}[role]]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_role(
    role: str, client: TestClient, sqlite_engine: Engine, casework: Casework, people
):
    csrf = "" if role == "anonymous" else sign_in(client, sqlite_engine, _person_for(role, people))
    wrong = []
    for row in matrix(casework, people):
        data = {"csrf_token": csrf, **dict(row.form)} if row.method == "POST" else None
        response = client.request(row.method, row.path, data=data)
        location = response.headers.get("location", "")
        if role == "anonymous":
            ok = response.status_code == 303 and location.startswith("/login?next=")
            expected = "redirect to sign-in"
        elif role in row.allowed:
            if row.method == "GET" and row.path != "/":
                ok = response.status_code == 200
            else:
                # A refused sign-in check redirects to /login?next=...; logout to plain /login.
                ok = response.status_code in (200, 303, 400) and "next=" not in location
            expected = "allowed"
        else:
            ok = response.status_code == 403
            expected = "403"
        if not ok:
            wrong.append(
                f"{row.method} {row.path}: expected {expected}, got "
                f"{response.status_code} {location}"
            )
    assert not wrong, "\n".join(wrong)

    # Refused requests changed nothing: only the lead's own actions left alert events.
    with session_scope(sqlite_engine) as session:
        events = session.scalar(select(func.count()).select_from(AlertEvent))
    assert events == (2 if role == LEAD else 0)


def test_a_school_lead_sees_only_their_school(client, sqlite_engine, casework, people):
    sign_in(client, sqlite_engine, people["oak_lead"])
    queue = client.get("/alerts").text
    assert f"/alerts/{casework.oak_alert_id}" in queue
    assert f"/alerts/{casework.mill_alert_id}" not in queue
    assert client.get(f"/alerts/{casework.mill_alert_id}").status_code == 404
    assert client.get(f"/alerts/{casework.oak_alert_id}").status_code == 200


def test_a_trust_wide_lead_sees_every_school(client, sqlite_engine, casework, people):
    sign_in(client, sqlite_engine, people["lead"])
    queue = client.get("/alerts").text
    assert f"/alerts/{casework.oak_alert_id}" in queue
    assert f"/alerts/{casework.mill_alert_id}" in queue


def test_unknown_pages_are_404_with_the_app_page(client, sqlite_engine, people):
    sign_in(client, sqlite_engine, people["lead"])
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.text
    assert client.get("/alerts/999999").status_code == 404


def test_malformed_requests_get_a_plain_400(client, sqlite_engine, casework, people):
    csrf = sign_in(client, sqlite_engine, people["lead"])
    response = client.get("/alerts/not-a-number")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "not-a-number" not in response.text
    missing = client.post(f"/alerts/{casework.oak_alert_id}/status", data={"csrf_token": csrf})
    assert missing.status_code == 400
