"""What the organiser's pages share: the event from the URL, the form page, and times typed
in Stockholm time but stored as UTC."""
from flask import abort, render_template

from ...extensions import db
from ...models import Event
from ...util.time import local_to_utc, utc_to_local


def event_or_404(event_id):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def to_local(value):
    return utc_to_local(value).replace(tzinfo=None) if value else None


def to_utc(value):
    return local_to_utc(value) if value else None


def form_page(form, status=None, **context):
    """The shared form page; a failed submit answers 400 (or the error's `status`) with the
    form as typed."""
    return render_template("organiser/form.html", form=form, **context), (
        status or (400 if form.is_submitted() else 200))
