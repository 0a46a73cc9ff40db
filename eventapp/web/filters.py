"""Template filters and globals: dates and times in the reader's language, activity labels,
and `lang` on organiser-written text."""
import re
from datetime import datetime

from flask_babel import format_date, format_number, format_time, get_locale, gettext as _
from jinja2 import pass_eval_context
from jinja2.filters import do_urlize
from markupsafe import Markup, escape

from ..domain.placeholders import fill_reminder
from ..services.reminders import placeholder_context
from ..util.text import paragraphs, unlinked
from .activity_labels import activity_detail, activity_label, activity_summary
from .ranking_forms import ranking_fields


# What Jinja's urlize can make a link of: a web address, www. or an email address.
_LINK_LIKE = re.compile(r"https?://|www\.|@", re.IGNORECASE)


@pass_eval_context
def links(eval_ctx, text, target=None):
    """urlize, without its word-by-word scan of text that holds nothing link-like (most lines
    of a reminder to a thousand people): the same result, escaped as urlize escapes."""
    if _LINK_LIKE.search(str(text)) or eval_ctx.environment.policies.get("urlize.extra_schemes"):
        return do_urlize(eval_ctx, text, target=target)
    escaped = str(escape(text))
    return Markup(escaped) if eval_ctx.autoescape else escaped


def _date(value, form):
    if not value:
        return ""
    try:
        return format_date(value, form)
    except OverflowError:  # the last moment a datetime holds has no Stockholm date after it
        return format_date(value.date(), form)


def register_template_helpers(app):
    @app.template_filter("date_long")
    def date_long(value):
        return _date(value, "full")

    @app.template_filter("date_short")
    def date_short(value):
        return _date(value, "long")

    app.add_template_filter(activity_label)
    app.add_template_filter(activity_detail)
    app.add_template_filter(activity_summary)

    @app.template_filter("time")
    def time_(value):
        return format_time(value, "HH:mm") if value else ""

    @app.template_filter("datetime_long")
    def datetime_long(value):
        """"tisdag 1 december 2026 kl. 19:01": the weekday, the date and the time."""
        return _("%(date)s at %(time)s", date=date_long(value), time=time_(value)) if value else ""

    @app.template_filter("datetime_short")
    def datetime_short(value):
        """"1 december 2026 kl. 19:01": the date and the time, in Stockholm time."""
        return _("%(date)s at %(time)s", date=date_short(value), time=time_(value)) if value else ""

    @app.template_filter("date_span")
    def date_span(start, end):
        """"tisdag 1 december 2026 kl. 09:30–16:00": a day and its hours."""
        return _("%(date)s at %(start)s–%(end)s", date=date_long(start), start=time_(start),
                 end=time_(end)) if start else ""

    @app.template_filter("from_iso")
    def from_iso(value):
        """A stored "2026-12-01T17:59:06Z" (UTC) back to a datetime, for the filters above."""
        if not isinstance(value, str) or not value:
            return value
        return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=None)

    @app.template_filter("number")
    def number(value):
        """100000 as the reader writes it ("100 000" in Swedish)."""
        return format_number(value) if value is not None else ""

    @app.template_filter("as_received")
    def as_received(subject, event, locale="sv"):
        """A reminder's subject as a person receives it: the event's values and samples in
        place of the codes, which only the reminder editor shows."""
        return fill_reminder(subject, "", placeholder_context(event, locale, ""))[0]

    @app.template_global()
    def contact_of(event, link_style=None):
        """"Anna Lindqvist, anna@example.org, 090-16 00 00": only the parts the event has
        (no stray comma when there is no name). With `link_style` (HTML: a string, maybe
        empty) the address is a mailto link."""
        parts = (event.contact_name, event.contact_email, event.contact_phone)
        if link_style is None:
            return ", ".join(part for part in parts if part)
        style = Markup(' style="{}"').format(link_style) if link_style else ""
        email = event.contact_email and Markup('<a href="mailto:{0}"{1}>{0}</a>').format(
            event.contact_email, style)
        return Markup(", ").join(escape(part) if part is not email else part
                                 for part in (event.contact_name, email, event.contact_phone)
                                 if part)

    app.add_template_filter(paragraphs)
    app.add_template_filter(links)
    app.add_template_global(ranking_fields)
    app.add_template_filter(unlinked)

    @app.template_global()
    def lang_of(event):
        """` lang="sv"` on organiser-written text when the page is in another language."""
        lang = getattr(event, "content_language", None) or "sv"
        return Markup(f' lang="{lang}"') if lang != str(get_locale()) else ""

    @app.context_processor
    def globals_():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
