"""The programme builder: the programme page, plenary items, parallel blocks (passes) and the
order of the sessions in a pass. A session's own page is sessions.py."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import errors
from ...extensions import db
from ...models import ParallelBlock, ProgrammeItem
from ...services import programme as programme_service, queries
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import flash_error
from ...web.forms import form_kept_when_busy
from ...web.seats import seat_labeller
from . import bp
from .common import event_or_404, form_page, to_local, to_utc
from .forms import BlockForm, ConfirmForm, MoveForm, ProgrammeItemForm


@bp.get("/events/<int:event_id>/programme")
@access("organiser")
def programme(event_id):
    event = event_or_404(event_id)
    _label, counts = seat_labeller(event)
    return render_template("organiser/programme.html", event=event, counts=counts,
                           without_a_place=queries.without_a_place(event),
                           confirm=ConfirmForm(), move=MoveForm(formdata=None))


def _timed_entry(event_id, entry_id, model, form_class, fields, save):
    """What the programme item's and the block's pages share: the event, the entry (404
    unless it is this event's) and its form, times shown in Stockholm time (a new one starts
    where the programme ends so far). A valid submit is saved with `save`.

    Returns (event, form, the saved entry or None)."""
    event = event_or_404(event_id)
    entry = db.session.get(model, entry_id) if entry_id else None
    if entry_id and (entry is None or entry.event_id != event.id):
        abort(404)
    form = form_class(obj=entry)
    if request.method == "GET":
        slot = entry or programme_service.next_slot(event)
        form.starts_at.data = to_local(slot.starts_at)
        form.ends_at.data = to_local(slot.ends_at)
    if not form.validate_on_submit():
        return event, form, None
    values = {f: form[f].data or "" for f in fields}
    values.update(starts_at=to_utc(form.starts_at.data), ends_at=to_utc(form.ends_at.data))
    saved = save(event.id, entry_id, values, current_user, utcnow())
    flash(_("Saved."), "success")
    return event, form, saved


@bp.route("/events/<int:event_id>/items/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/items/<int:item_id>", methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def edit_item(event_id, item_id=None):
    event, form, saved = _timed_entry(event_id, item_id, ProgrammeItem, ProgrammeItemForm,
                                      ("title", "speakers", "description"),
                                      programme_service.save_programme_item)
    if saved is not None:
        if form.save_and_add.data:
            return redirect(url_for(".edit_item", event_id=event.id))
        return redirect(url_for(".programme", event_id=event.id))
    return form_page(form, event=event,
                     title=_("Programme item") if item_id else _("New programme item"),
                     back=url_for(".programme", event_id=event.id))


@bp.post("/events/<int:event_id>/items/<int:item_id>/delete")
@access("organiser")
def delete_item(event_id, item_id):
    return delete_from_programme(event_id, programme_service.delete_programme_item, item_id)


def delete_from_programme(event_id, delete, target_id):
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
@form_kept_when_busy
def edit_block(event_id, block_id=None):
    event, form, block = _timed_entry(event_id, block_id, ParallelBlock, BlockForm, ("title",),
                                      programme_service.save_block)
    if block is not None:
        if form.save_and_add.data:
            return redirect(url_for(".edit_block", event_id=event.id))
        if block_id is None:  # a new block goes straight on to its first session
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
    return delete_from_programme(event_id, programme_service.delete_block, block_id)


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/move")
@access("organiser")
def move_session(event_id, session_id):
    """Up or down a place in its block; back on the programme, at the session that moved."""
    event = event_or_404(event_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    session = programme_service.move_session(event.id, session_id, form.direction.data,
                                             current_user, utcnow())
    flash(_("Moved: “%(title)s” is number %(n)d in its block now.", title=session.title,
            n=session.position + 1), "success")
    return redirect(url_for(".programme", event_id=event.id, _anchor=f"session-{session.id}"))
