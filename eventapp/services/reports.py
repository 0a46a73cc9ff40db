"""Read-side figures for the organiser's dashboard, lists and exports. No writes here."""
from collections import Counter

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from ..domain.signup import DUPLICATE_PREFIX, key_behind
from ..extensions import db
from ..models import (
    DialogueSession,
    OutboxMessage,
    ParallelBlock,
    Registration,
    SessionChoice,
)
from ..util.time import utc_to_local
from .queries import seat_counts

SORTS = {
    "name": Registration.name,
    "organisation": Registration.organisation,
    "created": Registration.created_at,
    "email": Registration.email_key,
}


def session_stats(event):
    """Per block and session: capacity, confirmed, waiting and checked in."""
    counts = seat_counts(event)
    checked = dict(db.session.execute(
        select(SessionChoice.session_id, func.count(SessionChoice.id))
        .join(ParallelBlock, ParallelBlock.id == SessionChoice.block_id)
        .where(ParallelBlock.event_id == event.id, SessionChoice.checked_in_at.is_not(None),
               SessionChoice.state == SessionChoice.CONFIRMED)
        .group_by(SessionChoice.session_id)
    ).all())
    return [
        (block, [
            {"session": s, "capacity": s.capacity, "confirmed": counts[s.id][0],
             "waiting": counts[s.id][1], "checked_in": checked.get(s.id, 0)}
            for s in block.sessions
        ])
        for block in event.blocks
    ]


def organisation_counts(event):
    rows = db.session.execute(
        select(Registration.organisation, func.count(Registration.id))
        .where(Registration.event_id == event.id, Registration.status == Registration.ACTIVE)
        .group_by(Registration.organisation)
        .order_by(func.count(Registration.id).desc(), Registration.organisation)
    ).all()
    return [(org or "–", n) for org, n in rows]


def signups_per_day(event):
    """[(local date, sign-ups that day)] from the first sign-up to the last."""
    created = db.session.scalars(
        select(Registration.created_at).where(Registration.event_id == event.id)
    ).all()
    per_day = Counter(utc_to_local(c).date() for c in created)
    return sorted(per_day.items())


def outbox_counts(event):
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id))
        .join(Registration, Registration.id == OutboxMessage.registration_id)
        .where(Registration.event_id == event.id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {"queued": 0, "sending": 0, "sent": 0, "failed": 0, "skipped": 0, "logged": 0}
    counts.update(dict(rows))
    return counts


def totals(event):
    row = db.session.execute(
        select(
            func.sum(case((Registration.status == Registration.ACTIVE, 1), else_=0)),
            func.sum(case((Registration.status == Registration.CANCELLED, 1), else_=0)),
        ).where(Registration.event_id == event.id)
    ).one()
    return {"active": int(row[0] or 0), "cancelled": int(row[1] or 0)}


PLACES = (SessionChoice.CONFIRMED, SessionChoice.WAITING)


def registrations(event, q="", sort="name", descending=False, include_cancelled=False,
                  session_id=None, place=None):
    """The event's registrations with their choices loaded (a constant number of queries).

    `session_id`: only those with a place in that session; `place` ("confirmed" or
    "waiting"): only those with a seat, or on a waiting list (in that session, if given).
    """
    query = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.choices).selectinload(SessionChoice.session)
                 .selectinload(DialogueSession.leads))
    )
    if not include_cancelled:
        query = query.where(Registration.status == Registration.ACTIVE)
    if session_id is not None or place in PLACES:
        held = []
        if place in PLACES:
            held.append(SessionChoice.state == place)
        elif not include_cancelled:  # a cancelled registration's choices are cancelled too
            held.append(SessionChoice.state.in_(PLACES))
        if session_id is not None:
            held.append(SessionChoice.session_id == session_id)
        query = query.where(Registration.choices.any(and_(*held)))
    q = (q or "").strip()[:200]
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(
            func.lower(Registration.name).like(like),
            Registration.email_key.like(like),
            func.lower(Registration.organisation).like(like),
        ))
    column = SORTS.get(sort, Registration.name)
    query = query.order_by(column.desc() if descending else column, Registration.id)
    return db.session.scalars(query).all()


def possible_duplicates(event):
    """Live registrations that share an address (as the key compares them) with another, in
    groups, oldest first. Only the key migration leaves such pairs: the code refuses a
    second sign-up with the same address. Listed for the organiser to decide; never merged."""
    live = (Registration.event_id == event.id, Registration.status == Registration.ACTIVE)
    kept = db.session.scalars(
        select(Registration).where(*live, Registration.email_key.startswith(DUPLICATE_PREFIX))
    ).all()
    keys = {key_behind(r.email_key) for r in kept}
    if not keys:
        return []
    holders = db.session.scalars(
        select(Registration).where(*live, Registration.email_key.in_(keys))
    ).all()
    groups = {}
    for registration in [*holders, *kept]:
        groups.setdefault(key_behind(registration.email_key), []).append(registration)
    return [sorted(group, key=lambda r: (r.created_at, r.id))
            for _key, group in sorted(groups.items()) if len(group) > 1]


def catering(event):
    """What the venue needs to know: dietary needs counted, accessibility needs listed."""
    active = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == Registration.ACTIVE)
    ).all()
    diets = Counter()
    labels = {}
    for r in active:
        need = " ".join((r.dietary_needs or "").split())
        if need:
            key = need.casefold()
            labels.setdefault(key, need)
            diets[key] += 1
    dietary = sorted(((labels[k], n) for k, n in diets.items()), key=lambda x: (-x[1], x[0]))
    accessibility = [(r.name, r.organisation, r.accessibility_needs) for r in active
                     if (r.accessibility_needs or "").strip()]
    return {
        "total": len(active),
        "no_needs": len(active) - sum(diets.values()),
        "dietary": dietary,
        "accessibility": sorted(accessibility),
    }
