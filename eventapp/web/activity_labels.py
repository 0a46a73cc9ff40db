"""What the activity log's action codes mean, in the reader's language."""
from flask_babel import gettext as _, lazy_gettext as _l

LABELS = {
    "event.created": _l("Event created"),
    "event.edited": _l("Event settings changed"),
    "event.cloned": _l("Event copied from another"),
    "event.deleted": _l("Draft deleted"),
    "event.publish": _l("Published"),
    "event.close": _l("Sign-up closed"),
    "event.reopen": _l("Sign-up reopened"),
    "event.cancel": _l("Event cancelled"),
    "event.unpublish": _l("Taken back to draft"),
    "programme.saved": _l("Programme item saved"),
    "programme.deleted": _l("Programme item deleted"),
    "block.saved": _l("Parallel block saved"),
    "block.deleted": _l("Parallel block deleted"),
    "session.saved": _l("Session saved"),
    "session.deleted": _l("Session deleted"),
    "session.lead_added": _l("Lead added to a session"),
    "session.lead_removed": _l("Lead removed from a session"),
    "session.duplicated": _l("Session duplicated"),
    "session.moved": _l("Session moved up or down in its block"),
    "session.message": _l("Lead emailed the session"),
    "registration.created": _l("Registered by an organiser"),
    "registration.edited": _l("Details changed by an organiser"),
    "registration.moved": _l("Moved to another session"),
    "registration.promoted": _l("Given a seat from the waiting list"),
    "registration.waitlisted": _l("Put back on the waiting list"),
    "registration.cancelled": _l("Cancelled by an organiser"),
    "reminder.scheduled": _l("Reminder scheduled"),
    "reminder.sent": _l("Reminder sent"),
    "reminder.sent_again": _l("Reminder sent to those who had not had it"),
    "reminder.cancelled": _l("Reminder cancelled"),
    "reminder.retry": _l("Failed reminders retried"),
    "attendees.viewed": _l("Attendee list viewed"),
    "topics.viewed": _l("Discussion topics viewed"),
    "sheet.viewed": _l("Attendance sheet viewed"),
    "registrations.viewed": _l("Registration list viewed"),
    "registration.viewed": _l("Registration viewed"),
    "catering.viewed": _l("Catering summary viewed"),
    "export": _l("Exported"),
    "checkin.arrived": _l("Marked as arrived"),
    "checkin.undone": _l("Arrival undone"),
}


def activity_label(action):
    return LABELS.get(action, action)


def activity_detail(entry):
    """What an entry says beyond its label: for a move, from which session to which (and
    whether the person was told)."""
    details = entry.details or {}
    if entry.action != "registration.moved" or not details.get("moves"):
        return ""
    text = "; ".join(_("from %(old)s to %(new)s", old=m.get("from") or "–", new=m.get("to") or "–")
                     for m in details["moves"])
    if details.get("notified") is False:
        text += ", " + _("no email sent")
    return text
