"""Registrations by hand: the list, add, edit details, move, give a seat or put back on the
waiting list, cancel; each through the same rules as the public pages."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from ...domain import errors
from ...extensions import db
from ...models import Registration, SessionChoice
from ...services import activity, booking, events as event_service, queries
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import flash_error, message_for, status_for
from ...web.forms import (DetailsForm, block_field_name, choices_form_for, chosen_sessions,
                          details_from_form, form_kept_when_busy)
from ...web.ranking_forms import rankings_from_form
from ...web.seats import seat_labeller
from . import bp
from .common import ListFilters, event_or_404, of_event_or_404
from .forms import ConfirmForm, MoveBase, NotifyForm, admin_registration_form_for


@bp.get("/events/<int:event_id>/registrations")
@access("organiser")
def registrations(event_id):
    event = event_or_404(event_id)
    filters = ListFilters.from_args(event, request.args)
    rows = filters.registrations(event)
    # Personal data on screen: logged as a lead's list is (the search text is not kept).
    event_service.log_access(event.id, current_user, "registrations.viewed", event.title,
                             utcnow(), rows=len(rows))
    return render_template("organiser/registrations.html", event=event, rows=rows,
                           filters=filters, positions=queries.waiting_positions(
                               [r.id for r in rows if any(c.state == "waiting" for c in r.choices)]))


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def new_registration(event_id):
    event = event_or_404(event_id)
    label, counts = seat_labeller(event)
    form = admin_registration_form_for(event, label)
    error, status = None, 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        details = details_from_form(form)
        try:
            registration = booking.register(event.id, details, chosen_sessions(form, event),
                                            str(get_locale()), utcnow(), notify=form.notify.data,
                                            source="organiser", actor=current_user,
                                            rankings=rankings_from_form(form, event.blocks))
        except errors.DomainError as exc:
            error, status = message_for(exc), status_for(exc)
        else:
            flash(_("%(name)s is registered.", name=registration.name), "success")
            return redirect(url_for(".registration", event_id=event.id,
                                    registration_id=registration.id))
    return render_template("organiser/registration_new.html", event=event, form=form,
                           counts=counts, error=error, block_field_name=block_field_name), status


def _registration(event_id, registration_id):
    """The event and the registration from the URL (404 unless it is the event's)."""
    event = event_or_404(event_id)
    return event, of_event_or_404(Registration, registration_id, event)


def _back_to(registration):
    return redirect(url_for(".registration", event_id=registration.event_id,
                            registration_id=registration.id))


def _render_registration(event, registration, details_form=None, choices_form=None, status=200,
                         error=None):
    label, counts = seat_labeller(event)
    if details_form is None:
        details_form = DetailsForm(obj=registration, formdata=None)
    if choices_form is None:
        current = {block_field_name(c.block): c.session_id for c in registration.choices}
        choices_form = choices_form_for(event, label, base=MoveBase, formdata=None, data=current)
    return render_template(
        "organiser/registration.html", event=event, registration=registration,
        choices=queries.choice_rows(registration), details_form=details_form, choices_form=choices_form,
        counts=counts, cancel_form=NotifyForm(formdata=None), confirm=ConfirmForm(), error=error,
        block_field_name=block_field_name,
        history=activity.history_of(registration.id),
    ), status


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
@access("organiser")
def registration(event_id, registration_id):
    event, registration = _registration(event_id, registration_id)
    # About this person: erasure and retention scrub the name from the entry.
    event_service.log_access(event.id, current_user, activity.VIEWED, registration.name,
                             utcnow(), registration_id=registration.id)
    return _render_registration(event, registration)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/details")
@access("organiser")
@form_kept_when_busy
def registration_details(event_id, registration_id):
    event, registration = _registration(event_id, registration_id)
    form = DetailsForm()
    if form.validate_on_submit():
        details = details_from_form(form, registration)
        try:
            booking.update_details(registration.id, details, utcnow(), actor=current_user)
        except errors.DomainError as exc:
            return _render_registration(event, registration, details_form=form,
                                        status=status_for(exc), error=message_for(exc))
        flash(_("Saved."), "success")
        return _back_to(registration)
    return _render_registration(event, registration, details_form=form, status=400)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/sessions")
@access("organiser")
@form_kept_when_busy
def registration_sessions(event_id, registration_id):
    event, registration = _registration(event_id, registration_id)
    label, _counts = seat_labeller(event)
    form = choices_form_for(event, label, base=MoveBase)
    if form.validate_on_submit():
        choices = chosen_sessions(form, event)
        try:
            _reg, changed = booking.change_sessions(registration.id, choices, utcnow(),
                                                    actor=current_user, notify=form.notify.data)
        except errors.DomainError as exc:
            return _render_registration(event, registration, choices_form=form,
                                        status=status_for(exc), error=message_for(exc))
        if not changed:
            flash(_("Nothing was changed."), "info")
        elif form.notify.data:
            flash(_("Moved. The person is told by email."), "success")
        else:
            flash(_("Moved. No email was sent to the person."), "success")
        return _back_to(registration)
    return _render_registration(event, registration, choices_form=form, status=400)


def _button(registration, form, act, done):
    """A button on the registration page: after the form's check, `act()`; the person reads
    `done`, or why it was refused, back on the registration page."""
    if form.validate_on_submit():
        try:
            act()
        except errors.DomainError as exc:
            flash_error(exc)
        else:
            flash(done, "success")
    return _back_to(registration)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/choices/<int:choice_id>/<action>")
@access("organiser")
def registration_choice(event_id, registration_id, choice_id, action):
    _event, registration = _registration(event_id, registration_id)
    choice = db.session.get(SessionChoice, choice_id)
    if choice is None or choice.registration_id != registration.id or action not in ("promote", "waitlist"):
        abort(404)
    if action == "promote":
        return _button(registration, ConfirmForm(),
                       lambda: booking.promote(choice.id, utcnow(), current_user),
                       _("The person has a seat now and is told by email."))
    return _button(registration, ConfirmForm(),
                   lambda: booking.put_back_on_waiting_list(choice.id, utcnow(), current_user),
                   _("The person is last on the waiting list now; the seat went to the next "
                     "in line. Both are told by email."))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/cancel")
@access("organiser")
def registration_cancel(event_id, registration_id):
    _event, registration = _registration(event_id, registration_id)
    form = NotifyForm()
    return _button(registration, form,
                   lambda: booking.cancel(registration.id, utcnow(), notify=form.notify.data,
                                          actor=current_user),
                   _("The registration is cancelled."))
