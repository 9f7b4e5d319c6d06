"""The message indexes on provider_id and reply_id hold only rows that have one

A planned message has neither a provider id (set when sent) nor a reply (only safety texts
and alerts answer one), so new outbox rows no longer enter these two indexes: planning a
procedure writes 13 rows, and each index a row enters costs the database time.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HAS_PROVIDER_ID = sa.text("provider_id IS NOT NULL")
HAS_REPLY_ID = sa.text("reply_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_provider_id")
        batch.drop_index("ix_messages_reply_id")
    op.create_index("ix_messages_provider_id", "messages", ["provider_id"],
                    postgresql_where=HAS_PROVIDER_ID, sqlite_where=HAS_PROVIDER_ID)
    op.create_index("ix_messages_reply_id", "messages", ["reply_id"],
                    postgresql_where=HAS_REPLY_ID, sqlite_where=HAS_REPLY_ID)


def downgrade() -> None:
    op.drop_index("ix_messages_reply_id", table_name="messages")
    op.drop_index("ix_messages_provider_id", table_name="messages")
    op.create_index("ix_messages_provider_id", "messages", ["provider_id"])
    op.create_index("ix_messages_reply_id", "messages", ["reply_id"])
