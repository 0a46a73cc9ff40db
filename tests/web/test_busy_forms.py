"""An organiser's form sent while another connection holds the lock it needs: the form comes
back as typed, with the "busy, try again" message and 503 with Retry-After; nothing is saved,
and the same form goes through once the lock is gone."""
from datetime import timedelta

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import DialogueSession, ParallelBlock
from eventapp.util.time import utc_to_local
from tests.factories import make_event, make_user
from tests.helpers import login, post_form, row_held, text_of

BUSY = "Försök igen om några sekunder"


def busy_app(make_app):
    app = make_app(DATABASE_LOCK_TIMEOUT_MS=300)
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5,))
        block = event.blocks[0]
        ids = event.id, block.id, block.sessions[0].id, block.starts_at
    login(client, "organisator@example.org")
    return app, client, ids


def local(dt):
    return utc_to_local(dt).strftime("%Y-%m-%dT%H:%M")


def assert_busy_and_kept(response, *typed):
    assert response.status_code == 503, text_of(response)
    assert int(response.headers["Retry-After"]) > 0
    assert BUSY in text_of(response)
    html = response.get_data(as_text=True)
    for value in typed:
        assert value in html  # nothing typed is lost


def test_a_block_saved_while_the_database_is_busy_comes_back_as_typed(
        make_app, backend, database_url):
    app, client, (event_id, block_id, _session_id, starts) = busy_app(make_app)
    url = f"/organiser/events/{event_id}/blocks/{block_id}"
    data = {"title": "Eftermiddagens samtal", "starts_at": local(starts + timedelta(hours=1)),
            "ends_at": local(starts + timedelta(hours=2))}
    with row_held(backend, database_url, "parallel_block", block_id):
        response = post_form(client, url, data)
    assert_busy_and_kept(response, 'value="Eftermiddagens samtal"', f'value="{data["ends_at"]}"')
    with app.app_context():
        assert db.session.get(ParallelBlock, block_id).title != "Eftermiddagens samtal"
    assert post_form(client, url, data).status_code == 302
    with app.app_context():
        assert db.session.get(ParallelBlock, block_id).title == "Eftermiddagens samtal"


def test_a_session_saved_while_the_database_is_busy_comes_back_as_typed(
        make_app, backend, database_url):
    app, client, (event_id, block_id, session_id, _starts) = busy_app(make_app)
    url = f"/organiser/events/{event_id}/blocks/{block_id}/sessions/{session_id}"
    data = {"title": "AI i äldreomsorgen", "description": "Vad vi lärt oss i Skellefteå",
            "room": "Sal Björken", "capacity": "12", "waitlist_enabled": "y", "save": "Spara"}
    with row_held(backend, database_url, "dialogue_session", session_id):
        response = post_form(client, url, data)
    assert_busy_and_kept(response, 'value="AI i äldreomsorgen"', "Vad vi lärt oss i Skellefteå",
                         'value="Sal Björken"', 'value="12"')
    with app.app_context():
        assert db.session.get(DialogueSession, session_id).title != "AI i äldreomsorgen"
    assert post_form(client, url, data).status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(DialogueSession).where(DialogueSession.id == session_id))
        assert (saved.title, saved.room, saved.capacity) == ("AI i äldreomsorgen", "Sal Björken", 12)


def test_every_organiser_form_page_keeps_its_form_when_the_database_is_busy(app):
    """A route that shows a form (GET) and saves it (POST) has the one Busy handling; the
    POST-only buttons answer the app's 503 page (they hold nothing typed)."""
    forms = [rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("organiser.") and {"GET", "POST"} <= rule.methods]
    assert len(forms) >= 10
    missing = [e for e in forms if not getattr(app.view_functions[e], "form_kept_when_busy", False)]
    assert missing == []
