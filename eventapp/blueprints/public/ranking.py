"""The manage link's ranking of a block that takes preferences (issue 14): changed until
ranking closes; a refusal shows beside the rank it concerns, with what was chosen kept."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from ...domain import errors
from ...services import preferences
from ...util.time import utcnow
from ...web.access import access
from ...web.errors import message_for, status_for
from ...web.forms import BaseForm
from ...web.ranking_forms import mark_ranking_error, ranking_fields, ranking_form_for
from .routes import _registration_from_token, _render_manage, bp


@bp.post("/manage/<token>/ranking/<int:block_id>")
@access("manage_token")
def manage_ranking(token, block_id):
    registration = _registration_from_token(token)
    block = next((b for b in registration.event.blocks
                  if b.id == block_id and b.takes_preferences), None)
    if block is None:  # published meanwhile, or never taking preferences
        if not BaseForm().validate_on_submit():
            abort(400)
        flash(message_for(errors.RankingClosed()), "error")
        return redirect(url_for(".manage", token=token))
    form = ranking_form_for(block, BaseForm, prefix=f"ranking{block.id}")
    if not form.validate_on_submit():
        return _render_manage(token, registration, ranking_form=(block.id, form), status=400)
    ranking = [field.data for field, _required in ranking_fields(form, block)]
    try:
        changed = preferences.change_ranking(registration.id, block.id, ranking, utcnow())
    except errors.RankingError as exc:
        mark_ranking_error(form, block, exc, message_for(exc))
        return _render_manage(token, registration, ranking_form=(block.id, form),
                              status=status_for(exc), summary_error="ranking_error")
    except errors.DomainError as exc:
        return _render_manage(token, registration, ranking_form=(block.id, form),
                              status=status_for(exc), summary_error=exc.code)
    if changed:
        flash(_("Your wishes are saved. A confirmation is on its way by email."), "success")
    else:
        flash(_("Nothing was changed: those are already your wishes."), "info")
    return redirect(url_for(".manage", token=token))
