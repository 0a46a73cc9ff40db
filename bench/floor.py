"""A floor for the sign-up POST: what a sign-up must cost at the least on this machine.

The durable essentials of one sign-up in a bare Flask app, with the database driver alone
(sqlite3 or psycopg) and none of eventapp: the form's fields read, the address checked
(email-validator, as ours does), the chosen sessions locked and their seats counted, the
registration, its session choices, its confirmation in the outbox and its change-feed row
written and committed durably (SQLite: WAL with synchronous=FULL; PostgreSQL:
synchronous_commit on), then a 302. No forms library, ORM, rate limits, session, CSRF check,
translations or security headers.

bench/run.py starts it with `gunicorn -c gunicorn.conf.py "bench.floor:create_floor_app()"`
on the same settings and database as the app under test, and wrk sends it the same sign-up
POSTs. Its rate over the bare hello-world's is the ceiling a sign-up POST's ratio could reach
with every library taken off its path; the gap between it and ours is what those libraries
cost.
"""
import json
import os
import sqlite3
import threading
import uuid
from datetime import datetime, timezone

from email_validator import EmailNotValidError, validate_email
from flask import Flask, redirect, request

_REGISTRATION = (
    "INSERT INTO registration (uid, event_id, name, email, email_key, organisation, job_title, "
    "dietary_needs, accessibility_needs, discussion_topic, locale, consent_version, "
    "consented_at, status, link_version, ics_sequence, created_at, updated_at, source, "
    "consent_text) VALUES ({})"
)
_CHOICE = ("INSERT INTO session_choice (registration_id, block_id, session_id, state, queue_no, "
           "created_at, updated_at) VALUES ({})")
_OUTBOX = ("INSERT INTO outbox_message (kind, registration_id, to_address, locale, payload, "
           "status, attempts, next_attempt_at, created_at) VALUES ({})")
_CHANGE = ("INSERT INTO registration_change (event_id, registration_id, kind, created_at) "
           "VALUES ({})")
_SEATS = (
    "SELECT s.id, s.capacity, s.waiting_seq, "
    "(SELECT count(*) FROM session_choice c WHERE c.session_id = s.id "
    "AND c.state = 'confirmed'), "
    "(SELECT count(*) FROM registration r WHERE r.event_id = {p} AND r.email_key = {p} "
    "AND r.status = 'active') "
    "FROM dialogue_session s WHERE s.id IN ({ids}) ORDER BY s.id"
)
_FIELDS = ("name", "organisation", "job_title", "dietary_needs", "accessibility_needs",
           "discussion_topic")


class _SQLite:
    marker = "?"

    def __init__(self, url):
        self.conn = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None,
                                    check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000",
                       "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")

    def begin(self):
        self.conn.execute("BEGIN IMMEDIATE")  # the write lock, as ours takes it

    def insert(self, sql, values):
        return self.conn.execute(sql, values).lastrowid


class _PostgreSQL:
    marker = "%s"

    def __init__(self, url):
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))

    def begin(self):
        pass  # psycopg begins a transaction at the first statement

    def insert(self, sql, values):
        return self.conn.execute(sql + " RETURNING id", values).fetchone()[0]


def create_floor_app(database_url=None):
    database_url = database_url or os.environ["DATABASE_URL"]
    app = Flask(__name__)
    local = threading.local()

    def database():
        if getattr(local, "db", None) is None:
            local.db = (_SQLite if database_url.startswith("sqlite") else _PostgreSQL)(
                database_url)
        return local.db

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/events/<slug>/signup")
    def form(slug):
        # bench/run.py's client reads a token from the form; nothing here checks it.
        return '<form method="post"><input name="csrf_token" value="floor"></form>'

    @app.post("/events/<slug>/signup")
    def sign_up(slug):
        form = request.form
        try:
            email = validate_email(form.get("email", ""), check_deliverability=False).normalized
            choices = {int(k[len("block_"):]): int(v) for k, v in form.items()
                       if k.startswith("block_")}
            details = [form[name] for name in _FIELDS]
        except (EmailNotValidError, ValueError, KeyError):
            return "invalid form", 400
        db = database()
        try:
            event_id = _sign_up(db, slug, email, details, choices)
        except BaseException:
            db.conn.rollback()
            raise
        if event_id is None:
            return "not signed up", 409
        return redirect(f"/events/{slug}/thanks", 302)

    return app


def _sign_up(db, slug, email, details, choices):
    """One transaction; the event's id, or None (nothing written) when refused."""
    m = db.marker
    key = email.lower()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    db.begin()
    row = db.conn.execute(f"SELECT id FROM event WHERE slug = {m}", (slug,)).fetchone()
    session_ids = sorted(set(choices.values()))
    if row is None or not session_ids:
        db.conn.rollback()
        return None
    event_id = row[0]
    seats_sql = _SEATS.format(p=m, ids=", ".join([m] * len(session_ids)))
    if m == "%s":
        seats_sql += " FOR UPDATE OF s"  # the sessions' rows, in id order
    seats = {r[0]: r for r in db.conn.execute(seats_sql, (event_id, key, *session_ids))}
    if len(seats) != len(session_ids) or any(r[4] for r in seats.values()):
        db.conn.rollback()
        return None
    values = ", ".join([m] * 20)
    registration_id = db.insert(_REGISTRATION.format(values), (
        str(uuid.uuid4()), event_id, details[0], email, key, *details[1:], "sv", 1, now,
        "active", 1, 0, now, now, "web", ""))
    rows = []
    for block_id, session_id in sorted(choices.items()):
        _id, capacity, waiting_seq, confirmed, _already = seats[session_id]
        if confirmed < capacity:
            rows.append((registration_id, block_id, session_id, "confirmed", None, now, now))
        else:
            rows.append((registration_id, block_id, session_id, "waiting", waiting_seq + 1,
                         now, now))
            db.conn.execute(f"UPDATE dialogue_session SET waiting_seq = {m} WHERE id = {m}",
                            (waiting_seq + 1, session_id))
    db.conn.cursor().executemany(_CHOICE.format(", ".join([m] * 7)), rows)
    payload = json.dumps({"sequence": 0})
    outbox = ", ".join([m] * 9) if m == "?" else "%s, %s, %s, %s, %s::json, %s, %s, %s, %s"
    db.insert(_OUTBOX.format(outbox), ("confirmation", registration_id, email, "sv", payload,
                                       "queued", 0, now, now))
    db.insert(_CHANGE.format(", ".join([m] * 4)), (event_id, registration_id, "created", now))
    db.conn.commit()
    return event_id
