"""locations: a clinic group's locations, each procedure at one, users at some, on-call
shifts for one or all; the settings become the default location

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("sms_sender", sa.String(40), nullable=False),
        sa.Column("emergency_number", sa.String(16), nullable=False),
        sa.Column("quiet_hours_start", sa.String(5), nullable=True),
        sa.Column("quiet_hours_end", sa.String(5), nullable=True),
        sa.Column("oncall_phone", sa.String(20), nullable=True),
        sa.Column("oncall_email", sa.String(254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_locations"),
        sa.UniqueConstraint("key", name="uq_locations_key"),
    )
    op.create_table(
        "user_locations",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_user_locations_user_id_users"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE",
                                name="fk_user_locations_location_id_locations"),
        sa.PrimaryKeyConstraint("user_id", "location_id", name="pk_user_locations"),
    )
    default_id = _default_location()
    # Everyone who signs in today works at the one clinic there was.
    op.execute(sa.text("INSERT INTO user_locations (user_id, location_id)"
                       " SELECT id, :id FROM users").bindparams(id=default_id))
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
    op.execute(sa.text("UPDATE procedures SET location_id = :id").bindparams(id=default_id))
    with op.batch_alter_table("procedures") as batch:
        batch.alter_column("location_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_procedures_location_id_locations", "locations",
                                 ["location_id"], ["id"])
        batch.create_index("ix_procedures_location_id", ["location_id"])
    with op.batch_alter_table("replies") as batch:
        batch.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_replies_location_id_locations", "locations",
                                 ["location_id"], ["id"])
        batch.create_index("ix_replies_location_id", ["location_id"])
    op.execute(sa.text(
        "UPDATE replies SET location_id = (SELECT location_id FROM procedures"
        " WHERE procedures.id = replies.procedure_id)"))
    op.execute(sa.text("UPDATE replies SET location_id = :id WHERE location_id IS NULL"
                       " AND read_at IS NOT NULL").bindparams(id=default_id))
    with op.batch_alter_table("oncall_shifts") as batch:
        batch.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_oncall_shifts_location_id_locations", "locations",
                                 ["location_id"], ["id"])
        batch.create_index("ix_oncall_shifts_location_id", ["location_id"])


def _default_location() -> int:
    """The clinic the settings describe, as the first location: what every existing
    procedure belongs to. Read from the environment this migration runs in."""
    from aftercare.locations.store import settings_location

    row = settings_location()
    table = sa.table("locations", *(sa.column(name) for name in (*row, "created_at")))
    op.execute(table.insert().values(**row, created_at=datetime.now(UTC)))
    found = op.get_bind().execute(sa.text("SELECT id FROM locations WHERE key = :key"),
                                  {"key": row["key"]}).scalar_one()
    return int(found)


def downgrade() -> None:
    with op.batch_alter_table("replies") as batch:
        batch.drop_index("ix_replies_location_id")
        batch.drop_constraint("fk_replies_location_id_locations", type_="foreignkey")
        batch.drop_column("location_id")
    with op.batch_alter_table("oncall_shifts") as batch:
        batch.drop_index("ix_oncall_shifts_location_id")
        batch.drop_constraint("fk_oncall_shifts_location_id_locations", type_="foreignkey")
        batch.drop_column("location_id")
    with op.batch_alter_table("procedures") as batch:
        batch.drop_index("ix_procedures_location_id")
        batch.drop_constraint("fk_procedures_location_id_locations", type_="foreignkey")
        batch.drop_column("location_id")
    op.drop_table("user_locations")
    op.drop_table("locations")
