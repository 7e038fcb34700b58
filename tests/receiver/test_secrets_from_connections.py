"""The receiver's secrets from Airflow Connections, in Airflow's own `AIRFLOW_CONN_<ID>`
form (JSON and URI), resolved through Airflow's real lookup; never in a log line.

The connection wins over a TRUSTWATCH_* variable, value by value; a platform without a
connection keeps the environment's secret.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.receiver.conftest import NOW, REDIS_URL
from tests.receiver.test_receiver_app import OAKFIELD_X, PAGE, _comment, _tweet
from trustwatch.receiver import samples
from trustwatch.receiver.app import create_app
from trustwatch.receiver.settings import FACEBOOK_CONN_ID, X_CONN_ID, ReceiverSettings
from trustwatch.receiver.signatures import x_crc_response

CONN_FB_SECRET = "fb-app-secret-held-in-the-connection-7f3a"
CONN_VERIFY = "fb-verify-token-held-in-the-connection-19c2"
CONN_X_SECRET = "x/consumer+secret=held in the connection-55d1"  # needs URI escaping
ENV_FB_SECRET = "stale-fb-secret-left-in-the-environment"
ENV_X_SECRET = "x-secret-from-the-environment-only-8e0b"


def _conn_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRUSTWATCH_FACEBOOK_WEBHOOK",
        json.dumps(
            {
                "conn_type": "generic",
                "password": CONN_FB_SECRET,
                "extra": {"verify_token": CONN_VERIFY},
            }
        ),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRUSTWATCH_X_WEBHOOK", f"generic://:{quote(CONN_X_SECRET, safe='')}@"
    )


def test_connections_win_over_the_environment_and_sign_for_real(
    monkeypatch: pytest.MonkeyPatch, sqlite_engine, channel: str, caplog, capfd, tmp_path
) -> None:
    _conn_env(monkeypatch)
    monkeypatch.setenv("TRUSTWATCH_FACEBOOK_APP_SECRET", ENV_FB_SECRET)
    monkeypatch.setenv("TRUSTWATCH_FACEBOOK_VERIFY_TOKEN", "stale-verify-token")
    monkeypatch.setenv("TRUSTWATCH_X_CONSUMER_SECRET", ENV_X_SECRET)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    caplog.set_level(logging.DEBUG)  # every logger, Airflow's secrets lookup included

    settings, sources = ReceiverSettings.resolve(redis_url=REDIS_URL, inbound_channel=channel)

    assert sources == {
        "facebook_app_secret": f"connection {FACEBOOK_CONN_ID}",
        "facebook_verify_token": f"connection {FACEBOOK_CONN_ID}",
        "x_consumer_secret": f"connection {X_CONN_ID}",
    }
    app = create_app(sqlite_engine, settings=settings, clock=lambda: NOW)
    with TestClient(app) as client:
        verify = {"hub.mode": "subscribe", "hub.verify_token": CONN_VERIFY, "hub.challenge": "77"}
        assert client.get("/webhooks/facebook", params=verify).text == "77"
        verify["hub.verify_token"] = "stale-verify-token"
        assert client.get("/webhooks/facebook", params=verify).status_code == 403

        delivery = samples.facebook_delivery(PAGE, [_comment("c-conn")], NOW)
        body, headers = samples.signed_facebook(delivery, CONN_FB_SECRET)
        assert client.post("/webhooks/facebook", content=body, headers=headers).status_code == 200
        stale = samples.facebook_delivery(PAGE, [_comment("c-stale")], NOW)
        body, headers = samples.signed_facebook(stale, ENV_FB_SECRET)
        assert client.post("/webhooks/facebook", content=body, headers=headers).status_code == 403

        crc = client.get("/webhooks/x", params={"crc_token": "tok"}).json()
        assert crc == x_crc_response(CONN_X_SECRET, "tok")
        body, headers = samples.signed_x(
            samples.x_delivery(OAKFIELD_X, [_tweet("9001")]), CONN_X_SECRET
        )
        assert client.post("/webhooks/x", content=body, headers=headers).status_code == 200

    # A library that logs a secret at DEBUG is scrubbed: the values were registered.
    logging.getLogger("some.library").debug("Authorization: %s / %s", CONN_FB_SECRET, CONN_X_SECRET)
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert "receiver secret facebook_app_secret: from connection" in caplog.text
    for secret in (CONN_FB_SECRET, CONN_VERIFY, CONN_X_SECRET, quote(CONN_X_SECRET, safe="")):
        assert secret not in logged
    assert "Authorization:" in logged  # the line itself was logged, redacted


def test_without_a_connection_the_environment_is_used(
    monkeypatch: pytest.MonkeyPatch, channel: str
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_TRUSTWATCH_FACEBOOK_WEBHOOK", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_TRUSTWATCH_X_WEBHOOK", raising=False)
    monkeypatch.setenv("TRUSTWATCH_X_CONSUMER_SECRET", ENV_X_SECRET)
    monkeypatch.delenv("TRUSTWATCH_FACEBOOK_APP_SECRET", raising=False)
    monkeypatch.delenv("TRUSTWATCH_FACEBOOK_VERIFY_TOKEN", raising=False)

    settings, sources = ReceiverSettings.resolve(redis_url=REDIS_URL, inbound_channel=channel)

    assert settings.x_consumer_secret is not None
    assert settings.x_consumer_secret.get_secret_value() == ENV_X_SECRET
    assert settings.facebook_app_secret is None  # Facebook switched off: 404
    assert sources == {
        "facebook_app_secret": "unset",
        "facebook_verify_token": "unset",
        "x_consumer_secret": "environment",
    }
    assert ENV_X_SECRET not in repr(settings)


def test_a_connection_without_the_extra_keeps_the_environments_verify_token(
    monkeypatch: pytest.MonkeyPatch, channel: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRUSTWATCH_FACEBOOK_WEBHOOK", "generic://:only-the-secret@")
    monkeypatch.setenv("TRUSTWATCH_FACEBOOK_VERIFY_TOKEN", "verify-from-env")
    settings, sources = ReceiverSettings.resolve(redis_url=REDIS_URL, inbound_channel=channel)
    assert settings.facebook_app_secret.get_secret_value() == "only-the-secret"
    assert settings.facebook_verify_token.get_secret_value() == "verify-from-env"
    assert sources["facebook_verify_token"] == "environment"


def test_the_cli_names_both_ways_when_no_secret_is_set(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, capsys
) -> None:
    from trustwatch.cli import main

    for name in (
        "AIRFLOW_CONN_TRUSTWATCH_FACEBOOK_WEBHOOK",
        "AIRFLOW_CONN_TRUSTWATCH_X_WEBHOOK",
        "TRUSTWATCH_FACEBOOK_APP_SECRET",
        "TRUSTWATCH_X_CONSUMER_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    assert main(["receive"]) == 2
    err = capsys.readouterr().err
    assert "trustwatch_facebook_webhook" in err and "TRUSTWATCH_X_CONSUMER_SECRET" in err
