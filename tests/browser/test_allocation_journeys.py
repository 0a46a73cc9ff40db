"""Ranked preferences in a real browser (issue 14): a participant ranks the dialogue sessions
on a phone in Swedish, meets the duplicate error, changes the ranking through the manage
link; an organiser on an English desktop allocates, sees "computing…", the preview beside
the lottery, and publishes. Every page passes the checks in checks.py (axe among them)."""
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from eventapp.extensions import db
from eventapp.models import ParallelBlock
from eventapp.services import allocation, booking
from eventapp.util.time import utcnow
from tests.factories import PASSWORD, details, make_event, make_user
from tests.helpers import manage_link, parts

from .checks import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def a_preference_event(live, ranked=0):
    def create():
        from datetime import timedelta

        event = make_event(capacities=(1, 2, 2))
        block = event.blocks[0]
        block.allocation_mode = ParallelBlock.PREFERENCES
        block.ranking_deadline = utcnow() + timedelta(days=5)
        block.mix_limit = 2
        db.session.commit()
        ids = [s.id for s in block.sessions]
        for n in range(ranked):
            booking.register(event.id, details(200 + n), {}, "sv", utcnow(),
                             rankings={block.id: ids})
        return SimpleNamespace(id=event.id, slug=event.slug, title=event.title,
                               block_id=block.id, sessions=[s.title for s in block.sessions])

    return live.run(create)


def test_a_participant_ranks_on_a_phone_and_changes_the_ranking_by_the_manage_link(
        live, inbox, open_page):
    event = a_preference_event(live)
    checker = open_page(PHONE, "sv")
    checker.event_name = event.title
    page = checker.page
    checker.goto(f"/events/{event.slug}/signup")
    checker.see("signup-ranking")

    page.get_by_label("Namn", exact=True).fill("Dagny Dahl")
    page.get_by_label("E-post", exact=True).fill("dagny.dahl@example.org")
    page.get_by_label("Organisation", exact=True).fill("Malå kommun")
    page.get_by_label("Önskemål 1", exact=True).select_option(label=event.sessions[0])
    page.get_by_label("Önskemål 2", exact=True).select_option(label=event.sessions[0])
    page.get_by_label("Jag har läst hur mina personuppgifter hanteras och godkänner det.").check()
    page.get_by_role("button", name="Anmäl dig").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Önskemål nummer 2 är ett dialogmöte som du redan har valt")
    expect(page.get_by_label("Namn", exact=True)).to_have_value("Dagny Dahl")  # nothing lost
    checker.see("signup-ranking-error", kind="signup-ranking-error")

    page.get_by_label("Önskemål 2", exact=True).select_option(label=event.sessions[1])
    page.get_by_label("Jag har läst hur mina personuppgifter hanteras och godkänner det.").check()
    page.get_by_role("button", name="Anmäl dig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack, Dagny Dahl – du är anmäld")
    expect(page.locator(".choices")).to_contain_text("Väntar på fördelning")
    checker.see("thanks-awaiting")

    live.deliver_mail()
    [confirmation] = inbox.to("dagny.dahl@example.org")
    plain = " ".join(parts(confirmation)[0].split())
    assert "Vi har tagit emot dina önskemål" in plain
    link = urlsplit(manage_link(parts(confirmation)[0]))
    checker.goto(link.path)
    expect(page.get_by_role("heading", name=f"Dina önskemål för Dialogmöten 1")).to_be_visible()
    checker.see("manage-ranking")
    page.get_by_label("Önskemål 1", exact=True).select_option(label=event.sessions[2])
    page.get_by_label("Önskemål 2", exact=True).select_option(label=event.sessions[0])
    page.get_by_role("button", name="Spara mina önskemål").click()
    expect(page.locator(".ranking-current").first).to_contain_text(event.sessions[2])
    expect(page.get_by_text("Dina önskemål är sparade.")).to_be_visible()
    checker.see("manage-ranking-saved", kind="manage-ranking")


def test_an_organiser_allocates_previews_and_publishes_on_a_desktop_in_english(
        live, inbox, open_page):
    event = a_preference_event(live, ranked=4)
    live.run(make_user)
    checker = open_page(DESKTOP, "en")
    page = checker.page
    checker.goto("/lang/en?next=/login")
    page.get_by_label("Email", exact=True).fill("organisator@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    checker.goto(f"/organiser/events/{event.id}/programme")
    page.get_by_role("link", name="Wishes and allocation").click()
    expect(page.get_by_text("4 people have given wishes.")).to_be_visible()
    checker.see("allocation", kind="allocation")

    page.get_by_role("button", name="Allocate places").click()
    expect(page.get_by_role("status").filter(has_text="Computing")).to_be_visible()
    checker.see("allocation-computing", kind="allocation")

    live.run(allocation.allocate_due, utcnow())  # what the mail worker does
    page.get_by_role("link", name="Reload the page").click()
    expect(page.get_by_role("heading", name="Proposed allocation")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Plain lottery")
    checker.see("allocation-preview", kind="allocation")

    page.get_by_role("button", name="Publish: give the places and email everyone").click()
    expect(page.get_by_text("Published: 4 people have their place")).to_be_visible()
    checker.see("allocation-published", kind="allocation")
    live.deliver_mail()
    seated = [m for m in inbox.messages if m["Subject"].startswith("Du har fått en plats")]
    assert len(seated) == 4  # plus the four sign-up confirmations from before
