"""What leaves the organiser's pages on paper or as a file: exports, the catering summary,
and the activity log."""
from flask import abort, render_template
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import ActivityEntry
from ...services import events as event_service, reports
from ...util.time import utc_to_local, utcnow
from ...web.access import access
from ...web.exports import download
from . import bp
from .common import event_or_404

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
    event = event_or_404(event_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = _export_rows(event)
    event_service.log_export(event.id, current_user, fmt, len(rows), utcnow())
    return download(header, rows, fmt, f"{event.slug}-anmalningar", _("Registrations"))


@bp.get("/events/<int:event_id>/catering")
@access("organiser")
def catering(event_id):
    event = event_or_404(event_id)
    return render_template("organiser/catering.html", event=event, summary=reports.catering(event))


@bp.get("/events/<int:event_id>/activity")
@access("organiser")
def activity(event_id):
    event = event_or_404(event_id)
    entries = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.event_id == event.id)
        .order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc()).limit(500)).all()
    return render_template("organiser/activity.html", event=event, entries=entries)
