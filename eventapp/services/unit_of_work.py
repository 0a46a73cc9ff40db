"""Starting a writing transaction the same way on SQLite and PostgreSQL, once per use case.

SQLite: the transaction takes the write lock at BEGIN (BEGIN IMMEDIATE), so two writers can
never both read "one seat left". PostgreSQL: rows are locked with SELECT ... FOR UPDATE.
Pages that only read use a plain BEGIN and never wait on writers.

A write transaction refuses to nest (as Django's `atomic(durable=True)` does): a service
that called another service would otherwise commit half of one use case. A lock that is
not granted within DATABASE_LOCK_TIMEOUT_MS (PostgreSQL's lock_timeout, SQLite's busy
timeout) becomes the domain error Busy: nothing is written, and the person may try again.
"""
import contextlib
import contextvars
import functools
import logging
import sqlite3
import time

from sqlalchemy import ARRAY, Integer, any_, bindparam, event, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached

from ..domain.errors import Busy
from ..extensions import db

log = logging.getLogger("eventapp.db")
_want_immediate = contextvars.ContextVar("want_immediate", default=False)
_relaxed = contextvars.ContextVar("relaxed_commit", default=False)
_RELAXED = "eventapp.relaxed"  # in a pooled connection's info while it runs relaxed
# In session.info while a write transaction is open; cleared when that transaction ends.
_WRITING = "eventapp.writing"
_BUSY_TIMEOUT_MS = "eventapp.busy_timeout_ms"  # in a pooled SQLite connection's info
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout
# PostgreSQL ended one of two transactions waiting for each other's locks (for instance a
# sign-up that locked the event's row, waiting for a session's, and one that locked that
# session and inserts a registration, which takes a key-share lock on the event's row).
DEADLOCK_DETECTED = "40P01"


class NestedTransaction(RuntimeError):
    """A write transaction was started inside another: a programming error, never a user's.
    Call the undecorated step (e.g. booking.register_in_transaction) instead."""


def install_locking(engine, lock_timeout_ms):
    """How long a connection waits for a lock before giving up (then Busy), per database."""
    if engine.dialect.name == "sqlite":
        install_sqlite_locking(engine, busy_timeout_ms=lock_timeout_ms)
    elif engine.dialect.name == "postgresql":
        install_postgresql_lock_timeout(engine, lock_timeout_ms)


def install_sqlite_locking(engine, busy_timeout_ms=10_000):
    """Make pysqlite leave transactions to us, with WAL and a busy timeout."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        record.info[_BUSY_TIMEOUT_MS] = int(busy_timeout_ms)  # for _begin_immediate
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # Sign-ups are durable: every connection commits with synchronous=FULL (WAL's default
    # is FULL too, a test holds it there). Only inside relaxed_commit() does a connection
    # run NORMAL while it is checked out; it is FULL again before the pool gives it to anyone
    # else. (SQLite refuses to change this inside a transaction: hence checkout and checkin.)
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        if _relaxed.get():
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")
            record.info[_RELAXED] = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn, record):
        if record.info.pop(_RELAXED, False) and dbapi_conn is not None:
            dbapi_conn.execute("PRAGMA synchronous=FULL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _want_immediate.get():
            _want_immediate.set(False)
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")


# How long a writer waiting for SQLite's write lock sleeps between tries: from 0.1 ms, doubled
# up to 2 ms. SQLite's own busy handler sleeps 1, 2, 5, 10, ... 100 ms: a sign-up that found
# the lock taken for the 3 ms another sign-up holds it slept on long after it was free.
_FIRST_TRY_AGAIN_S, _LONGEST_TRY_AGAIN_S = 0.0001, 0.002


def _begin_immediate(conn):
    """BEGIN IMMEDIATE, retried with short sleeps while another connection writes, for at
    most the connection's busy timeout; then the statement's own "database is locked" (Busy)."""
    raw = conn.connection.dbapi_connection
    busy_timeout_ms = conn.info[_BUSY_TIMEOUT_MS]
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = _FIRST_TRY_AGAIN_S
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
            if time.monotonic() + delay > deadline:
                break
            time.sleep(delay)
            delay = min(delay * 2, _LONGEST_TRY_AGAIN_S)
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # raises SQLAlchemy's OperationalError
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


def install_postgresql_lock_timeout(engine, lock_timeout_ms):
    """SET lock_timeout on every new connection. A SET after connecting wins over any
    `options=-c lock_timeout=...` in the database URL, so the configuration decides."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True  # outside a transaction, so no rollback can undo it
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
        dbapi_conn.autocommit = autocommit

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _relaxed.get():  # for this transaction only; synchronous_commit stays on otherwise
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


@contextlib.contextmanager
def relaxed_commit():
    """Commits made inside do not wait for the disk: a crash of the machine (never of the
    process) may lose the last of them. Only for marks whose loss costs a duplicate and never
    a loss, like the mail worker's "sent". PostgreSQL: SET LOCAL synchronous_commit = off in
    each transaction; SQLite: synchronous=NORMAL on the connection while it is used here."""
    token = _relaxed.set(True)
    try:
        yield
    finally:
        _relaxed.reset(token)


@contextlib.contextmanager
def relaxed_connection(engine):
    """A connection of its own for marks committed one at a time that need not wait for the
    disk (see relaxed_commit). SQLite: synchronous=NORMAL while it is checked out. PostgreSQL:
    autocommit with synchronous_commit off for this connection, so a mark is one round trip
    instead of four (BEGIN, SET LOCAL, UPDATE, COMMIT); on again before the pool gets it back,
    or the connection is thrown away."""
    if engine.dialect.name != "postgresql":
        with relaxed_commit():
            connection = engine.connect()
        with connection:
            yield connection
        return
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        connection.exec_driver_sql("SET synchronous_commit = off")
        yield connection
    finally:
        try:
            connection.exec_driver_sql("RESET synchronous_commit")
        except Exception:  # the database went away: whatever failed first is what matters
            log.warning("a relaxed connection could not be reset; it is discarded")
            connection.invalidate()  # never back to the pool while relaxed
        finally:
            connection.close()


@event.listens_for(Session, "after_transaction_end")
def _write_transaction_ended(session, transaction):
    if transaction.parent is None:
        session.info.pop(_WRITING, None)


def is_sqlite():
    return db.session.get_bind().dialect.name == "sqlite"


def begin_write(keep_loaded=False):
    """End whatever read transaction is open and start one that will write.

    Raises NestedTransaction if a write transaction is open already: ending it here would
    commit or lose the outer use case's half-done work.

    `keep_loaded`: the read transaction is ended with a commit that leaves loaded objects as
    they are, so a service can use what the page just read (an event's blocks and sessions)
    without reading it again. Rows whose values matter are re-read under lock anyway.
    On PostgreSQL the read transaction simply goes on as the write transaction: in READ
    COMMITTED every statement sees what was committed before it, so this is the same as a new
    transaction, without the COMMIT, the pool's ping and the BEGIN (three round trips per
    sign-up). SQLite cannot do that (its read snapshot would stay old): there the read
    transaction's own connection commits and begins again, IMMEDIATE (see _write_on).
    """
    session = db.session()
    if session.info.get(_WRITING):
        raise NestedTransaction("a write transaction is already open in this session")
    keep = keep_loaded and session.in_transaction() and not (
        session.new or session.dirty or session.deleted)
    if keep and not _relaxed.get() and (not is_sqlite() or _write_on(session.connection())):
        session.info[_WRITING] = True
        return
    if keep:
        _commit_keeping_loaded(session)
    else:
        session.rollback()
    _want_immediate.set(is_sqlite())
    try:
        session.connection()  # begins now (BEGIN IMMEDIATE on SQLite: waits for the lock)
    finally:
        _want_immediate.set(False)
    session.info[_WRITING] = True


def _write_on(connection):
    """SQLite: the read transaction's connection ends its snapshot (COMMIT) and takes the write
    lock (BEGIN IMMEDIATE, as a new write transaction's does), while the session's transaction
    goes on. Ending it through the session instead (a commit with its events, the connection
    back to the pool, out again with the pool's ping, BEGIN) cost a sign-up about 0.3 ms of
    CPU. False for a connection that ran relaxed: a writer takes one from the pool, which
    hands it out with synchronous=FULL."""
    if connection.info.get(_RELAXED):
        return False
    connection.connection.dbapi_connection.commit()
    _begin_immediate(connection)
    return True


def _commit_keeping_loaded(session):
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


# Statements built once and run many times: building one (and its cache key) costs a busy
# sign-up more CPU than the database spends running it.
_LOCKS = {}
_ID_LOCKS = {}
_INSERTS = {}


def lock_rows(model, ids, key_kept=False):
    """Load rows by id, locked for this transaction, always in id order (no deadlocks).

    `key_kept`: PostgreSQL's FOR NO KEY UPDATE, for a change that keeps the row's id: it
    waits for and blocks other writers of the row, but not a transaction that only inserts
    a row pointing at it (a foreign key's check takes FOR KEY SHARE)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    sqlite = is_sqlite()
    query = _LOCKS.get((model, sqlite, key_kept))
    if query is None:
        query = select(model).where(model.id.in_(bindparam("ids", expanding=True)))
        query = query.order_by(model.id).execution_options(populate_existing=True)
        # (The statement run now is the one kept: the first lock of a model in a process
        # once ran without FOR UPDATE.)
        query = _LOCKS[model, sqlite, key_kept] = (
            query if sqlite else query.with_for_update(key_share=key_kept))
    rows = db.session.execute(query, {"ids": ids}).scalars()
    return {row.id: row for row in rows}


def lock_ids(model, ids):
    """Lock rows by id for this transaction, in id order, and read nothing: for a caller that
    reads what it needs in a later statement (lock_rows loads every column into the ORM's
    objects, which cost a sign-up more than its SQL). SQLite: nothing to do, the write lock
    taken at BEGIN IMMEDIATE covers every row. PostgreSQL: SELECT id ... FOR UPDATE; what the
    caller counts must be read by a statement after this one (READ COMMITTED: a statement sees
    what committed before it began, and this one may have waited for another sign-up)."""
    ids = sorted(set(ids))
    if not ids or is_sqlite():
        return
    query = _ID_LOCKS.get(model)
    if query is None:
        # = ANY(array): one parameter, where an expanding IN is written out at every execution.
        query = _ID_LOCKS[model] = (
            select(model.id).where(model.id == any_(bindparam("ids", type_=ARRAY(Integer))))
            .order_by(model.id).with_for_update())
    db.session.connection().execute(query, {"ids": ids}).all()


def insert_row(model, values):
    """Write one new row at once with a plain INSERT, and return every column as written: the
    values given, the model's defaults and the new id (a column left without a value and
    without a default is NULL). A flush would do the same with far more bookkeeping than SQL
    (it cost a sign-up more CPU than its statements)."""
    table = model.__table__
    result = db.session.connection().execute(_insert(table), values)
    row = dict.fromkeys(_unset_is_null(table))
    row.update(result.last_inserted_params())
    row.update(zip((c.key for c in table.primary_key), result.inserted_primary_key))
    return row


def insert_rows(model, rows):
    """Write new rows at once (one call, the driver's executemany), reading nothing back."""
    if rows:  # (an empty list would insert one row of defaults)
        db.session.connection().execute(_insert(model.__table__), rows)


def _insert(table):
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = table.insert()
    return statement


@functools.cache
def _unset_is_null(table):
    return tuple(c.key for c in table.columns if c.server_default is None)


def loaded_copy(model, row):
    """The object for a row this transaction wrote (insert_row), in the session as its loaded
    copy, as a flush would leave it. Built without the constructor's attribute events:
    `row` is keyed by attribute (our models name columns as their attributes)."""
    assert _named_as_columns(model), model
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(row)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


@functools.cache
def _named_as_columns(model):
    mapper = model.__mapper__
    return all(prop.key == prop.columns[0].key for prop in mapper.column_attrs)


def is_lock_timeout(exc):
    """Did the database give up waiting for a lock (rather than fail in another way)? A
    deadlock counts: the transaction it ended wrote nothing, and trying again succeeds."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED):
        return True
    return getattr(orig, "sqlite_errorname", None) == "SQLITE_BUSY" or (
        "database is locked" in str(orig))


def write_transaction(on_integrity_error=None, keep_loaded=False):
    """Run a service function as one writing transaction: commit on success, roll back on error.

    `on_integrity_error` turns a unique-constraint violation (a race the database settled)
    into the domain error the user should see. `keep_loaded` (see begin_write) also leaves
    what the page loaded usable after the commit, without reading it again. A lock not
    granted in time raises Busy.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                begin_write(keep_loaded=keep_loaded)
                result = fn(*args, **kwargs)
                if keep_loaded:
                    _commit_keeping_loaded(db.session())
                else:
                    db.session.commit()
                return result
            except IntegrityError:
                db.session.rollback()
                if on_integrity_error is not None:
                    raise on_integrity_error() from None
                raise
            except OperationalError as exc:
                db.session.rollback()
                if is_lock_timeout(exc):
                    log.warning("lock not granted (timeout or deadlock), answered busy: %s", fn.__qualname__)
                    raise Busy() from exc
                raise
            except BaseException:
                db.session.rollback()
                raise

        return wrapper

    return decorate
