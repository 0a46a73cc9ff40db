"""Cancel and new-link forms; the sign-up form (one radio group per parallel block) comes from
web/forms.py."""
from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

# The sign-up form is built in web/forms.py: the organiser's preview shows it too.
from ...web.forms import BaseForm, email_field, signup_form_for  # noqa: F401


class CancelForm(BaseForm):
    confirm = SubmitField(_l("Yes, cancel my registration"))


class RenewLinkForm(BaseForm):
    confirm = SubmitField(_l("Yes, make my old links stop working"))


class ResendLinkForm(BaseForm):
    email = email_field(_l("Email"))
    send = SubmitField(_l("Send me a new link"))


class ConfirmEmailForm(BaseForm):
    confirm = SubmitField(_l("Yes, use this address"))
