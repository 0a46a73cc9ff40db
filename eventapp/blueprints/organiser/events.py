"""The event's lifecycle: the list of events, new, edit, dashboard, preview, publish, status,
back to draft, delete, copy."""
from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...domain import errors, lifecycle, signup
from ...extensions import db
from ...models import Event
from ...services import events as event_service, reports
from ...services.events import ASKABLE_FIELDS, field_setting
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import flash_error, message_for, status_for
from ...web.forms import block_field_name, form_kept_when_busy, signup_form_for
from ...web.seats import seat_labeller
from . import bp
from .common import event_or_404, form_page, to_local, to_utc
from .forms import CloneForm, ConfirmForm, EventForm

STATUS_ACTIONS = ("publish", "close", "reopen", "cancel", "unpublish")


@bp.get("/")
@access("organiser")
def events():
    rows = db.session.scalars(select(Event).order_by(Event.starts_at.desc())).all()
    return render_template("organiser/events.html", events=rows)


def _event_values(form):
    values = {f: form[f].data for f in (
        "title", "content_language", "summary", "description", "venue", "address", "capacity", "contact_name",
        "contact_email", "contact_phone", "privacy_text", "retention_days",
        "sensitive_retention_days", "reminder_days_before")}
    for f in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
        values[f] = to_utc(form[f].data)
    values["field_settings"] = {f: form[f"ask_{f}"].data for f in ASKABLE_FIELDS}
    for f in ("summary", "description", "address", "contact_name", "contact_email",
              "contact_phone", "privacy_text"):
        values[f] = values[f] or ""
    return values


@bp.route("/events/new", methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        event = event_service.create_event(_event_values(form), current_user, utcnow())
        flash(_("The event is created as a draft. Add its programme, then publish it."), "success")
        return redirect(url_for(".programme", event_id=event.id))
    return form_page(form, title=_("New event"),
                      back=url_for(".events"))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def edit_event(event_id):
    event = event_or_404(event_id)
    if request.method == "GET":
        form = EventForm(obj=event)
        for f in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
            form[f].data = to_local(getattr(event, f))
        for f in ASKABLE_FIELDS:
            form[f"ask_{f}"].data = field_setting(event, f)
    else:
        form = EventForm()
    status = None
    if form.validate_on_submit():
        try:
            event_service.update_event(event.id, _event_values(form), current_user, utcnow())
        except errors.DomainError as exc:
            flash(message_for(exc), "error")  # on the form as typed, never lost
            status = status_for(exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".dashboard", event_id=event.id))
    return form_page(form, status=status, event=event,
                      title=_("Edit %(event)s", event=event.title),
                      back=url_for(".dashboard", event_id=event.id))


@bp.get("/events/<int:event_id>")
@access("organiser")
def dashboard(event_id):
    event = event_or_404(event_id)
    per_day = reports.signups_per_day(event)
    totals = reports.totals(event)
    return render_template(
        "organiser/dashboard.html", event=event, stats=reports.session_stats(event),
        organisations=reports.organisation_counts(event), per_day=per_day,
        per_day_max=max([n for _d, n in per_day] or [1]), outbox=reports.outbox_counts(event),
        totals=totals, confirm=ConfirmForm(),
        can_return_to_draft=lifecycle.can_return_to_draft(event.status, totals["active"]),
        duplicates=reports.possible_duplicates(event),
    )


def _draft(event_id, elsewhere):
    """The draft from the URL. An event that is no longer a draft has its live pages: the
    request is redirected to `elsewhere(event)`."""
    event = event_or_404(event_id)
    if event.status != Event.DRAFT:
        abort(redirect(elsewhere(event)))
    return event


@bp.get("/events/<int:event_id>/preview")
@access("organiser")
def preview_event(event_id):
    """The public event page of a draft, as participants will see it once it is published."""
    event = _draft(event_id, lambda e: url_for("public.event", slug=e.slug))
    _label, counts = seat_labeller(event)
    as_published = replace(signup.EventWindow.of(event), status=Event.PUBLISHED)
    return render_template(
        "organiser/preview_event.html", event=event, counts=counts, preview=True,
        signup_state=signup.signup_state(as_published, utcnow()),
        signup_url=url_for(".preview_signup", event_id=event.id))


@bp.get("/events/<int:event_id>/preview/signup")
@access("organiser")
def preview_signup(event_id):
    """The sign-up form of a draft as it will look while sign-up is open; it cannot be sent."""
    event = _draft(event_id, lambda e: url_for("public.signup_form", slug=e.slug))
    label, counts = seat_labeller(event)
    return render_template(
        "organiser/preview_signup.html", event=event, counts=counts, preview=True,
        form=signup_form_for(event, label, formdata=None), signup_state=signup.OPEN,
        summary_error=None, organisations=(), block_field_name=block_field_name,
        event_url=url_for(".preview_event", event_id=event.id))


@bp.get("/events/<int:event_id>/publish")
@access("organiser")
def publish(event_id):
    """What goes live, and what is missing, before the organiser publishes."""
    event = _draft(event_id, lambda e: url_for(".dashboard", event_id=e.id))
    return render_template(
        "organiser/publish.html", event=event, confirm=ConfirmForm(), now=utcnow(),
        warnings=lifecycle.publish_warnings(event.blocks, event.contact_email))


@bp.post("/events/<int:event_id>/status/<action>")
@access("organiser")
def change_status(event_id, action):
    event = event_or_404(event_id)
    if action not in STATUS_ACTIONS:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            event_service.change_status(event.id, action, current_user, utcnow())
        except errors.DomainError as exc:
            flash_error(exc)
        else:
            flash({
                "publish": _("The event is published and open for sign-up."),
                "close": _("Sign-up is closed."),
                "reopen": _("Sign-up is open again."),
                "cancel": _("The event is cancelled. Everyone registered is being told by email."),
                "unpublish": _("The event is a draft again: its public page is hidden until "
                               "you publish it."),
            }[action], "success")
    else:
        flash(_("The form had expired. Try again."), "error")
    return redirect(url_for(".dashboard", event_id=event.id))


@bp.post("/events/<int:event_id>/delete")
@access("organiser")
def delete_event(event_id):
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            event_service.delete_draft(event.id, current_user, utcnow())
        except errors.DomainError as exc:
            flash_error(exc)
            return redirect(url_for(".dashboard", event_id=event.id))
        flash(_("The draft is deleted."), "success")
        return redirect(url_for(".events"))
    return redirect(url_for(".dashboard", event_id=event.id))


@bp.route("/events/<int:event_id>/clone", methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def clone_event(event_id):
    event = event_or_404(event_id)
    form = CloneForm(data={"title": event.title} if request.method == "GET" else None)
    if form.validate_on_submit():
        copy = event_service.clone_event(event.id, current_user, utcnow(), form.title.data)
        flash(_("A copy is made as a draft. Check its dates before you publish it."), "success")
        return redirect(url_for(".edit_event", event_id=copy.id))
    return form_page(form, event=event,
                      title=_("Copy %(event)s", event=event.title),
                      intro=_("The copy gets the same programme, sessions, leads and "
                              "settings, and no registrations."),
                      back=url_for(".dashboard", event_id=event.id))
