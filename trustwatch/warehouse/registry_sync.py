"""Mirror the registry into `schools` and `accounts`, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trustwatch.db.models import Account, School, utcnow
from trustwatch.registry import Registry
from trustwatch.warehouse.upsert import upsert


@dataclass(frozen=True)
class SyncResult:
    schools: int
    accounts: int
    deactivated: int


def sync_registry(session: Session, registry: Registry) -> SyncResult:
    """Upsert every school and account; ones no longer in the registry become inactive.

    Rows are never deleted: items and alerts keep pointing at them.
    """
    now = utcnow()
    upsert(
        session,
        School.__table__,
        [
            {
                "school_key": s.key,
                "name": s.name,
                "safeguarding_lead_name": s.safeguarding_lead.name,
                "safeguarding_lead_email": s.safeguarding_lead.email,
                "is_active": True,
                "synced_at": now,
            }
            for s in registry.schools
        ],
        keys=["school_key"],
        update=["name", "safeguarding_lead_name", "safeguarding_lead_email", "is_active"],
    )
    ids = dict(session.execute(select(School.school_key, School.school_id)).tuples().all())
    account_rows = [
        {
            "school_id": ids[school.key],
            "platform": account.platform.value,
            "platform_account_id": account.account_id,
            "handle": account.handle,
            "administrators": [a.name for a in account.administrators],
            "approved_on": account.approved_on,
            "visibility": account.visibility,
            "is_active": True,
            "synced_at": now,
        }
        for school, account in registry.accounts()
    ]
    upsert(
        session,
        Account.__table__,
        account_rows,
        keys=["platform", "platform_account_id"],
        update=["school_id", "handle", "administrators", "approved_on", "visibility", "is_active"],
    )
    keep_schools = [s.key for s in registry.schools]
    gone = session.execute(
        update(School)
        .where(School.school_key.not_in(keep_schools), School.is_active.is_(True))
        .values(is_active=False)
    ).rowcount
    keep_accounts = {(a.platform.value, a.account_id) for _, a in registry.accounts()}
    for account in session.scalars(select(Account).where(Account.is_active.is_(True))):
        if (account.platform, account.platform_account_id) not in keep_accounts:
            account.is_active = False
            gone += 1
    session.flush()
    return SyncResult(
        schools=len(registry.schools), accounts=len(account_rows), deactivated=gone or 0
    )
