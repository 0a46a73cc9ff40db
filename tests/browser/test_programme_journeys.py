"""The organiser builds a programme in a real browser: two passes with "save and add another",
new leads by name and email and known ones by name (found as they type), nothing typed lost;
then a session is duplicated, double-booked on purpose, kept, and moved up with the keyboard.
Every page on the way passes the checks in checks.py, in both languages on both databases
(crossed as in test_staff_journeys.py).
"""
import re
from types import SimpleNamespace

from playwright.sync_api import expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import DialogueSession, Event
from tests.factories import make_event, make_user

from .checks import DESKTOP
from .test_staff_journeys import (
    EVENT,
    SQLITE_EN_POSTGRESQL_SV,
    SQLITE_SV_POSTGRESQL_EN,
    STAFF,
    add_block,
    an_organiser_with_a_new_event,
    heading,
    log_in,
    see,
)

TEXT = {
    "sv": SimpleNamespace(
        save_and_add="Spara och lägg till ett dialogmöte till i samma pass",
        block="Pass: {block}", description="Beskrivning",
        lead_name="Namn på mötesledare {n}", lead_email="E-post till mötesledare {n}",
        invited="{name} får en inbjudan i ett mejl.", saved="Sparat.",
        remove="Ta bort {name}",
        duplicate="Kopiera dialogmötet", copied="Kopian är klar.", copy="{title} (kopia)",
        standing="Lokalen {room} används redan av ”{other}” i samma pass.",
        check="Kontrollera innan du sparar", save_anyway="Spara ändå",
        room_clash="Lokalen {room} används redan av ”{other}” i samma pass.",
        move_up="Flytta upp – {title}", move_down="Flytta ned – {title}",
        moved="Flyttat: ”{title}” är nu nummer {n} i passet.",
    ),
    "en": SimpleNamespace(
        save_and_add="Save and add another session to this block",
        block="Block: {block}", description="Description",
        lead_name="Name of lead {n}", lead_email="Email of lead {n}",
        invited="{name} gets an invitation by email.", saved="Saved.",
        remove="Remove {name}",
        duplicate="Duplicate the session", copied="A copy is made.", copy="{title} (kopia)",
        standing="The room {room} is already used by “{other}” in the same block.",
        check="Check before saving", save_anyway="Save anyway",
        room_clash="The room {room} is already used by “{other}” in the same block.",
        move_up="Move up – {title}", move_down="Move down – {title}",
        moved="Moved: “{title}” is number {n} in its block now.",
    ),
}

# The example: two passes, five sessions, three new leads. The last two sessions are
# led by people the organiser added earlier, found by name (no email typed).
MARIA = ("Maria Sundberg", "maria.sundberg@example.org")
PER = ("Per Wikström", "per.wikstrom@example.org")
KARIN = ("Karin Öberg", "karin.oberg@example.org")
PASSES = [
    SimpleNamespace(title="Förmiddagens dialogmöten", starts="10:00", ends="11:00", sessions=[
        SimpleNamespace(title="Öppna data", room="Sal A", capacity=20, lead=MARIA, known=False,
                        description="Hur kommunerna delar data med varandra."),
        SimpleNamespace(title="Informationssäkerhet", room="Sal B", capacity=15, lead=PER,
                        known=False, description="Risker, rutiner och incidenter."),
        SimpleNamespace(title="Välfärdsteknik", room="Sal C", capacity=25, lead=KARIN,
                        known=False, description="Trygghetslarm och digital tillsyn."),
    ]),
    SimpleNamespace(title="Eftermiddagens dialogmöten", starts="13:00", ends="14:00", sessions=[
        SimpleNamespace(title="Öppna data i praktiken", room="Sal A", capacity=20, lead=MARIA,
                        known=True, description="Exempel från tre kommuner."),
        SimpleNamespace(title="Säker e-post", room="Sal B", capacity=15, lead=PER, known=True,
                        description="Vad som får skickas, och hur."),
    ]),
]
# Page loads (and document requests: a saved form is a POST and the page it redirects to)
# from the programme page to the finished programme. With the old session page (save, then
# a second form to invite the lead, then back to the programme) the same programme took 20
# page loads and 30 document requests.
PAGE_LOADS, DOCUMENT_REQUESTS = 11, 18


def fill_session(checker, t, p, session):
    """Title and description first, then the lead: one form, so nothing typed is lost."""
    page = checker.page
    page.get_by_label(t.title, exact=True).fill(session.title)
    page.get_by_label(p.description, exact=True).fill(session.description)
    page.get_by_label(t.room, exact=True).fill(session.room)
    page.get_by_label(t.capacity, exact=True).fill(str(session.capacity))
    name, email = session.lead
    name_field = page.get_by_label(p.lead_name.format(n=1), exact=True)
    email_field = page.get_by_label(p.lead_email.format(n=1), exact=True)
    if not session.known:
        name_field.fill(name)
        email_field.fill(email)
    elif session.room == "Sal A":
        # Found while typing: the suggestion fills in the address of the lead picked.
        name_field.press_sequentially(name[:3])
        expect(page.locator(f'#known-leads option[value="{name}"]')).to_have_count(1)
        name_field.fill(name)
        expect(email_field).to_have_value(email)
    else:
        name_field.fill(name)  # the name alone is enough for a lead the organiser has


def add_pass(checker, t, p, day, block, expected_start):
    """A new pass, whose form starts where the programme ends; then its first session's form."""
    add_block(checker, t, day, block, prefilled_start=expected_start)
    meta = checker.page.locator("main .meta").first
    expect(meta).to_contain_text(p.block.format(block=block.title))


def add_sessions(checker, t, p, block):
    """Each but the last with "save and add another"; the last with Save, then the programme."""
    page = checker.page
    for index, session in enumerate(block.sessions):
        last = index == len(block.sessions) - 1
        see(checker, "new-session")
        fill_session(checker, t, p, session)
        page.get_by_role("button", name=t.save if last else p.save_and_add, exact=True).click()
        flash = page.locator(".flash")
        expect(flash).to_contain_text(p.saved)
        if not session.known:
            expect(flash).to_contain_text(p.invited.format(name=session.lead[0]))
        if not last:
            expect(heading(page)).to_have_text(t.new_session)
    last = block.sessions[-1]
    expect(heading(page)).to_have_text(last.title)
    expect(page.get_by_label(p.description, exact=True)).to_have_value(last.description)
    lead = "{} ({})".format(*last.lead)
    expect(page.get_by_role("checkbox", name=p.remove.format(name=lead))).not_to_be_checked()
    see(checker, "session", kind=f"session {last.title}")
    page.get_by_role("link", name=t.programme, exact=True).click()
    expect(heading(page)).to_contain_text(EVENT.title)


def stored_sessions():
    rows = db.session.scalars(select(DialogueSession).order_by(DialogueSession.id)).all()
    return [(s.title, s.description, s.room, [lead.name for lead in s.leads]) for s in rows]


@SQLITE_SV_POSTGRESQL_EN
def test_organiser_builds_two_passes_with_save_and_add_another_and_leads_by_name(
    live, inbox, open_page, lang
):
    t, p = STAFF[lang], TEXT[lang]
    checker, day = an_organiser_with_a_new_event(live, open_page, lang)
    page = checker.page
    loads, requests = [], []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.on("request", lambda r: requests.append(r.url) if r.resource_type == "document" else None)
    add_pass(checker, t, p, day, PASSES[0], expected_start="09:00")  # the event's start
    add_sessions(checker, t, p, PASSES[0])
    add_pass(checker, t, p, day, PASSES[1], expected_start=PASSES[0].ends)
    add_sessions(checker, t, p, PASSES[1])
    assert (len(loads), len(requests)) == (PAGE_LOADS, DOCUMENT_REQUESTS), (loads, requests)

    for block in PASSES:
        for session in block.sessions:
            card = page.locator(".card", has=page.get_by_role("link", name=session.title, exact=True))
            for text in (session.room, session.lead[0], f" {session.capacity} "):
                expect(card).to_contain_text(text)
    see(checker, "programme")
    assert live.run(stored_sessions) == [
        (s.title, s.description, s.room, [s.lead[0]]) for block in PASSES for s in block.sessions]
    live.deliver_mail()
    for lead in (MARIA, PER, KARIN):  # three new people, one invitation each
        assert len(inbox.to(lead[1])) == 1, lead


# --- duplicate, double-book, keep, reorder ----------------------------------------------------


def an_event_with_two_sessions():
    make_user()
    event = make_event(capacities=(10, 12), status=Event.DRAFT)
    return SimpleNamespace(id=event.id, slug=event.slug, title=event.title)


@SQLITE_EN_POSTGRESQL_SV
def test_organiser_duplicates_double_books_and_moves_a_session_with_the_keyboard(
    live, open_page, lang
):
    t, p = STAFF[lang], TEXT[lang]
    event = live.run(an_event_with_two_sessions)
    checker = open_page(DESKTOP, lang)
    checker.event_name = event.title
    page = checker.page
    log_in(checker, t, lang)
    checker.goto(f"/organiser/events/{event.id}/programme")
    page.get_by_role("link", name="Session 1.1", exact=True).click()
    expect(heading(page)).to_have_text("Session 1.1")

    # Typed but not saved: leaving by a link asks first, and staying keeps the text.
    description = page.get_by_label(p.description, exact=True)
    description.fill("Ny text som inte är sparad.")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name=t.programme, exact=True).click()
    expect(heading(page)).to_have_text("Session 1.1")
    assert asked == ["beforeunload"]
    expect(description).to_have_value("Ny text som inte är sparad.")
    page.get_by_role("button", name=t.save, exact=True).click()  # saving asks nothing
    expect(page.locator(".flash")).to_have_text(p.saved)

    page.get_by_role("button", name=p.duplicate, exact=True).click()
    copy = p.copy.format(title="Session 1.1")
    expect(heading(page)).to_have_text(copy)
    expect(page.locator(".flash")).to_contain_text(p.copied)
    expect(page.get_by_label(p.description, exact=True)).to_have_value("Ny text som inte är sparad.")
    expect(page.locator(".notice-warning")).to_contain_text(
        p.standing.format(room="Sal A", other="Session 1.1"))
    see(checker, "copy", kind="session copy")

    # A room already used in the same block is asked about, and kept on "Save anyway".
    page.get_by_label(t.title, exact=True).fill("Öppna data för skolan")
    page.get_by_label(t.room, exact=True).fill("Sal B")
    page.get_by_role("button", name=t.save, exact=True).click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text(p.check)
    expect(warning).to_contain_text(p.room_clash.format(room="Sal B", other="Session 1.2"))
    assert checker.has_focus(warning)
    expect(page.get_by_label(t.title, exact=True)).to_have_value("Öppna data för skolan")
    see(checker, "double-booking", walk=False)
    page.get_by_role("button", name=p.save_anyway).click()
    expect(heading(page)).to_have_text("Öppna data för skolan")
    expect(page.locator(".flash")).to_have_text(p.saved)

    # Up one place, by keyboard: the programme comes back at the session that moved.
    page.get_by_role("link", name=t.programme, exact=True).click()
    titles = page.locator(".sessions .card h3")
    expect(titles).to_have_text(["Session 1.1", "Öppna data för skolan", "Session 1.2"])
    expect(page.get_by_role("button", name=p.move_up.format(title="Session 1.1"))).to_have_count(0)
    expect(page.get_by_role("button", name=p.move_down.format(title="Session 1.2"))).to_have_count(0)
    move_up = page.get_by_role("button", name=p.move_up.format(title="Öppna data för skolan"))
    checker.tab_to(move_up)
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_have_text(p.moved.format(title="Öppna data för skolan", n=1))
    expect(titles).to_have_text(["Öppna data för skolan", "Session 1.1", "Session 1.2"])
    assert re.search(r"/programme#session-\d+$", page.url)
    see(checker, "programme-moved", kind="programme")
