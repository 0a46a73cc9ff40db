"""The organiser runs an event from the browser: build, publish, watch, move people."""
import csv
import io
from datetime import timedelta

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import ActivityEntry, Event, Registration, SessionChoice
from eventapp.util.time import utc_to_local, utcnow
from tests.factories import make_event, make_user, sign_up
from tests.helpers import login, parts, post_form, text_of, xlsx_sheet


def local(dt):
    return utc_to_local(dt).strftime("%Y-%m-%dT%H:%M")


def test_an_organiser_builds_publishes_and_runs_an_event_from_scratch(app, inbox):
    organiser = app.test_client()
    with app.app_context():
        make_user()
    login(organiser, "organisator@example.org")
    day = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%d")

    response = post_form(organiser, "/organiser/events/new", {
        "title": "Uppstart AI Västerbotten", "venue": "Folkets hus, Umeå",
        "starts_at": f"{day}T09:00", "ends_at": f"{day}T16:00",
        "contact_name": "Anna Lindqvist", "contact_email": "anna@example.org",
        "ask_organisation": "required", "ask_job_title": "off", "ask_dietary_needs": "optional",
        "ask_accessibility_needs": "optional", "ask_discussion_topic": "required",
        "retention_days": "90", "sensitive_retention_days": "7"})
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        event = db.session.scalar(select(Event))
        event_id = event.id
        assert event.status == "draft" and event.slug == "uppstart-ai-vasterbotten"
        assert utc_to_local(event.starts_at).hour == 9  # typed in Stockholm time

    base = f"/organiser/events/{event_id}"
    sessions = {}
    for title, start, end, names in (("Förmiddag", "10:00", "11:00", ["AI i skolan", "AI i vården"]),
                                     ("Eftermiddag", "13:00", "14:00", ["AI-juridik"])):
        response = post_form(organiser, f"{base}/blocks/new", {
            "title": title, "starts_at": f"{day}T{start}", "ends_at": f"{day}T{end}"})
        assert response.status_code == 302
        block_url = response.location.rsplit("/sessions/new", 1)[0]
        for name in names:
            response = post_form(organiser, f"{block_url}/sessions/new", {
                "title": name, "room": f"Sal {len(sessions) + 1}", "capacity": "1",
                "waitlist_enabled": "y"})
            assert response.status_code == 302, text_of(response)
            sessions[name] = int(response.location.rsplit("/", 1)[1])

    assert post_form(organiser, f"{base}/status/publish", {}, page=base).status_code == 302
    with app.app_context():
        assert db.session.get(Event, event_id).status == "published"

    participant = app.test_client()
    form = participant.get("/events/uppstart-ai-vasterbotten/signup").get_data(as_text=True)
    assert 'name="job_title"' not in form  # the organiser chose not to ask it
    with app.app_context():
        event = db.session.get(Event, event_id)
        blocks = {b.title: b.id for b in event.blocks}
    response = post_form(participant, "/events/uppstart-ai-vasterbotten/signup", {
        "name": "Per Persson", "email": "per@example.org", "organisation": "Umeå kommun",
        "discussion_topic": "AI i klassrummet", "consent": "y",
        f"block_{blocks['Förmiddag']}": str(sessions["AI i skolan"]),
        f"block_{blocks['Eftermiddag']}": str(sessions["AI-juridik"])})
    assert response.status_code == 302, text_of(response)

    dashboard = text_of(organiser.get(base))
    assert "1 anmälda" in dashboard
    assert "Umeå kommun" in dashboard

    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
        deliver_due()
    reg_url = f"{base}/registrations/{registration_id}"
    response = post_form(organiser, f"{reg_url}/sessions", {
        f"block_{blocks['Förmiddag']}": str(sessions["AI i vården"]),
        f"block_{blocks['Eftermiddag']}": str(sessions["AI-juridik"]), "notify": "y"}, page=reg_url)
    assert response.status_code == 302
    with app.app_context():
        deliver_due()
        assert db.session.scalar(select(SessionChoice.session_id).where(
            SessionChoice.block_id == blocks["Förmiddag"])) == sessions["AI i vården"]
    changed = inbox.to("per@example.org")[-1]
    assert "ändrats" in changed["Subject"] or "ändrad" in changed["Subject"].lower()
    assert "AI i vården" in parts(changed)[0]


def test_raising_capacity_promotes_at_once_and_lowering_below_confirmed_is_refused(app, inbox):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(1,))
        sign_up(event, 1)
        sign_up(event, 2)
        deliver_due()
        block, session = event.blocks[0], event.blocks[0].sessions[0]
        url = f"/organiser/events/{event.id}/blocks/{block.id}/sessions/{session.id}"
    login(client, "organisator@example.org")
    response = post_form(client, url, {"title": "Session 1.1", "capacity": "0", "waitlist_enabled": "y"})
    assert response.status_code == 400
    assert "1 personer har redan en plats" in text_of(response) or "redan" in text_of(response)
    response = post_form(client, url, {"title": "Session 1.1", "capacity": "2", "waitlist_enabled": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count(SessionChoice.id)).where(
            SessionChoice.state == "confirmed")) == 2
        deliver_due()
    assert "Du har fått en plats" in inbox.to("deltagare2@example.org")[-1]["Subject"]


def test_cancelling_an_event_tells_everyone_with_a_calendar_cancellation(app, inbox):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event()
        sign_up(event, 1)
        sign_up(event, 2)
        deliver_due()
        base = f"/organiser/events/{event.id}"
    login(client, "organisator@example.org")
    assert post_form(client, f"{base}/status/cancel", {}, page=base).status_code == 302
    with app.app_context():
        deliver_due()
    for n in (1, 2):
        last = inbox.to(f"deltagare{n}@example.org")[-1]
        assert "inställt" in last["Subject"]
        assert b"METHOD:CANCEL" in parts(last)[2]["avbokning.ics"]


def test_only_drafts_can_be_deleted(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        published = make_event()
        draft = make_event(status="draft")
        ids = published.id, draft.id
    login(client, "organisator@example.org")
    for event_id in ids:
        base = f"/organiser/events/{event_id}"
        post_form(client, f"{base}/delete", {}, page=base)
    with app.app_context():
        assert db.session.get(Event, ids[0]) is not None
        assert db.session.get(Event, ids[1]) is None


def test_cloning_copies_programme_sessions_leads_and_settings_but_no_people(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5, 7), blocks=2)
        sign_up(event, 1)
        base = f"/organiser/events/{event.id}"
    login(client, "organisator@example.org")
    response = post_form(client, f"{base}/clone", {"title": "Nästa uppstart"})
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(select(Event).where(Event.title == "Nästa uppstart"))
        assert copy.status == "draft"
        assert [[s.capacity for s in b.sessions] for b in copy.blocks] == [[5, 7], [5, 7]]
        assert copy.blocks[0].sessions[0].lead_names == ["Ledare 1.1"]
        assert copy.programme_items[0].title == "Välkommen"
        assert db.session.scalar(select(db.func.count(Registration.id)).where(
            Registration.event_id == copy.id)) == 0


def test_organiser_registers_someone_by_hand_promotes_and_puts_back(app, inbox):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(1,))
        first = sign_up(event, 1)
        # Sign-up has closed: the organiser can still register people by hand.
        event.signup_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        block, session = event.blocks[0], event.blocks[0].sessions[0]
        base = f"/organiser/events/{event.id}"
        first_id = first.id
    login(client, "organisator@example.org")
    response = post_form(client, f"{base}/registrations/new", {
        "name": "Handanmäld", "email": "hand@example.org", "organisation": "Dorotea kommun",
        f"block_{block.id}": str(session.id), "notify": "y"})
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        hand = db.session.scalar(select(Registration).where(Registration.email_key == "hand@example.org"))
        assert hand.source == "organiser" and hand.choices[0].state == "waiting"
        first_choice = db.session.get(Registration, first_id).choices[0].id
    reg_url = f"{base}/registrations/{first_id}"
    response = post_form(client, f"{reg_url}/choices/{first_choice}/waitlist", {}, page=reg_url)
    assert response.status_code == 302
    with app.app_context():
        db.session.expire_all()
        states = {r.email_key: r.choices[0].state for r in db.session.scalars(select(Registration))}
        assert states == {"deltagare1@example.org": "waiting", "hand@example.org": "confirmed"}
        actions = db.session.scalars(select(ActivityEntry.action)).all()
        assert "registration.created" in actions and "registration.waitlisted" in actions


def test_exports_open_in_excel_and_neutralise_formulas(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event()
        sign_up(event, 1, name="=HYPERLINK(\"http://x\")", organisation="Åsele kommun")
        sign_up(event, 2, name="Örjan Öberg", dietary_needs="Laktosfri")
        base = f"/organiser/events/{event.id}"
    login(client, "organisator@example.org")
    raw = client.get(f"{base}/export.csv").data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Namn"
    names = {r[0] for r in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://x\")", "Örjan Öberg"}
    _heading, values = xlsx_sheet(client.get(f"{base}/export.xlsx").data)
    assert {v[0] for v in values[1:]} == names
    assert {v[2] for v in values[1:]} == {"Åsele kommun", "Umeå kommun"}
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ActivityEntry.id)).where(
            ActivityEntry.action == "export")) == 2


def test_catering_summary_counts_dietary_needs(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(10,))
        sign_up(event, 1, dietary_needs="Vegetarisk")
        sign_up(event, 2, dietary_needs="vegetarisk ")
        sign_up(event, 3, accessibility_needs="Rullstol")
        sign_up(event, 4)
        base = f"/organiser/events/{event.id}"
    login(client, "organisator@example.org")
    page = text_of(client.get(f"{base}/catering"))
    assert "Vegetarisk 2" in page
    assert "Rullstol" in page
    assert "4 anmälda" in page


def test_the_activity_log_reads_as_sentences_and_records_who_viewed_lists(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5, 5))
        registration = sign_up(event, 1)
        block = event.blocks[0]
        base = f"/organiser/events/{event.id}"
        reg_url = f"{base}/registrations/{registration.id}"
        other = block.sessions[1].id
        session_id = block.sessions[0].id
    login(client, "organisator@example.org")
    post_form(client, f"{reg_url}/sessions", {f"block_{block.id}": str(other)}, page=reg_url)
    client.get(f"/lead/sessions/{session_id}")
    page = text_of(client.get(f"{base}/activity"))
    assert "Flyttad till ett annat dialogmöte" in page
    assert "Deltagarlistan visad" in page
    assert "Olga Organisatör" in page
    assert "registration.moved" not in page


def test_an_anonymised_registration_can_no_longer_be_changed_by_the_organiser(app, client):
    from eventapp.services import privacy

    with app.app_context():
        make_user()
        event = make_event()
        registration = sign_up(event, 1)
        privacy.apply_retention(event.ends_at + timedelta(days=event.retention_days))
        url = f"/organiser/events/{event.id}/registrations/{registration.id}"
    login(client, "organisator@example.org")
    page = client.get(url)
    assert "Vi har tagit bort personuppgifterna i den här anmälan" in text_of(page)
    assert f'action="{url}/cancel"' not in page.get_data(as_text=True)
    # A hand-made POST (no form is shown) is refused too.
    response = post_form(client, f"{url}/details", {
        "name": "Deltagare 1", "email": "deltagare1@example.org", "organisation": "Umeå kommun"},
        page="/organiser/events/new")
    assert response.status_code == 409
    assert "Vi har tagit bort personuppgifterna i den här anmälan" in text_of(response)
    post_form(client, f"{url}/cancel", {"notify": "y"}, page="/organiser/events/new")
    with app.app_context():
        stored = db.session.get(Registration, registration.id)
        assert (stored.name, stored.email, stored.status) == ("", "", "active")
