"""Template filters and globals: dates and times in the reader's language, activity labels,
and `lang` on organiser-written text."""
from flask_babel import format_date, format_time, get_locale, gettext as _
from markupsafe import Markup

from ..util.text import paragraphs, unlinked
from .activity_labels import activity_detail, activity_label


def register_template_helpers(app):
    @app.template_filter("date_long")
    def date_long(value):
        return format_date(value, "full") if value else ""

    @app.template_filter("date_short")
    def date_short(value):
        return format_date(value, "long") if value else ""

    app.add_template_filter(activity_label)
    app.add_template_filter(activity_detail)

    @app.template_filter("time")
    def time_(value):
        return format_time(value, "HH:mm") if value else ""

    @app.template_filter("datetime_long")
    def datetime_long(value):
        """"tisdag 1 december 2026 kl. 19:01": the weekday, the date and the time."""
        return _("%(date)s at %(time)s", date=date_long(value), time=time_(value)) if value else ""

    app.add_template_filter(paragraphs)
    app.add_template_filter(unlinked)

    @app.template_global()
    def lang_of(event):
        """` lang="sv"` on organiser-written text when the page is in another language."""
        lang = getattr(event, "content_language", None) or "sv"
        return Markup(f' lang="{lang}"') if lang != str(get_locale()) else ""

    @app.context_processor
    def globals_():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
