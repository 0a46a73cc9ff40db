"""Reminders: compose with placeholders, choose the audience, preview, send now or later,
and the sent log with retry."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...domain import errors
from ...domain.placeholders import PLACEHOLDERS
from ...domain.errors import UnknownPlaceholder
from ...domain.reminders import Audience
from ...models import Reminder
from ...services import reminders as reminder_service
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import flash_error, message_for, status_for
from ...web.forms import form_kept_when_busy
from . import bp
from .common import event_or_404, of_event_or_404, to_local, to_utc
from .forms import ConfirmForm, ReminderForm


def _reminder(event, reminder_id):
    return of_event_or_404(Reminder, reminder_id, event)


def _reminder_form(event, reminder=None):
    if request.method == "POST" or reminder is None:
        form = ReminderForm()
    else:
        audience = Audience.from_json(reminder.audience)
        form = ReminderForm(obj=reminder)
        form.states.data = list(audience.states)
        form.session_ids.data = list(audience.session_ids)
        form.registered_after.data = to_local(audience.registered_after)
        form.registered_before.data = to_local(audience.registered_before)
        form.send_at.data = to_local(reminder.send_at)
    form.session_ids.choices = [SelectChoice(s.id, f"{b.title}: {s.title}")
                                for b in event.blocks for s in b.sessions]
    return form


def _audience(form):
    return Audience(states=tuple(form.states.data or ()),
                    session_ids=tuple(form.session_ids.data or ()),
                    registered_after=to_utc(form.registered_after.data),
                    registered_before=to_utc(form.registered_before.data))


@bp.get("/events/<int:event_id>/reminders")
@access("organiser")
def reminders(event_id):
    event = event_or_404(event_id)
    rows, counts = reminder_service.reminders_of(event.id)
    return render_template("organiser/reminders.html", event=event, reminders=rows, counts=counts)


@bp.route("/events/<int:event_id>/reminders/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/reminders/<int:reminder_id>", methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def edit_reminder(event_id, reminder_id=None):
    event = event_or_404(event_id)
    reminder = _reminder(event, reminder_id) if reminder_id else None
    if reminder is not None and reminder.status == Reminder.SENT:
        rows, totals = reminder_service.sent_log(reminder.id)
        return render_template("organiser/reminder_log.html", event=event, reminder=reminder,
                               rows=rows, totals=totals, confirm=ConfirmForm())
    form = _reminder_form(event, reminder)
    preview, error, status = None, None, None
    if form.validate_on_submit():
        texts = {field: form[field].data or "" for field in reminder_service.TEXT_FIELDS}
        try:
            if form.preview.data:
                preview = reminder_service.preview(event, texts, _audience(form),
                                                   request.form.get("preview_for", type=int))
            else:
                return _save(event, reminder_id, form, texts)
        except UnknownPlaceholder as exc:
            for field, names in exc.fields.items():
                form[field].errors = [*form[field].errors,
                                      message_for(UnknownPlaceholder(names))]
        except errors.DomainError as exc:
            error, status = message_for(exc), status_for(exc)
    return render_template("organiser/reminder_form.html", event=event, reminder=reminder,
                           form=form, preview=preview, error=error, placeholders=PLACEHOLDERS,
                           confirm=ConfirmForm()), (
        status or (400 if form.is_submitted() and form.errors else 200))


def _save(event, reminder_id, form, texts):
    now = utcnow()
    send_now = form.when.data == "now"
    _saved, queued = reminder_service.save_reminder(
        event.id, reminder_id, texts, _audience(form), to_utc(form.send_at.data),
        current_user, now, send_now=send_now)
    flash(ngettext("The reminder is on its way to %(num)d person.",
                   "The reminder is on its way to %(num)d people.", queued)
          if send_now else _("The reminder is scheduled."), "success")
    return redirect(url_for(".reminders", event_id=event.id))


@bp.post("/events/<int:event_id>/reminders/<int:reminder_id>/<action>")
@access("organiser")
def reminder_action(event_id, reminder_id, action):
    event = event_or_404(event_id)
    reminder = _reminder(event, reminder_id)
    if action not in ("cancel", "retry", "send-again"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        now = utcnow()
        try:
            if action == "cancel":
                reminder_service.cancel_reminder(event.id, reminder.id, current_user, now)
                flash(_("The reminder is stopped."), "success")
            elif action == "retry":
                n = reminder_service.retry_failed(event.id, reminder.id, current_user, now)
                flash(ngettext("%(num)d failed message will be tried again.",
                               "%(num)d failed messages will be tried again.", n), "success")
            else:
                n = reminder_service.send_to_those_without(event.id, reminder.id, current_user, now)
                flash(ngettext("The reminder is on its way to %(num)d person.",
                               "The reminder is on its way to %(num)d people.", n), "success")
        except errors.DomainError as exc:
            flash_error(exc)
    return redirect(url_for(".edit_reminder", event_id=event.id, reminder_id=reminder.id)
                    if action != "cancel" else url_for(".reminders", event_id=event.id))
