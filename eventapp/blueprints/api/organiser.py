"""Organiser operations (a token issued for the event): registrations a page at a time, one,
create (the booking service, as the web form), cancel, counts, the reminder log, changes."""
from ...domain.errors import InvalidChoice, NotFound
from ...services import api_queries, booking
from ...services.events import log_access
from ...util.time import utcnow
from ...web.api import organiser_of
from . import schemas
from .common import TOKEN_ERRORS, operation, registration_dict, utc


def _page_cursor(rows, more):
    return str(rows[-1].id) if more and rows else None


@operation("/events/<int:event_id>/registrations", "GET", schemas.RegistrationPageSchema,
           args=schemas.RegistrationQuerySchema, errors=TOKEN_ERRORS, kind="organiser")
def list_registrations(query, event_id):
    """Registrations in id order, at most `limit` a page; filter by session, status, organisation."""
    principal = organiser_of(event_id)
    rows, more = api_queries.registrations_page(
        event_id, after=int(query.get("cursor", 0)), limit=query["limit"],
        session_id=query.get("session_id"), status=query.get("status"),
        organisation=query.get("organisation"))
    log_access(event_id, principal.user, "api.registrations.viewed", "API", utcnow(),
               token_id=principal.token_id, rows=len(rows))
    return {"items": [registration_dict(r) for r in rows], "next_cursor": _page_cursor(rows, more)}


@operation("/events/<int:event_id>/registrations", "POST", schemas.RegistrationSchema, status=201,
           body=schemas.NewRegistrationSchema, errors=(*TOKEN_ERRORS, 409), kind="organiser",
           write=True)
def create_registration(new, event_id):
    """Register a person, by the same rules as the web form and the organiser's manual add:
    capacity, waiting list, one session per parallel block that has sessions; a confirmation
    email goes out."""
    principal = organiser_of(event_id, write=True)
    choices = {c["block_id"]: c["session_id"] for c in new["choices"]}
    if len(choices) != len(new["choices"]):
        raise InvalidChoice()
    details = booking.Details(**{f: new[f] for f in booking.DETAIL_FIELDS})
    registration = booking.register(event_id, details, choices, new["locale"], utcnow(),
                                    notify=new["notify"], source="organiser",
                                    actor=principal.user)
    return registration_dict(api_queries.registration_of_event(event_id, registration.id))


def _registration(event_id, registration_id):
    registration = api_queries.registration_of_event(event_id, registration_id)
    if registration is None:
        raise NotFound(registration_id)
    return registration


@operation("/events/<int:event_id>/registrations/<int:registration_id>", "GET",
           schemas.RegistrationSchema, errors=TOKEN_ERRORS, kind="organiser")
def get_registration(event_id, registration_id):
    """One registration with its sessions."""
    principal = organiser_of(event_id)
    registration = _registration(event_id, registration_id)
    log_access(event_id, principal.user, "api.registration.viewed", "API", utcnow(),
               token_id=principal.token_id, registration_id=registration_id)
    return registration_dict(registration)


@operation("/events/<int:event_id>/registrations/<int:registration_id>/cancel", "POST",
           schemas.RegistrationSchema, body=schemas.CancelSchema, errors=(*TOKEN_ERRORS, 409), kind="organiser",
           write=True)
def cancel_registration(options, event_id, registration_id):
    """Cancel a registration: its seats go to those waiting; the person is told unless notify is false."""
    principal = organiser_of(event_id, write=True)
    _registration(event_id, registration_id)
    booking.cancel(registration_id, utcnow(), notify=options["notify"], actor=principal.user)
    return registration_dict(_registration(event_id, registration_id))


@operation("/events/<int:event_id>/session-counts", "GET", schemas.SessionCountListSchema,
           errors=TOKEN_ERRORS, kind="organiser")
def session_counts(event_id):
    """Seats taken, waiting and left in every session of the event."""
    organiser_of(event_id)
    event = api_queries.event_with_sessions(event_id)
    return {"items": api_queries.session_counts(event)}


@operation("/events/<int:event_id>/reminder-log", "GET", schemas.ReminderLogSchema,
           errors=TOKEN_ERRORS, kind="organiser")
def reminder_log(event_id):
    """Every reminder message of the event: to whom (registration id), queued, sent or failed."""
    organiser_of(event_id)
    return {"items": [{"reminder_id": row.reminder_id, "subject": row.subject,
                       "registration_id": row.registration_id, "status": row.status,
                       "queued_at": utc(row.created_at), "sent_at": utc(row.sent_at)}
                      for row in api_queries.reminder_log(event_id)]}


def _as_now(change, registrations):
    """The registration a change names, as it is now: nothing once erased or anonymised."""
    registration = registrations.get(change.registration_id)
    if change.kind in ("erased", "anonymised") or registration is None or (
            registration.is_anonymised):
        return None
    return registration_dict(registration)


@operation("/events/<int:event_id>/changes", "GET", schemas.ChangePageSchema,
           args=schemas.ChangeQuerySchema, errors=TOKEN_ERRORS, kind="organiser")
def changes(query, event_id):
    """What happened to the event's registrations, in commit order, after change `after`.
    Erased and anonymised entries carry only the registration's id: delete your copy."""
    principal = organiser_of(event_id)
    after = int(query["after"])
    rows, registrations, more = api_queries.changes_page(event_id, after, query["limit"])
    log_access(event_id, principal.user, "api.changes.viewed", "API", utcnow(),
               token_id=principal.token_id, rows=len(rows))
    return {
        "items": [{"id": c.id, "kind": c.kind, "registration_id": c.registration_id,
                   "at": utc(c.created_at),
                   "registration": _as_now(c, registrations)} for c in rows],
        "next_cursor": str(rows[-1].id if rows else after), "more": more,
    }


