"""Partial indexes on the work still to do: procedures to plan, replies to read

The API wakes the worker many times a second to plan new procedures and read new replies;
each run looks for what is pending. These indexes hold only those rows, so the lookup stays
cheap however many procedures and replies are stored.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNPLANNED = sa.text("planned_at IS NULL")
UNREAD = sa.text("read_at IS NULL AND keyword IS NULL")


def upgrade() -> None:
    op.create_index("ix_procedures_unplanned", "procedures", ["id"],
                    postgresql_where=UNPLANNED, sqlite_where=UNPLANNED)
    op.create_index("ix_replies_unread", "replies", ["id"],
                    postgresql_where=UNREAD, sqlite_where=UNREAD)


def downgrade() -> None:
    op.drop_index("ix_replies_unread", table_name="replies")
    op.drop_index("ix_procedures_unplanned", table_name="procedures")
