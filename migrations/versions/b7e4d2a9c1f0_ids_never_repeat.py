"""ids never repeat: AUTOINCREMENT on SQLite for the tables whose ids reach browsers and links

Without AUTOINCREMENT, SQLite hands the highest id out again once that row is deleted, and
anything that still named the old id (a link, a cookie, a session value) would name the new
row. Batch mode rebuilds each table with AUTOINCREMENT, keeping rows and ids; SQLite's
counter then starts above the highest id copied. PostgreSQL's sequences never repeat, so
there it changes nothing.

Revision ID: b7e4d2a9c1f0
Revises: bdcff5477035
Create Date: 2026-12-01 19:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e4d2a9c1f0'
down_revision = 'bdcff5477035'
branch_labels = None
depends_on = None

TABLES = ("registration", "user_account", "account_token")


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
