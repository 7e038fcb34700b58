"""The trust registry: schools, their official accounts and what to watch for.

The registry is the one source of truth for configuration. It is YAML written by a
person, so every validation failure is turned into a sentence that names the file,
the path inside the YAML (with its line), what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from trustwatch.errors import ConfigError

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,39}$")]


class Platform(StrEnum):
    X = "x"
    REDDIT = "reddit"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Person(_Strict):
    name: str = Field(min_length=1)
    email: EmailStr | None = None


class Account(_Strict):
    """An official school account; the policy wants two named administrators and SLT approval."""

    platform: Platform
    handle: str = Field(min_length=1, description="screen name, subreddit user or page name")
    account_id: str = Field(min_length=1, description="the platform's own numeric/native id")
    administrators: list[Person] = Field(
        default_factory=list,
        description="named administrators: a name, or {name, email} to give them the app's inbox",
    )
    approved_on: dt.date | None = None
    visibility: str = Field("open", pattern=r"^(open|closed)$")
    token_env: str | None = Field(
        None,
        pattern=r"^[A-Z][A-Z0-9_]*$",
        description="name of the environment variable holding this account's token",
    )

    @field_validator("handle")
    @classmethod
    def _strip_at(cls, value: str) -> str:
        return value.removeprefix("@")

    @field_validator("administrators", mode="before")
    @classmethod
    def _names_are_people(cls, value: object) -> object:
        """A bare name (the older form) is a person without an email."""
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    def administrator_emails(self) -> set[str]:
        return {str(a.email).lower() for a in self.administrators if a.email}


class Closure(_Strict):
    start: dt.date
    end: dt.date
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Watch(_Strict):
    """Public-monitoring terms: mentions found with these have no response clock."""

    keywords: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    subreddits: list[str] = Field(default_factory=list)


class School(_Strict):
    key: Key
    name: str = Field(min_length=1)
    safeguarding_lead: Person
    accounts: list[Account] = Field(default_factory=list)
    watch: Watch = Field(default_factory=Watch)
    closures: list[Closure] = Field(default_factory=list)

    def closure_dates(self) -> set[dt.date]:
        days: set[dt.date] = set()
        for closure in self.closures:
            day = closure.start
            while day <= closure.end:
                days.add(day)
                day += dt.timedelta(days=1)
        return days


class LabelAlert(_Strict):
    severity: Severity
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="None: the model's own")


def _default_label_alerts() -> dict[str, LabelAlert]:
    return {
        "safeguarding": LabelAlert(severity=Severity.CRITICAL),
        "bullying": LabelAlert(severity=Severity.HIGH),
        "hate": LabelAlert(severity=Severity.HIGH),
        "abuse": LabelAlert(severity=Severity.MEDIUM),
        "complaint": LabelAlert(severity=Severity.LOW),
        # A post in a language the model cannot read (classifiers.language): it may hold any
        # of the above, so a person who reads the language should look at it.
        "other_language": LabelAlert(severity=Severity.MEDIUM),
    }


class Alerting(_Strict):
    labels: dict[str, LabelAlert] = Field(default_factory=_default_label_alerts)
    at_risk_lead_hours: float = Field(4.0, gt=0, le=24)
    # Response-time alerts (sla_at_risk, sla_breached) are the account administrators' work
    # and live in their inbox; true puts them back in the safeguarding leads' queue too.
    response_alerts_to_leads: bool = False

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, value: dict[str, LabelAlert]) -> dict[str, LabelAlert]:
        unknown = sorted(set(value) - set(_default_label_alerts()))
        if unknown:
            raise ValueError(
                f"unknown label(s) {', '.join(unknown)}; "
                "expected abuse, bullying, hate, complaint, safeguarding or other_language"
            )
        return {**_default_label_alerts(), **value}


class Notifications(_Strict):
    trust_lead: Person
    report_recipients: list[EmailStr] = Field(default_factory=list)
    smtp_from: EmailStr | None = None
    webhook_url_env: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9_]*$")
    app_base_url: str = "http://127.0.0.1:8000"
    # Off by default: an excerpt can name a child, and a sent email is out of reach of
    # retention and erasure. When on, only alert EMAILS (never webhooks, never
    # safeguarding alerts) carry a short excerpt with @mentions and links removed.
    email_excerpts: bool = False
    # Off by default for the same reason: a report is a file outside the warehouse (on
    # disk, attached to email). Off, complaint themes show names, counts and trends only;
    # on, each theme quotes up to two complaints, redacted as `email_excerpts` quotes are.
    report_excerpts: bool = False


class Retention(_Strict):
    raw_payload_days: int = Field(30, ge=1)
    text_days: int = Field(365, ge=1)
    # processed webhook events (no payload left, only ids) are kept this long so a
    # platform's retry of an event already taken is still recognised as a duplicate
    inbound_processed_days: int = Field(2, ge=1)


class BankHolidays(_Strict):
    country: str = Field("GB", pattern=r"^[A-Z]{2}$")
    subdivision: str | None = "ENG"


class TrustInfo(_Strict):
    key: Key
    name: str = Field(min_length=1)
    timezone: str = "Europe/London"
    bank_holidays: BankHolidays = Field(default_factory=BankHolidays)
    response_hours: float = Field(24.0, gt=0)
    roll_forward_non_working_due: bool = False

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone such as Europe/London") from None
        return value


class Registry(_Strict):
    trust: TrustInfo
    schools: list[School] = Field(min_length=1)
    alerting: Alerting = Field(default_factory=Alerting)
    notifications: Notifications
    retention: Retention = Field(default_factory=Retention)

    @model_validator(mode="after")
    def _unique(self) -> Registry:
        seen_keys: dict[str, int] = {}
        seen_accounts: dict[tuple[str, str], str] = {}
        for i, school in enumerate(self.schools):
            if school.key in seen_keys:
                raise ValueError(
                    f"schools[{i}].key: duplicate school key '{school.key}' "
                    f"(also schools[{seen_keys[school.key]}])"
                )
            seen_keys[school.key] = i
            for j, account in enumerate(school.accounts):
                ident = (account.platform.value, account.account_id)
                if ident in seen_accounts:
                    raise ValueError(
                        f"schools[{i}].accounts[{j}]: duplicate {account.platform.value} "
                        f"account id {account.account_id} (also {seen_accounts[ident]})"
                    )
                seen_accounts[ident] = f"schools[{i}].accounts[{j}]"
        return self

    def school(self, key: str) -> School:
        for school in self.schools:
            if school.key == key:
                return school
        raise KeyError(key)

    def accounts(self) -> Iterator[tuple[School, Account]]:
        for school in self.schools:
            for account in school.accounts:
                yield school, account

    def governance_warnings(self) -> list[str]:
        """Policy checks that do not stop the pipeline but a trust must fix."""
        warnings: list[str] = []
        for school, account in self.accounts():
            where = f"{school.key}: {account.platform.value} @{account.handle}"
            if len(account.administrators) < 2:
                warnings.append(
                    f"{where} has {len(account.administrators)} named administrator(s); "
                    "the policy requires at least two"
                )
            if account.approved_on is None:
                warnings.append(f"{where} has no SLT approval date (approved_on)")
        return warnings


# --- loading with human errors ------------------------------------------------------------


# A registry has no need for many anchors; a "billion laughs" file nests aliases so that
# walking the document multiplies them without end (it hung `registry check`).
MAX_ALIASES = 20


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that leaves dates as text, so pydantic (not PyYAML) judges them, and
    refuses more than MAX_ALIASES aliases.

    PyYAML's own timestamp constructor raises a bare ValueError on 2025-13-01, which
    would escape as a traceback instead of a sentence naming the field.
    """

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"more than {MAX_ALIASES} aliases (*name); a registry needs few, and "
                    "nested aliases can expand without end",
                    mark,
                )
        return super().compose_node(parent, index)


class DuplicateKeyError(ValueError):
    """A mapping names the same key twice; YAML would silently keep the last."""

    def __init__(self, path: tuple[Any, ...], key: str, first: int, second: int) -> None:
        super().__init__(key)
        self.path, self.key, self.first, self.second = path, key, first, second


_LineLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _compose_marks(node: yaml.Node, path: tuple[Any, ...], marks: dict[tuple, int]) -> None:
    """The line of every key path; raises DuplicateKeyError on a key given twice."""
    marks[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if isinstance(key_node.value, str) and key_node.value in seen:
                raise DuplicateKeyError(path, key_node.value, seen[key_node.value], line)
            seen[key_node.value] = line
            marks[(*path, key_node.value)] = line
            _compose_marks(value_node, (*path, key_node.value), marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _compose_marks(item, (*path, index), marks)


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


_FIXES = {
    "missing": "add it",
    "extra_forbidden": "remove it or check its spelling",
    "enum": "use one of the values named",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "date_type": "write the date as YYYY-MM-DD",
    "string_pattern_mismatch": "use lower-case letters, digits, '-' or '_'",
    "value_error": "correct the value",
}


def _message_for(path: Path, error: dict[str, Any], marks: dict[tuple, int]) -> str:
    loc = tuple(error["loc"])
    msg = str(error["msg"]).removeprefix("Value error, ")
    # Cross-field checks report their own location inside the message.
    if (
        error["type"] == "value_error"
        and ": " in msg
        and msg.split(": ", 1)[0].startswith("schools[")
    ):
        inner, msg = msg.split(": ", 1)
        loc = tuple(_parse_loc(inner))
    line = None
    for depth in range(len(loc), -1, -1):
        line = marks.get(loc[:depth])
        if line is not None:
            break
    where = f"{path}" + (f", line {line}" if line else "")
    fix = _FIXES.get(error["type"], "correct the value")
    if error["type"] == "missing":
        msg = "this required field is missing"
    return f"{where}: {_format_loc(loc)}: {msg}. Fix: {fix}."


def _parse_loc(text: str) -> list[Any]:
    parts: list[Any] = []
    for chunk in text.replace("]", "").split("."):
        name, *indices = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indices)
    return parts


def load_registry(path: Path | str) -> Registry:
    """Read and validate the registry; any problem becomes one ConfigError paragraph."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: the trust registry file does not exist. Fix: pass --config PATH or set "
            "TRUSTWATCH_CONFIG; config/trust.example.yaml is a template."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__}).") from None
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        marks: dict[tuple, int] = {}
        if node is not None:
            _compose_marks(node, (), marks)
        data = yaml.load(text, Loader=_LineLoader)
    except DuplicateKeyError as exc:
        inside = f" in {_format_loc(exc.path)}" if exc.path else ""
        raise ConfigError(
            f"{path}, line {exc.second}: the key {exc.key!r}{inside} is given twice (first on "
            f"line {exc.first}); YAML would silently keep only the second. Fix: merge the two "
            f"{exc.key!r} entries into one, or delete the one you did not mean."
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{path}: nested too deeply to read. Fix: start from config/trust.example.yaml."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        fix = "check indentation and quoting"
        if "aliases" in str(problem):
            fix = "write the repeated values out instead of using anchors and aliases"
        raise ConfigError(f"{path}{where}: not valid YAML ({problem}). Fix: {fix}.") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping with trust, schools and notifications at the top "
            "level. Fix: start from config/trust.example.yaml."
        )
    try:
        return Registry.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = [_message_for(path, err, marks) for err in errors[:5]]
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ConfigError(" ".join(lines) + more) from None
