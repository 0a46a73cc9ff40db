"""Sign-in, password and reset forms."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ...web.forms import BaseForm, normalise_email, strip


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
