"""Personal data: retention with the clock passed in, a person's copy, erasure."""
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from eventapp.domain import errors
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import ActivityEntry, Event, OutboxMessage, Registration, SessionChoice
from eventapp.services import booking, privacy, reports
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user, sign_up
from tests.helpers import csrf_token, manage_link, parts, text_of


def test_retention_removes_sensitive_answers_first_then_everything_that_identifies(app):
    with app.app_context():
        organiser = make_user()
        event = make_event(capacities=(5,))
        first = sign_up(event, 1, dietary_needs="Glutenfri", accessibility_needs="Hörslinga",
                        organisation="Malå kommun")
        booking.update_details(first.id, booking.Details(
            name="Deltagare 1", email="deltagare1@example.org", organisation="Malå kommun",
            dietary_needs="Glutenfri", accessibility_needs="Hörslinga"), utcnow(), actor=organiser)
        sign_up(event, 2, organisation="Umeå kommun")
        end = db.session.get(Event, event.id).ends_at

        assert privacy.apply_retention(end + timedelta(days=6)) == {"sensitive_cleared": 0, "anonymised": 0}
        assert privacy.apply_retention(end + timedelta(days=7)) == {"sensitive_cleared": 1, "anonymised": 0}
        stored = db.session.get(Registration, first.id)
        assert (stored.dietary_needs, stored.accessibility_needs, stored.name) == ("", "", "Deltagare 1")

        assert privacy.apply_retention(end + timedelta(days=90))["anonymised"] == 2
        db.session.expire_all()
        for registration in db.session.scalars(select(Registration)):
            assert registration.name == "" and registration.email == ""
            assert "deltagare" not in registration.email_key
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0
        assert all(e.summary == "" for e in db.session.scalars(select(ActivityEntry)))
        # Statistics survive: counts per session and per organisation.
        event = db.session.get(Event, event.id)
        assert reports.organisation_counts(event) == [("Malå kommun", 1), ("Umeå kommun", 1)]
        assert reports.session_stats(event)[0][1][0]["confirmed"] == 2
        assert privacy.apply_retention(end + timedelta(days=91)) == {"sensitive_cleared": 0, "anonymised": 0}


def test_a_participant_downloads_everything_stored_about_them(app, client, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, dietary_needs="Vegan", discussion_topic="Arkiv")
        deliver_due()
    path = urlsplit(manage_link(parts(inbox.messages[0])[0])).path
    data = json.loads(client.get(f"{path}/data.json").data)
    assert data["registration"]["email"] == "deltagare1@example.org"
    assert data["registration"]["dietary_needs"] == "Vegan"
    assert data["sessions"][0]["session"] == "Session 1.1"
    assert data["emails"][0]["kind"] == "confirmation" and data["emails"][0]["status"] == "sent"
    assert data["consent"]["version"] == 1
    page = text_of(client.get(f"{path}/data"))
    assert "Vegan" in page and "Arkiv" in page


def test_the_consent_text_agreed_to_is_stored_with_the_registration(app, client):
    with app.app_context():
        event = make_event(privacy_text="Vi sparar uppgifterna i 90 dagar.")
        block = event.blocks[0]
        url = f"/events/{event.slug}/signup"
        client.post(url, data={"csrf_token": csrf_token(client, url), "name": "A", "email": "a@example.org",
                               "organisation": "Umeå kommun", "consent": "y",
                               f"block_{block.id}": str(block.sessions[0].id)})
        stored = db.session.scalar(select(Registration))
        assert stored.consent_text == "Vi sparar uppgifterna i 90 dagar."
        assert stored.consent_version == event.privacy_version


def test_deleting_my_data_frees_the_seat_and_leaves_nothing_behind(app, client, inbox):
    with app.app_context():
        event = make_event(capacities=(1,))
        sign_up(event, 1)
        sign_up(event, 2)
        deliver_due()
        slug = event.slug
    path = urlsplit(manage_link(parts(inbox.to("deltagare1@example.org")[0])[0])).path
    assert "Ta bort" in text_of(client.get(f"{path}/delete"))
    response = client.post(f"{path}/delete", data={"csrf_token": csrf_token(client, f"{path}/delete")})
    assert response.status_code == 302 and response.location.endswith(f"/events/{slug}")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Registration.id)).where(
            Registration.email_key == "deltagare1@example.org")) == 0
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.to_address == "deltagare1@example.org")) == 0
        assert db.session.scalar(select(SessionChoice.state)) == "confirmed"  # person 2 moved up
        deliver_due()
    assert "Du har fått en plats" in inbox.to("deltagare2@example.org")[-1]["Subject"]
    assert client.get(path).status_code == 404


def test_apply_retention_command_runs_from_cron(app):
    result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert result.exit_code == 0 and "anonymised: 0" in result.output


def test_a_retention_run_removes_personal_data_it_finds_in_an_event_already_anonymised(app):
    with app.app_context():
        event = make_event(capacities=(5,))
        first = sign_up(event, 1)
        due = event.ends_at + timedelta(days=event.retention_days)
        assert privacy.apply_retention(due)["anonymised"] == 1
        # What an old link could write back before anonymising revoked the links.
        db.session.execute(update(Registration).where(Registration.id == first.id).values(
            name="Deltagare 1", email="deltagare1@example.org", discussion_topic="Arkiv"))
        db.session.commit()
        assert privacy.apply_retention(due + timedelta(days=1))["anonymised"] == 1
        stored = db.session.get(Registration, first.id)
        assert (stored.name, stored.email, stored.discussion_topic) == ("", "", "")
        assert privacy.apply_retention(due + timedelta(days=2))["anonymised"] == 0


def test_an_anonymised_registration_takes_no_changes(app):
    with app.app_context():
        event = make_event(capacities=(5,))
        first = sign_up(event, 1)
        privacy.apply_retention(event.ends_at + timedelta(days=event.retention_days))
        for change in (
                lambda: booking.update_details(first.id, booking.Details(
                    name="Deltagare 1", email="deltagare1@example.org"), utcnow()),
                lambda: booking.cancel(first.id, utcnow())):
            with pytest.raises(errors.RegistrationAnonymised):
                change()
        assert db.session.get(Registration, first.id).name == ""


def test_an_anonymised_registration_gets_no_mail_when_a_seat_frees_up(app, client):
    """Found by the state machine: raising a capacity after retention promoted an anonymised
    registration from the waiting list and mailed its personal link to an empty address."""
    from tests.helpers import login
    from tests.stateful.pages import form_with

    with app.app_context():
        make_user()
        event = make_event(capacities=(1,))
        sign_up(event, 1)
        waiting = sign_up(event, 2).id
        privacy.apply_retention(event.ends_at + timedelta(days=event.retention_days))
        session = event.blocks[0].sessions[0]
        url = f"/organiser/events/{event.id}/blocks/{session.block_id}/sessions/{session.id}"
    login(client, "organisator@example.org")
    form = form_with(client.get(url).get_data(as_text=True), "capacity")
    assert client.post(url, data=form.data(capacity="2")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SessionChoice.state).where(
            SessionChoice.registration_id == waiting)) == "confirmed"
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0
