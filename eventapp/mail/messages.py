"""Turning an outbox row into an email: subject, plain text and HTML from the same context.

Rendering is a pure function of the row, loaded with everything its templates show, and a
RenderContext that delivery gathers for the whole batch first (waiting-list places, staff
links): it reads nothing from the database and writes nothing.
"""
import re
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from ..domain.accounts import StaffLink, staff_message_refusal
from ..domain.placeholders import fill_reminder
from ..domain.reminders import version_for
from ..models import Registration
from ..services.queries import choice_rows
from ..services.reminders import placeholder_context
from ..web.tokens import email_change_token, manage_token
from .calendar import registration_calendar
from .mime import Email

SUBJECTS = {
    "confirmation": lambda ctx: gettext("Confirmation: %(event)s", event=ctx["event"].title),
    "changed": lambda ctx: gettext("Your registration has changed: %(event)s", event=ctx["event"].title),
    "promoted": lambda ctx: gettext("You have a place: %(event)s", event=ctx["event"].title),
    "cancelled": lambda ctx: gettext("Cancelled: %(event)s", event=ctx["event"].title),
    "manage_link": lambda ctx: gettext("Your registration link: %(event)s", event=ctx["event"].title),
    "email_change": lambda ctx: gettext("Confirm your new email address: %(event)s",
                                        event=ctx["event"].title),
    "email_change_notice": lambda ctx: gettext("A new email address was given: %(event)s",
                                               event=ctx["event"].title),
    "event_cancelled": lambda ctx: gettext("The event is cancelled: %(event)s",
                                           event=ctx["event"].title),
    "session_message": lambda ctx: ctx["payload"].get("subject", ""),
    "reminder": lambda ctx: ctx["reminder_subject"],
    "preferences_changed": lambda ctx: gettext("Your wishes are saved: %(event)s",
                                               event=ctx["event"].title),
    "allocated": lambda ctx: gettext("You have a place: %(event)s", event=ctx["event"].title),
    "allocation_waiting": lambda ctx: gettext("You are on the waiting list: %(event)s",
                                              event=ctx["event"].title),
    "allocation_unplaced": lambda ctx: gettext("Choose another dialogue session: %(event)s",
                                               event=ctx["event"].title),
}
STAFF_SUBJECTS = {
    "account_invite": lambda payload: gettext(
        "You are invited to lead a dialogue session: %(event)s", event=payload["event"])
    if payload.get("event") else gettext("Your account for Digitala Västerbotten events"),
    "password_reset": lambda payload: gettext("Choose a new password"),
}
WITH_CALENDAR = {"confirmation", "changed", "promoted", "cancelled", "event_cancelled",
                 "allocated"}
CANCELLING = {"cancelled", "event_cancelled"}
# Messages that describe a live registration are pointless once it is cancelled.
NEEDS_ACTIVE = {"confirmation", "changed", "promoted", "manage_link", "event_cancelled",
                "session_message", "reminder", "preferences_changed", "allocated",
                "allocation_waiting", "allocation_unplaced", "email_change",
                "email_change_notice"}


# While a batch renders: the links its people share but for their tokens or slugs, made once
# (see _manage_url); None outside a batch.
_batch_links = ContextVar("batch_links", default=None)


@contextmanager
def batch_rendering():
    """One request context (links from BASE_URL) for all of a batch's messages: one per
    message cost a fifth of rendering a reminder."""
    with _links_context():
        token = _batch_links.set({})
        try:
            yield
        finally:
            _batch_links.reset(token)


def _links_context():
    """A request context whose url_for(..., _external=True) gives links under BASE_URL."""
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])


def _request_context():
    return nullcontext() if _batch_links.get() is not None else _links_context()


_TOKEN_STAND_IN = "token-stand-in"


def _manage_url(registration):
    """The person's manage link. In a batch, url_for makes the link once with a stand-in for
    the token, which each person's token then replaces: url_for per person was about 30 µs
    of a reminder's rendering (issue 16). url_for leaves a token as it is (URL-safe base64
    and dots: nothing it would quote), so both ways give the same link."""
    token = manage_token(registration)
    made = _batch_links.get()
    if made is None:
        return url_for("public.manage", token=token, _external=True)
    if "manage" not in made:
        made["manage"] = url_for("public.manage", token=_TOKEN_STAND_IN, _external=True)
    return made["manage"].replace(_TOKEN_STAND_IN, token)


def _event_url(slug):
    """The event's public page; in a batch, made once per event."""
    made = _batch_links.get()
    if made is None:
        return url_for("public.event", slug=slug, _external=True)
    if slug not in made:
        made[slug] = url_for("public.event", slug=slug, _external=True)
    return made[slug]


class Skip(Exception):
    """The message no longer makes sense (its registration was cancelled before delivery)."""


@dataclass(frozen=True)
class RenderContext:
    """What a message needs besides its row, gathered by delivery for its batch."""

    now: datetime
    positions: Mapping[int, int] = field(default_factory=dict)  # waiting choice id: place in line
    links: Mapping[int, StaffLink] = field(default_factory=dict)  # outbox row id: its link
    # registration id: {block: [session, ...]} where a ranking awaits allocation (issue 14)
    rankings: Mapping[int, dict] = field(default_factory=dict)
    # (event id, language): a reminder's text and HTML with stand-ins for the person's values,
    # filled in as the batch renders; None: each reminder is rendered whole.
    frames: dict | None = None
    # The lines in each paragraph of a reminder's text: its HTML with a stand-in per line
    # (used along with `frames`).
    body_frames: dict = field(default_factory=dict)


def build_message(row, context):
    """An Email (mime.py) for an outbox row, rendered in the recipient's language."""
    if row.user_id is not None:
        return build_staff_message(row, context)
    registration = row.registration
    if registration is None:
        raise Skip("no registration")
    if row.kind in NEEDS_ACTIVE and registration.status != Registration.ACTIVE:
        raise Skip("registration cancelled")
    base_url = current_app.config["BASE_URL"]
    with _request_context(), force_locale(row.locale):
        event = registration.event
        values = {
            "kind": row.kind,
            "registration": registration,
            "event": event,
            "choices": choice_rows(registration, context.positions),
            "rankings": context.rankings.get(registration.id, {}),
            "payload": row.payload or {},
            "manage_url": _manage_url(registration),
            "event_url": _event_url(event.slug),
        }
        if row.kind == "email_change":
            # To the new address: the confirmation link only, never the manage link.
            values["confirm_url"] = url_for(
                "public.confirm_email", _external=True,
                token=email_change_token(registration, values["payload"].get("new_email", "")))
        if row.kind == "reminder":
            values.update(reminder_texts(row, registration, event, values["manage_url"],
                                         context.positions))
        if row.kind == "promoted":
            values["promoted_session"] = next(
                (c["session"] for c in values["choices"]
                 if c["session"].id == (row.payload or {}).get("session_id")),
                None,
            )
        if row.kind == "reminder":
            body, html = _render_reminder(values, context, (event.id, row.locale))
        else:
            body = render_template(f"email/{row.kind}.txt", **values)
            html = render_template(f"email/{row.kind}.html", **values)
        message = Email(
            subject=SUBJECTS[row.kind](values),
            recipients=[row.to_address],
            body=body,
            html=html,
            sender=_sender(),
            reply_to=event.contact_email or None,
            extra_headers={"Auto-Submitted": "auto-generated"},
        )
        if row.kind in WITH_CALENDAR:
            # Calendars are shared (delegates, team calendars): the personal link stays in
            # the email body, the calendar entry links to the public event page.
            description = render_template(
                "email/calendar_description.txt",
                **{k: v for k, v in values.items() if k != "manage_url"})
            cancelled = row.kind in CANCELLING
            ics = registration_calendar(
                registration,
                event,
                sequence=(row.payload or {}).get("sequence", registration.ics_sequence),
                cancelled=cancelled,
                description=description,
                base_url=base_url,
                now=context.now,
            )
            method = "CANCEL" if cancelled else "REQUEST"
            # Named in the mail's language: the name is what the reader sees of it.
            message.attach(
                gettext("cancellation.ics") if cancelled else gettext("invitation.ics"),
                f"text/calendar; charset=utf-8; method={method}",
                ics,
            )
    return message


_PERSONAL = ("reminder_subject", "reminder_body", "reminder_html", "manage_url")
_STAND_IN = re.compile("\x00(" + "|".join(_PERSONAL) + ")\x00")


def _render_reminder(values, context, key):
    """A reminder's text and HTML. Only the person's own values differ between the people of
    one event and language, so with `context.frames` the templates are rendered once per
    key with stand-ins, which each person's values then replace (escaped for the HTML,
    as the template would)."""
    body = _reminder_body_html(values["reminder_body"], context)
    values = {**values, "reminder_html": Markup(body)}
    if context.frames is None:
        return (render_template("email/reminder.txt", **values),
                render_template("email/reminder.html", **values))
    frame = context.frames.get(key)
    if frame is None:
        stand_ins = {name: Markup(f"\x00{name}\x00") for name in _PERSONAL}
        frame = context.frames[key] = (
            render_template("email/reminder.txt", **{**values, **stand_ins}),
            render_template("email/reminder.html", **{**values, **stand_ins}))
    text, html = frame
    as_html = {name: str(escape(values[name])) for name in _PERSONAL}
    return (_STAND_IN.sub(lambda m: values[m.group(1)], text),
            _STAND_IN.sub(lambda m: as_html[m.group(1)], html))


_LINE_STAND_IN = re.compile("\x00([0-9]+)\x00")


def _reminder_body_html(text, context):
    """The reminder's text as HTML paragraphs (email/_reminder_body.html). With `context.frames`
    the template is rendered once per shape of the text (the lines in each paragraph) with a
    numbered stand-in for each line, and each person's lines then go through the filter the
    template gives them (links, target _blank). Rendered per person, the template was about
    a quarter of building a reminder (issue 16); frame and whole read the same, a test holds
    them to it."""
    env = current_app.jinja_env
    template = env.get_template("email/_reminder_body.html")
    if context.frames is None:
        return template.render(reminder_body=text)
    lines = env.filters["paragraphs"](text)
    shape = tuple(len(paragraph) for paragraph in lines)
    frame = context.body_frames.get(shape)
    if frame is None:
        numbers = iter(range(sum(shape)))
        numbered = "\n\n".join("\n".join(f"\x00{next(numbers)}\x00" for _line in range(count))
                               for count in shape)
        frame = context.body_frames[shape] = template.render(reminder_body=numbered)
    # As the template writes each line: {{ line|links(target='_blank') }}
    eval_ctx = EvalContext(env, template.name)
    links = env.filters["links"]
    html = [str(links(eval_ctx, line, target="_blank")) for paragraph in lines
            for line in paragraph]
    return _LINE_STAND_IN.sub(lambda match: html[int(match.group(1))], frame)


def _sender():
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return f"{sender[0]} <{sender[1]}>" if isinstance(sender, tuple) else sender


def build_staff_message(row, context):
    """Invitation and password-reset mail, with the single-use link delivery issued for it
    just before (accounts.issue_delivery_tokens), so no live token is ever stored."""
    reason = staff_message_refusal(row.kind, row.user)
    if reason:
        raise Skip(reason)
    link = context.links[row.id]
    with _request_context(), force_locale(row.locale):
        values = {
            "kind": row.kind,
            "user": row.user,
            "payload": row.payload or {},
            "hours": link.hours,
            "link": url_for("auth.set_password", token=link.token, _external=True),
            "login_url": url_for("auth.login", _external=True),
        }
        message = Email(
            subject=STAFF_SUBJECTS[row.kind](values["payload"]),
            recipients=[row.to_address],
            body=render_template(f"email/{row.kind}.txt", **values),
            html=render_template(f"email/{row.kind}.html", **values),
            sender=_sender(),
            extra_headers={"Auto-Submitted": "auto-generated"},
        )
    return message


def reminder_texts(row, registration, event, manage_url, positions=None):
    """The reminder's subject and body for this person, placeholders filled in: the English
    text for an English sign-up when there is one, else the Swedish."""
    reminder = row.reminder
    if reminder is None:
        raise Skip("reminder deleted")
    texts = {"subject": reminder.subject, "body": reminder.body,
             "subject_en": reminder.subject_en, "body_en": reminder.body_en}
    locale, subject, body = version_for(texts, row.locale)
    subject, body = fill_reminder(subject, body,
                                  placeholder_context(event, locale, manage_url, registration,
                                                      positions))
    return {"reminder_subject": subject, "reminder_body": body}
