"""Field helpers shared by every blueprint's forms: clean text, clear messages."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

# C0 control characters other than tab, newline and carriage return, and DEL. NUL in
# particular is refused by PostgreSQL, so it must never get past a form.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form, field):
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError(_l("Contains characters that are not allowed."))


def single_line(form, field):
    if isinstance(field.data, str) and ("\n" in field.data or "\r" in field.data):
        raise ValidationError(_l("Must be on one line."))


class BaseForm(FlaskForm):
    """A FlaskForm (with its CSRF token) whose failed token check reads as a clear message."""

    def csrf_failed(self):
        return bool(getattr(self, "csrf_token", None) and self.csrf_token.errors)
