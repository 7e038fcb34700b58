"""Inbound platform events (webhooks) and the audit of refused deliveries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("inbound_event_id", _ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("account_platform_id", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.String(length=128), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", _JSON, nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("inbound_event_id", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint(
            "platform", "event_key", name=op.f("uq_inbound_events_platform_event_key")
        ),
    )
    op.create_index("ix_inbound_events_processed_at", "inbound_events", ["processed_at"])
    op.create_index("ix_inbound_events_delivery_sha256", "inbound_events", ["delivery_sha256"])
    op.create_table(
        "inbound_rejections",
        sa.Column("inbound_rejection_id", _ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("body_bytes", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("inbound_rejection_id", name=op.f("pk_inbound_rejections")),
    )
    op.create_index("ix_inbound_rejections_received_at", "inbound_rejections", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_rejections_received_at", table_name="inbound_rejections")
    op.drop_table("inbound_rejections")
    op.drop_index("ix_inbound_events_delivery_sha256", table_name="inbound_events")
    op.drop_index("ix_inbound_events_processed_at", table_name="inbound_events")
    op.drop_table("inbound_events")
