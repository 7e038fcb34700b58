"""Notifications ledger: one row per alert (or report) state and channel, sent or failed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("notification_id", _ID, autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("alert_id", _ID, nullable=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.alert_id"],
            name=op.f("fk_notifications_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "subject", "state", "channel", name=op.f("uq_notifications_subject_state_channel")
        ),
    )
    op.create_index("ix_notifications_alert_id", "notifications", ["alert_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notifications_alert_id", table_name="notifications")
    op.drop_table("notifications")
