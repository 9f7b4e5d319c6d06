"""safety: set-aside reasons, message expiry, the on-call rota

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("plan_error", sa.String(length=300), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("replies") as batch:
        batch.add_column(sa.Column("read_error", sa.String(length=300), nullable=True))
    op.create_table(
        "oncall_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.String(length=5), nullable=False),
        sa.Column("ends", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("backup_name", sa.String(length=120), nullable=True),
        sa.Column("backup_phone", sa.String(length=20), nullable=True),
        sa.Column("backup_email", sa.String(length=254), nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_shifts")),
    )


def downgrade() -> None:
    op.drop_table("oncall_shifts")
    with op.batch_alter_table("replies") as batch:
        batch.drop_column("read_error")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("plan_error")
