"""The allocation page of a block that takes preferences (issue 14): its settings, the
"allocate" button (which closes ranking at once), the preview computed by the mail worker
beside a plain lottery, a re-run with a new seed or other capacities, and publishing."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import errors
from ...domain.allocation import Allocation
from ...models import ParallelBlock
from ...services import allocation as allocation_service
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import flash_error, message_for, status_for
from . import bp
from .allocation_forms import AllocationSettingsForm, PublishForm, allocate_form_for
from .common import event_or_404, of_event_or_404, to_local, to_utc


def _event_and_block(event_id, block_id):
    event = event_or_404(event_id)
    return event, of_event_or_404(ParallelBlock, block_id, event)


def _back(event, block):
    return redirect(url_for(".allocation", event_id=event.id, block_id=block.id))


def _page(event, block, settings=None, allocate=None, status=200, error=None):
    if settings is None:
        settings = AllocationSettingsForm(obj=block, formdata=None)
        settings.ranking_deadline.data = to_local(block.ranking_deadline)
    run = allocation_service.latest_run(block.id)
    preview = plain = None
    if run is not None and run.result:
        preview, plain = Allocation.from_dict(run.result), Allocation.from_dict(run.lottery)
    return render_template(
        "organiser/allocation.html", event=event, block=block, settings=settings,
        allocate=allocate or allocate_form_for(block, formdata=None),
        publish=PublishForm(run_id=run.id if run else ""), run=run, preview=preview,
        plain=plain, sessions={s.id: s for s in block.sessions}, error=error,
        awaiting=allocation_service.awaiting_count(block.id)), status


@bp.get("/events/<int:event_id>/blocks/<int:block_id>/allocation")
@access("organiser")
def allocation(event_id, block_id):
    return _page(*_event_and_block(event_id, block_id))


@bp.post("/events/<int:event_id>/blocks/<int:block_id>/allocation/settings")
@access("organiser")
def allocation_settings(event_id, block_id):
    event, block = _event_and_block(event_id, block_id)
    form = AllocationSettingsForm()
    if not form.validate_on_submit():
        return _page(event, block, settings=form, status=400)
    try:
        allocation_service.save_settings(
            block.id, form.allocation_mode.data, to_utc(form.ranking_deadline.data),
            form.allocation_objective.data, form.mix_limit.data, utcnow(), current_user)
    except errors.DomainError as exc:
        return _page(event, block, settings=form, status=status_for(exc),
                     error=message_for(exc))
    flash(_("Saved."), "success")
    return _back(event, block)


@bp.post("/events/<int:event_id>/blocks/<int:block_id>/allocation/run")
@access("organiser")
def allocation_run(event_id, block_id):
    event, block = _event_and_block(event_id, block_id)
    form = allocate_form_for(block)
    if not form.validate_on_submit():
        return _page(event, block, allocate=form, status=400)
    capacities = {s.id: form[f"capacity_{s.id}"].data for s in block.sessions}
    try:
        allocation_service.request_allocation(block.id, utcnow(), current_user,
                                              capacities=capacities)
    except errors.DomainError as exc:
        flash_error(exc)
    else:
        flash(_("Ranking is closed and the places are being allocated. The preview is "
                "ready in a few seconds."), "success")
    return _back(event, block)


@bp.post("/events/<int:event_id>/blocks/<int:block_id>/allocation/publish")
@access("organiser")
def allocation_publish(event_id, block_id):
    event, block = _event_and_block(event_id, block_id)
    form = PublishForm()
    run_id = request.form.get("run_id", "")
    if not form.validate_on_submit() or not run_id.isdigit():
        abort(400)
    try:
        told = allocation_service.publish(int(run_id), utcnow(), current_user)
    except errors.DomainError as exc:
        flash_error(exc)
    else:
        if told:
            flash(_("Published: %(n)d people have their place and get an email.", n=told),
                  "success")
        else:
            flash(_("This allocation was already published. Nobody was emailed again."), "info")
    return _back(event, block)
