"""The organiser's pages: events, programme builder, dashboard, registrations, exports."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ...domain import errors
from ...domain.reminders import PLACEHOLDERS, Audience, fill_placeholders, unknown_placeholders
from ...extensions import db
from ...web.access import access
from ...web.errors import MESSAGES
from ...web.exports import download
from ...web.forms import DetailsForm, block_field_name, choices_form_for, details_from_form
from ...web.seats import seat_labeller
from ...models import (
    ActivityEntry,
    DialogueSession,
    Event,
    ParallelBlock,
    ProgrammeItem,
    Registration,
    Reminder,
    SessionChoice,
)
from ...services import accounts, booking, events as event_service, queries, reminders as reminder_service, reports
from ...services.events import ASKABLE_FIELDS, field_setting
from ...util.time import local_to_utc, utc_to_local, utcnow
from .forms import (
    BlockForm,
    CloneForm,
    ConfirmForm,
    EventForm,
    InviteLeadForm,
    NotifyForm,
    ProgrammeItemForm,
    ReminderForm,
    SessionForm,
    admin_registration_form_for,
)

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

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

STATUS_ACTIONS = ("publish", "close", "reopen", "cancel")


def _event(event_id):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def _local(value):
    return utc_to_local(value).replace(tzinfo=None) if value else None


def _utc(value):
    return local_to_utc(value) if value else None


def _form_page(form, **context):
    """The shared form page; a failed submit answers 400 with the form as typed."""
    return render_template("organiser/form.html", form=form, **context), (
        400 if form.is_submitted() else 200)


def _fail(exc):
    flash(ORGANISER_MESSAGES.get(exc.code, _("That is not possible.")), "error")


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
        values[f] = _utc(form[f].data)
    values["field_settings"] = {f: form[f"ask_{f}"].data for f in ASKABLE_FIELDS}
    for f in ("summary", "description", "address", "contact_name", "contact_email",
              "contact_phone", "privacy_text"):
        values[f] = values[f] or ""
    return values


@bp.route("/events/new", methods=["GET", "POST"])
@access("organiser")
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        event = event_service.create_event(_event_values(form), current_user, utcnow())
        flash(_("The event is created as a draft. Add its programme, then publish it."), "success")
        return redirect(url_for(".programme", event_id=event.id))
    return _form_page(form, title=_("New event"),
                      back=url_for(".events"))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@access("organiser")
def edit_event(event_id):
    event = _event(event_id)
    if request.method == "GET":
        form = EventForm(obj=event)
        for f in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
            form[f].data = _local(getattr(event, f))
        for f in ASKABLE_FIELDS:
            form[f"ask_{f}"].data = field_setting(event, f)
    else:
        form = EventForm()
    if form.validate_on_submit():
        try:
            event_service.update_event(event.id, _event_values(form), current_user, utcnow())
        except errors.DomainError as exc:
            _fail(exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".dashboard", event_id=event.id))
    return _form_page(form, event=event,
                      title=_("Edit %(event)s", event=event.title),
                      back=url_for(".dashboard", event_id=event.id))


@bp.get("/events/<int:event_id>")
@access("organiser")
def dashboard(event_id):
    event = _event(event_id)
    per_day = reports.signups_per_day(event)
    return render_template(
        "organiser/dashboard.html", event=event, stats=reports.session_stats(event),
        organisations=reports.organisation_counts(event), per_day=per_day,
        per_day_max=max([n for _d, n in per_day] or [1]), outbox=reports.outbox_counts(event),
        totals=reports.totals(event), confirm=ConfirmForm(), actions=STATUS_ACTIONS,
    )


@bp.post("/events/<int:event_id>/status/<action>")
@access("organiser")
def change_status(event_id, action):
    event = _event(event_id)
    if action not in STATUS_ACTIONS:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            event_service.change_status(event.id, action, current_user, utcnow())
        except errors.DomainError as exc:
            _fail(exc)
        else:
            flash({
                "publish": _("The event is published and open for sign-up."),
                "close": _("Sign-up is closed."),
                "reopen": _("Sign-up is open again."),
                "cancel": _("The event is cancelled. Everyone registered is being told by email."),
            }[action], "success")
    else:
        flash(_("The form had expired. Try again."), "error")
    return redirect(url_for(".dashboard", event_id=event.id))


@bp.post("/events/<int:event_id>/delete")
@access("organiser")
def delete_event(event_id):
    event = _event(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            event_service.delete_draft(event.id, current_user, utcnow())
        except errors.DomainError as exc:
            _fail(exc)
            return redirect(url_for(".dashboard", event_id=event.id))
        flash(_("The draft is deleted."), "success")
        return redirect(url_for(".events"))
    return redirect(url_for(".dashboard", event_id=event.id))


@bp.route("/events/<int:event_id>/clone", methods=["GET", "POST"])
@access("organiser")
def clone_event(event_id):
    event = _event(event_id)
    form = CloneForm(data={"title": event.title} if request.method == "GET" else None)
    if form.validate_on_submit():
        copy = event_service.clone_event(event.id, current_user, utcnow(), form.title.data)
        flash(_("A copy is made as a draft. Check its dates before you publish it."), "success")
        return redirect(url_for(".edit_event", event_id=copy.id))
    return _form_page(form, event=event,
                      title=_("Copy %(event)s", event=event.title),
                      intro=_("The copy gets the same programme, sessions, leads and "
                              "settings, and no registrations."),
                      back=url_for(".dashboard", event_id=event.id))


# --- programme ---------------------------------------------------------------------------


@bp.get("/events/<int:event_id>/programme")
@access("organiser")
def programme(event_id):
    event = _event(event_id)
    _label, counts = seat_labeller(event)
    return render_template("organiser/programme.html", event=event, counts=counts,
                           confirm=ConfirmForm())


def _timed_entry_form(event, model, entry_id, form_class):
    """A programme item's or block's form: the entry (404 unless it is this event's), its
    times shown in Stockholm time, and a new one starting at the event's start."""
    entry = db.session.get(model, entry_id) if entry_id else None
    if entry_id and (entry is None or entry.event_id != event.id):
        abort(404)
    form = form_class(obj=entry)
    if request.method == "GET":
        source = entry or event
        form.starts_at.data = _local(source.starts_at)
        form.ends_at.data = _local(source.ends_at if entry else source.starts_at)
    return entry, form


def _timed_values(form, fields):
    values = {f: form[f].data or "" for f in fields}
    values.update(starts_at=_utc(form.starts_at.data), ends_at=_utc(form.ends_at.data))
    return values


@bp.route("/events/<int:event_id>/items/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/items/<int:item_id>", methods=["GET", "POST"])
@access("organiser")
def edit_item(event_id, item_id=None):
    event = _event(event_id)
    _item, form = _timed_entry_form(event, ProgrammeItem, item_id, ProgrammeItemForm)
    if form.validate_on_submit():
        values = _timed_values(form, ("title", "speakers", "description"))
        event_service.save_programme_item(event.id, item_id, values, current_user, utcnow())
        flash(_("Saved."), "success")
        return redirect(url_for(".programme", event_id=event.id))
    return _form_page(form, event=event,
                      title=_("Programme item") if item_id else _("New programme item"),
                      back=url_for(".programme", event_id=event.id))


@bp.post("/events/<int:event_id>/items/<int:item_id>/delete")
@access("organiser")
def delete_item(event_id, item_id):
    return _delete_from_programme(event_id, event_service.delete_programme_item, item_id)


def _delete_from_programme(event_id, delete, target_id):
    """Delete an item, block or session after the button's CSRF check; back to the programme."""
    event = _event(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            delete(event.id, target_id, current_user, utcnow())
        except LookupError:
            abort(404)
        except errors.DomainError as exc:
            _fail(exc)
        else:
            flash(_("Deleted."), "success")
    return redirect(url_for(".programme", event_id=event.id))


@bp.route("/events/<int:event_id>/blocks/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/blocks/<int:block_id>", methods=["GET", "POST"])
@access("organiser")
def edit_block(event_id, block_id=None):
    event = _event(event_id)
    block, form = _timed_entry_form(event, ParallelBlock, block_id, BlockForm)
    if form.validate_on_submit():
        values = _timed_values(form, ("title",))
        block = event_service.save_block(event.id, block_id, values, current_user, utcnow())
        flash(_("Saved."), "success")
        if block_id is None:
            return redirect(url_for(".edit_session", event_id=event.id, block_id=block.id))
        return redirect(url_for(".programme", event_id=event.id))
    return _form_page(form, event=event,
                      title=_("Parallel block") if block_id else _("New parallel block"),
                      intro=_("A time slot with several dialogue sessions at once. "
                              "Each participant chooses one."),
                      back=url_for(".programme", event_id=event.id))


@bp.post("/events/<int:event_id>/blocks/<int:block_id>/delete")
@access("organiser")
def delete_block(event_id, block_id):
    return _delete_from_programme(event_id, event_service.delete_block, block_id)


def _lead_choices(form):
    form.lead_ids.choices = [
        SelectChoice(lead.id, f"{lead.name} ({lead.email})" if lead.email else lead.name)
        for lead in event_service.all_leads()]


@bp.route("/events/<int:event_id>/blocks/<int:block_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/blocks/<int:block_id>/sessions/<int:session_id>",
          methods=["GET", "POST"])
@access("organiser")
def edit_session(event_id, block_id, session_id=None):
    event = _event(event_id)
    block = db.session.get(ParallelBlock, block_id)
    if block is None or block.event_id != event.id:
        abort(404)
    session = db.session.get(DialogueSession, session_id) if session_id else None
    if session_id and (session is None or session.block_id != block.id):
        abort(404)
    form = SessionForm(obj=session)
    _lead_choices(form)
    if request.method == "GET" and session is not None:
        form.lead_ids.data = [lead.id for lead in session.leads]
    if form.validate_on_submit():
        values = {f: form[f].data for f in ("title", "room", "capacity", "waitlist_enabled", "lead_ids")}
        values["description"] = form.description.data or ""
        values["room"] = values["room"] or ""
        try:
            saved, promoted = event_service.save_session(event.id, block.id, session_id, values,
                                                         current_user, utcnow())
        except errors.CapacityBelowConfirmed as exc:
            form.capacity.errors = list(form.capacity.errors) + [
                _("%(n)d people already have a seat: the capacity cannot be lower.", n=exc.confirmed)]
        else:
            if promoted:
                flash(_("Saved. %(n)d people moved up from the waiting list and are told by email.",
                        n=len(promoted)), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for(".edit_session", event_id=event.id, block_id=block.id,
                                    session_id=saved.id))
    return render_template("organiser/session_form.html", form=form, event=event, block=block,
                           session=session, invite=InviteLeadForm(formdata=None),
                           confirm=ConfirmForm()), (400 if form.is_submitted() else 200)


@bp.post("/events/<int:event_id>/blocks/<int:block_id>/sessions/<int:session_id>/leads")
@access("organiser")
def invite_lead(event_id, block_id, session_id):
    event = _event(event_id)
    session = db.session.get(DialogueSession, session_id)
    if session is None or session.block_id != block_id or session.block.event_id != event.id:
        abort(404)
    form = InviteLeadForm()
    if form.validate_on_submit():
        event_service.add_lead(event.id, session.id, form.name.data, form.email.data,
                               current_user, utcnow(), str(get_locale()))
        flash(_("%(name)s leads the session now. If they have no account yet, an invitation "
                "is on its way.", name=form.name.data), "success")
        return redirect(url_for(".edit_session", event_id=event.id, block_id=block_id,
                                session_id=session.id))
    session_form = SessionForm(obj=session, formdata=None)
    _lead_choices(session_form)
    session_form.lead_ids.data = [lead.id for lead in session.leads]
    return render_template("organiser/session_form.html", form=session_form, event=event,
                           block=session.block, session=session, invite=form,
                           confirm=ConfirmForm()), 400


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/delete")
@access("organiser")
def delete_session(event_id, session_id):
    return _delete_from_programme(event_id, event_service.delete_session, session_id)


# --- registrations -----------------------------------------------------------------------


@bp.get("/events/<int:event_id>/registrations")
@access("organiser")
def registrations(event_id):
    event = _event(event_id)
    q = request.args.get("q", "")[:200]
    sort = request.args.get("sort", "name")
    descending = request.args.get("dir") == "desc"
    show_cancelled = request.args.get("cancelled") == "1"
    rows = reports.registrations(event, q, sort, descending, include_cancelled=show_cancelled)
    return render_template("organiser/registrations.html", event=event, rows=rows, q=q,
                           sort=sort if sort in reports.SORTS else "name", descending=descending,
                           show_cancelled=show_cancelled)


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@access("organiser")
def new_registration(event_id):
    event = _event(event_id)
    label, counts = seat_labeller(event)
    form = admin_registration_form_for(event, label)
    error = None
    if form.validate_on_submit():
        details = details_from_form(form)
        choices = {b.id: form[block_field_name(b)].data for b in event.blocks}
        try:
            registration = booking.register(event.id, details, choices, str(get_locale()),
                                            utcnow(), notify=form.notify.data,
                                            source="organiser", actor=current_user)
        except errors.DomainError as exc:
            error = ORGANISER_MESSAGES.get(exc.code)
        else:
            flash(_("%(name)s is registered.", name=registration.name), "success")
            return redirect(url_for(".registration", event_id=event.id,
                                    registration_id=registration.id))
    return render_template("organiser/registration_new.html", event=event, form=form,
                           counts=counts, error=error, block_field_name=block_field_name), (
        400 if form.is_submitted() else 200)


def _registration(event, registration_id):
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _render_registration(event, registration, details_form=None, choices_form=None, status=200,
                         error=None):
    label, counts = seat_labeller(event)
    if details_form is None:
        details_form = DetailsForm(obj=registration, formdata=None)
    if choices_form is None:
        current = {block_field_name(c.block): c.session_id for c in registration.choices}
        choices_form = choices_form_for(event, label, formdata=None, data=current)
    return render_template(
        "organiser/registration.html", event=event, registration=registration,
        choices=queries.choice_rows(registration), details_form=details_form, choices_form=choices_form,
        counts=counts, cancel_form=NotifyForm(formdata=None), confirm=ConfirmForm(), error=error,
        block_field_name=block_field_name,
        history=[e for e in db.session.scalars(
            select(ActivityEntry).where(ActivityEntry.event_id == event.id)
            .order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc()))
            if (e.details or {}).get("registration_id") == registration.id],
    ), status


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
@access("organiser")
def registration(event_id, registration_id):
    event = _event(event_id)
    return _render_registration(event, _registration(event, registration_id))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/details")
@access("organiser")
def registration_details(event_id, registration_id):
    event = _event(event_id)
    registration = _registration(event, registration_id)
    form = DetailsForm()
    if form.validate_on_submit():
        details = details_from_form(form, registration)
        try:
            booking.update_details(registration.id, details, utcnow(), actor=current_user)
        except errors.DomainError as exc:
            return _render_registration(event, registration, details_form=form, status=400,
                                        error=ORGANISER_MESSAGES.get(exc.code))
        flash(_("Saved."), "success")
        return redirect(url_for(".registration", event_id=event.id, registration_id=registration.id))
    return _render_registration(event, registration, details_form=form, status=400)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/sessions")
@access("organiser")
def registration_sessions(event_id, registration_id):
    event = _event(event_id)
    registration = _registration(event, registration_id)
    label, _counts = seat_labeller(event)
    form = choices_form_for(event, label)
    if form.validate_on_submit():
        choices = {b.id: form[block_field_name(b)].data for b in event.blocks}
        try:
            _reg, changed = booking.change_sessions(registration.id, choices, utcnow(),
                                                    actor=current_user)
        except errors.DomainError as exc:
            return _render_registration(event, registration, choices_form=form, status=400,
                                        error=ORGANISER_MESSAGES.get(exc.code))
        flash(_("Moved. The person is told by email.") if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect(url_for(".registration", event_id=event.id, registration_id=registration.id))
    return _render_registration(event, registration, choices_form=form, status=400)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/choices/<int:choice_id>/<action>")
@access("organiser")
def registration_choice(event_id, registration_id, choice_id, action):
    event = _event(event_id)
    registration = _registration(event, registration_id)
    choice = db.session.get(SessionChoice, choice_id)
    if choice is None or choice.registration_id != registration.id or action not in ("promote", "waitlist"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            if action == "promote":
                booking.promote(choice.id, utcnow(), current_user)
                flash(_("The person has a seat now and is told by email."), "success")
            else:
                booking.put_back_on_waiting_list(choice.id, utcnow(), current_user)
                flash(_("The person is last on the waiting list now; the seat went to the next "
                        "in line. Both are told by email."), "success")
        except LookupError:
            flash(_("That place has already changed. Look again."), "error")
        except errors.DomainError as exc:
            _fail(exc)
    return redirect(url_for(".registration", event_id=event.id, registration_id=registration.id))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/cancel")
@access("organiser")
def registration_cancel(event_id, registration_id):
    event = _event(event_id)
    registration = _registration(event, registration_id)
    form = NotifyForm()
    if form.validate_on_submit():
        try:
            booking.cancel(registration.id, utcnow(), notify=form.notify.data, actor=current_user)
        except errors.DomainError as exc:
            _fail(exc)
        else:
            flash(_("The registration is cancelled."), "success")
    return redirect(url_for(".registration", event_id=event.id, registration_id=registration.id))


# --- exports and printouts ---------------------------------------------------------------

EXPORT_HEADER = (
    _l("Name"), _l("Email"), _l("Organisation"), _l("Job title"), _l("Parallel block"),
    _l("Session"), _l("Place"), _l("Dietary needs or allergies"), _l("Accessibility needs"),
    _l("What would you like to discuss in the session?"), _l("Registered"),
)


def _export_rows(event):
    rows = []
    for r in reports.registrations(event, sort="name"):
        for choice in sorted(r.choices, key=lambda c: c.block_id) or [None]:
            rows.append([
                r.name, r.email, r.organisation, r.job_title,
                choice.block.title if choice else "", choice.session.title if choice else "",
                {"confirmed": _("Seat"), "waiting": _("Waiting list")}.get(
                    choice.state if choice else "", ""),
                r.dietary_needs, r.accessibility_needs, r.discussion_topic,
                utc_to_local(r.created_at).strftime("%Y-%m-%d %H:%M"),
            ])
    return [str(h) for h in EXPORT_HEADER], rows


@bp.get("/events/<int:event_id>/export.<fmt>")
@access("organiser")
def export(event_id, fmt):
    event = _event(event_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = _export_rows(event)
    event_service.log_export(event.id, current_user, fmt, len(rows), utcnow())
    return download(header, rows, fmt, f"{event.slug}-anmalningar", _("Registrations"))


@bp.get("/events/<int:event_id>/catering")
@access("organiser")
def catering(event_id):
    event = _event(event_id)
    return render_template("organiser/catering.html", event=event, summary=reports.catering(event))


@bp.get("/events/<int:event_id>/activity")
@access("organiser")
def activity(event_id):
    event = _event(event_id)
    entries = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.event_id == event.id)
        .order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc()).limit(500)).all()
    return render_template("organiser/activity.html", event=event, entries=entries)


# --- reminders ---------------------------------------------------------------------------


def _reminder(event, reminder_id):
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.event_id != event.id:
        abort(404)
    return reminder


def _reminder_form(event, reminder=None):
    if request.method == "POST" or reminder is None:
        form = ReminderForm()
    else:
        audience = Audience.from_json(reminder.audience)
        form = ReminderForm(obj=reminder)
        form.states.data = list(audience.states)
        form.session_ids.data = list(audience.session_ids)
        form.registered_after.data = _local(audience.registered_after)
        form.registered_before.data = _local(audience.registered_before)
        form.send_at.data = _local(reminder.send_at)
    form.session_ids.choices = [SelectChoice(s.id, f"{b.title}: {s.title}")
                                for b in event.blocks for s in b.sessions]
    return form


def _audience(form):
    return Audience(states=tuple(form.states.data or ()),
                    session_ids=tuple(form.session_ids.data or ()),
                    registered_after=_utc(form.registered_after.data),
                    registered_before=_utc(form.registered_before.data))


@bp.get("/events/<int:event_id>/reminders")
@access("organiser")
def reminders(event_id):
    event = _event(event_id)
    rows, counts = reminder_service.reminders_of(event.id)
    return render_template("organiser/reminders.html", event=event, reminders=rows, counts=counts)


@bp.route("/events/<int:event_id>/reminders/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/reminders/<int:reminder_id>", methods=["GET", "POST"])
@access("organiser")
def edit_reminder(event_id, reminder_id=None):
    event = _event(event_id)
    reminder = _reminder(event, reminder_id) if reminder_id else None
    if reminder is not None and reminder.status == Reminder.SENT:
        rows, totals = reminder_service.sent_log(reminder.id)
        return render_template("organiser/reminder_log.html", event=event, reminder=reminder,
                               rows=rows, totals=totals, confirm=ConfirmForm())
    form = _reminder_form(event, reminder)
    preview, error = None, None
    if form.validate_on_submit():
        texts = {f: form[f].data or "" for f in ("subject", "body", "subject_en", "body_en")}
        unknown = unknown_placeholders(*texts.values())
        if unknown:
            error = _("Unknown placeholders: %(names)s. You can use: %(known)s.",
                      names=", ".join("{%s}" % n for n in unknown),
                      known=", ".join("{%s}" % n for n in PLACEHOLDERS))
        elif form.preview.data:
            preview = _preview(event, texts, _audience(form))
        else:
            now = utcnow()
            send_now = form.when.data == "now"
            try:
                saved, queued = reminder_service.save_reminder(
                    event.id, reminder_id, texts, _audience(form), _utc(form.send_at.data),
                    current_user, now, send_now=send_now)
            except errors.DomainError as exc:
                error = ORGANISER_MESSAGES.get(exc.code, _("That is not possible."))
            else:
                flash(ngettext("The reminder is on its way to %(num)d person.",
                               "The reminder is on its way to %(num)d people.", queued)
                      if send_now else _("The reminder is scheduled."), "success")
                return redirect(url_for(".reminders", event_id=event.id))
    return render_template("organiser/reminder_form.html", event=event, reminder=reminder,
                           form=form, preview=preview, error=error, placeholders=PLACEHOLDERS,
                           confirm=ConfirmForm()), (
        400 if form.is_submitted() and (form.errors or error) else 200)


def _preview(event, texts, audience):
    """The reminder as its first recipient would read it, and how many get it."""
    from flask_babel import format_date, format_time

    people = reminder_service.audience_of(event.id, audience)
    if not people:
        return {"count": 0}
    person = people[0]
    values = reminder_service.placeholder_values(person, {
        "event": event.title, "date": format_date(event.starts_at, "long"),
        "time": format_time(event.starts_at, "HH:mm"),
        "venue": ", ".join(p for p in (event.venue, event.address) if p),
        "manage_link": _("(their personal link)"),
    })
    return {"count": len(people), "person": person,
            "subject": fill_placeholders(texts["subject"], values),
            "body": fill_placeholders(texts["body"], values)}


@bp.post("/events/<int:event_id>/reminders/<int:reminder_id>/<action>")
@access("organiser")
def reminder_action(event_id, reminder_id, action):
    event = _event(event_id)
    reminder = _reminder(event, reminder_id)
    if action not in ("cancel", "retry", "send-again"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        now = utcnow()
        try:
            if action == "cancel":
                reminder_service.cancel_reminder(event.id, reminder.id, current_user, now)
                flash(_("The reminder is cancelled."), "success")
            elif action == "retry":
                n = reminder_service.retry_failed(event.id, reminder.id, current_user, now)
                flash(ngettext("%(num)d failed message will be tried again.",
                               "%(num)d failed messages will be tried again.", n), "success")
            else:
                n = reminder_service.send_to_those_without(event.id, reminder.id, current_user, now)
                flash(ngettext("The reminder is on its way to %(num)d person.",
                               "The reminder is on its way to %(num)d people.", n), "success")
        except (LookupError, errors.DomainError):
            flash(_("That is not possible for this reminder now."), "error")
    return redirect(url_for(".edit_reminder", event_id=event.id, reminder_id=reminder.id)
                    if action != "cancel" else url_for(".reminders", event_id=event.id))
