"""Nobody can lock another person out: requests that fail the CSRF check or the form's
validation count against no address, and failed passwords from a stranger leave the owner
signing in at once from a browser they used before, and from a new one within a minute."""
import time

import pytest
from limits.storage import memory
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event
from tests.factories import PASSWORD, make_event, make_user, sign_up
from tests.helpers import csrf_token, login, post_form, signup_data, text_of

OWNER = "organisator@example.org"
WRONG = "fel-losenord-123"


class LimiterClock:
    """The rate limiter's clock (the `limits` in-memory storage reads time.time()), moved by
    hand so that a test waits a minute without sleeping."""

    def __init__(self):
        self.offset = 0.0

    def time(self):
        return time.time() + self.offset

    def advance(self, seconds):
        self.offset += seconds

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch):
    moved = LimiterClock()
    monkeypatch.setattr(memory, "time", moved)
    return moved


@pytest.fixture
def owner(app):
    with app.app_context():
        make_user()


def attempt(client, password, email=OWNER, token=None):
    return client.post("/login", data={"csrf_token": token or csrf_token(client, "/login"),
                                       "email": email, "password": password})


def browser_used_before(app):
    """The owner's browser: signed in once (which leaves the device cookie), then out."""
    browser = app.test_client()
    login(browser, OWNER)
    post_form(browser, "/logout", {}, page="/password/forgot")
    return browser


def test_two_hundred_wrong_passwords_from_a_stranger_do_not_lock_the_owner_out(
        app, owner, clock):
    usual = browser_used_before(app)
    stranger = app.test_client()
    token = csrf_token(stranger, "/login")
    codes = [attempt(stranger, WRONG, token=token).status_code for _ in range(200)]
    # Ten tries a minute from browsers the account has not seen (the owner's first was one).
    assert codes[:9] == [400] * 9 and set(codes[9:]) == {429}

    # From the browser the owner used before: at once.
    assert attempt(usual, PASSWORD).status_code == 302
    # From a browser never used before: refused now, let in when a minute has passed.
    new_browser = app.test_client()
    refused = attempt(new_browser, PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    clock.advance(60)
    assert attempt(new_browser, PASSWORD).status_code == 302


def test_the_browser_used_before_has_its_own_limit_on_wrong_passwords(app, owner, clock):
    usual = browser_used_before(app)
    codes = [attempt(usual, WRONG).status_code for _ in range(11)]
    assert codes == [400] * 10 + [429]
    # Its own mistakes do not lock out the owner's other browsers.
    assert attempt(app.test_client(), PASSWORD).status_code == 302


def test_a_device_cookie_counts_only_for_its_own_account(app, owner, clock):
    with app.app_context():
        make_user(email="annan@example.org", organiser=False, lead=True)
    stranger = app.test_client()
    login(stranger, "annan@example.org")  # the stranger's own account, own device cookie
    post_form(stranger, "/logout", {}, page="/password/forgot")
    codes = [attempt(stranger, WRONG).status_code for _ in range(11)]
    assert codes[-1] == 429
    assert attempt(app.test_client(), PASSWORD).status_code == 429


def test_the_device_cookie_is_signed_and_kept_from_scripts(app, owner, clock):
    usual = browser_used_before(app)
    cookie = usual.get_cookie("device", path="/login")
    assert cookie.http_only and cookie.same_site == "Lax"
    forged = app.test_client()
    forged.set_cookie("device", cookie.value[:-2] + "xx", path="/login")
    codes = [attempt(forged, WRONG).status_code for _ in range(11)]
    assert codes[-1] == 429
    assert attempt(app.test_client(), PASSWORD).status_code == 429  # counted as a stranger


def test_a_changed_case_is_the_same_account(app, owner, clock):
    stranger = app.test_client()
    codes = [attempt(stranger, WRONG, email=" ORGANISATOR@Example.org").status_code
             for _ in range(11)]
    assert codes[-1] == 429
    assert attempt(app.test_client(), PASSWORD).status_code == 429


def forms_without_a_token(app):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        slug = event.slug
    return {
        "login": ("/login", {"email": OWNER, "password": WRONG}),
        "forgot": ("/password/forgot", {"email": OWNER}),
        "signup": (f"/events/{slug}/signup", {"email": "ny@example.org", "name": "Ny"}),
        "link": (f"/events/{slug}/link", {"email": "deltagare1@example.org"}),
    }


@pytest.mark.parametrize("form", ["login", "forgot", "signup", "link"])
def test_fifty_posts_without_a_csrf_token_block_nobody(app, owner, inbox, form):
    url, data = forms_without_a_token(app)[form]
    anonymous = app.test_client()
    assert {anonymous.post(url, data=data).status_code for _ in range(50)} == {400}
    person = app.test_client()
    if form == "signup":
        with app.app_context():
            event = db.session.scalar(select(Event))
            response = person.post(url, data=signup_data(person, event, email="ny@example.org"))
    elif form == "login":
        response = attempt(person, PASSWORD)
    else:
        response = post_form(person, url, data)
    assert response.status_code == 302, text_of(response)


def test_fifty_incomplete_sign_ups_do_not_block_the_address(app, inbox):
    client = app.test_client()
    with app.app_context():
        event = make_event()
        url = f"/events/{event.slug}/signup"
        complete = signup_data(client, event, email="ny@example.org")
    incomplete = {"csrf_token": complete["csrf_token"], "email": "ny@example.org"}
    assert {client.post(url, data=incomplete).status_code for _ in range(50)} == {400}
    assert client.post(url, data=complete).status_code == 302
