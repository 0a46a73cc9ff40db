"""Read side for the JSON API: registrations a page at a time (keyset cursor), the change feed,
per-session counts. Every function reads in a fixed number of queries, however many rows."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (DialogueSession, Event, OutboxMessage, ParallelBlock, Registration,
                      RegistrationChange, Reminder, SessionChoice)
from .queries import seat_counts

PAGE_MAX = 100


def event_with_sessions(event_id, public=False):
    """The event with its programme, blocks, sessions and leads (drafts only for staff)."""
    query = select(Event).where(Event.id == event_id).options(
        selectinload(Event.programme_items),
        selectinload(Event.blocks).selectinload(ParallelBlock.sessions)
        .selectinload(DialogueSession.leads))
    if public:
        query = query.where(Event.status.in_((Event.PUBLISHED, Event.CLOSED)))
    return db.session.scalar(query)


def _with_choices(query):
    return query.options(selectinload(Registration.choices))


def registrations_page(event_id, after=0, limit=PAGE_MAX, session_id=None, status=None,
                       organisation=None):
    """(registrations, more?) after the registration id `after`, in id order: two queries."""
    query = select(Registration).where(Registration.event_id == event_id,
                                       Registration.id > after)
    if status:
        query = query.where(Registration.status == status)
    if organisation:
        query = query.where(Registration.organisation == organisation)
    if session_id is not None:
        query = query.where(Registration.id.in_(
            select(SessionChoice.registration_id).where(
                SessionChoice.session_id == session_id,
                SessionChoice.state != SessionChoice.CANCELLED)))
    rows = db.session.scalars(_with_choices(query.order_by(Registration.id).limit(limit + 1))).all()
    return rows[:limit], len(rows) > limit


def registration_of_event(event_id, registration_id):
    return db.session.scalar(_with_choices(select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event_id)))


def changes_page(event_id, after=0, limit=PAGE_MAX):
    """(changes, {registration id: registration}, more?): the feed after change id `after`,
    with each named registration as it is now (erased ones are gone): three queries."""
    changes = db.session.scalars(
        select(RegistrationChange)
        .where(RegistrationChange.event_id == event_id, RegistrationChange.id > after)
        .order_by(RegistrationChange.id).limit(limit + 1)).all()
    more, changes = len(changes) > limit, changes[:limit]
    wanted = {c.registration_id for c in changes if c.kind not in ("erased", "anonymised")}
    registrations = {r.id: r for r in db.session.scalars(_with_choices(
        select(Registration).where(Registration.id.in_(wanted))))} if wanted else {}
    return changes, registrations, more


def session_counts(event):
    """Per session: capacity, seats taken, waiting, seats left (one query for the counts)."""
    counts = seat_counts(event)
    return [{"session_id": s.id, "block_id": block.id, "title": s.title, "capacity": s.capacity,
             "confirmed": counts[s.id][0], "waiting": counts[s.id][1],
             "seats_left": max(0, s.capacity - counts[s.id][0])}
            for block in event.blocks for s in block.sessions]


def reminder_log(event_id):
    """Every message of the event's reminders, with its status: one query."""
    return db.session.execute(
        select(OutboxMessage.reminder_id, Reminder.subject, OutboxMessage.registration_id,
               OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.created_at)
        .join(Reminder, Reminder.id == OutboxMessage.reminder_id)
        .where(Reminder.event_id == event_id)
        .order_by(OutboxMessage.reminder_id, OutboxMessage.id)).all()


def sessions_with_events(session_ids):
    """Sessions (of events that are not drafts) with their blocks and events, in time order."""
    if not session_ids:
        return []
    return db.session.scalars(
        select(DialogueSession).join(DialogueSession.block).join(ParallelBlock.event)
        .where(DialogueSession.id.in_(session_ids), Event.status != Event.DRAFT)
        .options(selectinload(DialogueSession.block).selectinload(ParallelBlock.event))
        .order_by(ParallelBlock.starts_at, DialogueSession.position, DialogueSession.id)).all()
