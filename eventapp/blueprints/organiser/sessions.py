"""A dialogue session's page: its details and leads in one form, a search over known leads,
the double-booking warning, duplicating and deleting."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext as _, ngettext
from flask_login import current_user

from ...domain import errors
from ...extensions import db
from ...models import DialogueSession, ParallelBlock
from ...services import programme as programme_service
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import message_for
from ...web.forms import form_kept_when_busy
from . import bp
from .common import event_or_404, of_event_or_404
from .forms import ConfirmForm, DuplicateSessionForm, SessionForm
from .programme import delete_from_programme

ANOTHER = "another"
TITLE_MAX = 200


def _block_and_session(event, block_id, session_id):
    block = of_event_or_404(ParallelBlock, block_id, event)
    session = db.session.get(DialogueSession, session_id) if session_id else None
    if session_id and (session is None or session.block_id != block.id):
        abort(404)
    return block, session


@bp.route("/events/<int:event_id>/blocks/<int:block_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/blocks/<int:block_id>/sessions/<int:session_id>",
          methods=["GET", "POST"])
@access("organiser")
@form_kept_when_busy
def edit_session(event_id, block_id, session_id=None):
    event = event_or_404(event_id)
    block, session = _block_and_session(event, block_id, session_id)
    form = SessionForm(obj=session, leads=session.leads if session else ())
    warning = []
    if form.validate_on_submit():
        another = bool(form.save_and_add.data or (form.save_anyway.data
                                                  and form.after.data == ANOTHER))
        try:
            saved = programme_service.save_session(
                event.id, block.id, session_id, form.values(), current_user, utcnow(),
                str(get_locale()), allow_clashes=bool(form.save_anyway.data))
        except errors.CapacityBelowConfirmed as exc:
            form.capacity.errors = list(form.capacity.errors) + [message_for(exc)]
        except errors.UnknownLead as exc:
            field = form[f"lead_email_{exc.row}"]
            field.errors = list(field.errors) + [message_for(exc)]
        except errors.DoubleBooking as exc:
            warning = exc.clashes
            form.after.data = ANOTHER if another else ""
        else:
            flash(_saved_message(saved), "success")
            if another:
                return redirect(url_for(".edit_session", event_id=event.id, block_id=block.id))
            return redirect(url_for(".edit_session", event_id=event.id, block_id=block.id,
                                    session_id=saved.session.id))
    standing = (programme_service.clashes_of(event.id, session)
                if session is not None and not form.is_submitted() else [])
    status = 409 if warning else (400 if form.is_submitted() else 200)
    return render_template("organiser/session_form.html", form=form, event=event, block=block,
                           session=session, warning=warning, standing=standing,
                           duplicate=DuplicateSessionForm(formdata=None),
                           confirm=ConfirmForm()), status


def _saved_message(saved):
    if saved.promoted:
        text = _("Saved. %(n)d people moved up from the waiting list and are told by email.",
                 n=len(saved.promoted))
    else:
        text = _("Saved.")
    if saved.invited:
        text += " " + ngettext("%(names)s gets an invitation by email.",
                               "%(names)s get an invitation by email.", len(saved.invited),
                               names=_(" and ").join(saved.invited))
    return text


@bp.get("/events/<int:event_id>/leads")
@access("organiser")
def lead_search(event_id):
    """Known leads whose name or email contains `q`, for the session form's suggestions."""
    event = event_or_404(event_id)
    query = request.args.get("q", "")[:100]
    found = programme_service.search_leads(event.id, query)
    response = jsonify(leads=[{"name": lead.name, "email": lead.email} for lead in found])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/duplicate")
@access("organiser")
def duplicate_session(event_id, session_id):
    """A copy in the same block, right after the original; its form opens to tell them apart."""
    event = event_or_404(event_id)
    source = db.session.get(DialogueSession, session_id)
    if source is None or source.block.event_id != event.id:
        abort(404)
    form = DuplicateSessionForm()
    if not form.validate_on_submit():
        abort(400)
    with force_locale(event.content_language):  # the title is the event's text, in its language
        title = _("%(title)s (copy)", title=source.title)
    if len(title) > TITLE_MAX:
        title = source.title
    copy = programme_service.duplicate_session(event.id, source.id, title,
                                               form.with_leads.data, current_user, utcnow())
    flash(_("A copy is made. Change its title and what else differs, then save."), "success")
    return redirect(url_for(".edit_session", event_id=event.id, block_id=copy.block_id,
                            session_id=copy.id))


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/delete")
@access("organiser")
def delete_session(event_id, session_id):
    return delete_from_programme(event_id, programme_service.delete_session, session_id)
