"""The four roles and what each may do: one place, read by the guards in `api/deps.py`."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    LEAD = "lead"
    DATA = "data"
    ADMIN = "admin"
    # A named administrator of school accounts in the registry (matched by email): answers
    # comments, so sees the response inbox of those accounts only.
    ACCOUNT_ADMIN = "account_admin"

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
    Role.ACCOUNT_ADMIN: "Account administrator",
}

_HOMES = {
    Role.LEAD: "/alerts",
    Role.DATA: "/dashboards",
    Role.ADMIN: "/admin/users",
    Role.ACCOUNT_ADMIN: "/inbox",
}

# Item text and authors' handles: only safeguarding leads.
CASEWORK_ROLES = frozenset({Role.LEAD})
# Aggregated figures and pseudonyms, never text or handles.
DASHBOARD_ROLES = frozenset({Role.LEAD, Role.DATA})
ADMIN_ROLES = frozenset({Role.ADMIN})
# Comments owed a response on the accounts the registry names them on.
INBOX_ROLES = frozenset({Role.ACCOUNT_ADMIN})
