"""Who may open what: every organiser and lead URL against every kind of visitor.

The matrix is built from the URL map, so a new page cannot slip through untested.
"""
import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import ActivityEntry, ProgrammeItem, Registration
from eventapp.web.tokens import manage_token
from tests.factories import make_event, make_lead_user, make_user, sign_up
from tests.helpers import login

VISITORS = ("anonymous", "participant", "lead", "other_lead", "organiser")


@pytest.fixture
def world(app):
    """An event with two sessions, each with its own lead, and one registration."""
    with app.app_context():
        make_user()
        event = make_event(capacities=(5, 5))
        block = event.blocks[0]
        make_lead_user(block.sessions[0], "lead.a@example.org", "Lead A")
        make_lead_user(block.sessions[1], "lead.b@example.org", "Lead B")
        registration = sign_up(event, 1)
        item = db.session.scalar(select(ProgrammeItem))
        from eventapp.services.reminders import ensure_automatic_reminder
        from eventapp.util.time import utcnow

        reminder = ensure_automatic_reminder(event, utcnow())
        draft = make_event(status="draft")
        db.session.commit()
        ids = {
            "reminder_id": reminder.id, "draft_id": draft.id,
            "event_id": event.id, "block_id": block.id, "session_id": block.sessions[0].id,
            "registration_id": registration.id, "choice_id": registration.choices[0].id,
            "item_id": item.id, "action": "promote", "fmt": "csv",
        }
        token = manage_token(registration)
    clients = {}
    for visitor in VISITORS:
        client = app.test_client()
        if visitor == "participant":
            client.get(f"/manage/{token}")
        elif visitor == "lead":
            login(client, "lead.a@example.org")
        elif visitor == "other_lead":
            login(client, "lead.b@example.org")
        elif visitor == "organiser":
            login(client, "organisator@example.org")
        clients[visitor] = client
    return ids, clients


def staff_rules(app):
    return [r for r in app.url_map.iter_rules()
            if r.endpoint.split(".")[0] in ("organiser", "lead")]


# Pages about publishing a draft (a published event's redirect to its live page).
DRAFT_PAGES = ("organiser.preview_event", "organiser.preview_signup", "organiser.publish")


def build(rule, ids):
    values = {k: ids[k] for k in rule.arguments}
    if rule.endpoint in DRAFT_PAGES:
        values["event_id"] = ids["draft_id"]
    if rule.endpoint == "organiser.change_status":
        values["action"] = "close"
    if rule.endpoint == "organiser.registration_choice":
        values["action"] = "promote"
    if rule.endpoint == "lead.checkin_toggle":
        values["action"] = "arrived"
    if rule.endpoint == "organiser.reminder_action":
        values["action"] = "cancel"
    return rule.build(values, append_unknown=False)[1]


def expected_get(rule, visitor):
    if visitor in ("anonymous", "participant"):
        return 302
    if rule.endpoint.startswith("organiser."):
        return 200 if visitor == "organiser" else 403
    # Lead pages of one session: lead A leads it, lead B does not; organisers see all.
    if "session_id" in rule.arguments:
        return 403 if visitor == "other_lead" else 200
    return 200


def test_every_staff_page_answers_each_visitor_exactly_as_its_rule_says(app, world):
    ids, clients = world
    rules = [r for r in staff_rules(app) if "GET" in r.methods]
    assert len(rules) >= 15
    outcomes = {}  # only the cells that differ from the rule
    for rule in rules:
        url = build(rule, ids)
        for visitor in VISITORS:
            response = clients[visitor].get(url)
            if response.status_code == 302:
                assert "/login" in response.location
            if response.status_code != expected_get(rule, visitor):
                outcomes[(rule.endpoint, visitor)] = response.status_code
    assert outcomes == {}


def test_leads_change_only_their_own_sessions(app, world):
    ids, clients = world
    rules = [r for r in staff_rules(app) if "POST" in r.methods and r.endpoint.startswith("lead.")]
    assert rules
    for rule in rules:
        url = build(rule, ids)
        for visitor, allowed in (("anonymous", (302,)), ("participant", (302,)),
                                 ("other_lead", (403,)), ("lead", (302, 400)),
                                 ("organiser", (302, 400))):
            response = clients[visitor].post(url, data={"name": "x", "subject": "x", "body": "x"})
            assert response.status_code in allowed, (rule.endpoint, visitor, response.status_code)
    with app.app_context():
        from eventapp.models import OutboxMessage, SessionChoice

        assert db.session.scalar(select(db.func.count(Registration.id))) == 1
        assert db.session.scalar(select(SessionChoice.checked_in_at)) is None
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 1  # the confirmation


def test_no_visitor_but_an_organiser_can_change_anything(app, world):
    ids, clients = world
    rules = [r for r in staff_rules(app) if "POST" in r.methods and r.endpoint.startswith("organiser.")]
    assert rules
    with app.app_context():
        before = db.session.scalar(select(db.func.count(ActivityEntry.id)))
    for rule in rules:
        url = build(rule, ids)
        for visitor in ("anonymous", "participant", "lead", "other_lead"):
            response = clients[visitor].post(url, data={"title": "x", "capacity": "1"})
            assert response.status_code in (302, 403), (rule.endpoint, visitor)
            if response.status_code == 302:
                assert "/login" in response.location
        # Even an organiser changes nothing without the form's CSRF token.
        response = clients["organiser"].post(url, data={"title": "x", "capacity": "1"})
        assert response.status_code in (302, 400), rule.endpoint
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ActivityEntry.id))) == before
        assert db.session.scalar(select(Registration.status)) == "active"
        from eventapp.models import Reminder

        assert db.session.scalar(select(Reminder.status)) == "scheduled"


def test_every_route_declares_who_may_open_it(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access_rule", None) is None:
            missing.append(rule.endpoint)
    assert missing == [], "add @access(...) to these views"


def personal_pages(app, ids, token):
    """Every GET page that shows somebody's personal data, with the visitor allowed to see it:
    the staff pages (as the organiser) and the manage link's pages (as its holder)."""
    pages = [(build(rule, ids), "organiser") for rule in staff_rules(app) if "GET" in rule.methods]
    pages += [(rule.rule.replace("<token>", token), "participant")
              for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and "token" in rule.arguments
              and getattr(app.view_functions[rule.endpoint], "access_rule", "") == "manage_token"]
    return pages


def test_no_personal_page_may_be_kept_by_a_browser_or_proxy_cache(app, world):
    ids, clients = world
    with app.app_context():
        token = manage_token(db.session.get(Registration, ids["registration_id"]))
    pages = personal_pages(app, ids, token)
    assert len(pages) >= 20
    stored = {}
    for url, visitor in pages:
        response = clients[visitor].get(url)
        assert response.status_code == 200, url
        if "no-store" not in response.headers.get("Cache-Control", ""):
            stored[url] = response.headers.get("Cache-Control")
    assert stored == {}


def test_the_thank_you_page_is_not_stored_but_public_pages_keep_their_caching(app, inbox):
    from tests.helpers import signup_data

    client = app.test_client()
    with app.app_context():
        event = make_event()
        slug = event.slug
        data = signup_data(client, event)
    thanks = client.get(client.post(f"/events/{slug}/signup", data=data).location)
    assert "Deltagare 1" in thanks.get_data(as_text=True)
    assert "no-store" in thanks.headers["Cache-Control"]
    for url in ("/", f"/events/{slug}", "/privacy"):
        assert "no-store" not in client.get(url).headers.get("Cache-Control", ""), url


def test_csv_exports_name_their_character_set_once(app, world):
    ids, clients = world
    for url in (f"/organiser/events/{ids['event_id']}/export.csv",
                f"/lead/sessions/{ids['session_id']}/export.csv"):
        response = clients["organiser"].get(url)
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
