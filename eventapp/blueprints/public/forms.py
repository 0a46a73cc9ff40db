"""Sign-up, cancel and new-link forms. The sign-up form gets one radio group per parallel block."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from ...web.forms import (
    BaseForm,
    DetailsForm,
    add_block_fields,
    apply_field_settings,
    email_field,
    fix_choice_messages,
)


def signup_form_for(event, labels, **kwargs):
    """A sign-up form class for this event's parallel blocks, instantiated."""

    class SignupForm(DetailsForm):
        consent = BooleanField(
            _l("I have read how my personal data is handled and agree to it."),
            validators=[DataRequired(_l("You must agree to the handling of personal data to sign up."))],
        )
        save = SubmitField(_l("Sign up"))

    add_block_fields(SignupForm, event.blocks, labels)
    form = SignupForm(**kwargs)
    fix_choice_messages(form, event)
    return apply_field_settings(form, event.field_settings or {})


class CancelForm(BaseForm):
    confirm = SubmitField(_l("Yes, cancel my registration"))


class RenewLinkForm(BaseForm):
    confirm = SubmitField(_l("Yes, make my old links stop working"))


class ResendLinkForm(BaseForm):
    email = email_field(_l("Email"))
    send = SubmitField(_l("Send me a new link"))
