"""Staff accounts: invitations, sign-in, password reset, rate limits, demo sign-in links."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import AccountToken, User
from eventapp.util.time import utcnow
from tests.factories import PASSWORD, make_event, make_user
from tests.helpers import login, parts, post_form, text_of

NEW_PASSWORD = "fjallbjork-och-lingon"


def link_in(message):
    return urlsplit(re.search(r"https?://\S+/password/set/\S+", parts(message)[0]).group(0)).path


def test_an_invited_lead_chooses_a_password_and_sees_only_their_session(app, inbox):
    organiser = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5, 5))
        block = event.blocks[0]
        session_url = f"/organiser/events/{event.id}/blocks/{block.id}/sessions/{block.sessions[1].id}"
        mine, other = block.sessions[1].id, block.sessions[0].id
    login(organiser, "organisator@example.org")
    response = post_form(organiser, session_url, {
        "title": "Session 1.2", "capacity": "5", "waitlist_enabled": "y",
        "lead_name_1": "Kaj Beckman", "lead_email_1": "kaj@example.org"})
    assert response.status_code == 302
    with app.app_context():
        deliver_due()
    [invitation] = inbox.to("kaj@example.org")
    path = link_in(invitation)
    with app.app_context():
        # Only a hash of the token is stored, nothing that could be mailed again.
        assert path.rsplit("/", 1)[1] not in {t.token_hash for t in db.session.scalars(select(AccountToken))}

    lead = app.test_client()
    assert "Välkommen, Kaj Beckman" in text_of(lead.get(path))
    response = post_form(lead, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/lead/")
    page = text_of(lead.get("/lead/"))
    assert "Session 1.2" in page and "Session 1.1" not in page
    assert lead.get(f"/lead/sessions/{other}").status_code == 403
    assert lead.get(f"/lead/sessions/{mine}").status_code == 200
    # Single use: the same link does not work twice.
    assert app.test_client().get(path).status_code == 404

    fresh = app.test_client()
    login(fresh, "kaj@example.org", NEW_PASSWORD)


def test_a_lead_removed_from_a_session_loses_access_at_once(app):
    lead = app.test_client()
    with app.app_context():
        from tests.factories import make_lead_user

        event = make_event()
        session = event.blocks[0].sessions[0]
        make_lead_user(session, "lena@example.org")
        session_id = session.id
    login(lead, "lena@example.org")
    assert lead.get(f"/lead/sessions/{session_id}").status_code == 200
    with app.app_context():
        from eventapp.models import DialogueSession

        db.session.get(DialogueSession, session_id).leads = []
        db.session.commit()
    assert lead.get(f"/lead/sessions/{session_id}").status_code == 403


def test_password_reset_says_the_same_for_unknown_addresses_and_works_once(app, inbox):
    client = app.test_client()
    with app.app_context():
        make_user()
    answers = []
    for address in ("organisator@example.org", "okand@example.org"):
        response = post_form(client, "/password/forgot", {"email": address})
        answers.append(text_of(client.get(response.location)))
    assert answers[0] == answers[1]
    with app.app_context():
        assert deliver_due()["sent"] == 1
    path = link_in(inbox.to("organisator@example.org")[0])
    signed_in_elsewhere = app.test_client()
    login(signed_in_elsewhere, "organisator@example.org")
    response = post_form(client, path, {"password": "kort", "confirm": "kort"})
    assert response.status_code == 400
    response = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    # The new password works, the old does not, and other browsers were signed out.
    login(app.test_client(), "organisator@example.org", NEW_PASSWORD)
    assert signed_in_elsewhere.get("/organiser/").status_code == 302
    assert client.get(path).status_code == 404


def test_expired_reset_links_do_not_work(app):
    from eventapp.services.accounts import issue_token

    with app.app_context():
        user = make_user()
        raw = issue_token(user, "reset", utcnow() - timedelta(hours=3), 2)
        db.session.commit()
    assert app.test_client().get(f"/password/set/{raw}").status_code == 404


def test_a_wrong_password_and_an_unknown_address_read_the_same(app):
    with app.app_context():
        make_user()
    texts = []
    for email, password in (("organisator@example.org", "fel-losenord-123"),
                            ("okand@example.org", "fel-losenord-123")):
        client = app.test_client()
        response = post_form(client, "/login", {"email": email, "password": password})
        assert response.status_code == 400
        texts.append(text_of(response).replace(email, ""))
    assert texts[0] == texts[1]
    assert "fel" in texts[0].lower()


def test_login_attempts_are_limited_per_address_with_a_clear_message(make_app, inbox):
    app = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="3 per minute")
    client = app.test_client()
    with app.app_context():
        make_user()
    codes = [post_form(client, "/login", {"email": "organisator@example.org",
                                          "password": "fel-losenord-123"}).status_code
             for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    response = post_form(client, "/login", {"email": "ORGANISATOR@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "För många försök" in text_of(response)
    # Another address from the same network is not blocked.
    with app.app_context():
        make_user(email="annan@example.org")
    assert post_form(client, "/login", {"email": "annan@example.org", "password": PASSWORD}).status_code == 302


def test_create_user_reads_the_password_from_stdin_never_an_argument(app):

    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "ny@example.org", "--name", "Ny Organisatör"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_key == "ny@example.org"))
        assert user.is_organiser and user.check_password(NEW_PASSWORD)
        assert user.password_hash.startswith("scrypt:")
    weak = app.test_cli_runner().invoke(
        args=["create-user", "--email", "svag@example.org", "--name", "Svag"], input="kort\nkort\n")
    assert weak.exit_code != 0 and "too weak" in weak.output


def test_demo_logins_print_single_use_links_for_every_demo_account(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    result = runner.invoke(args=["demo-logins"])
    assert result.exit_code == 0, result.output
    links = re.findall(r"(/login/token/\S+)", result.output)
    # The organiser, the five real leads, and the four of the AI kickoff (wishes).
    assert len(links) == 10
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id)).where(User.is_demo)) == 10
        assert db.session.scalar(select(db.func.count(AccountToken.id))) == 10
    kaj = next(line for line in result.output.splitlines() if line.startswith("Kaj Beckman"))
    path = re.search(r"(/login/token/\S+)", kaj).group(1)
    client = app.test_client()
    assert client.get(path).location.endswith("/lead/")
    page = text_of(client.get("/lead/"))
    assert "E-arkivhantering" in page and "Digital kompetens" not in page
    assert app.test_client().get(path).status_code == 404
    secret = re.search(r"API token .*: (eva_\S+)", result.output).group(1)
    events = app.test_client().get("/api/v1/events").json["items"]
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/events/{events[0]['id']}/registrations"
    assert app.test_client().get(url, headers=headers).status_code == 200
    refused = app.test_client().post(url, headers=headers, json={})
    assert refused.status_code == 403  # read only


def test_demo_logins_are_refused_in_production_config(make_app):
    app = make_app(DEMO_DATA_ALLOWED=False)
    result = app.test_cli_runner().invoke(args=["demo-logins"])
    assert result.exit_code != 0
    assert app.test_client().get("/login/token/" + "x" * 43).status_code == 404
