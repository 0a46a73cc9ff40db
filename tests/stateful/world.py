"""The machine's world in the database: a clean start per run, two events, an organiser,
and the checks that read every row (personal data left behind, seats, waiting lists)."""
from datetime import timedelta

from sqlalchemy import JSON, String, Text, func, select, text

from eventapp.extensions import db
from eventapp.models import DialogueSession, Registration, SessionChoice, User
from tests.factories import make_event

ORGANISER = "arrangor.qz@example.org"


def wipe_database():
    """Every table empty, ids starting again from 1, as on a fresh install."""
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.session.get_bind().dialect.name == "sqlite":
        for name in reversed(tables):
            db.session.execute(text(f'DELETE FROM "{name}"'))
        if db.session.execute(text(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
            db.session.execute(text("DELETE FROM sqlite_sequence"))
    else:
        db.session.execute(text(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    db.session.commit()


def build_world(password_hash):
    """Event A (two parallel blocks, one session without a waiting list) and event B (one
    block, ending first, kept one day: the one a retention run anonymises), and an organiser."""
    a = make_event(capacities=(1, 2), blocks=2, title="Kickoff Alfa",
                   starts_in=timedelta(days=60))
    a.blocks[1].sessions[0].waitlist_enabled = False
    b = make_event(capacities=(1, 2), blocks=1, title="Kickoff Beta",
                   starts_in=timedelta(days=20), retention_days=1, sensitive_retention_days=0)
    db.session.add(User(email=ORGANISER, email_key=ORGANISER, name="Olga Organisatör",
                        password_hash=password_hash, is_organiser=True))
    db.session.commit()
    return {
        "A": _event_facts(a),
        "B": _event_facts(b),
    }


def _event_facts(event):
    return {
        "id": event.id, "slug": event.slug, "title": event.title,
        "blocks": [(block.id, [s.id for s in block.sessions]) for block in event.blocks],
        "anonymise_at": event.ends_at + timedelta(days=event.retention_days, minutes=1),
    }


def texts_in_database():
    """(table, row text) for every row of every table: all text and JSON columns, lowercased."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            yield table.name, " ".join(str(v) for v in row if v is not None).lower()


def seat_problems():
    """Sessions over capacity, waiting numbers out of order, or people waiting for a free seat."""
    capacities = dict(db.session.execute(select(DialogueSession.id, DialogueSession.capacity)).all())
    confirmed = dict(db.session.execute(
        select(SessionChoice.session_id, func.count(SessionChoice.id))
        .where(SessionChoice.state == SessionChoice.CONFIRMED)
        .group_by(SessionChoice.session_id)).all())
    queues = {}
    for session_id, queue_no in db.session.execute(
            select(SessionChoice.session_id, SessionChoice.queue_no)
            .where(SessionChoice.state == SessionChoice.WAITING)
            .order_by(SessionChoice.session_id, SessionChoice.queue_no, SessionChoice.id)):
        queues.setdefault(session_id, []).append(queue_no)
    problems = []
    for session_id, capacity in sorted(capacities.items()):
        seats, queue = confirmed.get(session_id, 0), queues.get(session_id, [])
        if seats > capacity:
            problems.append(f"session {session_id}: {seats} seats for {capacity}")
        if None in queue or any(a >= b for a, b in zip(queue, queue[1:])):
            problems.append(f"session {session_id}: waiting numbers {queue}")
        if queue and seats < capacity:
            problems.append(f"session {session_id}: {len(queue)} waiting, "
                            f"{capacity - seats} seats free")
    return problems


def waiting_positions():
    """{choice id: position in line (1 first)} for everyone waiting."""
    positions = {}
    rows = db.session.execute(select(SessionChoice.id, SessionChoice.session_id).where(
        SessionChoice.state == SessionChoice.WAITING).order_by(
        SessionChoice.session_id, SessionChoice.queue_no, SessionChoice.id)).all()
    last, n = None, 0
    for choice_id, session_id in rows:
        n = n + 1 if session_id == last else 1
        positions[choice_id], last = n, session_id
    return positions


def registration_row(event_id, email):
    """The live registration of this address at this event (id, uid), as stored."""
    return db.session.execute(select(Registration.id, Registration.uid).where(
        Registration.event_id == event_id, Registration.email_key == email.lower(),
        Registration.status == Registration.ACTIVE)).first()


def status_of(registration_id):
    return db.session.scalar(select(Registration.status).where(Registration.id == registration_id))
