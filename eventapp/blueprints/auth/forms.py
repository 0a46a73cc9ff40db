"""Sign-in, password and reset forms."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from ...web.forms import BaseForm, MultiCheckboxField, normalise_email, strip


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), filters=[strip, normalise_email], validators=[
        DataRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=256)])
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), filters=[strip, normalise_email], validators=[
        DataRequired(_l("Enter your email address.")), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class SetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=10, max=256, message=_l("Use at least %(min)d characters.")),
    ])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", message=_l("The passwords are not the same.")),
    ])
    submit = SubmitField(_l("Save password"))


class LogoutForm(BaseForm):
    submit = SubmitField(_l("Log out"))


class SignOutEverywhereForm(BaseForm):
    submit = SubmitField(_l("Yes, log out everywhere"))


class ApiTokenForm(BaseForm):
    """A personal access token for the JSON API: what it covers, read or write, how long."""

    name = StringField(_l("Name of the token"), filters=[strip], validators=[
        DataRequired(_l("Give the token a name, for example the system that uses it.")),
        Length(max=100)])
    kind = RadioField(_l("For"), choices=[
        SelectChoice("organiser", _l("Events I organise")),
        SelectChoice("lead", _l("Sessions I lead"))],
        validators=[InputRequired(_l("Choose what the token is for."))])
    event_ids = MultiCheckboxField(_l("Events"), coerce=int, validate_choice=True)
    session_ids = MultiCheckboxField(_l("Sessions"), coerce=int, validate_choice=True)
    access = RadioField(_l("Access"), default="read", choices=[
        SelectChoice("read", _l("Read only")), SelectChoice("write", _l("Read and write"))],
        validators=[InputRequired(_l("Choose the access."))])
    days = IntegerField(_l("Valid for (days)"), default=90, validators=[
        InputRequired(_l("Enter a number.")),
        NumberRange(min=1, max=366, message=_l("Enter a number from %(min)s to %(max)s."))])
    submit = SubmitField(_l("Create token"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        chosen = self.event_ids if self.kind.data == "organiser" else self.session_ids
        if ok and not chosen.data:
            chosen.errors = [_l("Choose at least one.")]
            return False
        return ok


class RevokeTokenForm(BaseForm):
    submit = SubmitField(_l("Revoke"))
