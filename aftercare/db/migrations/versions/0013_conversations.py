"""conversations: who sent a person's text to a patient, canned replies, email replies

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("sent_by", sa.String(254), nullable=True))
        batch.add_column(sa.Column("sent_by_user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_messages_sent_by_user_id_users", "users",
                                 ["sent_by_user_id"], ["id"])
    with op.batch_alter_table("replies") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=False,
                                   server_default="sms"))
        batch.add_column(sa.Column("from_email", sa.String(254), nullable=True))
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_canned_replies"),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
    with op.batch_alter_table("replies") as batch:
        batch.drop_column("from_email")
        batch.drop_column("channel")
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("fk_messages_sent_by_user_id_users", type_="foreignkey")
        batch.drop_column("sent_by_user_id")
        batch.drop_column("sent_by")
