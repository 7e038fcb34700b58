"""The registry: the example is valid; each kind of mistake is named with file, path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trustwatch.errors import ConfigError
from trustwatch.registry import Platform, Severity, load_registry
from trustwatch.settings import EXAMPLE_CONFIG


def _example() -> dict:
    return yaml.safe_load(EXAMPLE_CONFIG.read_text())


def _write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "trust.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def test_example_registry_is_valid_and_complete() -> None:
    reg = load_registry(EXAMPLE_CONFIG)
    assert reg.trust.timezone == "Europe/London"
    assert [s.key for s in reg.schools] == ["oakfield", "millbrook", "harbourside"]
    platforms = {a.platform for _, a in reg.accounts()}
    assert platforms == {Platform.X, Platform.FACEBOOK, Platform.REDDIT}
    assert reg.alerting.labels["safeguarding"].severity is Severity.CRITICAL
    assert reg.alerting.labels["complaint"].severity is Severity.LOW
    assert reg.retention.raw_payload_days == 30
    assert reg.school("oakfield").closure_dates() == {__import__("datetime").date(2026, 11, 23)}


def test_governance_warnings_name_the_account_and_the_rule() -> None:
    warnings = load_registry(EXAMPLE_CONFIG).governance_warnings()
    assert any("MillbrookHighOfficial" in w and "at least two" in w for w in warnings)
    assert any("MillbrookHighOfficial" in w and "approval" in w for w in warnings)
    assert not any("OakfieldPrimary" in w for w in warnings)


def _mutations():
    def unknown_platform(d):
        d["schools"][0]["accounts"][0]["platform"] = "tiktok"

    def duplicate_account(d):
        d["schools"][1]["accounts"].append(dict(d["schools"][0]["accounts"][0]))

    def bad_date(d):
        d["schools"][0]["accounts"][0]["approved_on"] = "31/02/2025"

    def missing_name(d):
        del d["schools"][2]["name"]

    def duplicate_school(d):
        d["schools"][2]["key"] = "oakfield"

    def bad_timezone(d):
        d["trust"]["timezone"] = "Europe/Londinium"

    def unknown_field(d):
        d["schools"][0]["acounts"] = []

    def bad_key(d):
        d["schools"][0]["key"] = "Oak Field!"

    def closure_backwards(d):
        d["schools"][0]["closures"] = [{"start": "2026-11-24", "end": "2026-11-20"}]

    def unknown_label(d):
        d["alerting"]["labels"]["spam"] = {"severity": "low"}

    def bad_severity(d):
        d["alerting"]["labels"]["hate"] = {"severity": "urgent"}

    def threshold_out_of_range(d):
        d["alerting"]["labels"]["abuse"] = {"severity": "medium", "threshold": 1.5}

    def no_schools(d):
        d["schools"] = []

    def missing_notifications(d):
        del d["notifications"]

    def bad_email(d):
        d["schools"][0]["safeguarding_lead"]["email"] = "not-an-email"

    def inline_secret(d):
        d["schools"][0]["accounts"][1]["token"] = "EAAB-secret"

    return [
        (unknown_platform, "schools[0].accounts[0].platform", "'x', 'reddit', 'facebook'"),
        (duplicate_account, "schools[1].accounts[3]", "duplicate x account id"),
        (bad_date, "schools[0].accounts[0].approved_on", "YYYY-MM-DD"),
        (missing_name, "schools[2].name", "required field is missing"),
        (duplicate_school, "schools[2].key", "duplicate school key 'oakfield'"),
        (bad_timezone, "trust.timezone", "not an IANA time zone"),
        (unknown_field, "schools[0].acounts", "check its spelling"),
        (bad_key, "schools[0].key", "lower-case letters"),
        (closure_backwards, "schools[0].closures[0]", "is before start"),
        (unknown_label, "alerting.labels", "unknown label(s) spam"),
        (bad_severity, "alerting.labels.hate.severity", "'critical', 'high'"),
        (threshold_out_of_range, "alerting.labels.abuse.threshold", "less than or equal to 1"),
        (no_schools, "schools", "at least 1 item"),
        (missing_notifications, "notifications", "required field is missing"),
        (bad_email, "schools[0].safeguarding_lead.email", "email"),
        (inline_secret, "schools[0].accounts[1].token", "remove it"),
    ]


@pytest.mark.parametrize(
    ("mutate", "where", "what"), _mutations(), ids=[m[0].__name__ for m in _mutations()]
)
def test_bad_registry_names_file_path_and_fix(tmp_path: Path, mutate, where: str, what: str):
    data = _example()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_registry(path)
    message = str(info.value)
    assert str(path) in message
    assert where in message
    assert what in message
    assert "Fix:" in message
    assert "line " in message
    assert "\n" not in message


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist.*TRUSTWATCH_CONFIG"):
        load_registry(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "trust:\n  key: riverbend\n   name: bad indent\n")
    with pytest.raises(ConfigError, match=r"line 3: not valid YAML"):
        load_registry(path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_registry(_write(tmp_path, "- just\n- a list\n"))


def test_error_line_points_at_the_offending_entry(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text().replace("platform: reddit", "platform: myspace", 1)
    path = _write(tmp_path, text)
    expected_line = next(
        i for i, line in enumerate(text.splitlines(), start=1) if "platform: myspace" in line
    )
    with pytest.raises(ConfigError) as info:
        load_registry(path)
    assert f"line {expected_line}:" in str(info.value)
