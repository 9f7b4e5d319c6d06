"""The due-message index also covers the claim's tie-break on id

A burst of messages due at the same minute shares one send_after; without id in the index
every claim sorted the whole burst.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_due")
        batch.create_index("ix_messages_due", ["status", "send_after", "id"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_due")
        batch.create_index("ix_messages_due", ["status", "send_after"])
