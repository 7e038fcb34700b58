"""Indexes for the hourly path, and `job_cursors`: where each incremental job left off.

The hourly SLA job, alert refresh and warehouse checks read only what changed since their
last run; these indexes let every such query seek instead of scanning the warehouse (the
EXPLAIN test in tests/db/test_query_plans.py holds them to it), and `job_cursors` keeps the
high-water marks and a fingerprint of the inputs (calendars, school accounts, thresholds)
whose change forces a full rebuild.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    ("ix_items_updated_at", "items", ["updated_at"]),
    ("ix_items_text_purged_at", "items", ["text_purged_at"]),
    # author first (erasure looks up one author), platform second (the spam rule's lookup
    # is platform = ? and author_key in (...); without it SQLite picks ix_items_thread)
    ("ix_items_author_key_platform", "items", ["author_key", "platform"]),
    ("ix_classifications_classified_at", "classifications", ["classified_at"]),
    ("ix_response_sla_clock_item_id", "response_sla", ["clock_item_id"]),
    ("ix_response_sla_status_due_at", "response_sla", ["status", "due_at"]),
    ("ix_response_sla_due_at", "response_sla", ["due_at"]),
    ("ix_response_sla_computed_at", "response_sla", ["computed_at"]),
    ("ix_alerts_item_id", "alerts", ["item_id"]),
    ("ix_alerts_updated_at", "alerts", ["updated_at"]),
    ("ix_manual_responses_marked_at", "manual_responses", ["marked_at"]),
)


def upgrade() -> None:
    op.create_table(
        "job_cursors",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_id", sa.BigInteger(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_cursors")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("job_cursors")
