"""photos from MMS replies: each media item a reply carried, fetched, checked, stored
without its metadata and thumbnailed, then deleted at the provider

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade() -> None:
    op.create_table(
        "reply_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("provider_url", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("storage_key", sa.String(200), nullable=True),
        sa.Column("thumbnail_key", sa.String(200), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_from_provider_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reply_id"], ["replies.id"],
                                name="fk_reply_media_reply_id_replies"),
        sa.PrimaryKeyConstraint("id", name="pk_reply_media"),
        sa.UniqueConstraint("reply_id", "provider_url", name="uq_reply_media"),
    )
    op.create_index("ix_reply_media_reply_id", "reply_media", ["reply_id"])
    op.create_index("ix_reply_media_pending", "reply_media", ["id"],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index("ix_reply_media_pending", table_name="reply_media")
    op.drop_index("ix_reply_media_reply_id", table_name="reply_media")
    op.drop_table("reply_media")
