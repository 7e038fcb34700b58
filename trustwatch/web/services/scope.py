"""What a signed-in user may see: one school, or the whole trust."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from trustwatch.db.models import School, WebUser


def school_clause(user: WebUser, column: InstrumentedAttribute[int | None]) -> ColumnElement[bool]:
    """Rows of the user's school only; trust-wide users (no school) see every row."""
    if user.school_id is None:
        return true()
    return column == user.school_id


def visible_schools(session: Session, user: WebUser) -> list[School]:
    stmt = select(School).order_by(School.name)
    if user.school_id is not None:
        stmt = stmt.where(School.school_id == user.school_id)
    return list(session.scalars(stmt))
