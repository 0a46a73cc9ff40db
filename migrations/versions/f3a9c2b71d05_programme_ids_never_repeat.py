"""programme ids never repeat: AUTOINCREMENT on SQLite for events, blocks and sessions

Their ids reach browsers as form values (a sign-up form names its sessions by id). Without
AUTOINCREMENT, SQLite handed the highest id out again once that row was deleted: a form
filled in before an organiser deleted a session and added another would book the person
into the new one (red team, 2 December). Batch mode rebuilds each table with
AUTOINCREMENT, keeping rows, ids, indexes and constraints; SQLite's counter then starts
above the highest id copied. PostgreSQL's sequences never repeat, so there it changes
nothing.

Revision ID: f3a9c2b71d05
Revises: c4a1f0e2d914
Create Date: 2026-12-02 12:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3a9c2b71d05'
down_revision = 'c4a1f0e2d914'
branch_labels = None
depends_on = None

TABLES = ("event", "parallel_block", "dialogue_session")


def _rebuild(autoincrement):
    if op.get_bind().dialect.name != "sqlite":
        return
    # env.py turns foreign keys off for the rebuild (else dropping the old table would
    # cascade-delete the rows that reference it); check every reference before the commit.
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    broken = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).fetchall()
    if broken:
        raise RuntimeError(f"the rebuild left broken references: {broken[:5]}")


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
