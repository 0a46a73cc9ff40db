"""The programme builder: plenary items, parallel blocks, dialogue sessions and their leads."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...domain import errors
from ...extensions import db
from ...models import DialogueSession, ParallelBlock, ProgrammeItem
from ...services import events as event_service
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import flash_error, message_for
from ...web.seats import seat_labeller
from . import bp
from .common import event_or_404, form_page, to_local, to_utc
from .forms import BlockForm, ConfirmForm, InviteLeadForm, ProgrammeItemForm, SessionForm


@bp.get("/events/<int:event_id>/programme")
@access("organiser")
def programme(event_id):
    event = event_or_404(event_id)
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
        form.starts_at.data = to_local(source.starts_at)
        form.ends_at.data = to_local(source.ends_at if entry else source.starts_at)
    return entry, form


def _timed_values(form, fields):
    values = {f: form[f].data or "" for f in fields}
    values.update(starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data))
    return values


@bp.route("/events/<int:event_id>/items/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/items/<int:item_id>", methods=["GET", "POST"])
@access("organiser")
def edit_item(event_id, item_id=None):
    event = event_or_404(event_id)
    _item, form = _timed_entry_form(event, ProgrammeItem, item_id, ProgrammeItemForm)
    if form.validate_on_submit():
        values = _timed_values(form, ("title", "speakers", "description"))
        event_service.save_programme_item(event.id, item_id, values, current_user, utcnow())
        flash(_("Saved."), "success")
        return redirect(url_for(".programme", event_id=event.id))
    return form_page(form, event=event,
                      title=_("Programme item") if item_id else _("New programme item"),
                      back=url_for(".programme", event_id=event.id))


@bp.post("/events/<int:event_id>/items/<int:item_id>/delete")
@access("organiser")
def delete_item(event_id, item_id):
    return _delete_from_programme(event_id, event_service.delete_programme_item, item_id)


def _delete_from_programme(event_id, delete, target_id):
    """Delete an item, block or session after the button's CSRF check; back to the programme."""
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            delete(event.id, target_id, current_user, utcnow())
        except errors.DomainError as exc:
            flash_error(exc)
        else:
            flash(_("Deleted."), "success")
    return redirect(url_for(".programme", event_id=event.id))


@bp.route("/events/<int:event_id>/blocks/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/blocks/<int:block_id>", methods=["GET", "POST"])
@access("organiser")
def edit_block(event_id, block_id=None):
    event = event_or_404(event_id)
    block, form = _timed_entry_form(event, ParallelBlock, block_id, BlockForm)
    if form.validate_on_submit():
        values = _timed_values(form, ("title",))
        block = event_service.save_block(event.id, block_id, values, current_user, utcnow())
        flash(_("Saved."), "success")
        if block_id is None:
            return redirect(url_for(".edit_session", event_id=event.id, block_id=block.id))
        return redirect(url_for(".programme", event_id=event.id))
    return form_page(form, event=event,
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
    event = event_or_404(event_id)
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
            form.capacity.errors = list(form.capacity.errors) + [message_for(exc)]
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
    event = event_or_404(event_id)
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
