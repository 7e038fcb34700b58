"""Validation results: one row per data-check suite run, target and data interval.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "validation_results",
        sa.Column(
            "validation_result_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("suite_name", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("data_interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_interval_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("evaluated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("rows_checked", sa.Integer(), nullable=False),
        sa.Column("rows_failed", sa.Integer(), nullable=False),
        sa.Column(
            "failures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("result_hash", sa.String(length=64), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("validation_result_id", name=op.f("pk_validation_results")),
        sa.UniqueConstraint(
            "suite_name",
            "target",
            "data_interval_start",
            "data_interval_end",
            name=op.f(
                "uq_validation_results_suite_name_target_data_interval_start_data_interval_end"
            ),
        ),
    )
    with op.batch_alter_table("validation_results", schema=None) as batch_op:
        batch_op.create_index("ix_validation_results_run_at", ["run_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("validation_results", schema=None) as batch_op:
        batch_op.drop_index("ix_validation_results_run_at")
    op.drop_table("validation_results")
