"""consent record: every change of a patient's consent to a channel, with when, how and
by whom

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name="fk_consent_events_patient_id_patients"),
        sa.PrimaryKeyConstraint("id", name="pk_consent_events"),
    )
    op.create_index("ix_consent_events_patient_id", "consent_events", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_consent_events_patient_id", table_name="consent_events")
    op.drop_table("consent_events")
