"""Generated input at every form and every URL with an id: never a 5xx, never half a write.

Two hunts: anything at all at every route (text, lists, files in place of text, raw bytes),
and one hostile value (a file, a line break, a date at the end of the calendar, ...) in an
otherwise valid form, which reaches the code behind the validation.

In `make test` this runs reproducibly (derandomize, no example database); `make fuzz` sets
FUZZ_EXAMPLES high and FUZZ_RANDOM=1 to explore.
"""
import io
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import String, func, select

from eventapp.extensions import db
from eventapp.models import DialogueSession, Registration, SessionChoice
from eventapp.services.reminders import ensure_automatic_reminder
from eventapp.util.text import XML_FORBIDDEN
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from tests.factories import make_event, make_lead_user, make_user, sign_up
from tests.helpers import CSRF, login

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"

FIELDS = ["name", "email", "organisation", "job_title", "dietary_needs", "accessibility_needs",
          "discussion_topic", "consent", "title", "venue", "starts_at", "ends_at", "capacity",
          "subject", "body", "states", "session_ids", "when", "send_at", "password", "confirm",
          "notify", "waitlist_enabled", "lead_ids", "q", "summary", "retention_days",
          "sensitive_retention_days", "reminder_days_before", "include_waiting", "preview", "send",
          "ask_organisation", "signup_opens_at", "signup_closes_at", "speakers", "room",
          "lead_name_1", "lead_email_1", "remove_lead_ids", "save_anyway", "after",
          "save_and_add", "direction", "with_leads", "next"]

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
    # What XML 1.0 forbids beyond the controls (an Excel export could not hold it), mixed in.
    st.text(alphabet=st.sampled_from(["\ufffe", "\uffff", "\x0b", "\x7f", "a", "å"]), max_size=6),
    st.sampled_from(["", " ", "\x00", "0", "-1", "99999999999999999999", "1e9", "NaN",
                     "2027-02-30T25:61", "2027-06-15T10:00", "<script>alert(1)</script>",
                     "=HYPERLINK(\"x\")", "a@b", "x" * 3000, "ÅÄÖ åäö", "\ud7ff", "y", "on",
                     "confirmed", "waiting", "now", "later", "{name}", "{okänd}",
                     "Nils\uffffNilsson", "\ufffe", "dup@ｅxample.se", "anna@xn--bjrred-cua.se",
                     "deltagare1@ｅxample.org", "0001-01-01T00:30", "9999-12-31T23:59", "/\r\nx",
                     "/%0d%0ax"]),
)
# Sent as a file upload (multipart) in place of a text field.
FILE = object()
HOSTILE = [FILE, "0001-01-01T00:30", "9999-12-31T23:59", "1999-12-31T23:59", "/\r\nx",
           "a\r\nb", "\x00", "x" * 3000, ["a", "b"], ""]
form_values = st.dictionaries(st.sampled_from(FIELDS + ["block_1", "block_2", "block_999"]),
                              st.one_of(nasty_text, st.lists(nasty_text, max_size=3)), max_size=8)
id_values = st.one_of(st.integers(min_value=-2, max_value=10**12), st.sampled_from([1, 2, 3]))


@pytest.fixture
def world(app):
    with app.app_context():
        make_user()
        event = make_event(capacities=(2, 1), blocks=2)
        other = make_event(capacities=(1,))
        make_lead_user(event.blocks[0].sessions[0], "lead@example.org", "Lead")
        registration = sign_up(event, 1)
        sign_up(event, 2)
        sign_up(event, 3)
        ensure_automatic_reminder(event, utcnow())
        db.session.commit()
        values = {"slug": event.slug, "token": manage_token(registration), "event_id": event.id,
                  "block_id": event.blocks[0].id, "session_id": event.blocks[0].sessions[0].id,
                  "registration_id": registration.id, "choice_id": registration.choices[0].id,
                  "item_id": 1, "reminder_id": 1, "token_id": 1, "action": "promote", "fmt": "csv",
                  "other_event_id": other.id, "code": "sv",
                  "first_sessions": {b.id: b.sessions[0].id for b in event.blocks}}
    clients = {}
    for who, email in (("public", None), ("organiser", "organisator@example.org"),
                       ("lead", "lead@example.org")):
        client = app.test_client()
        if email:
            login(client, email)
        token = CSRF.search(client.get(f"/events/{values['slug']}/link").get_data(as_text=True)).group(1)
        clients[who] = (client, token)
    return values, clients


def invariants_hold():
    """Nothing half-written: every seat within capacity, one choice per block, a registration
    never without its choices (walk-ins choose one block only)."""
    over = db.session.execute(
        select(DialogueSession.id)
        .join(SessionChoice, SessionChoice.session_id == DialogueSession.id)
        .where(SessionChoice.state == "confirmed")
        .group_by(DialogueSession.id, DialogueSession.capacity)
        .having(func.count(SessionChoice.id) > DialogueSession.capacity)
    ).all()
    assert over == []
    for registration in db.session.scalars(select(Registration)):
        blocks = [c.block_id for c in registration.choices]
        assert len(blocks) == len(set(blocks))
        if registration.source != "walk_in":
            assert len(blocks) == len(registration.event.blocks), registration.id
    nothing_stored_breaks_an_export()


def nothing_stored_breaks_an_export():
    """No text column anywhere holds a character XML forbids (an Excel file would not open)."""
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        texts = [c for c in table.columns if isinstance(c.type, String)]
        for row in db.session.execute(select(*texts)) if texts else ():
            found = [v for v in row if isinstance(v, str) and XML_FORBIDDEN.search(v)]
            assert found == [], (table.name, found)


def test_no_generated_input_causes_a_server_error_or_half_a_write(app, world):
    values, clients = world
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint != "static" and not r.endpoint.startswith("health.")]

    @settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(rule_index=st.integers(min_value=0, max_value=len(rules) - 1), data=form_values,
           ids=st.dictionaries(st.sampled_from(["event_id", "registration_id", "choice_id",
                                                "session_id", "block_id", "item_id", "reminder_id",
                                                "token_id"]),
                               id_values),
           text_arg=nasty_text, with_token=st.booleans(), raw=st.booleans(),
           files=st.booleans())
    def run(rule_index, data, ids, text_arg, with_token, raw, files):
        rule = rules[rule_index]
        who = rule.endpoint.split(".")[0]
        client, token = clients[who if who in ("organiser", "lead") else "public"]
        args = {}
        for name in rule.arguments:
            if name in ids:
                args[name] = max(ids[name], 0)
            elif name in ("slug", "token", "action", "fmt", "code") and text_arg and not with_token:
                args[name] = text_arg
            else:
                args[name] = values[name]
        try:
            url = rule.build(args, append_unknown=False)[1]
        except Exception:
            url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        if "POST" in rule.methods:
            if raw:
                body = b"csrf_token=" + quote(token).encode() + b"&name=%ff%fe\xff&email=" + \
                    text_arg.encode("utf-8", "surrogatepass")[:200]
                response = client.post(url, data=body,
                                       content_type="application/x-www-form-urlencoded")
            else:
                payload = {k: FILE if files and isinstance(v, str) else v for k, v in data.items()}
                if with_token:
                    payload["csrf_token"] = token
                response = post(client, url, payload)
        else:
            response = client.get(url, query_string={k: v for k, v in data.items() if isinstance(v, str)})
        assert response.status_code < 500, (rule.rule, url, data)

    run()
    with app.app_context():
        invariants_hold()


def post(client, url, payload, **kwargs):
    """POST the payload, as multipart when a value is FILE (each becomes a file upload)."""
    if any(v is FILE for v in payload.values()):
        payload = {k: (io.BytesIO(b"not text"), "x.txt") if v is FILE else v
                   for k, v in payload.items()}
        return client.post(url, data=payload, content_type="multipart/form-data", **kwargs)
    return client.post(url, data=payload, **kwargs)


def valid_forms(values):
    """For each form, what a person who fills it in correctly sends."""
    blocks = {f"block_{b}": str(s) for b, s in values["first_sessions"].items()}
    person = {"name": "Ada Lind", "email": "ada@example.org", "organisation": "Umeå kommun"}
    day = {"starts_at": "2030-06-15T09:00", "ends_at": "2030-06-15T16:00"}
    event = {"title": "Uppstart", "venue": "Folkets hus", **day, "retention_days": "90",
             "sensitive_retention_days": "7", "reminder_days_before": "2",
             "signup_opens_at": "2030-01-01T09:00", "signup_closes_at": "2030-06-01T09:00",
             "content_language": "sv", "ask_organisation": "required", "ask_job_title": "optional",
             "ask_dietary_needs": "optional", "ask_accessibility_needs": "optional",
             "ask_discussion_topic": "optional"}
    return {
        "public.signup_form": {**person, "consent": "y", **blocks},
        "public.resend_link": {"email": "deltagare1@example.org"},
        "public.manage_details": person,
        "auth.login": {"email": "organisator@example.org", "password": "korrekt-hast-batteri-zon"},
        "auth.forgot_password": {"email": "organisator@example.org"},
        "organiser.new_event": event,
        "organiser.edit_event": event,
        "organiser.clone_event": {"title": "Kopia"},
        "organiser.edit_item": {"title": "Välkommen", **day},
        "organiser.edit_block": {"title": "Pass 1", **day},
        "organiser.edit_session": {"title": "Arkiv", "capacity": "5", "room": "Sal A",
                                   "lead_name_1": "Kaj Beckman", "lead_email_1": "kaj@example.org",
                                   "save": "y"},
        "organiser.new_registration": {**person, **blocks},
        "organiser.registration_details": person,
        "organiser.edit_reminder": {"subject": "Hej {name}", "body": "Välkommen", "when": "later",
                                    "states": "confirmed", "send_at": "2030-06-01T09:00",
                                    "registered_after": "2029-01-01T09:00", "save": "y"},
        "lead.walk_in": {"name": "Kim", "email": "kim@example.org"},
        "lead.message": {"subject": "Hej", "body": "Välkomna", "preview": "y"},
    }


def test_one_hostile_value_in_an_otherwise_valid_form_is_never_a_server_error(app, world):
    values, clients = world
    forms = valid_forms(values)
    # Not a new parallel block: people registered before it have no choice in it, rightly.
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint in forms
                    and "POST" in r.methods and not r.rule.endswith("/blocks/new")),
                   key=lambda r: r.rule)
    assert {r.endpoint for r in rules} == set(forms)

    @settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(rule=st.sampled_from(rules), draw=st.data())
    def run(rule, draw):
        form = forms[rule.endpoint]
        field = draw.draw(st.sampled_from(sorted(form)), label="field")
        value = draw.draw(st.sampled_from(HOSTILE), label="value")
        who = rule.endpoint.split(".")[0]
        client, token = clients[who if who in ("organiser", "lead") else "public"]
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        payload = {**form, field: value, "csrf_token": token}
        # A line break in next= rides along: a signed-in person is sent on to it.
        response = post(client, url, payload, query_string={"next": "/\r\nx"})
        assert response.status_code < 500, (rule.rule, field, value)

    run()
    with app.app_context():
        invariants_hold()
