"""Manual response marks get a kind: "responded" outside the platform, or "not_needed".

An account administrator may decide a comment needs no answer (a thank-you, a duplicate,
a conversation already closed by phone). That decision is a mark like "responded outside
the platform", with a reason, kept apart from the derived `response_sla` so a rerun of the
SLA job keeps it. Existing rows are all "responded".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("manual_responses") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="responded")
        )


def downgrade() -> None:
    with op.batch_alter_table("manual_responses") as batch:
        batch.drop_column("kind")
