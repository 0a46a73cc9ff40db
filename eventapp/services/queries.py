"""Read-side helpers for pages and mail: what the event page, forms and messages show. No writes."""
from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..extensions import db
from ..models import DialogueSession, Event, ParallelBlock, Registration, SessionChoice


def published_upcoming(now):
    return db.session.scalars(
        select(Event)
        .where(Event.status.in_((Event.PUBLISHED, Event.CLOSED)), Event.ends_at >= now)
        .order_by(Event.starts_at)
    ).all()


def public_event(slug, load="programme"):
    """An event as the public sees it (not drafts).

    `load`: "programme" (items, blocks, sessions and leads, for the event page), "sessions"
    (blocks and sessions, for forms) or "event" (the row alone). Loading only what a page
    shows keeps the busy sign-up path short.
    """
    if not isinstance(slug, str) or len(slug) > 120:
        return None
    return db.session.execute(_PUBLIC_EVENT[load], {"slug": slug}).unique().scalar()


def programme_copy(slug):
    """The public event with its blocks and sessions, read in a session of its own and
    detached from it: a copy that requests may share (the sign-up POST's, see
    booking.register), so nothing may change it or attach it to a session. None when there
    is no such event."""
    if not isinstance(slug, str) or len(slug) > 120:
        return None
    with Session(db.engine, expire_on_commit=False) as session:
        return session.execute(_PUBLIC_EVENT["sessions"], {"slug": slug}).unique().scalar()


def _public_event_query(*options):
    return (select(Event).where(Event.slug == bindparam("slug"), Event.status != Event.DRAFT)
            .options(*options))


# Built once: building the statement with its loader options cost a sign-up POST more CPU
# than running it.
_PUBLIC_EVENT = {
    "programme": _public_event_query(
        selectinload(Event.programme_items),
        selectinload(Event.blocks).selectinload(ParallelBlock.sessions)
        .selectinload(DialogueSession.leads),
    ),
    # One statement (a join) rather than three: a sign-up POST needs only the structure.
    "sessions": _public_event_query(joinedload(Event.blocks).joinedload(ParallelBlock.sessions)),
    "event": _public_event_query(),
}


def _count_query():
    return select(
        SessionChoice.session_id,
        func.sum(case((SessionChoice.state == SessionChoice.CONFIRMED, 1), else_=0)),
        func.sum(case((SessionChoice.state == SessionChoice.WAITING, 1), else_=0)),
    ).group_by(SessionChoice.session_id)


def _fill(counts, rows):
    for session_id, confirmed, waiting in rows:
        counts[session_id] = (int(confirmed or 0), int(waiting or 0))
    return counts


def seat_counts(event):
    """{session id: (confirmed, waiting)} for every session of the event, in one query."""
    rows = db.session.execute(
        _count_query()
        .join(ParallelBlock, ParallelBlock.id == SessionChoice.block_id)
        .where(ParallelBlock.event_id == event.id)
    ).all()
    return _fill({s.id: (0, 0) for block in event.blocks for s in block.sessions}, rows)


def seat_counts_for_sessions(session_ids):
    """{session id: (confirmed, waiting)} for the given sessions, in one query."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        _count_query().where(SessionChoice.session_id.in_(session_ids))
    ).all()
    return _fill({sid: (0, 0) for sid in session_ids}, rows)


def registration_with_choices(registration_id):
    """A registration with its choices, their sessions, blocks and leads, in two queries."""
    return _with_choices(Registration.id == registration_id)


def registration_by_uid(uid):
    """The registration a manage link or a browser's thank-you page names, with its choices."""
    return _with_choices(Registration.uid == uid)


def _with_choices(where):
    return db.session.scalar(
        select(Registration)
        .where(where)
        .options(
            joinedload(Registration.choices).joinedload(SessionChoice.session)
            .selectinload(DialogueSession.leads),
            joinedload(Registration.choices).joinedload(SessionChoice.block),
        )
    )


def choice_rows(registration, positions=None):
    """What the person holds in each parallel block, for mail and pages alike.

    `positions` ({choice id: place in line}, from waiting_positions) when the caller has
    them already, as mail delivery has for its whole batch: then nothing is read here.
    """
    if positions is None:
        waiting = any(c.state == SessionChoice.WAITING for c in registration.choices)
        positions = waiting_positions([registration.id]) if waiting else {}
    rows = []
    for choice in sorted(registration.choices, key=lambda c: c.block.starts_at):
        rows.append(
            {
                "block": choice.block,
                "session": choice.session,
                "state": choice.state,
                "position": positions[choice.id]
                if choice.state == SessionChoice.WAITING
                else None,
            }
        )
    return rows


def waiting_position(choice):
    """1 for the first in line."""
    if choice.state != SessionChoice.WAITING:
        return None
    return waiting_positions([choice.registration_id])[choice.id]


def waiting_positions(registration_ids):
    """{choice id: place in line, 1 for the first} for every waiting choice of these
    registrations, in one query however many there are."""
    if not registration_ids:
        return {}
    ahead = aliased(SessionChoice)
    rows = db.session.execute(
        select(SessionChoice.id, func.count(ahead.id))
        .outerjoin(ahead, and_(ahead.session_id == SessionChoice.session_id,
                               ahead.state == SessionChoice.WAITING,
                               ahead.queue_no < SessionChoice.queue_no))
        .where(SessionChoice.registration_id.in_(registration_ids),
               SessionChoice.state == SessionChoice.WAITING)
        .group_by(SessionChoice.id)
    ).all()
    return {choice_id: ahead_count + 1 for choice_id, ahead_count in rows}


def attendee_rows(session):
    """(confirmed, waiting): choices of this session with their registrations, in 1 query."""
    choices = db.session.scalars(
        select(SessionChoice)
        .where(SessionChoice.session_id == session.id,
               SessionChoice.state.in_((SessionChoice.CONFIRMED, SessionChoice.WAITING)))
        .options(joinedload(SessionChoice.registration))  # one query, however many people
    ).all()
    confirmed = [c for c in choices if c.state == SessionChoice.CONFIRMED]
    waiting = sorted((c for c in choices if c.state == SessionChoice.WAITING),
                     key=lambda c: (c.queue_no, c.id))
    return confirmed, waiting


def attendee_list(session, keys):
    """(confirmed, waiting) for the lead's list and its exports, in 1 query: per person a
    tuple (state, name, organisation, created_at, *the `keys`' values), waiting in line order.

    Plain rows of the columns shown, not objects, read on the connection: for 500 people
    building ORM objects cost more than the rest of the query, and the ORM's result
    handling a third of what was left. Nothing is pending here to flush first.
    """
    states = (SessionChoice.CONFIRMED, SessionChoice.WAITING)
    rows = db.session.connection().execute(
        select(SessionChoice.state, Registration.name, Registration.organisation,
               Registration.created_at, *(getattr(Registration, key) for key in keys))
        .join(Registration, Registration.id == SessionChoice.registration_id)
        .where(SessionChoice.session_id == session.id, SessionChoice.state.in_(states))
        .order_by(SessionChoice.queue_no, SessionChoice.id)
    ).all()
    confirmed = [row for row in rows if row[0] == SessionChoice.CONFIRMED]
    waiting = [row for row in rows if row[0] == SessionChoice.WAITING]
    return confirmed, waiting


def without_a_place(event):
    """{block id: [(registration id, name)]}: people registered for the event (not walk-ins,
    who join one session at the door) who have no place in a first-come block that has
    sessions now. They signed up while it had none, so their form did not ask for one."""
    blocks = [b.id for b in event.blocks if b.asks_for_a_session]
    if not blocks:
        return {}
    has_choice = (
        select(SessionChoice.id)
        .where(SessionChoice.registration_id == Registration.id,
               SessionChoice.block_id == ParallelBlock.id,
               SessionChoice.state != SessionChoice.CANCELLED)
        .exists()
    )
    rows = db.session.execute(
        select(ParallelBlock.id, Registration.id, Registration.name)
        .join(Registration, Registration.event_id == ParallelBlock.event_id)
        .where(ParallelBlock.id.in_(blocks), Registration.status == Registration.ACTIVE,
               Registration.source != "walk_in", ~has_choice)
        .order_by(ParallelBlock.id, Registration.name, Registration.id)
    ).all()
    found = {}
    for block_id, registration_id, name in rows:
        found.setdefault(block_id, []).append((registration_id, name))
    return found
