"""What leaves the organiser's pages on paper or as a file: exports, the catering summary,
and the activity log."""
from flask import abort, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import ActivityEntry
from ...services import events as event_service, preferences, reports
from ...util.time import utc_to_local, utcnow
from ...web.access import access
from ...web.exports import (
    FileName,
    download,
    local_day,
    session_file_name,
    session_heading,
    when,
)
from . import bp
from .common import ListFilters, event_or_404

EXPORT_HEADER = (
    _l("Name"), _l("Email"), _l("Organisation"), _l("Job title"), _l("Parallel block"),
    _l("Session"), _l("Place"), _l("Dietary needs or allergies"), _l("Accessibility needs"),
    _l("What would you like to discuss in the session?"), _l("Registered"), _l("Wishes"),
)


def _export_rows(event, filters):
    """One row per registration and session it holds: those the list shows, and with a
    session or place chosen, only that session's (or place's) rows."""
    rows, registrations = [], filters.registrations(event)
    wishes = preferences.rankings_for([r.id for r in registrations], awaiting_only=False)
    for r in registrations:
        held = [c for c in sorted(r.choices, key=lambda c: c.block.starts_at)
                if (filters.session is None or c.session_id == filters.session.id)
                and (not filters.place or c.state == filters.place)]
        for choice in held or [None]:
            rows.append([
                r.name, r.email, r.organisation, r.job_title,
                choice.block.title if choice else "", choice.session.title if choice else "",
                {"confirmed": _("Seat"), "waiting": _("Waiting list")}.get(
                    choice.state if choice else "", ""),
                r.dietary_needs, r.accessibility_needs, r.discussion_topic,
                utc_to_local(r.created_at).strftime("%Y-%m-%d %H:%M"),
                "; ".join(f"{block.title}: " + ", ".join(
                    f"{rank}. {s.title}" for rank, s in enumerate(ranked, 1))
                    for block, ranked in wishes.get(r.id, {}).items()),
            ])
    return [str(h) for h in EXPORT_HEADER], rows


def _heading(event, kind, filters):
    """Which list, of which event (or session), which day and where; and the filters."""
    session = filters.session
    if session is not None:
        lines = session_heading(kind, session)
    else:
        lines = [f"{kind}: {event.title}",
                 " · ".join(p for p in (when(event.starts_at, event.ends_at), event.venue) if p)]
    chosen = [{"confirmed": _("has a seat"), "waiting": _("on the waiting list")}.get(filters.place),
              _("search: %(q)s", q=filters.q) if filters.q else None,
              _("cancelled registrations included") if filters.show_cancelled else None]
    if any(chosen):
        lines.append(_("Only: %(filters)s", filters=", ".join(c for c in chosen if c)))
    return lines


@bp.get("/events/<int:event_id>/export.<fmt>")
@access("organiser")
def export(event_id, fmt):
    event = event_or_404(event_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = ListFilters.from_args(event, request.args)
    header, rows = _export_rows(event, filters)
    event_service.log_export(event.id, current_user, fmt, len(rows), utcnow(),
                             session_id=filters.session.id if filters.session else None)
    kind = _("Registrations")
    name = (session_file_name(kind, filters.session) if filters.session
            else FileName(kind, event.title, local_day(event.starts_at)))
    return download(header, rows, fmt, name, kind, heading=_heading(event, kind, filters))


@bp.get("/events/<int:event_id>/catering")
@access("organiser")
def catering(event_id):
    event = event_or_404(event_id)
    # Names with accessibility needs: a look at it is logged like an export.
    event_service.log_access(event.id, current_user, "catering.viewed", event.title, utcnow())
    return render_template("organiser/catering.html", event=event, summary=reports.catering(event))


@bp.get("/events/<int:event_id>/activity")
@access("organiser")
def activity(event_id):
    event = event_or_404(event_id)
    entries = db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.event_id == event.id)
        .order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc()).limit(500)).all()
    return render_template("organiser/activity.html", event=event, entries=entries)
