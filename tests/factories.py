"""Events, sessions and registrations with sensible defaults, for tests."""
import itertools
from datetime import timedelta

from eventapp.extensions import db
from eventapp.models import DialogueSession, Event, Lead, ParallelBlock, ProgrammeItem
from eventapp.services import booking
from eventapp.util.time import utcnow

_seq = itertools.count(1)


def make_event(capacities=(10, 10), blocks=1, status=Event.PUBLISHED, waitlist=True,
               starts_in=timedelta(days=30), opens_in=timedelta(days=-1), closes_in=None,
               title="Uppstartsdag", **fields):
    """A published event open for sign-up, with `blocks` parallel blocks of sessions."""
    n = next(_seq)
    now = utcnow()
    start = now + starts_in
    event = Event(
        slug=f"event-{n}",
        title=f"{title} {n}",
        venue="Stadshuset, Lycksele",
        address="Torget 1, 921 81 Lycksele",
        starts_at=start,
        ends_at=start + timedelta(hours=7),
        status=status,
        signup_opens_at=now + opens_in if opens_in is not None else None,
        signup_closes_at=now + closes_in if closes_in is not None else None,
        contact_name="Anna Lindqvist",
        contact_email="anna.lindqvist@example.org",
        contact_phone="090-16 00 00",
        **fields,
    )
    event.programme_items = [
        ProgrammeItem(title="Välkommen", speakers="Jonas Lundström", starts_at=start,
                      ends_at=start + timedelta(minutes=30))
    ]
    for b in range(blocks):
        block = ParallelBlock(
            title=f"Dialogmöten {b + 1}",
            starts_at=start + timedelta(hours=3 + 2 * b),
            ends_at=start + timedelta(hours=4 + 2 * b),
        )
        for i, capacity in enumerate(capacities):
            session = DialogueSession(
                title=f"Session {b + 1}.{i + 1}", room=f"Sal {chr(65 + i)}", capacity=capacity,
                waitlist_enabled=waitlist, position=i,
                description=f"Beskrivning av session {b + 1}.{i + 1}",
            )
            session.leads = [Lead(name=f"Ledare {b + 1}.{i + 1}", email=f"lead{n}{b}{i}@example.org")]
            block.sessions.append(session)
        event.blocks.append(block)
    db.session.add(event)
    db.session.commit()
    return event


def details(n=1, **overrides):
    values = dict(
        name=f"Deltagare {n}",
        email=f"deltagare{n}@example.org",
        organisation="Umeå kommun",
        job_title="IT-strateg",
        dietary_needs="",
        accessibility_needs="",
        discussion_topic="Gemensam arkitektur",
    )
    values.update(overrides)
    return booking.Details(**values)


def sign_up(event, n=1, session_index=0, locale="sv", now=None, **overrides):
    """Register person n into the session at `session_index` of every block."""
    choices = {block.id: block.sessions[session_index].id for block in event.blocks}
    return booking.register(event.id, details(n, **overrides), choices, locale, now or utcnow())


PASSWORD = "korrekt-hast-batteri-zon"


def make_user(email="organisator@example.org", name="Olga Organisatör", organiser=True,
              lead=False, password=PASSWORD):
    from eventapp.services import accounts

    return accounts.create_user(email, name, password, organiser=organiser, lead=lead,
                                now=utcnow())


def make_lead_user(session, email, name="Lena Ledare"):
    """A lead account attached to a session, as an organiser's invitation would leave it."""
    user = make_user(email=email, name=name, organiser=False, lead=True)
    lead = Lead(name=name, email=email, user_id=user.id)
    db.session.add(lead)
    db.session.get(DialogueSession, session.id).leads.append(lead)
    db.session.commit()
    return user
