"""The day itself: who arrived, walk-ins, and messages from a lead to their session."""
from sqlalchemy import select

from ..domain.errors import AlreadyRegistered, NotFound, NotInSession
from ..extensions import db
from ..models import DialogueSession, Registration, SessionChoice
from .activity import log_activity
from .booking import Details, register_in_transaction
from .unit_of_work import lock_rows, write_transaction


@write_transaction()
def set_checked_in(session_id, choice_id, arrived, actor, now):
    """Tick (or untick) a confirmed person as arrived."""
    return _mark_arrived(session_id, choice_id, arrived, actor, now)


def _mark_arrived(session_id, choice_id, arrived, actor, now):
    choice = lock_rows(SessionChoice, [choice_id]).get(choice_id)
    if choice is None or choice.session_id != session_id or choice.state != SessionChoice.CONFIRMED:
        raise NotInSession()
    choice.checked_in_at = now if arrived else None
    log_activity(choice.registration.event_id, actor,
                 "checkin.arrived" if arrived else "checkin.undone",
                 choice.registration.name, now, registration_id=choice.registration_id,
                 session_id=session_id)
    return choice


@write_transaction(on_integrity_error=AlreadyRegistered)
def add_walk_in(session_id, name, email, organisation, actor, now, locale="sv"):
    """Someone who turns up: registered into this session if a seat is free, and ticked, in
    one transaction (never registered but not ticked)."""
    session = db.session.get(DialogueSession, session_id)
    if session is None:
        raise NotFound(session_id)
    registration = register_in_transaction(
        session.block.event_id,
        Details(name=name, email=email or "", organisation=organisation or ""),
        {session.block_id: session.id}, locale, now, notify=bool(email), source="walk_in",
        actor=actor,
    )
    return _mark_arrived(session.id, registration.choices[0].id, True, actor, now)


def recipients(session_id, include_waiting):
    states = [SessionChoice.CONFIRMED] + ([SessionChoice.WAITING] if include_waiting else [])
    return db.session.scalars(
        select(Registration)
        .join(SessionChoice, SessionChoice.registration_id == Registration.id)
        .where(SessionChoice.session_id == session_id, SessionChoice.state.in_(states),
               Registration.status == Registration.ACTIVE, ~Registration.email_key.like("walk-in:%"))
        .order_by(Registration.name)
    ).all()


@write_transaction()
def send_session_message(session_id, subject, body, include_waiting, actor, now):
    """One outbox row per recipient; the worker sends them."""
    from .outbox import enqueue

    session = db.session.get(DialogueSession, session_id)
    people = recipients(session_id, include_waiting)
    for registration in people:
        enqueue("session_message", registration, now, session_id=session_id,
                subject=subject, body=body, sender=actor.name)
    log_activity(session.block.event_id, actor, "session.message", subject, now,
                 session_id=session_id, recipients=len(people))
    return len(people)
