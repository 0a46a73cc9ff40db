"""The organiser's view of one session: from the overview to that session's registrations,
filtered by session and by seat or waiting list, search and sort kept."""
import re
from html import unescape

from eventapp.extensions import db
from eventapp.models import Event
from tests.factories import make_event, make_lead_user, make_user, sign_up
from tests.helpers import login, text_of


def full_session(app):
    """Session 1.1 (2 seats) has Deltagare 1–2 seated and 3–4 waiting; 5 is in Session 1.2."""
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(2, 10))
        for n in range(1, 5):
            sign_up(event, n, organisation="Malå kommun" if n == 4 else "Umeå kommun")
        sign_up(event, 5, session_index=1)
        ids = {"event": event.id, "full": event.blocks[0].sessions[0].id,
               "other": event.blocks[0].sessions[1].id}
    login(client, "organisator@example.org")
    return client, ids


def names_on(response):
    return re.findall(r'/registrations/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_each_session_on_the_overview_links_to_its_list(app):
    client, ids = full_session(app)
    html = client.get(f"/organiser/events/{ids['event']}").get_data(as_text=True)
    assert (f'<a href="/organiser/events/{ids["event"]}/registrations?session={ids["full"]}">'
            "Session 1.1</a>") in html


def test_the_list_of_one_session_holds_only_its_people(app):
    client, ids = full_session(app)
    response = client.get(f"/organiser/events/{ids['event']}/registrations?session={ids['full']}")
    assert names_on(response) == [f"Deltagare {n}" for n in range(1, 5)]
    page = text_of(response)
    assert "4 anmälningar: Session 1.1" in page
    assert "<h1>Anmälningar: <span>Session 1.1</span></h1>" in response.get_data(as_text=True)


def test_the_waiting_list_of_a_session_shows_each_persons_place_in_line(app):
    client, ids = full_session(app)
    response = client.get(f"/organiser/events/{ids['event']}/registrations"
                          f"?session={ids['full']}&place=waiting")
    assert names_on(response) == ["Deltagare 3", "Deltagare 4"]
    page = text_of(response)
    assert "2 anmälningar: Session 1.1 , på väntelistan" in page
    assert "väntelista, nummer 1" in page and "väntelista, nummer 2" in page


def test_people_with_a_seat_can_be_listed_across_sessions(app):
    client, ids = full_session(app)
    response = client.get(f"/organiser/events/{ids['event']}/registrations?place=confirmed")
    assert names_on(response) == ["Deltagare 1", "Deltagare 2", "Deltagare 5"]


def test_search_and_sort_are_kept_with_the_filters(app):
    client, ids = full_session(app)
    url = (f"/organiser/events/{ids['event']}/registrations?session={ids['full']}"
           "&place=waiting&q=mal&sort=organisation")
    response = client.get(url)
    assert names_on(response) == ["Deltagare 4"]
    html = unescape(response.get_data(as_text=True))
    assert f'<option value="{ids["full"]}" selected>' in html
    assert '<option value="waiting" selected>' in html
    assert 'name="sort" value="organisation"' in html
    name_sort = re.search(r'href="([^"]*sort=name[^"]*)"', html).group(1)
    assert f"session={ids['full']}" in name_sort and "place=waiting" in name_sort and "q=mal" in name_sort
    export = re.search(r'href="([^"]*export\.xlsx[^"]*)"', html).group(1)
    assert f"session={ids['full']}" in export and "place=waiting" in export


def test_a_session_of_another_event_or_an_unknown_place_is_ignored(app):
    client, ids = full_session(app)
    with app.app_context():
        other = make_event()
        foreign = other.blocks[0].sessions[0].id
    response = client.get(f"/organiser/events/{ids['event']}/registrations"
                          f"?session={foreign}&place=everywhere")
    assert response.status_code == 200
    assert len(names_on(response)) == 5


def test_the_header_says_all_sessions_to_an_organiser_and_my_sessions_to_a_lead(app):
    client, ids = full_session(app)
    assert "Alla dialogmöten" in text_of(client.get("/lead/"))
    with app.app_context():
        session = db.session.get(Event, ids["event"]).blocks[0].sessions[0]
        make_lead_user(session, "kaj@example.org", "Kaj Beckman")
    lead = app.test_client()
    login(lead, "kaj@example.org")
    page = text_of(lead.get("/lead/"))
    assert "Mina dialogmöten" in page and "Alla dialogmöten" not in page
