"""Signing in: CSRF on the login form, throttling, rate limit, proxies, cookies, expiry."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from trustwatch.db.engine import session_scope
from trustwatch.db.models import AuditLog, WebSession, WebUser
from trustwatch.settings import get_settings
from trustwatch.web.security import SESSION_COOKIE, verify_password

from .conftest import Person, csrf_in, sign_in
from .factories import PASSWORD


def _login(client: TestClient, email: str, password: str, next_path: str = ""):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_in(page.text),
            "next": next_path,
        },
    )


def _actions(engine: Engine, action: str) -> list[AuditLog]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_password_is_stored_as_argon2_hash(sqlite_engine: Engine, people: dict[str, Person]):
    with session_scope(sqlite_engine) as session:
        user = session.get_one(WebUser, people["lead"].user_id)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert verify_password(user.password_hash, PASSWORD)
        assert not verify_password(user.password_hash, PASSWORD + "x")


def test_sign_in_sets_a_hardened_cookie_and_lands_on_the_role_home(
    client: TestClient, people: dict[str, Person], sqlite_engine: Engine
):
    response = _login(client, people["data"].email, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboards"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development over plain http
    token = cookie.split(";")[0].split("=", 1)[1]
    with session_scope(sqlite_engine) as session:
        stored = list(session.scalars(select(WebSession.token_hash)))
    assert token not in stored and len(stored) == 1  # only the digest is kept
    assert client.get("/dashboards").status_code == 200
    assert _actions(sqlite_engine, "auth.login")


def test_secure_cookie_when_the_setting_says_https(sqlite_engine: Engine, people, monkeypatch):
    from trustwatch.web.main import create_app

    monkeypatch.setenv("TRUSTWATCH_WEB_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    app = create_app(engine=sqlite_engine, settings=get_settings())
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = _login(client, people["lead"].email, PASSWORD)
        cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
        )
        assert "Secure" in cookie
        assert "strict-transport-security" in response.headers


def test_sign_in_follows_only_local_next_paths(client: TestClient, people):
    assert (
        _login(client, people["lead"].email, PASSWORD, "/alerts?status=all").headers["location"]
        == "/alerts?status=all"
    )
    client.cookies.clear()
    response = _login(client, people["lead"].email, PASSWORD, "//evil.example/phish")
    assert response.headers["location"] == "/alerts"


def test_login_without_the_form_token_is_refused(client: TestClient, people, sqlite_engine):
    response = client.post(
        "/login", data={"email": people["lead"].email, "password": PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies
    assert not _actions(sqlite_engine, "auth.login")


def test_wrong_password_is_refused_with_a_message_that_reveals_nothing(client, people):
    wrong = _login(client, people["lead"].email, "not the password at all")
    unknown = _login(client, "nobody@riverbend.example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Sign-in failed" in wrong.text and "Sign-in failed" in unknown.text
    assert SESSION_COOKIE not in wrong.cookies


def _client_from(app, address: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def _age_attempts(engine: Engine, seconds: float) -> None:
    """Move every recorded sign-in attempt into the past, as waiting would."""
    from trustwatch.db.models import LoginAttempt

    with session_scope(engine) as session:
        for row in session.scalars(select(LoginAttempt)):
            row.at = row.at - dt.timedelta(seconds=seconds)


def test_failures_slow_one_address_down_but_never_lock_the_user_out(
    client: TestClient, people: dict[str, Person], sqlite_engine: Engine
):
    settings = get_settings()
    attacker = _client_from(client.app, "203.0.113.66")
    lead = people["lead"].email
    for _ in range(settings.web_throttle_free_failures):
        assert _login(attacker, lead, "wrong password here").status_code == 401
    # The attacker's address now waits, even with the right password (no oracle)...
    throttled = _login(attacker, lead, PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= settings.web_throttle_base_seconds
    assert "other networks are not affected" in throttled.text
    # ...while the lead at their own desk signs in at once: nothing is locked.
    assert _login(_client_from(client.app, "198.51.100.7"), lead, PASSWORD).status_code == 303
    with session_scope(sqlite_engine) as session:
        assert session.get_one(WebUser, people["lead"].user_id).locked_until is None
    assert not _actions(sqlite_engine, "auth.lockout")
    assert _actions(sqlite_engine, "auth.throttled")


def test_the_wait_doubles_with_each_failure_up_to_the_cap(
    client: TestClient, people: dict[str, Person], sqlite_engine: Engine
):
    settings = get_settings()
    attacker = _client_from(client.app, "203.0.113.66")
    lead = people["lead"].email
    waits = []
    for _ in range(settings.web_throttle_free_failures):
        _login(attacker, lead, "wrong password here")
    for _ in range(8):
        response = _login(attacker, lead, "wrong password here")
        assert response.status_code == 429
        wait = int(response.headers["retry-after"])
        waits.append(wait)
        _age_attempts(sqlite_engine, wait)  # wait it out, then guess wrong again
        assert _login(attacker, lead, "wrong password here").status_code == 401
    base, cap = settings.web_throttle_base_seconds, settings.web_throttle_max_minutes * 60
    # The header counts down from the wait (a second or two passes while we sign in).
    expected = [min(base * 2**i, cap) for i in range(8)]
    assert all(want - 5 <= got <= want for got, want in zip(waits, expected, strict=True))
    assert expected[-1] == cap


def test_unknown_emails_are_throttled_alike(client: TestClient, sqlite_engine: Engine):
    """The same answers for an email that does not exist: nothing to enumerate."""
    attacker = _client_from(client.app, "203.0.113.66")
    for _ in range(get_settings().web_throttle_free_failures):
        assert _login(attacker, "nobody@riverbend.example.org", "a guess").status_code == 401
    assert _login(attacker, "nobody@riverbend.example.org", "a guess").status_code == 429


def test_an_administrator_can_lift_the_wait(
    client: TestClient, people: dict[str, Person], sqlite_engine: Engine
):
    attacker = _client_from(client.app, "203.0.113.66")
    lead = people["lead"].email
    for _ in range(get_settings().web_throttle_free_failures):
        _login(attacker, lead, "wrong password here")
    assert _login(attacker, lead, PASSWORD).status_code == 429
    admin = TestClient(client.app, follow_redirects=False)
    csrf = sign_in(admin, sqlite_engine, people["admin"])
    page = admin.get(f"/admin/users/{people['lead'].user_id}")
    assert "Clear the wait now" in page.text
    lead_id = people["lead"].user_id
    assert (
        admin.post(f"/admin/users/{lead_id}/unlock", data={"csrf_token": csrf}).status_code == 303
    )
    assert _login(attacker, lead, PASSWORD).status_code == 303


def test_x_forwarded_for_from_a_client_does_not_dodge_the_limits(
    people, sqlite_engine: Engine, monkeypatch
):
    """A client that is not our proxy cannot pick a fresh address per guess."""
    from trustwatch.web.main import create_app

    monkeypatch.setenv("TRUSTWATCH_WEB_CLIENT_FAILURES_PER_WINDOW", "4")
    get_settings.cache_clear()
    app = create_app(engine=sqlite_engine, settings=get_settings())
    attacker = _client_from(app, "203.0.113.66")
    for i in range(4):
        attacker.headers["x-forwarded-for"] = f"10.9.8.{i}"
        assert _login(attacker, f"guess{i}@riverbend.example.org", "guess").status_code == 401
    attacker.headers["x-forwarded-for"] = "10.9.8.200"
    assert _login(attacker, people["lead"].email, PASSWORD).status_code == 429
    (limited,) = _actions(sqlite_engine, "auth.rate_limited")
    assert limited.target_id == "203.0.113.66"


def test_x_forwarded_for_is_believed_from_a_trusted_proxy_only(
    people, sqlite_engine: Engine, monkeypatch
):
    from trustwatch.web.main import create_app

    monkeypatch.setenv("TRUSTWATCH_WEB_TRUSTED_PROXIES", "10.0.0.0/24")
    get_settings.cache_clear()
    app = create_app(engine=sqlite_engine, settings=get_settings())
    proxy = _client_from(app, "10.0.0.2")
    # The client forged the left-most entry; our proxy appended the real peer.
    proxy.headers["x-forwarded-for"] = "1.2.3.4, 198.51.100.23"
    assert _login(proxy, "nobody@riverbend.example.org", "a guess").status_code == 401
    with session_scope(sqlite_engine) as session:
        from trustwatch.db.models import LoginAttempt

        assert session.scalars(select(LoginAttempt.client)).all() == ["198.51.100.23"]


def test_a_wildcard_proxy_list_is_refused(sqlite_engine: Engine, monkeypatch):
    import pytest

    from trustwatch.errors import ConfigError
    from trustwatch.web.main import create_app

    monkeypatch.setenv("TRUSTWATCH_WEB_TRUSTED_PROXIES", "*")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="TRUSTWATCH_WEB_TRUSTED_PROXIES"):
        create_app(engine=sqlite_engine, settings=get_settings())


def test_one_address_guessing_many_emails_is_rate_limited(
    people, sqlite_engine: Engine, monkeypatch
):
    from trustwatch.web.main import create_app

    monkeypatch.setenv("TRUSTWATCH_WEB_CLIENT_FAILURES_PER_WINDOW", "4")
    get_settings.cache_clear()
    client = TestClient(
        create_app(engine=sqlite_engine, settings=get_settings()), follow_redirects=False
    )
    limit = get_settings().web_client_failures_per_window
    assert limit == 4
    for i in range(limit):
        guess = _login(client, f"guess{i}@riverbend.example.org", "password guess")
        assert guess.status_code == 401
    # Further attempts from the same address are refused before any password check.
    response = _login(client, people["lead"].email, PASSWORD)
    assert response.status_code == 429
    assert SESSION_COOKIE not in response.cookies
    assert _actions(sqlite_engine, "auth.rate_limited")


def test_deactivated_user_cannot_sign_in_and_loses_sessions(client, people, sqlite_engine):
    csrf = sign_in(client, sqlite_engine, people["subject"])
    assert client.get("/dashboards").status_code == 200
    admin = TestClient(client.app, follow_redirects=False)
    admin_csrf = sign_in(admin, sqlite_engine, people["admin"])
    response = admin.post(
        f"/admin/users/{people['subject'].user_id}",
        data={"csrf_token": admin_csrf, "role": "data", "school": "", "display_name": "Office"},
    )
    assert response.status_code == 303
    assert client.get("/dashboards").headers["location"].startswith("/login")
    assert csrf  # the old token no longer matters: the session is gone
    fresh = TestClient(client.app, follow_redirects=False)
    assert _login(fresh, people["subject"].email, PASSWORD).status_code == 401


def test_idle_session_expires(client: TestClient, people, sqlite_engine):
    sign_in(client, sqlite_engine, people["data"])
    idle = dt.timedelta(minutes=get_settings().web_session_idle_minutes + 1)
    with session_scope(sqlite_engine) as session:
        for row in session.scalars(select(WebSession)):
            row.last_seen_at = row.last_seen_at - idle
    response = client.get("/dashboards")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdashboards"


def test_logout_ends_the_session(client: TestClient, people, sqlite_engine):
    csrf = sign_in(client, sqlite_engine, people["data"])
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with session_scope(sqlite_engine) as session:
        assert not list(session.scalars(select(WebSession)))
    assert client.get("/dashboards").status_code == 303


def test_change_own_password(client: TestClient, people, sqlite_engine):
    csrf = sign_in(client, sqlite_engine, people["data"])
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "repeat_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 303
    assert client.get("/account?changed=1").status_code == 200  # the new session works
    fresh = TestClient(client.app, follow_redirects=False)
    assert _login(fresh, people["data"].email, PASSWORD).status_code == 401
    assert _login(fresh, people["data"].email, "a brand new passphrase").status_code == 303
