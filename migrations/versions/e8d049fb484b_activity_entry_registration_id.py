"""activity entry registration_id

The person an activity entry is about moves from `details["registration_id"]` (JSON,
filtered in Python) to an indexed column with a foreign key (ON DELETE SET NULL). The data
step reads rows through the migration's connection in batches, so it runs the same on
SQLite and PostgreSQL; an id whose registration no longer exists becomes NULL.

Revision ID: e8d049fb484b
Revises: efc1d29c0950
Create Date: 2026-12-01 18:47:17.081829

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8d049fb484b'
down_revision = 'efc1d29c0950'
branch_labels = None
depends_on = None

BATCH = 1000
KEY = "registration_id"

activity = sa.table(
    "activity_entry",
    sa.column("id", sa.Integer),
    sa.column("details", sa.JSON),
    sa.column("registration_id", sa.Integer),
)
registration = sa.table("registration", sa.column("id", sa.Integer))
write = (
    activity.update()
    .where(activity.c.id == sa.bindparam("entry_id", type_=sa.Integer))
    .values(details=sa.bindparam("new_details", type_=sa.JSON),
            registration_id=sa.bindparam("new_registration_id", type_=sa.Integer))
)


def upgrade():
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_entry_registration_id'), ['registration_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_entry_registration_id_registration'), 'registration', ['registration_id'], ['id'], ondelete='SET NULL')

    # The key leaves details: the column is now the only place that says whom an entry is about.
    bind = op.get_bind()
    for rows in _batches(bind, sa.true()):
        named = {row.id: row.details[KEY] for row in rows
                 if isinstance(row.details, dict) and _is_id(row.details.get(KEY))}
        existing = set(bind.scalars(
            sa.select(registration.c.id).where(registration.c.id.in_(set(named.values())))
        )) if named else set()
        updates = [
            {"entry_id": row.id, "new_details": _without_key(row.details),
             "new_registration_id": named[row.id] if named[row.id] in existing else None}
            for row in rows if row.id in named
        ]
        if updates:
            bind.execute(write, updates)


def downgrade():
    # Back into details, where the previous code reads it; then the column goes.
    bind = op.get_bind()
    for rows in _batches(bind, activity.c.registration_id.is_not(None)):
        bind.execute(write, [
            {"entry_id": row.id, "new_details": {**(row.details or {}), KEY: row.registration_id},
             "new_registration_id": row.registration_id}
            for row in rows
        ])

    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activity_entry_registration_id_registration'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activity_entry_registration_id'))
        batch_op.drop_column('registration_id')


def _batches(bind, condition):
    """Rows of activity_entry in id order, BATCH at a time (keyset, so memory stays flat)."""
    last = 0
    while True:
        rows = bind.execute(
            sa.select(activity.c.id, activity.c.details, activity.c.registration_id)
            .where(condition, activity.c.id > last).order_by(activity.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _without_key(details):
    return {k: v for k, v in details.items() if k != KEY}
