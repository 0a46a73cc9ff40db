"""The programme builder's use cases: plenary items, passes, dialogue sessions with their leads
and their order. One transaction each."""
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..domain import capacity, programme as rules
from ..domain.errors import (
    AmbiguousLead,
    DoubleBooking,
    EmailTaken,
    HasRegistrations,
    NotFound,
    UnknownLead,
)
from ..domain.signup import email_key
from ..extensions import db
from ..models import (
    DialogueSession,
    Event,
    Lead,
    ParallelBlock,
    ProgrammeItem,
    SessionChoice,
    User,
    session_leads,
)
from . import accounts
from .activity import log_activity
from .booking import promote_from_waiting_list, seat_state
from .unit_of_work import lock_rows, write_transaction

SESSION_FIELDS = ("title", "description", "room", "capacity", "waitlist_enabled")


def _passes_changed(event_id, now):
    """A pass or a session was added, changed, moved or removed: the event's updated_at says
    so, and a copy of the programme read before (a sign-up POST's, booking.register) is
    known to be stale at once."""
    db.session.execute(update(Event).where(Event.id == event_id).values(updated_at=now))


class Saved(NamedTuple):
    session: DialogueSession
    promoted: list  # waiting-list choices given a seat by a higher capacity
    invited: list  # names of the new people who get an invitation by email


def next_slot(event):
    """Where a new plenary item or pass starts and ends: where the programme ends so far."""
    entries = [rules.Slot(e.starts_at, e.ends_at) for e in (*event.programme_items, *event.blocks)]
    return rules.next_slot(event.starts_at, event.ends_at, entries)


@write_transaction()
def save_programme_item(event_id, item_id, values, actor, now):
    item = db.session.get(ProgrammeItem, item_id) if item_id else ProgrammeItem(event_id=event_id)
    if item is None or item.event_id != event_id:
        raise NotFound(item_id)
    for field in ("title", "description", "speakers", "starts_at", "ends_at"):
        setattr(item, field, values[field])
    db.session.add(item)
    log_activity(event_id, actor, "programme.saved", item.title, now)
    return item


@write_transaction()
def delete_programme_item(event_id, item_id, actor, now):
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != event_id:
        raise NotFound(item_id)
    log_activity(event_id, actor, "programme.deleted", item.title, now)
    db.session.delete(item)


@write_transaction()
def save_block(event_id, block_id, values, actor, now):
    block = db.session.get(ParallelBlock, block_id) if block_id else ParallelBlock(event_id=event_id)
    if block is None or block.event_id != event_id:
        raise NotFound(block_id)
    for field in ("title", "starts_at", "ends_at"):
        setattr(block, field, values[field])
    db.session.add(block)
    _passes_changed(event_id, now)
    log_activity(event_id, actor, "block.saved", block.title, now)
    return block


def _choices_in(column, value):
    return db.session.scalar(select(func.count(SessionChoice.id)).where(
        column == value, SessionChoice.state != SessionChoice.CANCELLED))


@write_transaction()
def delete_block(event_id, block_id, actor, now):
    # Locks as a sign-up takes them (the event, the pass if it is ranked, its sessions), so
    # that nobody is booked into it between the check and the delete, which would take their
    # place with it (the choices' foreign key cascades).
    _passes_changed(event_id, now)
    block = lock_rows(ParallelBlock, [block_id]).get(block_id)
    if block is None or block.event_id != event_id:
        raise NotFound(block_id)
    lock_rows(DialogueSession, [s.id for s in block.sessions])
    if _choices_in(SessionChoice.block_id, block.id):
        raise HasRegistrations()
    log_activity(event_id, actor, "block.deleted", block.title, now)
    db.session.delete(block)


# --- sessions ---------------------------------------------------------------------------------


def _session_in(event_id, session_id, lock=False):
    session = (lock_rows(DialogueSession, [session_id]).get(session_id) if lock
               else db.session.get(DialogueSession, session_id))
    if session is None or session.block.event_id != event_id:
        raise NotFound(session_id)
    return session


def _person(lead):
    return rules.Person(rules.lead_key(lead.email, lead.id), lead.name)


def _booking(session, block, room=None, leads=None):
    return rules.Booking(
        session_id=session.id, title=session.title, block_id=block.id, block_title=block.title,
        slot=rules.Slot(block.starts_at, block.ends_at),
        room=session.room if room is None else room,
        leads=tuple(_person(lead) for lead in (session.leads if leads is None else leads)))


def _event_bookings(event_id):
    """Every session of the event as the clash check sees it (three queries)."""
    sessions = db.session.scalars(
        select(DialogueSession).join(ParallelBlock).where(ParallelBlock.event_id == event_id)
        .options(selectinload(DialogueSession.leads), selectinload(DialogueSession.block))
    ).all()
    return [_booking(s, s.block) for s in sessions]


@write_transaction(on_integrity_error=EmailTaken)
def save_session(event_id, block_id, session_id, values, actor, now, locale="sv",
                 allow_clashes=False):
    """Create or edit a session with its leads, in one go.

    `values` holds the session's fields, `remove_lead_ids`, and `new_leads` as (row, name,
    email): a new person is invited by email, a known lead may be given by name alone.
    A lead or room booked in another session at the same time raises DoubleBooking (nothing
    saved) unless `allow_clashes`; a clash the session had already is not asked about again.
    Raising the capacity promotes from the waiting list at once; lowering it below the seats
    taken is refused.
    """
    block = db.session.get(ParallelBlock, block_id)
    if block is None or block.event_id != event_id:
        raise NotFound(block_id)
    others = _event_bookings(event_id)
    if session_id:
        session = _session_in(event_id, session_id, lock=True)
        if session.block_id != block.id:
            raise NotFound(session_id)
        capacity.ensure_capacity_allowed(values["capacity"], seat_state(session).confirmed)
        before = rules.clashes(_booking(session, block), others)
    else:
        session = DialogueSession(waiting_seq=0)  # joins the block once it is complete
        before = []
    with db.session.no_autoflush:
        removed = set(values.get("remove_lead_ids") or ())
        leads = [lead for lead in session.leads if lead.id not in removed]
        dropped = [lead for lead in session.leads if lead.id in removed]
        added, invited = [], []
        for row, name, email in values.get("new_leads") or ():
            lead, new_account = _lead_for(event_id, row, name, email, actor, now, locale,
                                          led=(block.event.title, values["title"]))
            if new_account:
                invited.append(lead.name)
            if lead not in leads:
                leads.append(lead)
                added.append(lead)
        for field in SESSION_FIELDS:
            setattr(session, field, values[field])
        found = rules.new_clashes(rules.clashes(_booking(session, block, leads=leads), others),
                                  before)
        if found and not allow_clashes:
            raise DoubleBooking(found)
        session.leads = leads
        if not session_id:
            session.position = max((s.position for s in block.sessions), default=-1) + 1
            session.block = block
            db.session.add(session)
    db.session.flush()
    promoted = promote_from_waiting_list(session, now) if session_id else []
    _passes_changed(event_id, now)
    log_activity(event_id, actor, "session.saved", session.title, now,
                 capacity=session.capacity, promoted=len(promoted), clashes=len(found))
    for action, changed in (("session.lead_added", added), ("session.lead_removed", dropped)):
        for lead in changed:
            log_activity(event_id, actor, action, f"{lead.name} – {session.title}", now)
    return Saved(session, promoted, invited)


def clashes_of(event_id, session):
    """The double bookings a saved session has (kept with "Save anyway", or made by a copy)."""
    return rules.clashes(_booking(session, session.block), _event_bookings(event_id))


def _lead_for(event_id, row, name, email, actor, now, locale, led=None):
    """(lead, whether they are new and invited) for a form row. With an address: that person,
    invited by email if they have no account yet (`led`: the event and session titles the
    invitation names). By name alone: the one known lead of that name."""
    if not email:
        matches = rules.leads_named(name, known_leads(event_id))
        if len(matches) != 1:
            raise (AmbiguousLead if matches else UnknownLead)(row)
        return db.session.get(Lead, matches[0].lead_id), False
    user = accounts.find_user(email)
    new_account = user is None
    if new_account:
        user = accounts.invite_in_transaction(email, name, now, lead=True, invited_by=actor,
                                              locale=locale, led=led)
    user.is_lead = True
    lead = db.session.scalar(select(Lead).where(Lead.user_id == user.id).order_by(Lead.id).limit(1))
    if lead is None:  # a lead listed before accounts existed keeps their row
        key = email_key(email)
        lead = next((row for row in db.session.scalars(
            select(Lead).where(Lead.user_id.is_(None), Lead.email != "").order_by(Lead.id))
            if email_key(row.email) == key), None)
    if lead is None:
        lead = Lead(name=name.strip(), email=email.strip())
        db.session.add(lead)
    lead.user_id = user.id
    return lead, new_account


def known_leads(event_id):
    """The leads an organiser can pick for this event by name, one per person: everyone who
    leads or has led a session, except inactive accounts and the demo's own leads (those only
    in the demo event and copies of it)."""
    demo_event = bool(db.session.scalar(
        select(func.count()).select_from(session_leads)
        .join(Lead, Lead.id == session_leads.c.lead_id)
        .join(User, User.id == Lead.user_id)
        .join(DialogueSession, DialogueSession.id == session_leads.c.session_id)
        .join(ParallelBlock, ParallelBlock.id == DialogueSession.block_id)
        .where(ParallelBlock.event_id == event_id, User.is_demo)))
    rows = db.session.execute(
        select(Lead.id, Lead.name, Lead.email, User.is_demo, User.active)
        .outerjoin(User, User.id == Lead.user_id)
        .order_by(Lead.user_id.is_(None), Lead.id)).all()
    known = {}
    for lead_id, name, email, is_demo, active in rows:
        if active is False or (is_demo and not demo_event):
            continue
        known.setdefault(rules.lead_key(email, lead_id), rules.KnownLead(lead_id, name, email))
    return list(known.values())


def search_leads(event_id, query, limit=10):
    return rules.matching_leads(query, known_leads(event_id), limit)


@write_transaction()
def duplicate_session(event_id, session_id, title, with_leads, actor, now):
    """A copy of a session right after it in the same pass: its texts, room, capacity and
    waiting-list setting, its leads if asked; no people."""
    source = _session_in(event_id, session_id)
    block = source.block
    order = list(block.sessions)
    copy = DialogueSession(title=title, description=source.description, room=source.room,
                           capacity=source.capacity, waitlist_enabled=source.waitlist_enabled,
                           waiting_seq=0, block=block)
    db.session.add(copy)
    copy.leads = list(source.leads) if with_leads else []
    order.insert(order.index(source) + 1, copy)
    for position, session in enumerate(order):
        session.position = position
    _passes_changed(event_id, now)
    log_activity(event_id, actor, "session.duplicated", f"{source.title} → {copy.title}", now)
    return copy


@write_transaction()
def move_session(event_id, session_id, direction, actor, now):
    """One place up or down within its pass: the order of the public page and every list."""
    session = _session_in(event_id, session_id)
    block = session.block
    order = rules.moved([s.id for s in block.sessions], session.id, direction)
    for s in block.sessions:
        s.position = order.index(s.id)
    _passes_changed(event_id, now)
    log_activity(event_id, actor, "session.moved", session.title, now, direction=direction,
                 position=session.position + 1)
    return session


@write_transaction()
def delete_session(event_id, session_id, actor, now):
    # Locked, in a sign-up's order (see delete_block), before the check.
    _passes_changed(event_id, now)
    session = _session_in(event_id, session_id, lock=True)
    if _choices_in(SessionChoice.session_id, session.id):
        raise HasRegistrations()
    log_activity(event_id, actor, "session.deleted", session.title, now)
    db.session.delete(session)
