"""The public pages over HTTP: what a participant reads, and what gets stored."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import Event, Registration
from eventapp.util.time import utcnow
from tests.factories import make_event, sign_up
from tests.helpers import csrf_token, manage_link, parts, signup_data, text_of


def count(model):
    return db.session.scalar(select(db.func.count(model.id)))


def test_home_lists_published_events_but_not_drafts(app, client):
    with app.app_context():
        published = make_event(title="Uppstart Lycksele")
        draft = make_event(title="Hemligt utkast", status=Event.DRAFT)
        published_title, draft_slug = published.title, draft.slug
    page = text_of(client.get("/"))
    assert published_title in page
    assert "Hemligt utkast" not in page
    assert client.get(f"/events/{draft_slug}").status_code == 404


def test_event_page_shows_programme_leads_rooms_and_seats(app, client):
    with app.app_context():
        event = make_event(capacities=(3, 1))
        sign_up(event, 1, session_index=1)
        slug = event.slug
    page = text_of(client.get(f"/events/{slug}"))
    assert "Välkommen" in page and "Jonas Lundström" in page
    assert "Session 1.1" in page and "Ledare 1.1" in page and "Sal A" in page
    assert "3 platser kvar" in page
    assert "Fullt – väntelista" in page


def test_sign_up_form_labels_each_session_with_seats_left(app, client):
    with app.app_context():
        event = make_event(capacities=(3, 1))
        sign_up(event, 1, session_index=1)
        slug = event.slug
    page = client.get(f"/events/{slug}/signup").get_data(as_text=True)
    assert re.search(r"Session 1\.1</span>\s*<span[^>]*>3 platser kvar", page)
    assert re.search(r"Session 1\.2</span>\s*<span[^>]*>Fullt – väntelista", page)
    assert 'list="organisations"' in page and "Örnsköldsviks kommun" in page


def test_signing_up_stores_the_registration_and_shows_the_confirmation_page(app, client):
    with app.app_context():
        event = make_event()
        data = signup_data(client, event)
        response = client.post(f"/events/{event.slug}/signup", data=data)
        assert response.status_code == 302
        page = text_of(client.get(response.location))
        stored = db.session.scalar(select(Registration))
        assert (stored.name, stored.organisation, stored.dietary_needs) == (
            "Deltagare 1", "Lycksele kommun", "Vegetarisk")
        assert stored.locale == "sv"
    assert "Tack, Deltagare 1" in page
    assert "Du har en plats" in page
    assert "deltagare1@example.org" in page


def test_errors_are_shown_next_to_fields_and_summarised_and_nothing_typed_is_lost(app, client):
    with app.app_context():
        event = make_event()
        data = signup_data(client, event, name="", email="inte-en-adress", consent="")
        data.pop(f"block_{event.blocks[0].id}")
        response = client.post(f"/events/{event.slug}/signup", data=data)
        assert count(Registration) == 0
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert response.status_code == 400
    assert "Det finns ett problem" in page
    assert "Ange ditt namn" in page or "Skriv ditt namn" in page or "namn" in page.lower()
    assert 'aria-describedby="email-hint email-error"' in html and 'aria-invalid="true"' in html
    assert 'value="inte-en-adress"' in html
    assert "Gallring av e-post" in html and 'value="Lycksele kommun"' in html
    assert "Fel:" in page


def test_an_expired_form_keeps_what_was_typed(app, client):
    with app.app_context():
        event = make_event()
        data = signup_data(client, event, csrf_token="forged")
        response = client.post(f"/events/{event.slug}/signup", data=data)
        assert count(Registration) == 0
    assert response.status_code == 400
    assert "formuläret hade gått ut" in text_of(response).lower()
    assert 'value="Deltagare 1"' in response.get_data(as_text=True)


def test_a_second_sign_up_with_the_same_address_is_refused_with_an_offer_of_the_link(app, client):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, email="Deltagare1@Example.org")
        response = client.post(f"/events/{event.slug}/signup",
                               data=signup_data(client, event, n=1, email="DELTAGARE1@example.org"))
        assert count(Registration) == 1
        link = f"/events/{event.slug}/link"
    assert response.status_code == 409  # the registry: already registered is a conflict
    assert "redan anmäld" in text_of(response)
    assert link in response.get_data(as_text=True)


def test_bad_input_gets_a_message_never_a_500_and_stores_nothing(app, client):
    with app.app_context():
        event = make_event(capacities=(5, 5))
        other = make_event()
        url = f"/events/{event.slug}/signup"
        block_field = f"block_{event.blocks[0].id}"
        cases = [
            {block_field: "abc"},
            {block_field: str(other.blocks[0].sessions[0].id)},
            {block_field: "99999999999999999999999"},
            {"name": "Nils\x00Nilsson"},
            {"organisation": "x" * 5000},
            {"email": "a@b"},
            {"name": "   \t "},
            {"email": "anna@example.org\nBcc: x@example.org"},
        ]
        for overrides in cases:
            response = client.post(url, data=signup_data(client, event, **overrides))
            assert response.status_code == 400, overrides
            assert "Det finns ett problem" in text_of(response), overrides
        raw = client.post(url, data=b"name=\xff\xfe\xfa&email=%ff%fe",
                          content_type="application/x-www-form-urlencoded")
        assert raw.status_code == 400
        huge = client.post(url, data={"name": "x" * 400_000})
        assert huge.status_code == 413
        assert "för stort" in text_of(huge) or "stort" in text_of(huge)
        assert count(Registration) == 0


def test_a_closed_event_shows_no_form_and_refuses_a_post(app, client):
    with app.app_context():
        event = make_event(closes_in=timedelta(days=1))
        data = signup_data(client, event)
        event.signup_closes_at = event.starts_at - timedelta(days=60)
        db.session.commit()
        page = client.get(f"/events/{event.slug}/signup")
        assert "stängd" in text_of(page)
        assert "<form" not in page.get_data(as_text=True).split("<main", 1)[1]
        response = client.post(f"/events/{event.slug}/signup", data=data)
        assert response.status_code == 400
        assert count(Registration) == 0


def test_output_is_escaped(app, client):
    with app.app_context():
        event = make_event()
        data = signup_data(client, event, name="<script>alert(1)</script>")
        response = client.post(f"/events/{event.slug}/signup", data=data)
        html = client.get(response.location).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_resend_link_answers_the_same_for_known_and_unknown_addresses(app, client):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        url = f"/events/{event.slug}/link"
        answers = []
        for address in ("deltagare1@example.org", "okand@example.org"):
            response = client.post(url, data={"csrf_token": csrf_token(client, url), "email": address},
                                   follow_redirects=True)
            answers.append(text_of(response))
        assert answers[0] == answers[1]
        assert deliver_due()["sent"] == 2  # the confirmation and one new link


def test_the_manage_link_lets_a_participant_change_correct_and_cancel(app, client, inbox):
    with app.app_context():
        event = make_event(capacities=(1, 5))
        block = event.blocks[0]
        registration = sign_up(event, 1, session_index=0)
        sign_up(event, 2, session_index=0)  # waiting for session 1.1
        deliver_due()
        path = urlsplit(manage_link(parts(inbox.to("deltagare1@example.org")[0])[0])).path
        page = text_of(client.get(path))
        assert "Din anmälan" in page and "Session 1.1" in page

        token = csrf_token(client, path)
        response = client.post(f"{path}/sessions",
                               data={"csrf_token": token, f"block_{block.id}": str(block.sessions[1].id)})
        assert response.status_code == 302
        assert "Session 1.2" in text_of(client.get(path))

        response = client.post(f"{path}/details", data={
            "csrf_token": token, "name": "Deltagare Ett", "email": "deltagare1@example.org",
            "organisation": "Malå kommun", "job_title": "", "dietary_needs": "Glutenfri",
            "accessibility_needs": "Hörslinga", "discussion_topic": ""})
        assert response.status_code == 302
        db.session.expire_all()
        stored = db.session.get(Registration, registration.id)
        assert (stored.name, stored.organisation, stored.accessibility_needs) == (
            "Deltagare Ett", "Malå kommun", "Hörslinga")

        assert "Avboka" in text_of(client.get(f"{path}/cancel"))
        response = client.post(f"{path}/cancel", data={"csrf_token": token})
        assert response.status_code == 302
        assert "avbokad" in text_of(client.get(path)).lower()
        db.session.expire_all()
        assert db.session.get(Registration, registration.id).status == "cancelled"
        deliver_due()
    # Deltagare 2 moved up when Deltagare 1 left session 1.1.
    assert any("Du har fått en plats" in m["Subject"] for m in inbox.to("deltagare2@example.org"))


def test_forged_or_mangled_manage_links_are_a_friendly_404(app, client):
    for path in ("/manage/abc", "/manage/" + "x" * 5000, "/manage/WzEsMV0.forged"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Vi hittar inte sidan" in text_of(response)


def test_language_switch_gives_english_and_refuses_foreign_redirects(app, client):
    with app.app_context():
        event = make_event()
        slug = event.slug
    response = client.get(f"/lang/en?next=/events/{slug}/signup")
    assert response.location.endswith(f"/events/{slug}/signup")
    page = client.get(f"/events/{slug}/signup")
    assert '<html lang="en">' in page.get_data(as_text=True)
    text = text_of(page)
    assert "Sign up" in text and "seats left" in text and "Anmäl" not in text
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        assert urlsplit(client.get(f"/lang/sv?next={target}").location).netloc in ("", "localhost")


def test_unknown_pages_get_a_friendly_swedish_404(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert '<html lang="sv">' in response.get_data(as_text=True)


def test_every_post_route_checks_the_csrf_token(app, client):
    from eventapp.services.accounts import issue_token
    from eventapp.web.tokens import email_change_token, manage_token
    from tests.factories import make_user

    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        user = make_user()
        reset = issue_token(user, "reset", utcnow(), 2)
        db.session.commit()
        token = manage_token(db.session.scalar(select(Registration)))
        routes = [r for r in app.url_map.iter_rules() if "POST" in r.methods
                  and r.endpoint.split(".")[0] in ("public", "auth")]
        assert len(routes) >= 6
        for rule in routes:
            values = {"slug": event.slug, "block_id": event.blocks[0].id, "token_id": 1,
                      "token": reset if rule.endpoint.startswith("auth.") else token}
            if rule.endpoint == "public.confirm_email":
                values["token"] = email_change_token(
                    db.session.scalar(select(Registration)), "ny@example.org")
            url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            response = client.post(url, data={"email": "deltagare1@example.org", "name": "X",
                                              "password": "korrekt-hast-batteri-zon",
                                              "confirm": "korrekt-hast-batteri-zon"})
            if app.view_functions[rule.endpoint].access_rule == "signed_in":
                assert "/login" in response.location, rule.rule  # sign in first
            else:
                assert response.status_code in (400, 403), rule.rule
        assert db.session.scalar(select(Registration.status)) == "active"
        assert db.session.scalar(select(db.func.count(Registration.id))) == 1


def test_a_session_not_offered_is_refused_in_the_pages_language_beside_its_block(app, client):
    with app.app_context():
        event = make_event(capacities=(5, 5))
        other = make_event()
        url, field = f"/events/{event.slug}/signup", f"block_{event.blocks[0].id}"
        offered_elsewhere = str(other.blocks[0].sessions[0].id)
        data = signup_data(client, event)

    def refused(sent):
        response = client.post(url, data={**data, field: sent})
        assert response.status_code == 400
        # The summary links to the group's first radio button.
        assert f'href="#{field}-0"' in response.get_data(as_text=True)
        return text_of(response)

    for sent in ("abc", offered_elsewhere):
        assert "Välj ett av de dialogmöten som finns att välja på." in refused(sent)
    client.get("/lang/en")
    for sent in ("abc", offered_elsewhere):
        assert "Choose one of the sessions offered." in refused(sent)
    with app.app_context():
        assert count(Registration) == 0


def test_a_form_naming_a_deleted_session_or_block_never_books_what_was_added_after_it(
        app, client):
    """Sessions and blocks are named by id in the form; an id never comes back (SQLite
    handed a deleted row's id to the next one: red team, 2 December)."""
    from eventapp.models import DialogueSession, ParallelBlock

    with app.app_context():
        event = make_event(capacities=(10, 10), blocks=2)
        slug, first, last = event.slug, *event.blocks
        gone_session, gone_block = first.sessions[-1].id, last.id
        data = signup_data(client, event, **{f"block_{first.id}": str(gone_session),
                                             f"block_{last.id}": str(last.sessions[0].id)})
        starts = last.starts_at
        db.session.delete(db.session.get(DialogueSession, gone_session))
        db.session.delete(db.session.get(ParallelBlock, gone_block))
        db.session.commit()
        block = ParallelBlock(event_id=event.id, title="Ny omgång", starts_at=starts,
                              ends_at=starts + timedelta(hours=1))
        block.sessions = [DialogueSession(title="Nytt", capacity=5, room="Sal C")]
        first = db.session.merge(first)
        first.sessions.append(DialogueSession(title="Annat ämne", capacity=5, room="Sal D"))
        db.session.add(block)
        db.session.commit()
        assert block.id > gone_block
        assert min(s.id for s in block.sessions + first.sessions[-1:]) > gone_session
    response = client.post(f"/events/{slug}/signup", data=data)
    assert response.status_code == 400
    with app.app_context():
        assert count(Registration) == 0


def test_a_pass_without_sessions_yet_is_not_asked_and_never_stops_a_sign_up(app, client):
    """An organiser adds a pass to a published event and then its sessions: in between,
    sign-ups go on without it, and once it has a session the form asks for it."""
    from eventapp.models import DialogueSession, ParallelBlock, SessionChoice
    from eventapp.web.tokens import manage_token
    from tests.factories import make_user
    from tests.helpers import login

    with app.app_context():
        event = make_event(capacities=(10, 10))
        empty = ParallelBlock(title="Eftermiddagens pass", starts_at=event.starts_at
                              + timedelta(hours=5), ends_at=event.starts_at + timedelta(hours=6))
        event.blocks.append(empty)
        db.session.commit()
        make_user()
        event_id, slug, empty_id = event.id, event.slug, empty.id
        block_id = event.blocks[0].id
        other = event.blocks[0].sessions[1].id
        data = signup_data(client, event)
    page = client.get(f"/events/{slug}/signup").get_data(as_text=True)
    assert f'name="block_{empty_id}"' not in page and f'name="block_{block_id}"' in page

    # A form with an error comes back with what was typed, the empty pass still not asked.
    response = client.post(f"/events/{slug}/signup", data={**data, "email": "inte en adress"})
    assert response.status_code == 400 and 'value="Deltagare 1"' in response.get_data(as_text=True)
    assert f'name="block_{empty_id}"' not in response.get_data(as_text=True)

    response = client.post(f"/events/{slug}/signup", data=data)
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert [c.block_id for c in registration.choices] == [block_id]
        token = manage_token(registration)

    # The manage link changes the session of the pass that has sessions, and asks nothing else.
    manage = client.get(f"/manage/{token}")
    assert manage.status_code == 200
    assert f'name="block_{empty_id}"' not in manage.get_data(as_text=True)
    response = client.post(f"/manage/{token}/sessions", data={
        "csrf_token": csrf_token(client, f"/manage/{token}"), f"block_{block_id}": str(other)})
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        choices = db.session.scalar(select(Registration)).choices
        assert [(c.block_id, c.session_id) for c in choices] == [(block_id, other)]

    # The organiser's form for adding someone by hand opens too, without the empty pass.
    login(client, "organisator@example.org")
    page = client.get(f"/organiser/events/{event_id}/registrations/new")
    assert page.status_code == 200 and f'name="block_{empty_id}"' not in page.get_data(as_text=True)

    # Once the pass has a session, the form asks for it, and a sign-up without it is refused.
    with app.app_context():
        db.session.add(DialogueSession(block_id=empty_id, title="Arkiv", description="",
                                       room="Sal 2", capacity=5, waitlist_enabled=True,
                                       position=1))
        db.session.commit()
        data = signup_data(client, db.session.get(Event, event_id), n=2)
    response = client.post(f"/events/{slug}/signup", data=data)
    assert response.status_code == 400
    assert "Eftermiddagens pass: Välj ett dialogmöte." in text_of(response)
    with app.app_context():
        assert db.session.query(SessionChoice).count() == 1


def test_people_who_signed_up_before_a_pass_had_sessions_are_shown_to_the_organiser_and_told(
        app, client):
    """They have no place in the pass once it gets sessions: the programme page names them
    (with a link to each registration), and their own page says so and where to choose."""
    from eventapp.models import DialogueSession, ParallelBlock
    from eventapp.web.tokens import manage_token
    from tests.factories import make_user
    from tests.helpers import login

    with app.app_context():
        event = make_event(capacities=(10, 10))
        empty = ParallelBlock(title="Eftermiddagens pass", starts_at=event.starts_at
                              + timedelta(hours=5), ends_at=event.starts_at + timedelta(hours=6))
        event.blocks.append(empty)
        db.session.commit()
        make_user()
        event_id, slug, empty_id = event.id, event.slug, empty.id
        block_id, first = event.blocks[0].id, event.blocks[0].sessions[0].id
        data = signup_data(client, event)
    assert client.post(f"/events/{slug}/signup", data=data).status_code == 302
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        registration_id, token = registration.id, manage_token(registration)
    programme = f"/organiser/events/{event_id}/programme"
    login(client, "organisator@example.org")
    assert "Deltagare 1" not in text_of(client.get(programme))  # nothing to choose yet

    with app.app_context():
        db.session.add(DialogueSession(block_id=empty_id, title="Arkiv", description="",
                                       room="Sal 2", capacity=5, waitlist_enabled=True,
                                       position=1))
        db.session.commit()
        added = db.session.scalar(select(DialogueSession.id).where(DialogueSession.title == "Arkiv"))
    page = client.get(programme)
    assert ("1 person anmälde sig medan passet saknade dialogmöten och har ingen plats i det."
            in text_of(page))
    assert (f'href="/organiser/events/{event_id}/registrations/{registration_id}">Deltagare 1<'
            in page.get_data(as_text=True))

    manage = text_of(client.get(f"/manage/{token}"))
    assert "Eftermiddagens pass : inget dialogmöte än (passet hade inga när du anmälde dig)" in manage
    assert "Välj ett under ”Byt dialogmöte” nedan" in manage
    response = client.post(f"/manage/{token}/sessions", data={
        "csrf_token": csrf_token(client, f"/manage/{token}"), f"block_{block_id}": str(first),
        f"block_{empty_id}": str(added)})
    assert response.status_code == 302, text_of(response)
    assert "inget dialogmöte än" not in text_of(client.get(f"/manage/{token}"))
    assert "anmälde sig medan passet saknade" not in text_of(client.get(programme))
    with app.app_context():
        choices = db.session.get(Registration, registration_id).choices
        assert sorted((c.block_id, c.session_id, c.state) for c in choices) == sorted(
            [(block_id, first, "confirmed"), (empty_id, added, "confirmed")])
