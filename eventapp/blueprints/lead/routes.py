"""The session lead's pages: the sessions they lead, attendee lists, exports, check-in."""
from datetime import datetime
from typing import NamedTuple

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...domain import errors
from ...extensions import db
from ...models import DialogueSession, Event, Lead, ParallelBlock, SessionChoice, session_leads
from ...services import attendance, events as event_service, preferences
from ...services.events import field_setting
from ...services.queries import attendee_list, attendee_rows, seat_counts_for_sessions
from ...util.collation import swedish_key
from ...util.time import utcnow
from ...web.access import access, ensure_can_lead
from ...web.errors import flash_error, message_for, status_for
from ...web.exports import download, session_file_name, session_heading
from .forms import CheckInForm, MessageForm, WalkInForm
from .pdf import attendance_pdf

bp = Blueprint("lead", __name__, url_prefix="/lead")

SORTS = {"name": lambda r: (swedish_key(r.name),),
         "organisation": lambda r: (swedish_key(r.organisation), swedish_key(r.name)),
         "registered": lambda r: (r.created_at,)}


def sessions_led_by(user):
    """Every session the user leads (all sessions for an organiser), soonest first."""
    query = (
        select(DialogueSession)
        .join(ParallelBlock, ParallelBlock.id == DialogueSession.block_id)
        .join(Event, Event.id == ParallelBlock.event_id)
        .where(Event.status != Event.DRAFT)
        .options(selectinload(DialogueSession.leads),
                 selectinload(DialogueSession.block).selectinload(ParallelBlock.event))
        .order_by(ParallelBlock.starts_at, DialogueSession.position, DialogueSession.id)
    )
    if not user.is_organiser:
        query = query.join(session_leads, session_leads.c.session_id == DialogueSession.id).join(
            Lead, Lead.id == session_leads.c.lead_id).where(Lead.user_id == user.id)
    return db.session.scalars(query).unique().all()


@bp.get("/")
@access("lead")
def my_sessions():
    sessions = sessions_led_by(current_user)
    return render_template("lead/my_sessions.html", sessions=sessions,
                           counts=seat_counts_for_sessions([s.id for s in sessions]))


def _session(session_id):
    # One statement (joins) for the session, its leads, block and event, not four.
    session = db.session.execute(
        select(DialogueSession).where(DialogueSession.id == session_id)
        .options(joinedload(DialogueSession.leads),
                 joinedload(DialogueSession.block).joinedload(ParallelBlock.event))
    ).unique().scalar_one_or_none()
    ensure_can_lead(session)
    return session


def _logged_session(session_id, action):
    """The session, once its personal-data view is written to the activity log (GDPR)."""
    session = _session(session_id)
    event_service.log_access(session.block.event_id, current_user, action, session.title,
                             utcnow(), session_id=session.id)
    return session


class Attendee(NamedTuple):
    """One person on the attendee list, as its exports, its table row and its phone card."""
    name: str
    organisation: str | None
    created_at: datetime
    cells: list  # a value for each of the list's columns, "" when empty (the exports)
    cells_html: Markup  # the table row's <td>s
    card_html: Markup  # the card's fields: the columns but the name, those with a value


def attendees_for(rows, columns):
    """attendee_list's rows as Attendees, their HTML escaped and put together here.

    In Jinja, 500 people's columns in the table and again on the card were some 10,000
    escape calls, a quarter of the page's time; here all the values are escaped in one
    call, joined by a character no field holds. The template keeps the rest of the markup.
    """
    labels = [escape(label) for _key, label in columns]
    on_card = [(i, f"<div><dt>{labels[i]}</dt><dd>") for i, (key, _label) in enumerate(columns)
               if key != "name"]
    width = len(columns)
    values = [value or "" for row in rows for value in row[4:]]
    shown = str.split(escape(_APART.join(values)), _APART)
    if len(shown) != len(values):  # a value holding the separator after all
        shown = [str(escape(value)) for value in values]
    people = []
    for start, (_state, name, organisation, created_at, *_values) in zip(
            range(0, len(values), width), rows):
        cells, html = values[start:start + width], shown[start:start + width]
        people.append(Attendee(
            name, organisation, created_at, cells,
            Markup("<td>" + "</td><td>".join(html) + "</td>"),
            Markup("".join([f"{head}{html[i]}</dd></div>" for i, head in on_card if cells[i]]))))
    return people


_APART = "\x00"


def columns_for(event):
    """The columns the list shows: only questions the event asks."""
    columns = [("name", _l("Name")), ("organisation", _l("Organisation"))]
    optional = [("job_title", _l("Job title")), ("email", _l("Email")),
                ("discussion_topic", _l("What they want to discuss")),
                ("dietary_needs", _l("Dietary needs or allergies")),
                ("accessibility_needs", _l("Accessibility needs"))]
    for key, label in optional:
        if key == "email" or field_setting(event, key) != "off":
            columns.append((key, label))
    if field_setting(event, "organisation") == "off":
        columns = [c for c in columns if c[0] != "organisation"]
    return columns


def _list_view(session):
    """The attendee list as the page shows it, also what the exports hold."""
    event = session.block.event
    # Labels translated once here, not in each of 500 people's cards.
    columns = [(key, str(label)) for key, label in columns_for(event)]
    confirmed, waiting = (attendees_for(rows, columns) for rows in
                          attendee_list(session, [key for key, _label in columns]))
    organisation = request.args.get("organisation", "")[:200]
    sort = request.args.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    organisations = sorted({(a.organisation or "") for a in confirmed + waiting},
                           key=swedish_key)
    summary = {}
    for a in confirmed:
        summary[a.organisation or "–"] = summary.get(a.organisation or "–", 0) + 1
    if organisation:
        confirmed = [a for a in confirmed if a.organisation == organisation]
        waiting = [a for a in waiting if a.organisation == organisation]
    confirmed.sort(key=SORTS[sort])
    return {
        "event": event, "session": session, "confirmed": confirmed, "waiting": waiting,
        "columns": columns, "organisations": organisations,
        "organisation": organisation, "sort": sort,
        "summary": sorted(summary.items(), key=lambda kv: (-kv[1], swedish_key(kv[0]))),
        # Until the allocation is published: how many ranked this session, at what rank.
        "ranks": preferences.session_rank_counts(session)
        if session.block.takes_preferences else None,
    }


@bp.get("/sessions/<int:session_id>")
@access("lead")
def attendees(session_id):
    session = _logged_session(session_id, "attendees.viewed")
    return render_template("lead/attendees.html", **_list_view(session))


@bp.get("/sessions/<int:session_id>/topics")
@access("lead")
def topics(session_id):
    session = _logged_session(session_id, "topics.viewed")
    confirmed, waiting = attendee_rows(session)
    grouped = {}
    for c in confirmed + waiting:
        topic = (c.registration.discussion_topic or "").strip()
        if topic:
            grouped.setdefault(c.registration.organisation or "–", []).append((c.registration, topic))
    return render_template("lead/topics.html", session=session, event=session.block.event,
                           grouped=sorted(grouped.items(), key=lambda kv: swedish_key(kv[0])))


def export_table(view):
    header = [str(label) for _key, label in view["columns"]] + [_("Place")]
    seat = _("Seat")
    rows = [a.cells + [seat] for a in view["confirmed"]]
    for position, a in enumerate(view["waiting"], start=1):
        rows.append(a.cells + [_("Waiting list %(pos)d", pos=position)])
    return header, rows


@bp.get("/sessions/<int:session_id>/export.<fmt>")
@access("lead")
def export(session_id, fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    session = _session(session_id)
    view = _list_view(session)
    header, rows = export_table(view)
    event_service.log_export(view["event"].id, current_user, fmt, len(rows), utcnow(),
                             session_id=session.id)
    kind = _("Attendee list")
    return download(header, rows, fmt, session_file_name(kind, session), kind,
                    heading=session_heading(kind, session))


@bp.get("/sessions/<int:session_id>/sheet")
@access("lead")
def sheet(session_id):
    session = _logged_session(session_id, "sheet.viewed")
    confirmed, _waiting = attendee_rows(session)
    confirmed.sort(key=lambda c: swedish_key(c.registration.name))
    return render_template("lead/sheet.html", session=session, event=session.block.event,
                           confirmed=confirmed)


@bp.get("/sessions/<int:session_id>/sheet.pdf")
@access("lead")
def sheet_pdf(session_id):
    session = _session(session_id)
    confirmed, _waiting = attendee_rows(session)
    confirmed.sort(key=lambda c: swedish_key(c.registration.name))
    event_service.log_export(session.block.event_id, current_user, "pdf", len(confirmed), utcnow(),
                             session_id=session.id)
    body = attendance_pdf(session, [c.registration for c in confirmed])
    name = session_file_name(_("Attendance sheet"), session)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": name.content_disposition("pdf", "inline")})


@bp.get("/sessions/<int:session_id>/checkin")
@access("lead")
def checkin(session_id, walk_in=None, status=200):
    session = _session(session_id)
    confirmed, _waiting = attendee_rows(session)
    confirmed.sort(key=lambda c: swedish_key(c.registration.name))
    arrived = sum(1 for c in confirmed if c.checked_in_at)
    return render_template("lead/checkin.html", session=session, event=session.block.event,
                           confirmed=confirmed, arrived=arrived, form=CheckInForm(),
                           walk_in=walk_in or WalkInForm(formdata=None),
                           seats_left=max(session.capacity - len(confirmed), 0)), status


@bp.post("/sessions/<int:session_id>/checkin/<int:choice_id>/<action>")
@access("lead")
def checkin_toggle(session_id, choice_id, action):
    session = _session(session_id)
    if action not in ("arrived", "undo"):
        abort(404)
    if CheckInForm().validate_on_submit():
        try:
            choice = attendance.set_checked_in(session.id, choice_id, action == "arrived",
                                               current_user, utcnow())
        except errors.DomainError as exc:
            flash_error(exc)
        else:
            name = choice.registration.name
            flash(_("%(name)s is marked as arrived.", name=name) if action == "arrived"
                  else _("%(name)s is no longer marked as arrived.", name=name), "success")
    return redirect(url_for(".checkin", session_id=session.id) + f"#choice-{choice_id}")


@bp.post("/sessions/<int:session_id>/walk-in")
@access("lead")
def walk_in(session_id):
    session = _session(session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            attendance.add_walk_in(session.id, form.name.data, form.email.data,
                                   form.organisation.data, current_user, utcnow(),
                                   str(get_locale()))
        except errors.SessionFull:
            flash(_("The session is full: there is no seat for a walk-in."), "error")
        except errors.AlreadyRegistered as exc:
            form.email.errors.append(message_for(exc))
            return checkin(session_id, walk_in=form, status=status_for(exc))
        except errors.Busy as exc:
            flash(message_for(exc), "error")  # the form as typed, to send again
            return checkin(session_id, walk_in=form, status=status_for(exc))
        except errors.DomainError as exc:
            flash_error(exc)
        else:
            flash(_("%(name)s is added and marked as arrived.", name=form.name.data), "success")
        return redirect(url_for(".checkin", session_id=session.id))
    return checkin(session_id, walk_in=form, status=400)


@bp.route("/sessions/<int:session_id>/message", methods=["GET", "POST"])
@access("lead")
def message(session_id):
    session = _session(session_id)
    form = MessageForm()
    preview = None
    if form.validate_on_submit():
        people = attendance.recipients(session.id, form.include_waiting.data)
        if form.send.data:
            sent = attendance.send_session_message(session.id, form.subject.data, form.body.data,
                                                   form.include_waiting.data, current_user, utcnow())
            flash(ngettext("The message is on its way to %(num)d person.",
                           "The message is on its way to %(num)d people.", sent), "success")
            return redirect(url_for(".attendees", session_id=session.id))
        preview = {"count": len(people), "first": people[0] if people else None}
    return render_template("lead/message.html", session=session, event=session.block.event,
                           form=form, preview=preview), (400 if form.is_submitted() and not preview else 200)
