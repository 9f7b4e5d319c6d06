"""data rights: when a patient was erased, and when a message's or reply's words were
removed (by retention or erasure), with the indexes retention takes its batches from

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNPURGED = "body_purged_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    for table in ("messages", "replies"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("body_purged_at", sa.DateTime(timezone=True),
                                       nullable=True))
    op.create_index("ix_messages_unpurged", "messages", ["created_at", "id"],
                    postgresql_where=sa.text(UNPURGED), sqlite_where=sa.text(UNPURGED))
    op.create_index("ix_replies_unpurged", "replies", ["received_at", "id"],
                    postgresql_where=sa.text(UNPURGED), sqlite_where=sa.text(UNPURGED))


def downgrade() -> None:
    op.drop_index("ix_replies_unpurged", table_name="replies")
    op.drop_index("ix_messages_unpurged", table_name="messages")
    for table in ("replies", "messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("body_purged_at")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("erased_at")
