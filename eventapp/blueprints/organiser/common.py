"""What the organiser's pages share: the event from the URL, the form page, error messages,
and times typed in Stockholm time but stored as UTC."""
from flask import abort, flash, render_template
from flask_babel import gettext as _, lazy_gettext as _l

from ...domain import errors
from ...extensions import db
from ...models import Event
from ...services import accounts
from ...util.time import local_to_utc, utc_to_local
from ...web.errors import MESSAGES

ORGANISER_MESSAGES = {
    **MESSAGES,
    errors.CapacityBelowConfirmed.code: _l("The capacity cannot be lower than the number of "
                                           "people who already have a seat."),
    errors.InvalidTransition.code: _l("That change of status is not possible now."),
    errors.NotADraft.code: _l("Only drafts can be deleted. Cancel the event instead."),
    errors.HasRegistrations.code: _l("People are registered here. Move or cancel them first."),
    errors.NoSeatFree.code: _l("There is no free seat. Raise the capacity first."),
    errors.NobodyWaiting.code: _l("Nobody is on the waiting list to take the seat."),
    errors.EventFull.code: _l("The event is full."),
    "reminder_locked": _l("The reminder has already gone out and can no longer be changed."),
    accounts.EmailTaken.code: _l("That email address already has an account."),
}


def event_or_404(event_id):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def to_local(value):
    return utc_to_local(value).replace(tzinfo=None) if value else None


def to_utc(value):
    return local_to_utc(value) if value else None


def form_page(form, **context):
    """The shared form page; a failed submit answers 400 with the form as typed."""
    return render_template("organiser/form.html", form=form, **context), (
        400 if form.is_submitted() else 200)


def fail(exc):
    flash(ORGANISER_MESSAGES.get(exc.code, _("That is not possible.")), "error")
