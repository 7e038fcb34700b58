"""Identity tombstones: erased people stay erased when their posts are fetched again.

One row per erased author, keyed by the keyed hash of platform and author id (the same
HMAC as `authors.author_key`), never the raw id. Authors erased before this revision
are carried over from `authors.erased_at`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_tombstones",
        sa.Column("tombstone_key", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tombstone_key", name=op.f("pk_identity_tombstones")),
    )
    op.execute(
        "INSERT INTO identity_tombstones (tombstone_key, platform, reason, erased_at) "
        "SELECT author_key, platform, 'erasure', erased_at FROM authors "
        "WHERE erased_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("identity_tombstones")
