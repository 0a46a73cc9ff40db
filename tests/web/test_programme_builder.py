"""The organiser builds a programme over HTTP: a session and its leads in one form (nothing
typed is lost), "save and add another", new entries where the programme ends, the
double-booking warning, known leads by name, duplicating and reordering."""
import re

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import DialogueSession, Lead, OutboxMessage, ParallelBlock, ProgrammeItem
from eventapp.util.time import utc_to_local
from tests.factories import make_event, make_user
from tests.helpers import csrf_token, login, post_form, text_of


def organiser_and_event(app, organiser="organisator@example.org", **kwargs):
    client = app.test_client()
    with app.app_context():
        make_user(email=organiser)
        event = make_event(**kwargs)
        ids = {"event": event.id, "slug": event.slug,
               "blocks": [b.id for b in event.blocks],
               "sessions": [[s.id for s in b.sessions] for b in event.blocks]}
    login(client, organiser)
    return client, ids


def session_url(ids, block=0, session=None):
    base = f"/organiser/events/{ids['event']}/blocks/{ids['blocks'][block]}/sessions"
    return f"{base}/new" if session is None else f"{base}/{ids['sessions'][block][session]}"


def session_row(app, session_id):
    with app.app_context():
        session = db.session.get(DialogueSession, session_id)
        return session.title, session.description, session.room, [lead.name for lead in session.leads]


def new_session_id(response):
    return int(response.location.rsplit("/", 1)[1])


def test_a_description_and_a_new_lead_are_saved_by_one_press_of_save(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    url = session_url(ids, session=0)
    response = post_form(client, url, {
        "title": "Session 1.1", "capacity": "5", "room": "Sal A", "waitlist_enabled": "y",
        "description": "Vi pratar om öppna data.",
        "lead_name_1": "Maria Sundberg", "lead_email_1": "maria@example.org"})
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert "Sparat. Maria Sundberg får en inbjudan i ett mejl." in page
    assert session_row(app, ids["sessions"][0][0]) == (
        "Session 1.1", "Vi pratar om öppna data.", "Sal A", ["Ledare 1.1", "Maria Sundberg"])
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.kind)) == "account_invite"


def test_the_session_page_has_one_form_that_warns_before_leaving_unsaved_changes(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    html = client.get(session_url(ids, session=0)).get_data(as_text=True)
    assert html.count("data-warn-unsaved") == 1
    assert "/leads" not in re.findall(r'<form[^>]*action="([^"]*)"', html)
    assert re.search(r'<script src="/static/unsaved-changes\.js\?v=\w+" defer>', html)
    assert client.get("/static/unsaved-changes.js").status_code == 200


def test_save_and_add_another_opens_a_new_session_form_in_the_same_block(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    response = post_form(client, session_url(ids), {
        "title": "AI i skolan", "capacity": "20", "room": "Sal B", "save_and_add": "y"})
    assert response.status_code == 302 and response.location == session_url(ids)
    page = text_of(client.get(response.location))
    assert "Nytt dialogmöte" in page and "Pass: Dialogmöten 1" in page
    with app.app_context():
        block = db.session.get(ParallelBlock, ids["blocks"][0])
        assert [s.title for s in block.sessions] == ["Session 1.1", "AI i skolan"]


def local_value(html, name):
    return re.search(rf'name="{name}" [^>]*value="([^"]+)"', html).group(1)


def test_new_items_and_blocks_start_where_the_programme_ends(app):
    client, ids = organiser_and_event(app, capacities=(5,), blocks=2)
    with app.app_context():
        last = db.session.get(ParallelBlock, ids["blocks"][1])
        start = utc_to_local(last.ends_at)
        end = utc_to_local(last.ends_at + (last.ends_at - last.starts_at))
    for path in ("items/new", "blocks/new"):
        html = client.get(f"/organiser/events/{ids['event']}/{path}").get_data(as_text=True)
        assert local_value(html, "starts_at") == start.strftime("%Y-%m-%dT%H:%M")
        assert local_value(html, "ends_at") == end.strftime("%Y-%m-%dT%H:%M")


def test_save_and_add_another_plenary_item_and_block_open_the_next_empty_form(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    base = f"/organiser/events/{ids['event']}"
    for path in ("items/new", "blocks/new"):
        html = client.get(f"{base}/{path}").get_data(as_text=True)
        response = post_form(client, f"{base}/{path}", {
            "title": "Fika", "starts_at": local_value(html, "starts_at"),
            "ends_at": local_value(html, "ends_at"), "save_and_add": "y"})
        assert response.status_code == 302 and response.location == f"{base}/{path}"
    with app.app_context():
        assert db.session.scalar(select(ProgrammeItem.title).where(ProgrammeItem.title == "Fika"))
        assert db.session.scalar(select(ParallelBlock.title).where(ParallelBlock.title == "Fika"))


def test_a_double_booked_room_is_asked_about_and_saved_only_when_kept(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    typed = {"title": "AI i vården", "capacity": "20", "room": "sal a",
             "description": "Skrivet först.", "save_and_add": "y"}
    response = post_form(client, session_url(ids), typed)
    assert response.status_code == 409
    page = text_of(response)
    assert "Kontrollera innan du sparar" in page
    assert "Lokalen sal a används redan av ”Session 1.1” i samma pass." in page
    html = response.get_data(as_text=True)
    assert 'value="Spara ändå"' in html and "Skrivet först." in html
    assert re.search(r'name="after" type="hidden" value="another"', html)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(DialogueSession.id))) == 1

    response = post_form(client, session_url(ids), {
        **{k: v for k, v in typed.items() if k != "save_and_add"},
        "save_anyway": "y", "after": "another"})
    assert response.status_code == 302 and response.location == session_url(ids)
    with app.app_context():
        assert db.session.scalar(select(DialogueSession.room).where(
            DialogueSession.title == "AI i vården")) == "sal a"


def test_a_kept_double_booking_is_shown_on_the_session_page(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    response = post_form(client, session_url(ids), {
        "title": "AI i vården", "capacity": "20", "room": "Sal A", "save_anyway": "y"})
    page = text_of(client.get(response.location))
    assert "Samma mötesledare eller lokal på två ställen samtidigt:" in page
    assert "Lokalen Sal A används redan av ”Session 1.1” i samma pass." in page


def test_an_unknown_name_keeps_everything_typed_and_asks_for_the_address(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    response = post_form(client, session_url(ids), {
        "title": "AI-juridik", "capacity": "12", "room": "Sal Ö",
        "description": "Avtal och upphandling.", "lead_name_2": "Okänd Person"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Vi hittar ingen mötesledare med det namnet." in text_of(response)
    assert 'href="#lead_email_2"' in html  # the error summary points at the row's email
    for typed in ("AI-juridik", "Avtal och upphandling.", "Sal Ö", "Okänd Person"):
        assert typed in html


def test_an_email_without_a_name_asks_for_the_name(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    response = post_form(client, session_url(ids), {
        "title": "AI-juridik", "capacity": "12", "lead_email_1": "nina@example.org"})
    assert response.status_code == 400
    assert "Skriv mötesledarens namn." in text_of(response)


def test_a_known_lead_is_added_by_name_alone(app):
    client, ids = organiser_and_event(app, capacities=(5,), blocks=2)
    response = post_form(client, session_url(ids, block=1, session=0), {
        "title": "Session 2.1", "capacity": "5", "room": "Sal A", "lead_name_1": "ledare 1.1"})
    assert response.status_code == 302
    assert session_row(app, ids["sessions"][1][0])[3] == ["Ledare 1.1", "Ledare 2.1"]


def test_a_ticked_lead_is_removed_from_the_session(app):
    client, ids = organiser_and_event(app, capacities=(5,))
    with app.app_context():
        lead_id = db.session.scalar(select(Lead.id).where(Lead.name == "Ledare 1.1"))
    response = post_form(client, session_url(ids, session=0), {
        "title": "Session 1.1", "capacity": "5", "room": "Sal A",
        "remove_lead_ids": str(lead_id)})
    assert response.status_code == 302
    assert session_row(app, ids["sessions"][0][0])[3] == []


def test_the_lead_search_finds_known_leads_by_name_or_email_but_not_the_demo_leads(app):
    from eventapp.demo import load_demo

    with app.app_context():
        load_demo(participants=0)
    client, ids = organiser_and_event(app, "anna@example.org", capacities=(5,))
    url = f"/organiser/events/{ids['event']}/leads"
    assert client.get(f"{url}?q=LEDARE").get_json() == {
        "leads": [{"name": "Ledare 1.1", "email": _lead_email(app)}]}
    assert client.get(f"{url}?q=kaj").get_json() == {"leads": []}  # Kaj Beckman leads in the demo
    assert client.get(f"{url}?q=l").get_json() == {"leads": []}
    response = client.get(f"{url}?q=example.org")
    assert response.headers["Cache-Control"] == "no-store"


def _lead_email(app):
    with app.app_context():
        return db.session.scalar(select(Lead.email).where(Lead.name == "Ledare 1.1"))


def test_duplicating_opens_the_copy_right_after_the_original(app):
    client, ids = organiser_and_event(app, capacities=(5, 8))
    first = ids["sessions"][0][0]
    url = session_url(ids, session=0)
    response = client.post(f"/organiser/events/{ids['event']}/sessions/{first}/duplicate",
                           data={"csrf_token": csrf_token(client, url), "with_leads": "y"})
    assert response.status_code == 302
    copy_id = new_session_id(response)
    page = text_of(client.get(response.location))
    assert "Kopian är klar." in page
    assert "Ledare 1.1 leder redan ”Session 1.1” i samma pass." in page  # leads were copied
    assert session_row(app, copy_id) == (
        "Session 1.1 (kopia)", "Beskrivning av session 1.1", "Sal A", ["Ledare 1.1"])
    with app.app_context():
        block = db.session.get(ParallelBlock, ids["blocks"][0])
        assert [s.id for s in block.sessions] == [first, copy_id, ids["sessions"][0][1]]


def test_a_copy_of_an_english_event_says_copy_in_english(app):
    client, ids = organiser_and_event(app, capacities=(5,), content_language="en")
    first = ids["sessions"][0][0]
    response = client.post(f"/organiser/events/{ids['event']}/sessions/{first}/duplicate",
                           data={"csrf_token": csrf_token(client, session_url(ids, session=0))})
    assert session_row(app, new_session_id(response))[0] == "Session 1.1 (copy)"


def move(client, ids, session_id, direction):
    programme = f"/organiser/events/{ids['event']}/programme"
    return client.post(f"/organiser/events/{ids['event']}/sessions/{session_id}/move",
                       data={"csrf_token": csrf_token(client, programme), "direction": direction})


def positions_in(text, titles):
    return sorted(titles, key=text.index)


def test_a_moved_session_is_in_its_new_place_on_every_page(app):
    client, ids = organiser_and_event(app, capacities=(5, 5, 5))
    third = ids["sessions"][0][2]
    response = move(client, ids, third, "up")
    assert response.status_code == 302
    assert response.location.endswith(f"/programme#session-{third}")
    titles = ["Session 1.1", "Session 1.2", "Session 1.3"]
    wanted = ["Session 1.1", "Session 1.3", "Session 1.2"]
    programme = text_of(client.get(response.location))
    assert "Flyttat: ”Session 1.3” är nu nummer 2 i passet." in programme
    for path in (f"/organiser/events/{ids['event']}/programme", f"/events/{ids['slug']}",
                 f"/events/{ids['slug']}/signup", "/lead/", f"/organiser/events/{ids['event']}"):
        page = text_of(client.get(path))
        assert positions_in(page, titles) == wanted, path


def test_the_first_session_offers_no_move_up_and_the_last_no_move_down(app):
    client, ids = organiser_and_event(app, capacities=(5, 5))
    html = client.get(f"/organiser/events/{ids['event']}/programme").get_data(as_text=True)
    first, last = ids["sessions"][0]
    forms = dict(re.findall(r'sessions/(\d+)/move"(.*?)</form>', html, flags=re.S))
    assert len(forms) == 2
    assert 'value="down"' in forms[str(first)] and 'value="up"' not in forms[str(first)]
    assert 'value="up"' in forms[str(last)] and 'value="down"' not in forms[str(last)]


def test_a_move_without_a_direction_is_refused(app):
    client, ids = organiser_and_event(app, capacities=(5, 5))
    assert move(client, ids, ids["sessions"][0][0], "sideways").status_code == 400


def test_a_session_of_another_event_cannot_be_moved_or_duplicated_through_this_one(app):
    client, ids = organiser_and_event(app, capacities=(5, 5))
    with app.app_context():
        other = make_event(capacities=(5, 5)).blocks[0].sessions[1].id
    assert move(client, ids, other, "up").status_code == 404
    response = client.post(f"/organiser/events/{ids['event']}/sessions/{other}/duplicate",
                           data={"csrf_token": csrf_token(client, session_url(ids, session=0))})
    assert response.status_code == 404
