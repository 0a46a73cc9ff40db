"""The demo event (`flask load-demo`), as a visitor sees it on a desktop: real titles, four
sessions, one full with a waiting list. Its pages pass the same checks as the journeys.

With UPDATE_README_SCREENSHOTS=1 this also rewrites the README's screenshots in
docs/screenshots/ (1280 px wide, Swedish, the visible part of the page only).
"""
import os
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from eventapp.demo import load_demo
from eventapp.extensions import db
from eventapp.util.time import utcnow

from .checks import DESKTOP, REPO

pytestmark = pytest.mark.browser

README_SCREENSHOTS = REPO / "docs" / "screenshots"


def the_demo_event():
    event, _created = load_demo()
    # The demo closes sign-up a week before the day; in that week, keep it open for the test.
    if event.signup_closes_at and event.signup_closes_at <= utcnow():
        event.signup_closes_at = event.starts_at
        db.session.commit()
    full = event.blocks[0].sessions[1]
    return SimpleNamespace(slug=event.slug, title=event.title, full_session=full.title)


def test_demo_event_page_and_sign_up_form(live, open_page):
    event = live.run(the_demo_event)
    checker = open_page(DESKTOP, "sv")
    checker.event_name = event.title
    page = checker.page
    update = os.environ.get("UPDATE_README_SCREENSHOTS") == "1"
    if update:
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    checker.goto(f"/events/{event.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(page.locator(".session", has_text=event.full_session)).to_contain_text("Fullt – väntelista")
    if update:
        page.screenshot(path=str(README_SCREENSHOTS / "event-page.png"))
    checker.see("event")

    checker.goto(f"/events/{event.slug}/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmäl dig")
    checker.see("signup-empty")

    page.get_by_label("Namn", exact=True).fill("Karin Öberg")
    page.get_by_label("E-post", exact=True).fill("karin.oberg@example.org")
    page.get_by_label("Organisation", exact=True).fill("Lycksele kommun")
    page.get_by_label("Befattning", exact=True).fill("Digitaliseringssamordnare")
    page.get_by_role("radio").first.check()
    if update:
        # The part a newcomer wants to see: the details and the choice of session.
        page.get_by_role("heading", name="Om dig").evaluate("el => el.scrollIntoView()")
        page.screenshot(path=str(README_SCREENSHOTS / "signup-form.png"))
