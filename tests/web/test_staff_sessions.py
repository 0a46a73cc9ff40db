"""Staff sessions live on the server: logging out ends one, "sign out everywhere" ends them
all, a copied cookie stops working with them, and the cookie holds only a random id."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from eventapp.extensions import db
from eventapp.models import LoginSession, User
from eventapp.models.user import hash_token
from eventapp.util.time import utcnow
from tests.factories import make_event, make_lead_user
from tests.helpers import csrf_token, login, post_form, text_of


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def lead(app):
    """A signed-in session lead's browser, and the URL of the session they lead."""
    with app.app_context():
        event = make_event()
        session = event.blocks[0].sessions[0]
        make_lead_user(session, "lena@example.org")
        session_url = f"/lead/sessions/{session.id}"
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(browser, "lena@example.org")
    assert browser.get(session_url).status_code == 200
    return browser, session_url


def copy_of(app, browser):
    """Another client holding the same session cookie, as a thief who copied it would."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


def signed_out(response):
    return response.status_code == 302 and "/login" in response.location


def session_id_in(app, browser):
    """The id the session cookie carries (the cookie is signed, not encrypted)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(browser.get_cookie("session").value)["_user_id"]


def test_a_cookie_copied_before_logout_no_longer_opens_the_lead_pages(app, lead):
    browser, session_url = lead
    thief = copy_of(app, browser)
    assert thief.get(session_url).status_code == 200
    response = post_form(browser, "/logout", {}, page="/password/forgot")
    assert response.status_code == 302
    assert signed_out(thief.get(session_url))
    assert signed_out(thief.get("/lead/"))
    assert signed_out(browser.get("/lead/"))


def test_signing_out_everywhere_ends_every_session_of_the_person(app, lead):
    browser, session_url = lead
    laptop = app.test_client()
    login(laptop, "lena@example.org")
    page = text_of(browser.get("/account"))
    assert "Lena Ledare" in page and "lena@example.org" in page
    assert "Firefox, Linux" in page and "(den här webbläsaren)" in page
    assert "Logga ut överallt" in page
    # Without the confirmation's CSRF token nothing ends.
    assert browser.post("/account/sign-out-everywhere").status_code == 400
    assert laptop.get(session_url).status_code == 200

    confirm = browser.get("/account/sign-out-everywhere")
    assert "alla webbläsare och enheter" in text_of(confirm)
    response = post_form(browser, "/account/sign-out-everywhere", {})
    assert signed_out(response)
    assert "Du är utloggad överallt" in text_of(browser.get(response.location))
    assert signed_out(laptop.get(session_url))
    assert signed_out(browser.get(session_url))
    with app.app_context():
        assert db.session.scalar(
            select(db.func.count(LoginSession.id)).where(LoginSession.ended_at.is_(None))) == 0


def test_signing_out_everywhere_leaves_other_people_signed_in(app, lead):
    browser, session_url = lead
    with app.app_context():
        from tests.factories import make_user

        make_user()
    organiser = app.test_client()
    login(organiser, "organisator@example.org")
    post_form(browser, "/account/sign-out-everywhere", {})
    assert organiser.get(session_url).status_code == 200


def test_the_account_page_is_only_for_someone_signed_in(client):
    assert signed_out(client.get("/account"))


def test_a_disabled_account_is_signed_out_at_once(app, lead):
    browser, session_url = lead
    with app.app_context():
        db.session.execute(update(User).where(User.email_key == "lena@example.org")
                           .values(active=False))
        db.session.commit()
    assert signed_out(browser.get(session_url))


def test_each_sign_in_gets_a_new_random_id_of_which_only_a_hash_is_stored(app, lead):
    browser, _session_url = lead
    first = session_id_in(app, browser)
    post_form(browser, "/logout", {}, page="/password/forgot")
    login(browser, "lena@example.org")
    second = session_id_in(app, browser)
    assert first != second and len(second) >= 22  # at least 128 random bits
    with app.app_context():
        rows = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        assert [r.token_hash for r in rows] == [hash_token(first), hash_token(second)]
        assert rows[0].ended_at is not None and rows[1].ended_at is None
        assert rows[1].user_agent == "Firefox, Linux"  # for the account page
        assert first not in {r.token_hash for r in rows} and second not in {r.token_hash for r in rows}


def test_a_session_left_idle_longer_than_the_limit_ends(app, lead):
    browser, session_url = lead
    idle = app.config["STAFF_SESSION_IDLE_HOURS"]
    with app.app_context():
        db.session.execute(update(LoginSession).values(
            last_seen_at=utcnow() - timedelta(hours=idle, minutes=1)))
        db.session.commit()
    assert signed_out(browser.get(session_url))


def test_a_password_chosen_from_a_reset_link_ends_the_other_sessions(app, lead, inbox):
    browser, session_url = lead
    with app.app_context():
        from eventapp.services.accounts import issue_token

        user = db.session.scalar(select(User).where(User.email_key == "lena@example.org"))
        raw = issue_token(user, "reset", utcnow(), 2)
        db.session.commit()
    phone = app.test_client()
    new_password = "fjallbjork-och-lingon"
    response = phone.post(f"/password/set/{raw}", data={
        "csrf_token": csrf_token(phone, f"/password/set/{raw}"), "password": new_password,
        "confirm": new_password})
    assert response.status_code == 302
    assert phone.get(session_url).status_code == 200
    assert signed_out(browser.get(session_url))
