"""Delivering what is due in the outbox: claim, load, issue account links, render, send, mark.

Rendering touches no database: the batch is loaded in a few queries, and the single-use
links of invitations and resets are issued by the accounts service before rendering.

Several workers may run at once, on several machines: a row is claimed with a lease (an
UPDATE that only succeeds while the row is still free) and, on PostgreSQL, candidates are
picked with FOR UPDATE SKIP LOCKED so workers do not queue behind each other.

The one window in which a message can go out twice is between the SMTP server accepting it
and our commit of "sent": if the worker dies there, the lease runs out and another worker
sends it again. We commit after every single message to keep that window one message wide;
that commit does not wait for the disk (relaxed_connection): a machine crash may lose a "sent"
mark, which means one duplicate, never a lost message.
"""
import gc
import logging
import os
import smtplib
import socket
import time
import uuid
from datetime import timedelta

from blinker import Namespace
from flask import current_app
from flask_mail import Connection
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from ..domain.delivery import PERMANENT, classify_smtp_failure, failure_text, next_attempt
from ..extensions import db
from ..models import DialogueSession, OutboxMessage, Registration, SessionChoice
from ..services.accounts import issue_delivery_tokens
from ..services.preferences import rankings_for
from ..services.queries import waiting_positions
from ..services.allocation import allocate_due
from ..services.reminders import queue_due_reminders
from ..services.unit_of_work import begin_write, is_sqlite, relaxed_connection
from ..util.time import utcnow
from .messages import RenderContext, Skip, batch_rendering, build_message

log = logging.getLogger("eventapp.mail")

# Sent once a message's "sent" is committed (sender: the app; message_id=): a hook for
# counters, and for the test that kills a worker at a known point (tests/killable_worker.py).
message_sent = Namespace().signal("message-sent")


class _TimeoutConnection(Connection):
    """Flask-Mail's connection, with a socket timeout so a hung server cannot hang the worker."""

    def configure_host(self):
        cfg = current_app.config
        timeout = cfg["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def worker_id():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _claimable(now):
    return or_(
        and_(OutboxMessage.status == OutboxMessage.QUEUED, OutboxMessage.next_attempt_at <= now),
        # A worker that died mid-batch leaves leases behind; they are fair game once expired.
        and_(OutboxMessage.status == OutboxMessage.SENDING, OutboxMessage.lease_until < now),
    )


def claim_due(now, owner, limit, lease_seconds):
    """Lease up to `limit` due messages to `owner`; returns their ids."""
    begin_write()
    try:
        query = (
            select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.id).limit(limit)
        )
        if not is_sqlite():
            query = query.with_for_update(skip_locked=True)
        candidates = db.session.scalars(query).all()
        claimed = []
        if candidates:
            # One statement for the batch; a row another worker took meanwhile is no longer
            # claimable, so it is not updated and not returned.
            claimed = db.session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(candidates), _claimable(now))
                .values(status=OutboxMessage.SENDING,
                        lease_until=now + timedelta(seconds=lease_seconds), lease_owner=owner)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            ).all()
        db.session.commit()
        return sorted(claimed)
    except BaseException:
        db.session.rollback()
        raise


def _finish(message_id, owner, **values):
    """Record the outcome, but only if our lease still holds (nobody else took the row over)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner)
        .values(lease_until=None, **values)
        # The batch's rows stay in the session (expired); matching each of them against this
        # UPDATE in Python cost more than the UPDATE itself, and nothing reads them after.
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


class _SentMarks:
    """Commits "sent" for one message at a time, on the batch's own connection for marks (one
    checkout for the batch; relaxed_connection: the commit does not wait for the disk).

    The UPDATE goes to the driver's cursor as plain SQL, each one its own autocommitted
    statement (relaxed_connection's psycopg connection is in autocommit; pysqlite is left in
    autocommit by install_sqlite_locking, and nothing opens a transaction on this one).
    Through SQLAlchemy the same mark cost BEGIN, UPDATE and COMMIT on SQLite and about as
    much Python again as the UPDATE itself (issue 16). psycopg prepares a statement it sees
    repeatedly, so PostgreSQL parses and plans it once per connection. Being plain driver
    calls, these UPDATEs do not pass SQLAlchemy's statement events."""

    def __init__(self, connection):
        dialect = connection.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._sql = (
            f"UPDATE {OutboxMessage.__tablename__} SET status = '{OutboxMessage.SENT}', "
            f"sent_at = {mark}, attempts = {mark}, lease_until = NULL, last_error = NULL "
            f"WHERE id = {mark} AND lease_owner = {mark}")
        # The time as SQLAlchemy would store it (a string on SQLite, as-is for psycopg).
        sent_at = OutboxMessage.__table__.c.sent_at.type
        self._stored_time = sent_at.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
        self._cursor = connection.connection.driver_connection.cursor()

    def mark(self, message_id, owner, attempts):
        """Only while our lease holds, as _finish; committed when it returns (autocommit)."""
        self._cursor.execute(self._sql, (self._stored_time(utcnow()), attempts + 1, message_id,
                                         owner))


def _failed(message_id, owner, attempts, exc, now):
    cfg = current_app.config
    attempts += 1
    code, error = _smtp_code(exc), _failure(exc)
    retry_at = None
    if classify_smtp_failure(code) != PERMANENT:
        retry_at = next_attempt(now, attempts, cfg["OUTBOX_MAX_ATTEMPTS"])
    log.warning(
        "mail delivery failed id=%s attempt=%s code=%s retry_at=%s error=%s",
        message_id, attempts, code, retry_at, error,
    )
    if retry_at is None:
        _finish(message_id, owner, status=OutboxMessage.FAILED, attempts=attempts,
                last_error=error)
    else:
        _finish(message_id, owner, status=OutboxMessage.QUEUED, attempts=attempts,
                next_attempt_at=retry_at, last_error=error)
    return code


def _smtp_code(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def _failure(exc):
    """The server's answer without the addresses in it. str(exc) of a refused recipient is
    a dict keyed by the address, so it is never used as it is."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [(code, _text(answer)) for code, answer in exc.recipients.values()]
        return "; ".join(failure_text(code, answer) for code, answer in answers)
    if isinstance(exc, smtplib.SMTPResponseException):
        return failure_text(exc.smtp_code, _text(exc.smtp_error))
    return failure_text(None, f"{type(exc).__name__}: {exc}")


def _text(answer):
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def load_batch(message_ids):
    """The claimed rows with everything their messages show, in the same few queries
    whatever the mix of kinds: the row with its registration, event, reminder and account;
    the registrations' choices with their sessions and blocks; the sessions' leads."""
    registration = joinedload(OutboxMessage.registration)
    choices = registration.selectinload(Registration.choices)
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).order_by(OutboxMessage.id)
        .options(
            registration.joinedload(Registration.event),
            choices.joinedload(SessionChoice.block),
            choices.joinedload(SessionChoice.session).selectinload(DialogueSession.leads),
            joinedload(OutboxMessage.reminder),
            joinedload(OutboxMessage.user),
        )
    ).unique().all()


def render_context(rows, now):
    """What rendering needs beyond the rows: the waiting-list places of the batch's people
    (one query), and the single-use links of its staff messages (one write transaction,
    through the accounts service, only when the batch holds any). The rows stay loaded."""
    registration_ids = [row.registration_id for row in rows if row.registration_id]
    positions = waiting_positions(registration_ids)
    staff = [row for row in rows if row.user_id is not None]
    links = issue_delivery_tokens(staff, now) if staff else {}
    return RenderContext(now=now, positions=positions, links=links,
                         rankings=rankings_for(registration_ids), frames={})


def _prepare(row, context, prepared, unsent):
    """Render one row into `prepared` (its bytes too), or say in `unsent` why not."""
    try:
        message = build_message(row, context)
        prepared.append((row.id, row.attempts, message, message.as_bytes()))
    except Skip as reason:
        unsent.append((row.id, "skipped", OutboxMessage.SKIPPED, str(reason)))
    except Exception as exc:  # a template bug must not stop the rest of the batch
        log.exception("mail render failed id=%s", row.id)
        unsent.append((row.id, "failed", OutboxMessage.FAILED, f"render: {exc}"))


def deliver_due(now=None, owner=None, limit=None):
    """Deliver one batch of due messages. Returns counts by outcome (cron-friendly)."""
    cfg = current_app.config
    now = now or utcnow()
    owner = owner or worker_id()
    limit = limit or cfg["OUTBOX_BATCH_SIZE"]
    counts = {"sent": 0, "retry": 0, "failed": 0, "logged": 0, "skipped": 0}
    claimed = claim_due(now, owner, limit, cfg["OUTBOX_LEASE_SECONDS"])
    if not claimed:
        return counts

    rows = load_batch(claimed)
    context = render_context(rows, now)
    prepared, unsent = [], []
    with batch_rendering():
        for row in rows:
            _prepare(row, context, prepared, unsent)
    # End the read transaction before marking rows: on SQLite a transaction that read and
    # then writes fails at once if another worker wrote in between ("database is locked").
    db.session.rollback()
    for message_id, outcome, status, reason in unsent:
        _finish(message_id, owner, status=status, last_error=reason)
        counts[outcome] += 1

    if not cfg.get("MAIL_SERVER"):
        for message_id, _attempts, message, _raw in prepared:
            log.info(
                "mail not sent (no MAIL_SERVER configured), kept in outbox id=%s to=%s "
                "subject=%s\n%s", message_id, ", ".join(message.recipients), message.subject,
                message.body,
            )
            _finish(message_id, owner, status=OutboxMessage.LOGGED)
            counts["logged"] += 1
        return counts

    pending = list(prepared)
    try:
        with _TimeoutConnection(current_app.extensions["mail"]) as connection, \
                relaxed_connection(db.engine) as relaxed:
            marks = _SentMarks(relaxed)
            while pending:
                message_id, attempts, message, raw = pending[0]
                try:
                    connection.host.sendmail(*message.envelope(), raw)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                        smtplib.SMTPDataError) as exc:
                    pending.pop(0)
                    code = _failed(message_id, owner, attempts, exc, utcnow())
                    failed_for_good = classify_smtp_failure(code) == PERMANENT
                    counts["failed" if failed_for_good else "retry"] += 1
                    continue
                pending.pop(0)
                marks.mark(message_id, owner, attempts)
                log.info("mail sent id=%s", message_id)
                counts["sent"] += 1
                message_sent.send(current_app._get_current_object(), message_id=message_id)
    except (OSError, smtplib.SMTPException) as exc:
        # The connection itself failed: everything not yet sent waits for the next try.
        for message_id, attempts, _message, _raw in pending:
            _failed(message_id, owner, attempts, exc, utcnow())
            counts["retry"] += 1
    return counts


def leave_startup_objects_to_refcounting():
    """Once, when a worker process has started: the app's own objects (modules, templates,
    mappers; over 100,000 of them) are moved out of the garbage collector's sight. Every full
    collection walked them all again, about 0.1 s each, every few batches; now it walks the
    batches' objects only. Collected first, so no garbage is kept (gc.freeze)."""
    gc.collect()
    gc.freeze()


def run_worker(poll_seconds=None, stop=lambda: False):
    """Deliver forever: a batch, then a short sleep when there was nothing to do."""
    poll_seconds = poll_seconds or current_app.config["OUTBOX_POLL_SECONDS"]
    owner = worker_id()
    leave_startup_objects_to_refcounting()
    log.info("mail worker %s started", owner)
    while not stop():
        try:
            queue_due_reminders(utcnow())
            allocate_due(utcnow())
            counts = deliver_due(owner=owner)
        except Exception:  # the database went away for a moment; try again shortly
            log.exception("mail worker batch failed")
            db.session.rollback()
            counts = {}
        if not any(counts.values()):
            time.sleep(poll_seconds)
        db.session.remove()
