"""The three roles and what each may do: one place, read by the guards in `api/deps.py`."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    LEAD = "lead"
    DATA = "data"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def home(self) -> str:
        """Where a user lands after signing in: the first page their role may open."""
        return _HOMES[self]


_LABELS = {
    Role.LEAD: "Safeguarding lead",
    Role.DATA: "Data staff",
    Role.ADMIN: "Administrator",
}

_HOMES = {Role.LEAD: "/alerts", Role.DATA: "/dashboards", Role.ADMIN: "/admin/users"}

# Item text and authors' handles: only safeguarding leads.
CASEWORK_ROLES = frozenset({Role.LEAD})
# Aggregated figures and pseudonyms, never text or handles.
DASHBOARD_ROLES = frozenset({Role.LEAD, Role.DATA})
ADMIN_ROLES = frozenset({Role.ADMIN})
