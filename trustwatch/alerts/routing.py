"""Who an alert goes to: the school's safeguarding lead, plus the trust lead when critical."""

from __future__ import annotations

from trustwatch.db.models import School
from trustwatch.registry import Person, Registry, Severity


def _recipient(name: str, email: str | None) -> str:
    return f"{name} <{email}>" if email else name


def route(registry: Registry, school: School | None, severity: str) -> list[str]:
    """Recipients in a stable order; an alert with no school goes to the trust lead alone."""
    trust_lead: Person = registry.notifications.trust_lead
    recipients: list[str] = []
    if school is not None:
        recipients.append(_recipient(school.safeguarding_lead_name, school.safeguarding_lead_email))
    if school is None or severity == Severity.CRITICAL.value:
        lead = _recipient(trust_lead.name, str(trust_lead.email) if trust_lead.email else None)
        if lead not in recipients:
            recipients.append(lead)
    return recipients
