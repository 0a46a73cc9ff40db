"""Form helpers shared by the blueprints: clean text, clear messages, a form kept as typed
when the database is busy, and the participant's details and session choices (sign-up,
manage link and the organiser's registration pages)."""
import functools
import logging
from datetime import datetime

from flask import flash, g, make_response
from flask_babel import format_number, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from werkzeug.datastructures import MultiDict
from wtforms import (BooleanField, EmailField, RadioField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from ..domain.errors import Busy
from ..domain.signup import is_email_address, normalised_email
from ..extensions import db
from ..util.text import code_point, first_xml_forbidden
from ..util.time import FIRST_YEAR, LAST_YEAR
from .errors import message_for
from .pagecache import check_csrf_token, csrf_session_value, csrf_token
from .ranking_forms import add_ranking_fields


def strip(value):
    return value.strip() if isinstance(value, str) else value


def normalise_email(value):
    """The address as it is stored and compared (full-width letters and punycode folded), so
    the form shows what will be kept."""
    return normalised_email(value) if isinstance(value, str) and value else value


def single_line(form, field):
    if isinstance(field.data, str) and ("\n" in field.data or "\r" in field.data):
        raise ValidationError(_l("Must be on one line."))


def unsaveable_character(value):
    """The first character no text field may hold, or None: what XML 1.0 forbids (it would
    make every Excel export unreadable; NUL is refused by PostgreSQL too), and DEL."""
    if not isinstance(value, str):
        return None
    return first_xml_forbidden(value) or ("\x7f" if "\x7f" in value else None)


def within_sane_years(form, field):
    if isinstance(field.data, datetime) and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date between the years %(first)d and %(last)d.",
                                 first=FIRST_YEAR, last=LAST_YEAR))


def number_between(low, high):
    """A NumberRange whose message shows the numbers as the reader writes them
    ("100 000" in Swedish), in place of WTForms' own "Number must be between"."""

    def check(form, field):
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(_l("Enter a number from %(min)s to %(max)s.",
                                     min=format_number(low), max=format_number(high)))

    check.field_flags = {"min": low, "max": high}
    return check


class OurMessages:
    """WTForms' own messages (English, or its translations' wording) in ours, in the
    page's language; any it has that we do not say otherwise pass through."""

    MESSAGES = {
        "Not a valid integer value.": _l("Enter a whole number, with digits only."),
        "Not a valid decimal value.": _l("Enter a number, with digits only."),
        "Not a valid float value.": _l("Enter a number, with digits only."),
        "Not a valid datetime value.": _l("Enter a date and time."),
        "Not a valid date value.": _l("Enter a date."),
        "Not a valid time value.": _l("Enter a time."),
        "Not a valid choice.": _l("Choose one of the options."),
        "Invalid Choice: could not coerce.": _l("Choose one of the options."),
        "Invalid choice(s): one or more data inputs could not be coerced.":
            _l("Choose among the options."),
        "This field is required.": _l("This field is required."),
        "Invalid email address.": _l("Enter an email address in the form name@example.se."),
    }
    CHOICES = ("'%(value)s' is not a valid choice for this field.",
               "'%(value)s' are not valid choices for this field.")

    def gettext(self, string):
        return str(self.MESSAGES.get(string, string))

    def ngettext(self, singular, plural, n):
        if singular == self.CHOICES[0]:
            # WTForms fills in the value it refused; ours names none (no "%" left to fill).
            return str(_l("Choose among the options.")).replace("%", "%%")
        return singular if n == 1 else plural


_flask_wtf_log = logging.getLogger("flask_wtf.csrf")  # where Flask-WTF says why it refused


class _TokenWhenShown:
    """The visitor's signed CSRF token, made when the page shows it (pagecache.csrf_token)."""

    def __str__(self):
        return csrf_token()

    def __html__(self):
        return csrf_token()  # URL-safe characters only: nothing to escape


class TokenWhenShownCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF token and check, cheaper: the token for the page is signed only if a
    page shows it (Flask-WTF signed a new one for every form made, so each sign-up POST paid
    for a token its redirect never showed; the session gets its random value at once, as
    before), and it is checked by pagecache.check_csrf_token."""

    def generate_csrf_token(self, csrf_token_field):
        if self.meta.csrf_field_name not in g:  # as Flask-WTF's generate_csrf
            csrf_session_value()
        return _TokenWhenShown()

    def validate_csrf_token(self, form, field):
        if g.get("csrf_valid", False):
            return  # checked by CSRFProtect already
        try:
            check_csrf_token(field.data, self.meta.csrf_secret, self.meta.csrf_time_limit,
                             self.meta.csrf_field_name)
        except ValidationError as exc:
            _flask_wtf_log.info(exc.args[0])
            raise


class BaseForm(FlaskForm):
    """A FlaskForm (with its CSRF token) whose failed token check reads as a clear message,
    whose every text field refuses characters that cannot be saved, and which reads only
    text: no form here takes a file, so a file (or a JSON value) sent in place of a field is
    refused with a field error instead of reaching a validator."""

    class Meta:
        csrf_class = TokenWhenShownCSRF

        def get_translations(self, form):
            return OurMessages()

        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None:
                return None
            items = list(wrapped.items(multi=True))
            form.not_text = {name for name, value in items if not isinstance(value, str)}
            if not form.not_text:
                return wrapped  # all text, as every browser sends it: no copy to make
            return MultiDict([(name, value) for name, value in items if isinstance(value, str)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name in getattr(self, "not_text", ()):
            if name in self:
                self[name].errors = [_l("Write this as text, not as a file.")]
                valid = False
        for field in self:
            if field.name == self.meta.csrf_field_name or field.type == "PasswordField":
                continue  # a password is hashed, never shown or exported
            char = unsaveable_character(field.data)
            if char is not None:
                # The one message that matters: any other would follow from this character.
                field.errors = [_l("Contains a character that cannot be saved (%(char)s), often "
                                   "from pasted text. Remove it and try again.",
                                   char=code_point(char))]
                valid = False
        self._errors = None
        return valid

    def validate_on_submit(self, extra_validators=None):
        if g.get("busy_again"):
            return False  # the submit is shown again as typed: see form_kept_when_busy
        return super().validate_on_submit(extra_validators)

    def csrf_failed(self):
        return bool(getattr(self, "csrf_token", None) and self.csrf_token.errors)


LINE = [single_line]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (templates/_form_macros.html renders them as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def form_kept_when_busy(view):
    """For a view whose POST saves a form (under its `access` rule): when a lock was not
    granted in time (Busy), the page comes back with the form as typed, the "busy, try
    again" message and 503 with Retry-After; never a 500, nothing typed lost.

    Busy means the use case's one transaction was rolled back, so the view runs a second
    time with every form's validate_on_submit() false: it answers as for a form it cannot
    save yet, from the same request's form data."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Busy as exc:
            db.session.rollback()
            flash(message_for(exc), "error")
            g.busy_again = True
            response = make_response(view(*args, **kwargs))
            response.status_code = 503
            return response

    wrapper.form_kept_when_busy = True
    return wrapper


class KnownEmail(Email):
    """WTForms' Email check, skipped for an address email-validator has taken already with
    the same options (domain/signup.py remembers it): the form's filter has just normalised
    it, and validating it a second time cost each sign-up as much again. Anything else is
    checked, and refused, by WTForms as before."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and is_email_address(field.data):
            return
        super().__call__(form, field)


def email_field(label):
    return EmailField(
        label,
        filters=[strip, normalise_email],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            *LINE,
            KnownEmail(
                message=_l("Enter an email address in the form name@example.se."),
                check_deliverability=False,
                allow_smtputf8=True,
            ),
        ],
    )


class DetailsForm(BaseForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your name.")),
                    Length(max=200, message=_l("At most %(max)d characters.")), *LINE],
    )
    email = email_field(_l("Email"))
    organisation = StringField(
        _l("Organisation"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your organisation.")),
                    Length(max=200, message=_l("At most %(max)d characters.")), *LINE],
    )
    job_title = StringField(
        _l("Job title"),
        filters=[strip],
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters.")), *LINE],
    )
    dietary_needs = TextAreaField(
        _l("Dietary needs or allergies"),
        filters=[strip],
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )
    accessibility_needs = TextAreaField(
        _l("Accessibility needs"),
        filters=[strip],
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )
    discussion_topic = TextAreaField(
        _l("What would you like to discuss in the session?"),
        filters=[strip],
        validators=[Optional(), Length(max=2000, message=_l("At most %(max)d characters."))],
    )
    save = SubmitField(_l("Save changes"))

    DETAIL_FIELDS = (
        "name", "email", "organisation", "job_title",
        "dietary_needs", "accessibility_needs", "discussion_topic",
    )


REQUIRED_MESSAGES = {
    "organisation": _l("Enter your organisation."),
    "job_title": _l("Enter your job title."),
    "dietary_needs": _l("Tell us about dietary needs, or write \"none\"."),
    "accessibility_needs": _l("Tell us about accessibility needs, or write \"none\"."),
    "discussion_topic": _l("Tell the session lead what you would like to discuss."),
}


def apply_field_settings(form, settings):
    """Ask only what the organiser chose, and require what they made required."""
    for name, message in REQUIRED_MESSAGES.items():
        setting = settings.get(name, "required" if name == "organisation" else "optional")
        if name not in form:
            continue
        if setting == "off":
            del form[name]
            continue
        field = form[name]
        rest = [v for v in field.validators if not isinstance(v, (DataRequired, Optional))]
        first = DataRequired(message) if setting == "required" else Optional()
        field.validators = [first, *rest]
        field.flags.required = setting == "required"
    return form


def details_from_form(form, current=None):
    """The participant's details; questions not asked keep what is stored (or stay empty)."""
    from ..services.booking import Details

    values = {}
    for name in DetailsForm.DETAIL_FIELDS:
        if name in form:
            values[name] = form[name].data or ""
        else:
            values[name] = getattr(current, name, "") if current is not None else ""
    return Details(**values)


class SessionRadioField(RadioField):
    """A first-come block's radio group. WTForms' own messages for it ("Not a valid choice",
    "could not coerce") are English-only; every one reads as ours, in the page's language.
    (A method of the class: it was set on each form made, which cost every sign-up POST.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"  # what the templates ask for

    def gettext(self, string):
        return str(_l("Choose one of the sessions offered."))


def add_block_fields(form_class, blocks, labels, with_rankings=False):
    """A radio group per first-come block; with `with_rankings`, the selects of a ranking
    for each block that takes preferences (web/ranking_forms.py)."""
    for block in blocks:
        if block.takes_preferences:
            if with_rankings:
                add_ranking_fields(form_class, block)
            continue
        if not block.asks_for_a_session:
            continue
        field = SessionRadioField(
            block.title,
            coerce=_to_int,
            choices=session_choices(block, labels),
            validators=[InputRequired(_l("Choose one dialogue session."))],
            validate_choice=True,
        )
        setattr(form_class, f"block_{block.id}", field)


def session_choices(block, labels):
    return [SelectChoice(s.id, labels(s)) for s in block.sessions]


def _to_int(value):
    # Anything that is not a plain number becomes a choice that is not offered.
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def block_field_name(block):
    return f"block_{block.id}"


def names_a_block_gone(formdata, event):
    """Whether a form names a session for a block the event no longer has (deleted since
    the page was read): booking it without that choice would confirm what was not asked."""
    blocks = {block_field_name(block) for block in event.blocks}
    return any(key.startswith("block_") and key[6:].isdigit() and key not in blocks
               for key in formdata)


def chosen_sessions(form, event):
    """{block id: session id} from a form's radio groups (the first-come blocks that have
    sessions to choose from)."""
    return {b.id: form[block_field_name(b)].data for b in event.blocks
            if b.asks_for_a_session}


def choices_form_for(event, labels, base=BaseForm, **kwargs):
    """One session per block; `base` may add fields (the organiser's "tell the person")."""

    class ChoicesForm(base):
        save = SubmitField(_l("Change session"))

    add_block_fields(ChoicesForm, event.blocks, labels)
    return ChoicesForm(**kwargs)


def signup_form_for(event, labels, **kwargs):
    """A sign-up form class for this event's parallel blocks, instantiated (the public
    sign-up page, and the organiser's preview of it)."""
    form = _signup_form_class(event, labels)(**kwargs)
    return apply_field_settings(form, event.field_settings or {})


_SIGNUP_FORM_CLASSES = {}


def _signup_form_class(event, labels):
    """The class, made once per shape of the programme (blocks, sessions, their labels):
    making a form class with its fields cost every sign-up POST more than filling it in.
    A class is never changed after it is made; each form is changed on its own."""
    key = tuple((block.id, block.title, block.allocation_mode,
                 tuple((s.id, s.title, str(labels(s))) for s in block.sessions))
                for block in event.blocks)
    form_class = _SIGNUP_FORM_CLASSES.get(key)
    if form_class is None:

        class SignupForm(DetailsForm):
            consent = BooleanField(
                _l("I have read how my personal data is handled and agree to it."),
                validators=[DataRequired(_l("You must agree to the handling of personal data to sign up."))],
            )
            save = SubmitField(_l("Sign up"))

        add_block_fields(SignupForm, event.blocks, labels, with_rankings=True)
        if len(_SIGNUP_FORM_CLASSES) >= 256:  # seat counts in labels make new shapes
            _SIGNUP_FORM_CLASSES.clear()
        form_class = _SIGNUP_FORM_CLASSES[key] = SignupForm
    return form_class
