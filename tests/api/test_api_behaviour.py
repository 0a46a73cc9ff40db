"""What an integrator relies on: paging and filters, ETags, rate-limit headers, errors in the
language asked for, tokens checked against roles at every use, cookies that do not sign an API
request in, and a change feed a copy can follow, erasure included."""
import re
from datetime import timedelta

from sqlalchemy import select, update

from eventapp.extensions import db
from eventapp.models import ActivityEntry, ApiToken, Lead, Registration, User
from eventapp.services import privacy
from eventapp.util.time import utcnow
from tests.api.conftest import bearer, staff
from tests.factories import sign_up
from tests.helpers import csrf_token, sql_statements, text_of


def _get(client, url, token, **headers):
    return client.get(url, headers={**bearer(token), **headers})


def test_registrations_come_a_page_at_a_time_and_every_one_comes_once(app, world):
    client, token = app.test_client(), world.tokens["organiser"]
    seen, cursor = [], None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = _get(client, f"/api/v1/events/{world.event_id}/registrations?{query}", token).json
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4 and seen == sorted(set(seen))


def test_registrations_filter_by_session_status_and_organisation(app, world):
    client, token = app.test_client(), world.tokens["organiser"]
    url = f"/api/v1/events/{world.event_id}/registrations"
    by_session = _get(client, f"{url}?session_id={world.other_session_id}", token).json["items"]
    assert [r["name"] for r in by_session] == ["Deltagare 4"]
    assert _get(client, f"{url}?status=cancelled", token).json["items"] == []
    assert len(_get(client, f"{url}?organisation=Umeå kommun", token).json["items"]) == 4
    assert _get(client, f"{url}?organisation=Skellefteå", token).json["items"] == []
    refused = _get(client, f"{url}?status=gone", token, **{"Accept-Language": "en"})
    assert refused.status_code == 422 and "status" in refused.json["errors"]["query"]
    assert refused.json["title"] == "Some values are missing or not valid."


def test_personal_answers_are_not_stored_and_public_ones_answer_304_to_their_etag(app, world):
    client = app.test_client()
    personal = _get(client, f"/api/v1/events/{world.event_id}/registrations",
                    world.tokens["organiser"])
    assert personal.headers["Cache-Control"] == "no-store"
    public = client.get(f"/api/v1/events/{world.event_id}")
    assert "no-store" not in public.headers["Cache-Control"] and public.headers["ETag"]
    again = client.get(f"/api/v1/events/{world.event_id}",
                       headers={"If-None-Match": public.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    seats = {s["title"]: s["seats_left"] for s in public.json["blocks"][0]["sessions"]}
    assert seats == {"Session 1.1": 0, "Session 1.2": 4}
    with app.app_context():
        sign_up(db.session.merge(_event(world)), 7, session_index=1)
    changed = client.get(f"/api/v1/events/{world.event_id}",
                         headers={"If-None-Match": public.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != public.headers["ETag"]


def _event(world):
    from eventapp.models import Event

    return db.session.get(Event, world.event_id)


def test_drafts_are_not_public(app, world):
    with app.app_context():
        _event(world).status = "draft"
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/api/v1/events/{world.event_id}").status_code == 404
    assert world.event_id not in [e["id"] for e in client.get("/api/v1/events").json["items"]]


def test_each_token_has_its_own_rate_limit_with_headers_and_retry_after(make_app, world):
    app = make_app(API_RATELIMIT="3 per minute")
    client = app.test_client()
    url = f"/api/v1/events/{world.event_id}/session-counts"
    answers = [_get(client, url, world.tokens["organiser"]) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert int(answers[3].headers["Retry-After"]) >= 1
    assert answers[3].mimetype == "application/problem+json"
    assert _get(client, url, world.tokens["read_only"]).status_code == 200


def test_errors_come_in_the_language_asked_for(app, world):
    client = app.test_client()
    url = f"/api/v1/events/{world.event_id}/registrations"
    swedish = client.get(url)
    english = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert swedish.json["type"] == english.json["type"] == "urn:eventapp:problem:not-authenticated"
    assert "API-nyckel" in swedish.json["title"]
    assert "API token" in english.json["title"]


def test_a_signed_in_organisers_cookie_does_not_open_the_api(app, world, inbox):
    from tests.helpers import login
    from tests.factories import make_user

    client = app.test_client()
    with app.app_context():
        make_user(email="kaka@example.org", name="Karin Kaka")
    login(client, "kaka@example.org")
    assert client.get("/organiser/").status_code == 200
    response = client.get(f"/api/v1/events/{world.event_id}/registrations")
    assert response.status_code == 401 and "Set-Cookie" not in response.headers


def test_a_lead_removed_from_a_session_loses_it_at_once_and_a_disabled_account_everything(
        app, world):
    client, token = app.test_client(), world.tokens["lead"]
    url = f"/api/v1/sessions/{world.session_id}/attendees"
    attendees = _get(client, url, token).json
    assert [(a["name"], a["place"], a["position"]) for a in attendees["items"]] == [
        ("Deltagare 1", "confirmed", None), ("Deltagare 2", "confirmed", None),
        ("Deltagare 3", "waiting", 1)]
    assert [s["id"] for s in _get(client, "/api/v1/my/sessions", token).json["items"]] == [
        world.session_id]
    with app.app_context():
        lead = db.session.scalar(select(Lead).where(Lead.user_id == world.lead_id))
        lead.sessions = []
        db.session.commit()
    assert _get(client, url, token).status_code == 404
    assert _get(client, "/api/v1/my/sessions", token).json["items"] == []
    with app.app_context():
        db.session.execute(update(User).where(User.id == world.organiser_id).values(active=False))
        db.session.commit()
    assert _get(client, f"/api/v1/events/{world.event_id}/registrations",
                world.tokens["organiser"]).status_code == 401


def test_reading_personal_data_is_in_the_activity_log_and_the_token_shows_when_it_was_used(
        app, world):
    client = app.test_client()
    _get(client, f"/api/v1/sessions/{world.session_id}/attendees", world.tokens["lead"])
    with app.app_context():
        entry = db.session.scalar(select(ActivityEntry).where(
            ActivityEntry.action == "api.attendees.viewed"))
        assert entry.user_id == world.lead_id and entry.details["token_id"]
        token = db.session.get(ApiToken, entry.details["token_id"])
        assert token.last_used_at is not None


def test_a_registration_made_through_the_api_follows_the_booking_rules_and_mails(
        app, world, inbox):
    from eventapp.mail.delivery import deliver_due

    client, token = app.test_client(), world.tokens["organiser"]
    url = f"/api/v1/events/{world.event_id}/registrations"
    body = {"name": "Kaj Beckman", "email": "Kaj.Beckman@EXAMPLE.org", "organisation": "Region",
            "choices": [{"block_id": world.block_id, "session_id": world.session_id}]}
    created = client.post(url, json=body, headers=bearer(token))
    assert created.status_code == 201
    assert created.json["email"] == "Kaj.Beckman@example.org"  # normalised as the form does
    assert created.json["choices"][0]["state"] == "waiting"  # the session is full
    again = client.post(url, json={**body, "email": "kaj.beckman@example.org"},
                        headers={**bearer(token), "Accept-Language": "en"})
    assert again.status_code == 409
    assert again.json["type"] == "urn:eventapp:problem:already-registered"
    two = client.post(url, json={**body, "email": "tva@example.org", "choices": [
        {"block_id": world.block_id, "session_id": world.session_id},
        {"block_id": world.block_id, "session_id": world.other_session_id}]}, headers=bearer(token))
    assert two.status_code == 400 and two.json["type"] == "urn:eventapp:problem:invalid-choice"
    with app.app_context():
        deliver_due(utcnow())
    assert inbox.to("Kaj.Beckman@example.org")


def _feed(client, world, after=0):
    return _get(client, f"/api/v1/events/{world.event_id}/changes?after={after}",
                world.tokens["organiser"]).json


def test_the_change_feed_tells_a_copy_everything_down_to_erasure(app, world):
    client = app.test_client()
    start = _feed(client, world)
    assert [c["kind"] for c in start["items"]] == ["created"] * 4
    cursor = start["next_cursor"]
    cancelled = client.post(
        f"/api/v1/events/{world.event_id}/registrations/{world.registration_id}/cancel",
        json={"notify": False}, headers=bearer(world.tokens["organiser"]))
    assert cancelled.json["status"] == "cancelled"
    later = _feed(client, world, cursor)
    # Person 1's seat went to the first on the waiting list: a promotion is a change.
    assert [(c["kind"], c["registration_id"]) for c in later["items"]] == [
        ("cancelled", world.registration_id), ("promoted", world.waiting_id)]
    assert later["items"][1]["registration"]["choices"][0]["state"] == "confirmed"
    with app.app_context():
        privacy.delete_registration(world.waiting_id, utcnow())
    erased = _feed(client, world, later["next_cursor"])["items"]
    assert erased == [{"id": erased[0]["id"], "kind": "erased",
                       "registration_id": world.waiting_id, "at": erased[0]["at"],
                       "registration": None}]
    assert _feed(client, world, erased[0]["id"]) == {
        "items": [], "next_cursor": str(erased[0]["id"]), "more": False}


def test_anonymised_registrations_reach_the_feed_with_only_their_id(app, world):
    with app.app_context():
        event = _event(world)
        event.starts_at -= timedelta(days=400)
        event.ends_at -= timedelta(days=400)
        db.session.commit()
        privacy.apply_retention(utcnow())
    items = _feed(app.test_client(), world)["items"]
    anonymised = [c for c in items if c["kind"] == "anonymised"]
    assert len(anonymised) == 4 and all(c["registration"] is None for c in anonymised)
    assert all(c["registration"] is None for c in items)  # nothing personal left to show


def test_listing_registrations_reads_as_many_queries_for_500_as_for_10(app, world):
    client = app.test_client()
    url = f"/api/v1/events/{world.other_event_id}/registrations?limit=100"
    counts = []
    for total in (10, 500):
        with app.app_context():
            from eventapp.models import Event

            other = db.session.get(Event, world.other_event_id)
            _add_registrations(other, total)
            token = world.tokens["other_event"]
            _get(client, url, token)  # the token's first use of the minute also notes it
            with sql_statements(db.engine) as statements:
                assert _get(client, url, token).status_code == 200
                _get(client, f"/api/v1/events/{world.other_event_id}/changes?limit=100", token)
            counts.append(len(statements))
    assert counts[0] == counts[1]


def _add_registrations(event, total):
    """Registrations straight into the tables, up to `total` for the event (fast, no mail)."""
    from eventapp.models import SessionChoice

    have = db.session.scalar(select(db.func.count(Registration.id)).where(
        Registration.event_id == event.id))
    session = event.blocks[0].sessions[0]
    for n in range(have, total):
        registration = Registration(event_id=event.id, name=f"P {n}", email=f"p{n}@example.org",
                                    email_key=f"p{n}@example.org")
        registration.choices = [SessionChoice(block_id=session.block_id, session_id=session.id,
                                              state="waiting", queue_no=n)]
        db.session.add(registration)
    db.session.commit()


def test_staff_create_a_token_see_its_secret_once_and_revoke_it(app, world, inbox):
    from tests.factories import make_user
    from tests.helpers import login

    client = app.test_client()
    with app.app_context():
        make_user(email="skapare@example.org", name="Sara Skapare")
    login(client, "skapare@example.org")
    form = client.get("/account/tokens/new")
    assert form.headers["Cache-Control"] == "no-store"
    empty = client.post("/account/tokens/new", data={
        "csrf_token": csrf_token(client, "/account/tokens/new"), "name": "Lönesystemet",
        "kind": "organiser", "access": "read", "days": "90"})
    assert empty.status_code == 400 and "Välj minst en." in text_of(empty)
    made = client.post("/account/tokens/new", data={
        "csrf_token": csrf_token(client, "/account/tokens/new"), "name": "Lönesystemet",
        "kind": "organiser", "event_ids": [str(world.event_id)], "access": "read", "days": "30"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="api-token-secret">([^<]+)<', made.get_data(as_text=True)).group(1)
    assert _get(client, f"/api/v1/events/{world.event_id}/registrations", secret).status_code == 200
    account = client.get("/account")
    assert "Lönesystemet" in text_of(account) and secret not in account.get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Lönesystemet"))
        assert secret not in token.token_hash and not token.can_write
        assert (token.expires_at - token.created_at).days == 30
        token_id = token.id
    client.post(f"/account/tokens/{token_id}/revoke",
                data={"csrf_token": csrf_token(client, "/account")})
    assert _get(client, f"/api/v1/events/{world.event_id}/registrations", secret).status_code == 401


def test_a_lead_reads_only_the_answers_the_event_still_asks_for(app, world):
    """As on the lead's page: a question switched off after people answered is not shown."""
    from eventapp.models import Event

    client, token = app.test_client(), world.tokens["lead"]
    url = f"/api/v1/sessions/{world.session_id}/attendees"
    with app.app_context():
        db.session.execute(update(Registration).where(Registration.id == world.registration_id)
                           .values(dietary_needs="Glutenfri", job_title="Arkivarie"))
        db.session.commit()
    first = _get(client, url, token).json["items"][0]
    assert (first["dietary_needs"], first["job_title"]) == ("Glutenfri", "Arkivarie")
    with app.app_context():
        event = db.session.get(Event, world.event_id)
        event.field_settings = {**(event.field_settings or {}), "dietary_needs": "off"}
        db.session.commit()
    first = _get(client, url, token).json["items"][0]
    assert (first["dietary_needs"], first["job_title"]) == ("", "Arkivarie")
    assert "Glutenfri" not in _get(client, url, token).get_data(as_text=True)


def test_the_public_api_tells_each_blocks_mode_and_until_when_it_takes_rankings(app):
    from eventapp.demo import load_demo, load_preference_demo
    from eventapp.services import allocation

    with app.app_context():
        lycksele, _created = load_demo(participants=0)
        ai, _created = load_preference_demo(participants=0)
        ids, block_id = (lycksele.id, ai.id), ai.blocks[0].id
        deadline = ai.blocks[0].ranking_deadline
    client = app.test_client()
    first_come, ai_event = (client.get(f"/api/v1/events/{i}").json for i in ids)
    assert {(b["mode"], b["ranking_deadline"], b["ranking_closed"])
            for b in first_come["blocks"]} == {("first_come", None, None)}
    (kickoff_block,) = ai_event["blocks"]
    assert kickoff_block["mode"] == "preferences" and kickoff_block["ranking_closed"] is False
    assert kickoff_block["ranking_deadline"] == f"{deadline.isoformat()}+00:00"
    with app.app_context():
        allocation.request_allocation(block_id, utcnow())
    closed = client.get(f"/api/v1/events/{ids[1]}").json["blocks"][0]
    assert closed["mode"] == "preferences" and closed["ranking_closed"] is True
