"""Leads' verdicts on classifier labels, and the model versions retraining promoted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "label_verdicts",
        sa.Column("verdict_id", _ID, autoincrement=True, nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("verdict", sa.String(length=12), nullable=False),
        sa.Column("should_be", sa.String(length=20), nullable=True),
        sa.Column("reviewer_id", _ID, nullable=True),
        sa.Column("alert_id", _ID, nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.item_id"],
            name=op.f("fk_label_verdicts_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["web_users.user_id"],
            name=op.f("fk_label_verdicts_reviewer_id_web_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.alert_id"],
            name=op.f("fk_label_verdicts_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("verdict_id", name=op.f("pk_label_verdicts")),
        sa.UniqueConstraint("item_id", "label", name=op.f("uq_label_verdicts_item_id_label")),
    )
    op.create_index("ix_label_verdicts_decided_at", "label_verdicts", ["decided_at"])
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("artefact_path", sa.String(length=1000), nullable=False),
        sa.Column("base_version", sa.String(length=64), nullable=False),
        sa.Column("verdict_count", sa.Integer(), nullable=False),
        sa.Column("lineage", _JSON, nullable=False),
        sa.Column("rule", _JSON, nullable=False),
        sa.Column("figures", _JSON, nullable=False),
        sa.Column("model_card", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_model_versions")),
    )
    op.create_index("ix_model_versions_status", "model_versions", ["status"])


def downgrade() -> None:
    op.drop_index("ix_model_versions_status", table_name="model_versions")
    op.drop_table("model_versions")
    op.drop_index("ix_label_verdicts_decided_at", table_name="label_verdicts")
    op.drop_table("label_verdicts")
