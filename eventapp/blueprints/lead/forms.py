"""Check-in, walk-in and message forms for session leads."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ...web.forms import BaseForm, normalise_email, single_line, strip


class CheckInForm(BaseForm):
    submit = SubmitField(_l("Mark as arrived"))


class WalkInForm(BaseForm):
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(_l("Enter the name.")), Length(max=200), single_line])
    organisation = StringField(_l("Organisation"), filters=[strip], validators=[
        Optional(), Length(max=200), single_line])
    email = EmailField(_l("Email"), description=_l("For a confirmation."),
                       filters=[strip, normalise_email], validators=[
        Optional(), Length(max=254), single_line,
        Email(message=_l("Enter an email address in the form name@example.se."),
              check_deliverability=False)])
    add = SubmitField(_l("Add and mark as arrived"))


class MessageForm(BaseForm):
    subject = StringField(_l("Subject"), filters=[strip], validators=[
        DataRequired(_l("Write a subject.")), Length(max=200), single_line])
    body = TextAreaField(_l("Message"), filters=[strip], validators=[
        DataRequired(_l("Write a message.")), Length(max=10000)])
    include_waiting = BooleanField(_l("Send to the waiting list too"))
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send the email"))
