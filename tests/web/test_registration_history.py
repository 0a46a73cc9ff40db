"""A registration's history on the organiser's page: read by its own column, whatever the log holds."""
from sqlalchemy import event as sa_event

from eventapp.extensions import db
from eventapp.models import ActivityEntry
from eventapp.services import booking
from eventapp.services.activity import log_activity
from eventapp.util.time import utcnow
from tests.factories import details, make_event, make_user
from tests.helpers import login, sql_statements, text_of


def test_the_registration_page_costs_the_same_with_3_or_300_lead_views_in_the_log(app):
    client = app.test_client()
    with app.app_context():
        organiser = make_user()
        event = make_event(capacities=(10,))
        choices = {event.blocks[0].id: event.blocks[0].sessions[0].id}
        person = booking.register(event.id, details(1), choices, "sv", utcnow(), notify=False,
                                  source="organiser", actor=organiser)
        booking.register(event.id, details(2), choices, "sv", utcnow(), notify=False,
                         source="organiser", actor=organiser)
        booking.update_details(person.id, details(1, job_title="Arkivarie"), utcnow(), actor=organiser)
        url = f"/organiser/events/{event.id}/registrations/{person.id}"
        event_id, session_id, engine = event.id, event.blocks[0].sessions[0].id, db.engine
    login(client, "organisator@example.org")

    def lead_views(count):
        with app.app_context():
            for _ in range(count):
                log_activity(event_id, None, "attendees.viewed", "Session 1.1", utcnow(),
                             session_id=session_id)
            db.session.commit()

    def page():
        loaded = []
        record = lambda entry, _context: loaded.append(entry.id)  # noqa: E731
        sa_event.listen(ActivityEntry, "load", record)
        try:
            with sql_statements(engine) as statements:
                response = client.get(url)
        finally:
            sa_event.remove(ActivityEntry, "load", record)
        assert response.status_code == 200
        return len(statements), len(loaded), text_of(response)

    lead_views(3)
    small, loaded_small, text = page()
    assert text.count("Anmäld av en arrangör") == 1  # this person's, not the other one's
    assert "Uppgifter ändrade av en arrangör (Olga Organisatör)" in text
    lead_views(297)
    large, loaded_large, text = page()
    assert text.count("Anmäld av en arrangör") == 1
    assert large == small, (small, large)
    assert loaded_small == loaded_large == 2  # the person's two entries, none of the views
