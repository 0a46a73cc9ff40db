"""Lead operations (a token issued for sessions they lead): their sessions and attendee lists,
as the lead's pages show them."""
from ...domain.errors import NotFound
from ...services import queries
from ...services.api_queries import sessions_with_events
from ...services.events import field_setting, log_access
from ...util.time import utcnow
from ...web.api import caller, reader_of_session
from . import schemas
from .common import TOKEN_ERRORS, operation, utc


# The questions an event may switch off (name and email are always asked).
ASKED_FIELDS = ("organisation", "job_title", "discussion_topic", "dietary_needs",
                "accessibility_needs")


def _session_dict(session, counts):
    block = session.block
    return {"id": session.id, "title": session.title, "room": session.room, "block": block.title,
            "starts_at": utc(block.starts_at), "event_id": block.event_id,
            "event_title": block.event.title, "capacity": session.capacity,
            "confirmed": counts[session.id][0], "waiting": counts[session.id][1]}


@operation("/my/sessions", "GET", schemas.LeadSessionListSchema, errors=TOKEN_ERRORS,
           kind="lead")
def my_sessions():
    """The sessions this lead's token covers and the person still leads."""
    principal = caller()
    sessions = sessions_with_events(principal.session_ids)
    counts = queries.seat_counts_for_sessions([s.id for s in sessions])
    return {"items": [_session_dict(s, counts) for s in sessions]}


@operation("/sessions/<int:session_id>/attendees", "GET", schemas.AttendeeListSchema,
           errors=TOKEN_ERRORS)
def attendees(session_id):
    """The session's attendee list and waiting list, in order, as on the lead's page."""
    sessions = sessions_with_events([session_id])
    if not sessions:
        raise NotFound(session_id)
    session = sessions[0]
    principal = reader_of_session(session.id, session.block.event_id)
    confirmed, waiting = queries.attendee_rows(session)
    log_access(session.block.event_id, principal.user, "api.attendees.viewed", session.title,
               utcnow(), session_id=session.id, token_id=principal.token_id)
    rows = [(c, None) for c in confirmed] + [(c, n) for n, c in enumerate(waiting, 1)]
    counts = {session.id: (len(confirmed), len(waiting))}
    # As on the lead's page: a question the event no longer asks is not shown, even where
    # an answer was given before it was switched off.
    event = session.block.event
    shown = {key for key in ASKED_FIELDS if field_setting(event, key) != "off"}

    def answer(registration, key):
        return (getattr(registration, key) or "") if key in shown else ""

    return {"session": _session_dict(session, counts), "items": [{
        "registration_id": c.registration_id, "name": c.registration.name,
        "email": c.registration.email,
        **{key: answer(c.registration, key) for key in ASKED_FIELDS},
        "place": c.state, "position": position, "checked_in": c.checked_in_at is not None,
    } for c, position in rows]}


