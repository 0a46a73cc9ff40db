"""One address, however it is typed: a full-width letter or a punycode domain is the same
person at sign-up, in "send me my link", on the manage page, at login and in rate limits."""
import pytest
from sqlalchemy import func, select

from eventapp.domain.signup import duplicate_key
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import OutboxMessage, Registration
from eventapp.services import accounts, booking
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from tests.factories import PASSWORD, make_event, make_user, sign_up
from tests.helpers import csrf_token, login, post_form, signup_data, text_of

VARIANTS = [
    pytest.param("dup@example.se", "dup@ｅxample.se", id="full-width-e-in-the-domain"),
    pytest.param("dup@ｅxample.se", "dup@example.se", id="full-width-first"),
    pytest.param("dup@example.se", "ｄup@example.se", id="full-width-d-in-the-local-part"),
    pytest.param("anna@bjärred.se", "anna@xn--bjrred-cua.se", id="idn-then-punycode"),
    pytest.param("anna@xn--bjrred-cua.se", "anna@BJÄRRED.se", id="punycode-then-idn"),
]


def registrations():
    return db.session.scalars(select(Registration).order_by(Registration.id)).all()


@pytest.mark.parametrize("first, second", VARIANTS)
def test_a_variant_of_a_registered_address_is_already_registered(app, client, first, second):
    with app.app_context():
        event = make_event()
        url = f"/events/{event.slug}/signup"
        assert client.post(url, data=signup_data(client, event, 1, email=first)).status_code == 302
        response = client.post(url, data=signup_data(client, event, 2, email=second))
        assert len(registrations()) == 1
    assert response.status_code == 409
    assert "redan anmäld" in text_of(response)


def test_the_form_shows_the_normalised_address_and_stores_it(app, client):
    with app.app_context():
        event = make_event()
        url = f"/events/{event.slug}/signup"
        refused = client.post(url, data=signup_data(client, event, name="", email="dup@ｅxample.se"))
        assert refused.status_code == 400
        assert 'value="dup@example.se"' in refused.get_data(as_text=True)

        response = client.post(url, data=signup_data(client, event, email="anna@xn--bjrred-cua.se"))
        assert response.status_code == 302
        assert "anna@bjärred.se" in text_of(client.get(response.location))
        assert [r.email for r in registrations()] == ["anna@bjärred.se"]


def test_send_me_my_link_finds_the_registration_by_a_variant(app, client):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, email="anna@bjärred.se")
        url = f"/events/{event.slug}/link"
        response = post_form(client, url, {"email": "anna@xn--bjrred-cua.se"})
        assert response.status_code == 302
        sent = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert sent == ["confirmation", "manage_link"]


def test_changing_the_address_to_a_variant_of_another_registration_is_refused(app, client):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, email="dup@example.se")
        path = f"/manage/{manage_token(sign_up(event, 2))}"
        response = post_form(client, f"{path}/details", {
            "name": "Deltagare 2", "email": "dup@ｅxample.se", "organisation": "Malå kommun"},
            page=path)
        db.session.expire_all()
        assert [r.email for r in registrations()] == ["dup@example.se", "deltagare2@example.org"]
    assert response.status_code == 409
    assert "redan anmäld" in text_of(response)


def test_a_walk_in_with_a_variant_of_a_registered_address_is_already_registered(app, ctx):
    from eventapp.domain.errors import AlreadyRegistered
    from eventapp.services import attendance

    event = make_event()
    sign_up(event, 1, email="dup@example.se")
    lead = make_user(email="lead@example.org", organiser=False, lead=True)
    with pytest.raises(AlreadyRegistered):
        attendance.add_walk_in(event.blocks[0].sessions[1].id, "Dörr Person", "dup@ｅxample.se",
                               "Malå kommun", lead, utcnow())


def test_staff_sign_in_with_a_variant_of_their_address(app, client):
    with app.app_context():
        make_user(email="organisator@example.org")
    response = post_form(client, "/login", {"email": "organisator@ｅxample.org",
                                            "password": PASSWORD})
    assert response.status_code == 302


def test_an_invitation_to_a_variant_finds_the_existing_account(app, ctx):
    user = make_user(email="lena@bjärred.se", organiser=False, lead=True)
    invited = accounts.invite("lena@xn--bjrred-cua.se", "Lena", utcnow(), organiser=True)
    assert invited.id == user.id
    assert db.session.scalar(select(func.count()).select_from(type(user))) == 1


def test_variants_of_one_address_share_its_rate_limit(make_app, inbox):
    app = make_app(RATELIMIT_PER_EMAIL="2 per minute")
    client = app.test_client()
    with app.app_context():
        event = make_event()
        sign_up(event, 1, email="dup@example.se")
        url = f"/events/{event.slug}/link"
    codes = [client.post(url, data={"csrf_token": csrf_token(client, url), "email": address}
                         ).status_code
             for address in ("dup@example.se", "dup@ｅxample.se", "DUP@ＥXAMPLE.SE")]
    assert codes == [302, 302, 302]  # the same answer; the third is not sent
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(
            OutboxMessage.kind == "manage_link")) == 2


def kept_beside(event, older, email, name):
    """A registration as the key migration leaves a newer one sharing an address: kept, with
    a key that cannot collide."""
    registration = sign_up(event, 99, email="tillfallig@example.org", name=name)
    registration.email = email
    registration.email_key = duplicate_key(registration.id, older.email_key)
    db.session.commit()
    return registration


def test_the_dashboard_lists_registrations_that_share_an_address_as_possible_duplicates(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event()
        older = sign_up(event, 1, email="dup@example.se", name="Dag Uppsson")
        newer = kept_beside(event, older, "dup@ｅxample.se", "Dag Upsson")
        partner = sign_up(event, 3, email="ensam@example.se")
        kept_beside(event, partner, "ensam@example.se", "Ensam Kvar")
        booking.cancel(partner.id, utcnow(), notify=False)  # one left: no pair any more
        base = f"/organiser/events/{event.id}"
        ids = (older.id, newer.id)
    login(client, "organisator@example.org")
    response = client.get(base)
    html = response.get_data(as_text=True)
    section = text_of(html.split('id="duplicates-title"')[1].split("</table>")[0])
    assert "Möjliga dubbletter" in text_of(response)
    assert "Dag Uppsson dup@example.se" in section and "Dag Upsson dup@ｅxample.se" in section
    assert "Ensam Kvar" not in section
    for registration_id in ids:
        assert f'href="{base}/registrations/{registration_id}"' in html


def test_a_possible_duplicate_can_still_correct_its_details(app, client):
    with app.app_context():
        event = make_event()
        older = sign_up(event, 1, email="dup@example.se")
        newer = kept_beside(event, older, "dup@ｅxample.se", "Dag Upsson")
        path = f"/manage/{manage_token(newer)}"
        response = post_form(client, f"{path}/details", {
            "name": "Dag Uppsson", "email": "dup@ｅxample.se", "organisation": "Malå kommun"},
            page=path)
        assert response.status_code == 302
        db.session.expire_all()
        stored = db.session.get(Registration, newer.id)
        assert (stored.name, stored.email, stored.email_key) == (
            "Dag Uppsson", "dup@example.se", duplicate_key(newer.id, "dup@example.se"))


def test_mail_to_an_address_kept_with_a_unicode_domain_still_arrives(app, client, inbox):
    with app.app_context():
        event = make_event()
        url = f"/events/{event.slug}/signup"
        client.post(url, data=signup_data(client, event, email="anna@xn--bjrred-cua.se"))
        assert deliver_due()["sent"] == 1
    assert [m["To"] for m in inbox.messages] == ["anna@xn--bjrred-cua.se"]
