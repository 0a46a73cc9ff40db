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
    "session.message": _l("The lead emailed the session's participants"),
    "registration.created": _l("Registered by an organiser"),
    "registration.edited": _l("Details changed by an organiser"),
    "registration.moved": _l("Moved to another session"),
    "registration.promoted": _l("Given a seat from the waiting list"),
    "registration.waitlisted": _l("Put back on the waiting list"),
    "registration.cancelled": _l("Cancelled by an organiser"),
    "reminder.scheduled": _l("Reminder scheduled"),
    "reminder.sent": _l("Reminder sent"),
    "reminder.sent_again": _l("Reminder sent to those who had not had it"),
    "reminder.cancelled": _l("Reminder stopped"),
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


# Entries whose label depends on how it came about, not only on the action.
SPECIAL = {
    ("registration.created", "walk_in"): _l("Came without registering; added at check-in"),
    ("session.message", "organiser"): _l("An organiser emailed the session's participants"),
}
# The formats of an export, as the person who chose one saw them.
FORMATS = {"xlsx": _l("Excel"), "csv": _l("CSV file"), "pdf": _l("PDF")}


def activity_label(entry):
    """The entry's label: from its action code (a string will do), or for a walk-in and a
    message an organiser sent, from how it came about."""
    action = getattr(entry, "action", entry)
    details = getattr(entry, "details", None) or {}
    user = getattr(entry, "user", None)
    how = details.get("source") or ("organiser" if user is not None and user.is_organiser else "")
    return SPECIAL.get((action, how)) or LABELS.get(action, action)


def activity_summary(entry):
    """What the entry is about: an export's format as a word, anything else as written."""
    if entry.action == "export":
        return FORMATS.get(entry.summary, entry.summary)
    return entry.summary


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
