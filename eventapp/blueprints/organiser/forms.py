"""The organiser's forms. Times are typed in Europe/Stockholm and stored as UTC."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ...web.forms import (
    LINE,
    BaseForm,
    DetailsForm,
    MultiCheckboxField,
    add_block_fields,
    normalise_email,
    number_between,
    strip,
    within_sane_years,
)

FORMAT = "%Y-%m-%dT%H:%M"


def _line(label, required=False, max_length=200):
    first = DataRequired(_l("This field is required.")) if required else Optional()
    return StringField(label, filters=[strip], validators=[
        first, Length(max=max_length, message=_l("At most %(max)d characters.")), *LINE])


def _text(label, max_length=5000):
    return TextAreaField(label, filters=[strip], validators=[
        Optional(), Length(max=max_length, message=_l("At most %(max)d characters."))])


def _when(label, required=True):
    first = InputRequired(_l("Enter a date and time.")) if required else Optional()
    return DateTimeLocalField(label, format=FORMAT, validators=[first, within_sane_years],
                              render_kw={"step": "60"})


class _StartEnd:
    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.starts_at.data and self.ends_at.data and self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors = list(self.ends_at.errors) + [_l("The end must be after the start.")]
            ok = False
        return ok


FIELD_CHOICES = [SelectChoice("off", _l("Do not ask")), SelectChoice("optional", _l("Optional")),
                 SelectChoice("required", _l("Required"))]


class EventForm(_StartEnd, BaseForm):
    title = _line(_l("Title"), required=True)
    content_language = SelectField(_l("Language of the event's texts"), default="sv", choices=[
        SelectChoice("sv", _l("Swedish")), SelectChoice("en", _l("English"))])
    summary = _line(_l("Short summary"), max_length=500)
    description = _text(_l("Description"))
    venue = _line(_l("Venue"), required=True)
    address = _line(_l("Address"), max_length=300)
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    signup_opens_at = _when(_l("Sign-up opens"), required=False)
    signup_closes_at = _when(_l("Sign-up closes"), required=False)
    capacity = IntegerField(_l("Overall capacity"), description=_l("Leave empty for no limit."),
                            validators=[Optional(), number_between(1, 100000)])
    contact_name = _line(_l("Contact person"))
    contact_email = EmailField(_l("Contact email"), filters=[strip], validators=[
        Optional(), Length(max=254), *LINE,
        Email(message=_l("Enter an email address in the form name@example.se."),
              check_deliverability=False)])
    contact_phone = _line(_l("Contact phone"), max_length=50)
    # "Fråga om organisation: Fråga inte / Frivillig / Obligatorisk": what the form asks.
    ask_organisation = SelectField(_l("Ask about organisation"), choices=FIELD_CHOICES,
                                   default="required")
    ask_job_title = SelectField(_l("Ask about job title"), choices=FIELD_CHOICES,
                                default="optional")
    ask_dietary_needs = SelectField(_l("Ask about dietary needs and allergies"),
                                    choices=FIELD_CHOICES, default="optional")
    ask_accessibility_needs = SelectField(_l("Ask about accessibility needs"),
                                          choices=FIELD_CHOICES, default="optional")
    ask_discussion_topic = SelectField(_l("Ask what they want to discuss"),
                                       choices=FIELD_CHOICES, default="optional")
    privacy_text = _text(_l("Privacy text shown with the consent box"))
    retention_days = IntegerField(_l("Keep personal data for this many days after the event"),
                                  default=90, validators=[InputRequired(_l("Enter a number.")),
                                  number_between(1, 3650)])
    sensitive_retention_days = IntegerField(
        _l("Keep dietary and accessibility needs for this many days after the event"), default=7,
        validators=[InputRequired(_l("Enter a number.")),
                    number_between(0, 3650)])
    reminder_days_before = IntegerField(
        _l("Send the automatic reminder this many days before"),
        description=_l("Leave empty for no automatic reminder."), default=2,
        validators=[Optional(), number_between(0, 60)])
    save = SubmitField(_l("Save"))

    ASKED = ("organisation", "job_title", "dietary_needs", "accessibility_needs", "discussion_topic")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        opens, closes = self.signup_opens_at.data, self.signup_closes_at.data
        if opens and closes and closes <= opens:
            self.signup_closes_at.errors = list(self.signup_closes_at.errors) + [
                _l("Sign-up must close after it opens.")]
            ok = False
        if closes and self.starts_at.data and closes > self.starts_at.data:
            self.signup_closes_at.errors = list(self.signup_closes_at.errors) + [
                _l("Sign-up must close before the event starts.")]
            ok = False
        return ok


class ProgrammeItemForm(_StartEnd, BaseForm):
    title = _line(_l("Title"), required=True)
    speakers = _line(_l("Speakers"), max_length=300)
    description = _text(_l("Description"))
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    save = SubmitField(_l("Save"))
    save_and_add = SubmitField(_l("Save and add another plenary item"))


class BlockForm(_StartEnd, BaseForm):
    title = _line(_l("Title"), required=True)
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    save = SubmitField(_l("Save"))
    save_and_add = SubmitField(_l("Save and add another parallel block"))


def _lead_email(label):
    return EmailField(label, filters=[strip, normalise_email], validators=[
        Optional(), Length(max=254, message=_l("At most %(max)d characters.")), *LINE,
        Email(message=_l("Enter an email address in the form name@example.se."),
              check_deliverability=False)])


NEW_LEAD_ROWS = (1, 2)


class SessionForm(BaseForm):
    """A session and its leads in one form, so that one press of a button saves everything
    typed: the leads it has (each may be removed) and up to two more, by name and email."""

    title = _line(_l("Title"), required=True)
    description = _text(_l("Description"))
    room = _line(_l("Room"), max_length=120)
    capacity = IntegerField(_l("Capacity (seats)"), validators=[
        InputRequired(_l("Enter a number.")),
        number_between(0, 100000)])
    waitlist_enabled = BooleanField(_l("Keep a waiting list when the session is full"), default=True)
    remove_lead_ids = MultiCheckboxField(_l("Leads"), coerce=int, validate_choice=True)
    lead_name_1 = _line(_l("Name of lead %(n)d", n=1))
    lead_email_1 = _lead_email(_l("Email of lead %(n)d", n=1))
    lead_name_2 = _line(_l("Name of lead %(n)d", n=2))
    lead_email_2 = _lead_email(_l("Email of lead %(n)d", n=2))
    # Which button led to the double-booking warning, so that "Save anyway" does the same.
    after = HiddenField()
    save = SubmitField(_l("Save"))
    save_and_add = SubmitField(_l("Save and add another session to this block"))
    save_anyway = SubmitField(_l("Save anyway"))

    def __init__(self, *args, leads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.remove_lead_ids.choices = [
            SelectChoice(lead.id, _l("Remove %(lead)s", lead=f"{lead.name} ({lead.email})"
                                     if lead.email else lead.name)) for lead in leads]

    def lead_rows(self):
        return [(n, self[f"lead_name_{n}"], self[f"lead_email_{n}"]) for n in NEW_LEAD_ROWS]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for _n, name, email in self.lead_rows():
            if email.data and not name.data:
                name.errors = list(name.errors) + [_l("Enter the lead's name.")]
                ok = False
        return ok

    def values(self):
        """What the save_session service takes."""
        return {
            "title": self.title.data, "description": self.description.data or "",
            "room": self.room.data or "", "capacity": self.capacity.data,
            "waitlist_enabled": self.waitlist_enabled.data,
            "remove_lead_ids": self.remove_lead_ids.data or [],
            "new_leads": [(n, name.data, email.data or "") for n, name, email in self.lead_rows()
                          if name.data],
        }


class DuplicateSessionForm(BaseForm):
    with_leads = BooleanField(_l("Copy the leads too"), default=False)
    duplicate = SubmitField(_l("Duplicate the session"))


class MoveForm(BaseForm):
    """The up and down buttons of a session in the programme (one form per session)."""

    direction = SelectField(choices=[SelectChoice("up", "up"), SelectChoice("down", "down")],
                            validate_choice=True)


class CloneForm(BaseForm):
    title = _line(_l("Title of the new event"), required=True)
    clone = SubmitField(_l("Make a copy as a draft"))


class ConfirmForm(BaseForm):
    """A button that changes something: its CSRF token is the point."""

    submit = SubmitField(_l("Confirm"))


class NotifyForm(BaseForm):
    notify = BooleanField(_l("Tell the person by email"), default=True)
    submit = SubmitField(_l("Cancel the registration"))


class MoveBase(BaseForm):
    """What the organiser's move form adds to the session choice: tell the person or not."""

    notify = BooleanField(_l("Tell the person about the move by email"), default=True,
                          id="move-notify")


def admin_registration_form_for(event, labels, **kwargs):
    """The organiser's "register someone by hand" form: details and one session per block."""

    class AdminRegistrationForm(DetailsForm):
        notify = BooleanField(_l("Send the person a confirmation by email"), default=True)
        save = SubmitField(_l("Register the person"))

    add_block_fields(AdminRegistrationForm, event.blocks, labels, with_rankings=True)
    return AdminRegistrationForm(**kwargs)


class ReminderForm(BaseForm):
    subject = _line(_l("Subject"), required=True)
    body = TextAreaField(_l("Message"), filters=[strip], validators=[
        DataRequired(_l("Write a message.")), Length(max=10000)])
    subject_en = _line(_l("Subject in English"))
    body_en = _text(_l("Message in English"), max_length=10000)
    states = MultiCheckboxField(_l("Who"), choices=[
        SelectChoice("confirmed", _l("People with a seat")),
        SelectChoice("waiting", _l("People on a waiting list")),
        SelectChoice("awaiting", _l("People awaiting allocation (who gave wishes)"))],
        default=["confirmed"], validators=[DataRequired(_l("Choose at least one group."))])
    session_ids = MultiCheckboxField(_l("Only these sessions"), coerce=int,
                                     description=_l("None ticked: all sessions."),
                                     validate_choice=True)
    registered_after = _when(_l("Only people who registered after"), required=False)
    registered_before = _when(_l("Only people who registered before"), required=False)
    when = SelectField(_l("When"), choices=[SelectChoice("later", _l("At the time below")),
                                            SelectChoice("now", _l("Now"))], default="later")
    send_at = _when(_l("Send at"), required=False)
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # A preview needs no send time yet; saving does.
        if self.when.data == "later" and not self.send_at.data and not self.preview.data:
            self.send_at.errors = list(self.send_at.errors) + [_l("Choose when to send it.")]
            ok = False
        return ok
