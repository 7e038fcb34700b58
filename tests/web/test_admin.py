"""Administrators manage users, roles and schools; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog, School, WebSession, WebUser
from trustwatch.web.security import verify_password

from .conftest import sign_in


def _user(engine, email: str) -> WebUser | None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return session.scalar(select(WebUser).where(WebUser.email == email))


def test_admin_creates_a_school_lead(client, sqlite_engine, people):
    csrf = sign_in(client, sqlite_engine, people["admin"])
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "email": "New.Lead@Harbourside.example.org",
            "display_name": "New Lead",
            "role": "lead",
            "school": "harbourside",
            "password": "twelve chars or more",
        },
    )
    assert response.status_code == 303
    user = _user(sqlite_engine, "new.lead@harbourside.example.org")
    assert user is not None and user.role == "lead"
    assert verify_password(user.password_hash, "twelve chars or more")
    with session_scope(sqlite_engine) as session:
        assert user.school_id == session.scalar(
            select(School.school_id).where(School.school_key == "harbourside")
        )
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert audit.actor == people["admin"].email
    assert "twelve chars" not in str(audit.detail)


def test_admin_form_errors_are_shown_not_saved(client, sqlite_engine, people):
    csrf = sign_in(client, sqlite_engine, people["admin"])
    cases = [
        ({"email": "short@riverbend.example.org", "role": "lead", "password": "short"}, "weak"),
        ({"email": "not-an-email", "role": "lead", "password": "long enough password"}, "valid"),
        (
            {"email": people["lead"].email, "role": "lead", "password": "long enough password"},
            "already exists",
        ),
        (
            {
                "email": "a@riverbend.example.org",
                "role": "admin",
                "school": "oakfield",
                "password": "long enough password",
            },
            "not tied to a school",
        ),
        (
            {
                "email": "b@riverbend.example.org",
                "role": "chief",
                "password": "long enough password",
            },
            "unknown role",
        ),
    ]
    for data, message in cases:
        response = client.post("/admin/users", data={"csrf_token": csrf, **data})
        assert response.status_code == 400, data
        assert message in response.text
    assert _user(sqlite_engine, "short@riverbend.example.org") is None


def test_role_change_ends_the_users_sessions(client, sqlite_engine, people):
    from fastapi.testclient import TestClient

    subject = TestClient(client.app, follow_redirects=False)
    sign_in(subject, sqlite_engine, people["subject"])
    assert subject.get("/dashboards").status_code == 200
    csrf = sign_in(client, sqlite_engine, people["admin"])
    response = client.post(
        f"/admin/users/{people['subject'].user_id}",
        data={"csrf_token": csrf, "role": "lead", "school": "oakfield", "is_active": "on"},
    )
    assert response.status_code == 303
    user = _user(sqlite_engine, people["subject"].email)
    assert user.role == "lead" and user.is_active
    with session_scope(sqlite_engine) as session:
        sessions = session.scalars(
            select(WebSession).where(WebSession.user_id == people["subject"].user_id)
        ).all()
    assert sessions == []
    assert subject.get("/dashboards").status_code == 303


def test_the_last_admin_cannot_be_demoted(client, sqlite_engine, people):
    csrf = sign_in(client, sqlite_engine, people["admin"])
    response = client.post(
        f"/admin/users/{people['admin'].user_id}",
        data={"csrf_token": csrf, "role": "data", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "last active administrator" in response.text
    assert _user(sqlite_engine, people["admin"].email).role == "admin"


def test_admin_resets_a_password(client, sqlite_engine, people):
    csrf = sign_in(client, sqlite_engine, people["admin"])
    url = f"/admin/users/{people['subject'].user_id}/password"
    assert client.post(url, data={"csrf_token": csrf, "password": "short"}).status_code == 400
    ok = client.post(url, data={"csrf_token": csrf, "password": "a fresh long password"})
    assert ok.status_code == 303
    assert verify_password(
        _user(sqlite_engine, people["subject"].email).password_hash, "a fresh long password"
    )


def test_schools_and_audit_pages(client, sqlite_engine, casework, people):
    lead = client.__class__(client.app, follow_redirects=False)
    sign_in(lead, sqlite_engine, people["lead"])
    lead.get(f"/alerts/{casework.oak_alert_id}")
    sign_in(client, sqlite_engine, people["admin"])
    schools = client.get("/admin/schools").text
    for name in ("Oakfield Primary Academy", "Millbrook High School", "Harbourside Academy"):
        assert name in schools
    log = client.get("/admin/audit").text
    assert "alert.view" in log and people["lead"].email in log
