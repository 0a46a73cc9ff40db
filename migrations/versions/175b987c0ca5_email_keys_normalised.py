"""email keys normalised

Every registration's and staff account's `email_key` is computed again with
`eventapp.domain.signup.email_key`: the normalised address (full-width letters folded,
punycode and Unicode domains alike, case-folded). The code's own function, not a copy: a key
written here must be exactly the key the code looks up.

Two rows can now share a key that did not before (`dup@ｅxample.se` and `dup@example.se`).
Nothing is deleted and nothing is merged: the older row (created first, then lower id) takes
the key, and each newer one keeps `dup:<its id>:<key>`, which the one-live-registration index
(and the unique key of accounts) lets stand beside it. The organiser's dashboard lists such
registrations as possible duplicates; an account kept that way cannot sign in by its address
until someone resolves it, which the log says, by id (logs carry no addresses).
Only live registrations compete for a key; cancelled ones simply get theirs. Keys that are
not addresses (`walk-in:…`, `anonymised:…`) stay as they are.

The data step runs in Python through the migration's connection, so it is the same on
SQLite and PostgreSQL. Downgrade writes the keys the code before computed (trimmed,
lower-case), with the same rule should two rows collide.

Revision ID: 175b987c0ca5
Revises: e8d049fb484b
Create Date: 2026-12-08 10:12:31.000000

"""
import logging

from alembic import op
import sqlalchemy as sa

from eventapp.domain.signup import duplicate_key, email_key


# revision identifiers, used by Alembic.
revision = '175b987c0ca5'
down_revision = 'e8d049fb484b'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.email_keys")

NOT_ADDRESSES = ("walk-in:", "anonymised:")

registration = sa.table(
    "registration",
    sa.column("id", sa.Integer), sa.column("event_id", sa.Integer),
    sa.column("email", sa.String), sa.column("email_key", sa.String),
    sa.column("status", sa.String), sa.column("created_at", sa.DateTime),
)
user_account = sa.table(
    "user_account",
    sa.column("id", sa.Integer), sa.column("email", sa.String),
    sa.column("email_key", sa.String), sa.column("created_at", sa.DateTime),
)


def upgrade():
    _rekey_both(email_key)


def downgrade():
    _rekey_both(lambda address: address.strip().lower())


def _rekey_both(key_of):
    bind = op.get_bind()
    rows = bind.execute(sa.select(
        registration.c.id, registration.c.event_id, registration.c.email, registration.c.email_key,
        registration.c.status, registration.c.created_at,
    )).all()
    rows = [r for r in rows if r.email and not r.email_key.startswith(NOT_ADDRESSES)]
    # Only live registrations of one event compete for a key (the index is partial).
    keys, kept = _assign(rows, key_of, lambda r: (r.event_id,) if r.status == "active" else None)
    _write(bind, registration, keys)
    for key_holder, newer in kept:
        log.warning("registrations %s of event %s share an address with registration %s; "
                    "both kept, listed on the dashboard as possible duplicates",
                    ", ".join(str(r.id) for r in newer), key_holder.event_id, key_holder.id)

    users = bind.execute(sa.select(
        user_account.c.id, user_account.c.email, user_account.c.email_key, user_account.c.created_at,
    )).all()
    keys, kept = _assign(users, key_of, lambda r: ())
    _write(bind, user_account, keys)
    for key_holder, newer in kept:
        log.warning("user accounts %s share an address with account %s; both kept: they cannot "
                    "sign in by that address until an organiser changes or removes them",
                    ", ".join(str(r.id) for r in newer), key_holder.id)
    log.info("email keys: %d registrations and %d accounts checked", len(rows), len(users))


def _assign(rows, key_of, scope_of):
    """{row id: new key} for the rows whose key changes, and [(key holder, [newer rows])] for
    each key that several rows of one scope now share (scope None: no competition)."""
    wanted = {row.id: key_of(row.email) for row in rows}
    competing = {}
    for row in rows:
        scope = scope_of(row)
        if scope is not None:
            competing.setdefault((scope, wanted[row.id]), []).append(row)
    kept = []
    for group in competing.values():
        if len(group) > 1:
            holder, *newer = sorted(group, key=lambda r: (r.created_at, r.id))
            for row in newer:
                wanted[row.id] = duplicate_key(row.id, wanted[row.id])
            kept.append((holder, newer))
    changed = {row.id: wanted[row.id] for row in rows if wanted[row.id] != row.email_key}
    return changed, kept


def _write(bind, table, keys):
    """Two passes: first a placeholder no other row can hold, then the key, so that no
    intermediate state breaks a unique index whatever order rows come in."""
    if not keys:
        return
    write = (table.update().where(table.c.id == sa.bindparam("row_id"))
             .values(email_key=sa.bindparam("new_key")))
    bind.execute(write, [{"row_id": i, "new_key": f"rekeying:{i}"} for i in keys])
    bind.execute(write, [{"row_id": i, "new_key": key} for i, key in keys.items()])
