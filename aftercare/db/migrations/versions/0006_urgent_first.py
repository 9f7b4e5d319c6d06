"""urgent first, and years of history: a priority on outbox rows and the index a claim takes
urgent rows from, planned rows by channel for paced claims; unread replies read red flags
first; indexes for the procedures list, staff search and the reply-to-message key

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

URGENT_DUE = "status = 'planned' AND priority = 0"
UNREAD = "read_at IS NULL AND keyword IS NULL"
PLANNED = "status = 'planned'"
ANSWERS = "answers_message_id IS NOT NULL"


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table.
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("priority", sa.SmallInteger(), server_default="1",
                                   nullable=False))
    # Safety texts and alerts still waiting when this runs go first too.
    op.execute("UPDATE messages SET priority = 0 "
               "WHERE status IN ('planned', 'sending') AND kind IN ('safety', 'alert')")
    op.create_index("ix_messages_urgent_due", "messages", ["send_after", "id"],
                    postgresql_where=sa.text(URGENT_DUE), sqlite_where=sa.text(URGENT_DUE))
    op.create_index("ix_messages_planned_channel", "messages", ["channel", "send_after", "id"],
                    postgresql_where=sa.text(PLANNED), sqlite_where=sa.text(PLANNED))
    _unread_index(["triage_rank", "id"])
    op.create_index("ix_procedures_performed_at", "procedures",
                    [sa.text("performed_at DESC"), sa.text("id DESC")])
    op.create_index("ix_replies_answers_message_id", "replies", ["answers_message_id"],
                    postgresql_where=sa.text(ANSWERS), sqlite_where=sa.text(ANSWERS))
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_patients_first_name_trgm", "patients", ["first_name"],
                        postgresql_using="gin", postgresql_ops={"first_name": "gin_trgm_ops"})
        # A phone by its last digits: reverse(phone) LIKE '1013555%' (web/views/search.py).
        op.execute("CREATE INDEX ix_patients_phone_reversed ON patients "
                   "(reverse(phone) text_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_patients_phone_reversed", table_name="patients")
        op.drop_index("ix_patients_first_name_trgm", table_name="patients")
    op.drop_index("ix_replies_answers_message_id", table_name="replies")
    op.drop_index("ix_procedures_performed_at", table_name="procedures")
    op.drop_index("ix_messages_planned_channel", table_name="messages")
    _unread_index(["id"])
    op.drop_index("ix_messages_urgent_due", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("priority")


def _unread_index(columns: list[str]) -> None:
    op.drop_index("ix_replies_unread", table_name="replies")
    op.create_index("ix_replies_unread", "replies", columns, postgresql_where=sa.text(UNREAD),
                    sqlite_where=sa.text(UNREAD))
