"""The API's schemas: the one source for validating requests and for the OpenAPI document."""
from email_validator import EmailNotValidError, validate_email
from marshmallow import Schema, ValidationError, fields, validate

from ...util.text import first_xml_forbidden

STATUSES = ("active", "cancelled")
# A cursor is an id: a whole number from 0 to 2147483647, the largest a database id column
# holds (spelled out, since a pattern cannot compare numbers).
CURSOR_PATTERN = ("^(0|[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
                  "|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}"
                  "|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])$")
BLOCK_MODES = ("first_come", "preferences")
CHANGE_KINDS = ("created", "updated", "moved", "cancelled", "promoted", "erased", "anonymised")


def _text_without_forbidden_characters(value):
    if first_xml_forbidden(value) is not None or "\x00" in value:
        raise ValidationError("Control characters are not allowed.")


def _email(value):
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValidationError("Not a valid email address.") from exc


# What a text value may hold, for the document (the check itself is util/text.py's): no
# character XML 1.0 forbids; a required one starts with something other than a space. (Lone
# surrogates, which are no text at all, are refused too but left out of the pattern: tools
# that generate from it cannot compile a class holding them.)
_ALLOWED = "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"
TEXT_PATTERN = f"^{_ALLOWED}*$"
REQUIRED_TEXT_PATTERN = f"^[^\\s\\x00-\\x1f\\ufffe\\uffff]{_ALLOWED}*$"
# An address email-validator accepts (ASCII here; it accepts more): dot-separated words, a
# domain of labels and a top-level name of letters that is not reserved (RFC 6761).
EMAIL_PATTERN = (r"^[A-Za-z0-9_%+-]{1,20}(\.[A-Za-z0-9_%+-]{1,20}){0,2}"
                 r"@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.){1,4}"
                 r"(?!(arpa|invalid|local|localhost|onion|test|internal|alt)$)[A-Za-z]{2,24}$")


def _pattern(pattern):
    """The same rule as a regular expression, so that the document tells clients too."""
    return validate.Regexp(pattern, error="Not allowed here.")


class WholeNumber(fields.Integer):
    """A JSON integer as JSON Schema (and so the document) counts them: 2 and 2.0, never 2.5,
    "2" or true (a plain Integer field turned 1.5 into session 1)."""

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif not isinstance(value, int):  # (a bool is refused by Integer itself)
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def Text(max_length, required=False, **kw):
    return fields.String(required=required, validate=[
        validate.Length(min=1 if required else 0, max=max_length),
        _text_without_forbidden_characters,
        _pattern(REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN)], **kw)


class ProblemSchema(Schema):
    """An error (RFC 9457): `type` is stable per error, `title` in the language asked for."""

    type = fields.String(required=True, metadata={"example": "urn:eventapp:problem:session-full"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    errors = fields.Dict(metadata={"description": "With 422: the fields refused, and why."})


# --- public ----------------------------------------------------------------------------

class LeadSchema(Schema):
    name = fields.String(required=True)


class PublicSessionSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    room = fields.String(required=True)
    leads = fields.List(fields.String(), required=True)
    seats_left = fields.Integer(required=True)
    waiting_list = fields.Boolean(required=True)


class BlockSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(BLOCK_MODES), metadata={
        "description": "How seats are given: `first_come` (first come, first served) or "
                       "`preferences` (people rank the sessions until the deadline, then seats "
                       "are allocated; after the allocation is published, first come)."})
    ranking_deadline = fields.DateTime(required=True, allow_none=True, metadata={
        "description": "In `preferences` mode: the last moment for ranking (null if the "
                       "organiser closes ranking by hand). Null in `first_come` mode."})
    ranking_closed = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "In `preferences` mode: true once rankings are no longer taken on "
                       "time (the deadline passed or the organiser allocated). Null in "
                       "`first_come` mode."})
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    sessions = fields.List(fields.Nested(PublicSessionSchema), required=True)


class ProgrammeItemSchema(Schema):
    title = fields.String(required=True)
    description = fields.String(required=True)
    speakers = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)


class EventSummarySchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    venue = fields.String(required=True)
    address = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("published", "closed")))


class EventSchema(EventSummarySchema):
    description = fields.String(required=True)
    programme = fields.List(fields.Nested(ProgrammeItemSchema), required=True)
    blocks = fields.List(fields.Nested(BlockSchema), required=True)


def list_of(item_schema, name):
    """{"items": [...]}: the shape of every list the API answers with."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema), required=True)},
                            name=name)


EventListSchema = list_of(EventSummarySchema, "EventList")


# --- registrations (organiser) ---------------------------------------------------------

class ChoiceSchema(Schema):
    block_id = fields.Integer(required=True)
    session_id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("confirmed", "waiting",
                                                                  "cancelled")))


class PersonSchema(Schema):
    """What a participant told us: the same fields in a registration and an attendee list."""

    name = fields.String(required=True)
    email = fields.String(required=True)
    organisation = fields.String(required=True)
    job_title = fields.String(required=True)
    dietary_needs = fields.String(required=True)
    accessibility_needs = fields.String(required=True)
    discussion_topic = fields.String(required=True)


class RegistrationSchema(PersonSchema):
    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    locale = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    source = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    cancelled_at = fields.DateTime(required=True, allow_none=True)
    choices = fields.List(fields.Nested(ChoiceSchema), required=True)


class RegistrationPageSchema(Schema):
    items = fields.List(fields.Nested(RegistrationSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


class RegistrationQuerySchema(Schema):
    cursor = fields.String(validate=validate.Regexp(CURSOR_PATTERN))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))
    session_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    status = fields.String(validate=validate.OneOf(STATUSES))
    organisation = Text(200)


class NewChoiceSchema(Schema):
    block_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    session_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class NewRegistrationSchema(Schema):
    name = Text(200, required=True)
    email = fields.String(required=True, validate=[validate.Length(max=254),
                                                   validate.Regexp(EMAIL_PATTERN), _email],
                          metadata={"example": "anna.lindqvist@umea.se"})
    organisation = Text(200, load_default="")
    job_title = Text(200, load_default="")
    dietary_needs = Text(2000, load_default="")
    accessibility_needs = Text(2000, load_default="")
    discussion_topic = Text(2000, load_default="")
    locale = fields.String(load_default="sv", validate=validate.OneOf(("sv", "en")))
    choices = fields.List(fields.Nested(NewChoiceSchema), required=True,
                          validate=validate.Length(max=50),
                          metadata={"description": "One session per parallel block."})
    notify = fields.Boolean(load_default=True, metadata={
        "description": "Send the person the confirmation email (with the calendar file)."})


class CancelSchema(Schema):
    notify = fields.Boolean(load_default=True)


class SeatsSchema(Schema):
    capacity = fields.Integer(required=True)
    confirmed = fields.Integer(required=True)
    waiting = fields.Integer(required=True)


class SessionCountSchema(SeatsSchema):
    session_id = fields.Integer(required=True)
    block_id = fields.Integer(required=True)
    title = fields.String(required=True)
    seats_left = fields.Integer(required=True)


SessionCountListSchema = list_of(SessionCountSchema, "SessionCountList")


class ReminderMessageSchema(Schema):
    reminder_id = fields.Integer(required=True)
    subject = fields.String(required=True)
    registration_id = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True)
    queued_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(required=True, allow_none=True)


ReminderLogSchema = list_of(ReminderMessageSchema, "ReminderLog")


# --- the change feed -------------------------------------------------------------------

class ChangeSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    registration_id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    registration = fields.Nested(RegistrationSchema, required=True, allow_none=True, metadata={
        "description": "The registration as it is now; null once erased or anonymised."})


class ChangePageSchema(Schema):
    items = fields.List(fields.Nested(ChangeSchema), required=True)
    next_cursor = fields.String(required=True, metadata={
        "description": "Pass as `after` next time; the same when nothing new has happened."})
    more = fields.Boolean(required=True)


class ChangeQuerySchema(Schema):
    after = fields.String(load_default="0", validate=validate.Regexp(CURSOR_PATTERN))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


# --- leads -----------------------------------------------------------------------------

class LeadSessionSchema(SeatsSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    room = fields.String(required=True)
    block = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    event_id = fields.Integer(required=True)
    event_title = fields.String(required=True)


LeadSessionListSchema = list_of(LeadSessionSchema, "LeadSessionList")


class AttendeeSchema(PersonSchema):
    registration_id = fields.Integer(required=True)
    place = fields.String(required=True, validate=validate.OneOf(("confirmed", "waiting")))
    position = fields.Integer(required=True, allow_none=True)
    checked_in = fields.Boolean(required=True)


class AttendeeListSchema(Schema):
    session = fields.Nested(LeadSessionSchema, required=True)
    items = fields.List(fields.Nested(AttendeeSchema), required=True)
