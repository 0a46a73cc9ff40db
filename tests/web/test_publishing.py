"""Publishing: a preview of the draft's public pages, a page that says what goes live, and
the way back to draft while nobody has signed up."""
import re

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import ActivityEntry, Event
from tests.factories import make_event, make_user, sign_up
from tests.helpers import login, post_form, text_of


def organiser_and(app, **event):
    """A signed-in organiser's client and an event made with `event`."""
    client = app.test_client()
    with app.app_context():
        make_user()
        made = make_event(**event)
        ids = {"id": made.id, "slug": made.slug, "title": made.title,
               "first": made.blocks[0].sessions[0].title if made.blocks else None}
    login(client, "organisator@example.org")
    return client, ids


def status_of(app, event_id):
    with app.app_context():
        return db.session.get(Event, event_id).status


def test_the_preview_shows_the_drafts_event_page_as_the_public_will_see_it(app):
    client, event = organiser_and(app, status="draft")
    response = client.get(f"/organiser/events/{event['id']}/preview")
    assert response.status_code == 200
    page = text_of(response)
    assert "Förhandsgranskning – inte publicerad" in page
    assert event["title"] in page and event["first"] in page and "Anmäl dig" in page
    html = response.get_data(as_text=True)
    assert f'href="/organiser/events/{event["id"]}/preview/signup"' in html
    # The public still sees nothing of it.
    assert app.test_client().get(f"/events/{event['slug']}").status_code == 404


def test_the_sign_up_preview_shows_the_form_and_it_cannot_be_sent(app):
    client, event = organiser_and(app, status="draft")
    response = client.get(f"/organiser/events/{event['id']}/preview/signup")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Förhandsgranskning – inte publicerad" in text_of(response)
    assert re.search(r'<fieldset disabled class="preview-form">.*name="email".*'
                     r'name="consent".*</fieldset>\s*</form>', html, re.S)
    assert event["first"] in text_of(response)


def test_a_published_events_preview_is_its_public_page(app):
    client, event = organiser_and(app)
    response = client.get(f"/organiser/events/{event['id']}/preview")
    assert response.status_code == 302 and response.location == f"/events/{event['slug']}"


def test_the_publish_page_lists_what_goes_live_and_what_is_missing(app):
    client, event = organiser_and(app, status="draft")
    with app.app_context():
        draft = db.session.get(Event, event["id"])
        draft.contact_email = ""
        draft.blocks[0].sessions[1].leads = []
        db.session.commit()
    page = text_of(client.get(f"/organiser/events/{event['id']}/publish"))
    assert "Kontrollera innan du publicerar" in page
    assert "Dialogmötet Session 1.2 har ingen mötesledare." in page
    assert "Det finns ingen e-postadress för kontakt." in page
    what_goes_live = page.split("Det här publiceras", 1)[1]
    for text in (event["title"], "Stadshuset, Lycksele", "Session 1.1", "Ledare 1.1",
                 "Anmälan öppnar Så fort du publicerar", "Anmälan stänger När evenemanget börjar",
                 "Text om personuppgifter Version 1, standardtexten", "Ingen mötesledare"):
        assert text in what_goes_live, text


def test_publishing_from_the_publish_page_opens_sign_up(app):
    client, event = organiser_and(app, status="draft")
    page = f"/organiser/events/{event['id']}/publish"
    response = post_form(client, f"/organiser/events/{event['id']}/status/publish", {}, page=page)
    assert response.status_code == 302
    assert status_of(app, event["id"]) == "published"
    assert "Evenemanget är publicerat" in text_of(client.get(response.location))
    assert app.test_client().get(f"/events/{event['slug']}").status_code == 200


def test_back_to_draft_while_nobody_has_signed_up_hides_the_public_page(app):
    client, event = organiser_and(app)
    overview = f"/organiser/events/{event['id']}"
    assert "Tillbaka till utkast" in text_of(client.get(overview))
    response = post_form(client, f"{overview}/status/unpublish", {}, page=overview)
    assert "Evenemanget är ett utkast igen" in text_of(client.get(response.location))
    assert status_of(app, event["id"]) == "draft"
    assert app.test_client().get(f"/events/{event['slug']}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(ActivityEntry.action).where(
            ActivityEntry.event_id == event["id"])) == "event.unpublish"
    assert "Tillbaka till utkast" in text_of(client.get(f"{overview}/activity"))


def test_back_to_draft_is_refused_once_someone_has_signed_up(app):
    client, event = organiser_and(app)
    with app.app_context():
        sign_up(db.session.get(Event, event["id"]), 1)
    overview = f"/organiser/events/{event['id']}"
    page = text_of(client.get(overview))
    assert "Det finns anmälningar, så evenemanget kan inte längre bli ett utkast igen." in page
    response = post_form(client, f"{overview}/status/unpublish", {}, page=overview)
    assert ("Det finns anmälningar (1), så evenemanget kan inte bli ett utkast igen."
            in text_of(client.get(response.location)))
    assert status_of(app, event["id"]) == "published"


def test_a_draft_is_offered_deletion_not_cancellation(app):
    client, event = organiser_and(app, status="draft")
    overview = f"/organiser/events/{event['id']}"
    page = text_of(client.get(overview))
    assert "Ta bort utkastet" in page and "Ställ in evenemanget" not in page
    response = post_form(client, f"{overview}/status/cancel", {}, page=overview)
    assert "Det går inte att ändra status" in text_of(client.get(response.location))
    assert status_of(app, event["id"]) == "draft"
