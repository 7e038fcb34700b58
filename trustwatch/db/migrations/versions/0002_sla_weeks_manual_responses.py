"""SLA: the local week of each clock, and manual "responded outside the platform" marks.

`response_sla.week_start` is the Monday of the local (registry time zone) week a clock
started in. SQL cannot compute that portably (SQLite and PostgreSQL share no week or time
zone functions), so the SLA job writes it and the `sql/` views group by it.

`manual_responses` keeps every mark made in the review app (who, when, note) apart from
the derived `response_sla` rows, so recomputing the SLA never loses one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("response_sla", schema=None) as batch_op:
        batch_op.add_column(sa.Column("week_start", sa.Date(), nullable=True))
        batch_op.create_index("ix_response_sla_week_start", ["week_start"], unique=False)

    op.create_table(
        "manual_responses",
        sa.Column("manual_response_id", _ID, autoincrement=True, nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.item_id"],
            name=op.f("fk_manual_responses_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manual_response_id", name=op.f("pk_manual_responses")),
    )
    with op.batch_alter_table("manual_responses", schema=None) as batch_op:
        batch_op.create_index("ix_manual_responses_item_id", ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("manual_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_manual_responses_item_id")
    op.drop_table("manual_responses")
    with op.batch_alter_table("response_sla", schema=None) as batch_op:
        batch_op.drop_index("ix_response_sla_week_start")
        batch_op.drop_column("week_start")
