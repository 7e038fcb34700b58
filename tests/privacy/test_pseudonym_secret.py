"""The pseudonym secret: environment first, then the Airflow Variable inside a task."""

from __future__ import annotations

import pytest

from trustwatch.errors import ConfigError
from trustwatch.settings import Settings


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTWATCH_PSEUDONYM_SECRET", raising=False)
    monkeypatch.setenv("TRUSTWATCH_ENVIRONMENT", "production")
    # Airflow's environment-variable secrets backend: the Variable trustwatch_pseudonym_secret
    monkeypatch.setenv("AIRFLOW_VAR_TRUSTWATCH_PSEUDONYM_SECRET", "from-the-airflow-variable")


@pytest.mark.slow
def test_variable_is_used_inside_a_task_only(production: None) -> None:
    from airflow.sdk.execution_time.context import set_current_context

    settings = Settings()
    with pytest.raises(ConfigError, match="TRUSTWATCH_PSEUDONYM_SECRET is not set"):
        settings.pseudonym_key()
    with set_current_context({}):  # type: ignore[arg-type]
        assert settings.pseudonym_key() == b"from-the-airflow-variable"


def test_environment_wins(production: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTWATCH_PSEUDONYM_SECRET", "from-the-environment")
    assert Settings().pseudonym_key() == b"from-the-environment"
