"""The staff's journeys in a real browser: an organiser builds, publishes and runs an event on
a desktop; a session lead of the demo event works through their session on a phone, with the
keyboard. Every page on the way passes the checks in checks.py (screenshots under
test-artifacts/screenshots/<test name>/).

Each journey runs once per backend, in Swedish on one and in English on the other: both
languages and both databases at the price of two runs instead of four. The pairs are crossed
(the organiser is Swedish on SQLite, the lead English on SQLite), so a run without
PostgreSQL still sees both languages.
"""
import csv
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import DialogueSession, SessionChoice, User
from eventapp.util.time import utc_to_local, utcnow
from tests.factories import PASSWORD, make_user
from tests.helpers import parts, xlsx_sheet

from .checks import DESKTOP, PHONE
from .test_journeys import TEXT as PARTICIPANT, Person, fill_in_about_you, session_radio

pytestmark = pytest.mark.browser

# `backend` given here overrides the params of the conftest fixture of that name.
SQLITE_SV_POSTGRESQL_EN = pytest.mark.parametrize(
    "backend, lang", [("sqlite", "sv"), ("postgresql", "en")])
SQLITE_EN_POSTGRESQL_SV = pytest.mark.parametrize(
    "backend, lang", [("sqlite", "en"), ("postgresql", "sv")])

STAFF = {
    "sv": SimpleNamespace(
        in_english=None,
        log_in="Logga in", email="E-post", password="Lösenord", events="Evenemang",
        new_event="Nytt evenemang", title="Titel", content_language="Språk i evenemangets texter",
        summary="Kort sammanfattning", description="Beskrivning", venue="Plats",
        starts="Börjar", ends="Slutar", save="Spara", created="Evenemanget har skapats som utkast",
        programme="Program", add_block="Lägg till ett parallellt pass",
        new_block="Nytt parallellt pass", add_session="Lägg till ett dialogmöte",
        new_session="Nytt dialogmöte", room="Lokal", capacity="Antal platser",
        name="Namn", lead_name="Namn på mötesledare 1", lead_email="E-post till mötesledare 1",
        overview="Översikt", review_and_publish="Granska och publicera", publish="Publicera",
        published="Evenemanget är publicerat",
        cancel_event="Ställ in evenemanget",
        cancel_question="Vill du ställa in evenemanget? Alla anmälda får besked via e-post. "
                        "Det går inte att ångra.",
        public_page="Publik sida", registered="{n} anmälda", registrations="Anmälningar",
        search_label="Sök på namn, e-post eller organisation", search="Sök",
        change_session="Byt dialogmöte", moved="Flyttad. Personen får besked via e-post.",
        reminders="Påminnelser", new_reminder="Ny påminnelse", subject="Ämne",
        message="Meddelande", send_at="Skicka", preview="Förhandsgranska", catering="Mat och fika",
        english_text="Engelsk text för deltagare som anmälde sig på engelska",
        subject_en="Ämne på engelska", message_en="Meddelande på engelska",
        catering_heading="Sammanställning för mat och kost", activity="Aktivitetslogg",
        settings="Inställningar", back="Tillbaka", edit_heading="Ändra {event}",
        copy="Kopiera till ett nytt evenemang", copy_heading="Kopiera {event}",
        my_sessions="Mina dialogmöten", attendee_list="Deltagarlista",
        export_csv="Exportera CSV", export_xlsx="Exportera Excel",
        sheet="Närvarolista", print="Skriv ut", pdf="Ladda ner som PDF",
        checkin="Incheckning", arrived="På plats", undo="Ångra", tally="{n} på plats",
        topics="Ämnen för dialogen", email_participants="Mejla deltagarna",
        account="Ditt konto", everywhere="Logga ut överallt",
        everywhere_question="Logga ut överallt?", everywhere_yes="Ja, logga ut överallt",
    ),
    "en": SimpleNamespace(
        in_english="In English",
        log_in="Log in", email="Email", password="Password", events="Events",
        new_event="New event", title="Title", content_language="Language of the event's texts",
        summary="Short summary", description="Description", venue="Venue",
        starts="Starts", ends="Ends", save="Save", created="The event is created as a draft",
        programme="Programme", add_block="Add a parallel block",
        new_block="New parallel block", add_session="Add a session",
        new_session="New session", room="Room", capacity="Capacity (seats)",
        name="Name", lead_name="Name of lead 1", lead_email="Email of lead 1",
        overview="Overview", review_and_publish="Review and publish", publish="Publish",
        published="The event is published",
        cancel_event="Cancel the event",
        cancel_question="Cancel the event? Everyone registered is told by email. "
                        "It cannot be undone.",
        public_page="Public page", registered="{n} registered", registrations="Registrations",
        search_label="Search name, email or organisation", search="Search",
        change_session="Change session", moved="Moved. The person is told by email.",
        reminders="Reminders", new_reminder="New reminder", subject="Subject",
        message="Message", send_at="Send at", preview="Preview", catering="Catering",
        english_text="English text for participants who signed up in English",
        subject_en="Subject in English", message_en="Message in English",
        catering_heading="Catering summary", activity="Activity log",
        settings="Settings", back="Back", edit_heading="Edit {event}",
        copy="Copy to a new event", copy_heading="Copy {event}",
        my_sessions="My sessions", attendee_list="Attendee list",
        export_csv="Export CSV", export_xlsx="Export Excel",
        sheet="Attendance sheet", print="Print", pdf="Download as PDF",
        checkin="Check-in", arrived="Arrived", undo="Undo", tally="{n} arrived",
        topics="Topics for the dialogue", email_participants="Email participants",
        account="Your account", everywhere="Log out everywhere",
        everywhere_question="Log out everywhere?", everywhere_yes="Yes, log out everywhere",
    ),
}

# The event the organiser builds; its texts are Swedish whatever the page's language.
EVENT = SimpleNamespace(
    title="Höstträff för Digitala Västerbotten",
    summary="En dag om digital samverkan mellan länets kommuner.",
    description="Vi börjar med en gemensam genomgång.\n\nSedan väljer du dialogmöten.",
    venue="Folkets hus, Vindeln",
)
# A lead with an email address is a new person, invited when the session is saved; one
# without is found by name among the leads the organiser already has.
BLOCKS = [
    SimpleNamespace(title="Dialogmöten före lunch", starts="10:00", ends="11:00", sessions=[
        SimpleNamespace(title="Öppna data", room="Sal A", capacity=20,
                        lead="Maria Sundberg", invite="maria.sundberg@example.org"),
        SimpleNamespace(title="Informationssäkerhet", room="Sal B", capacity=15,
                        lead="Per Wikström", invite="per.wikstrom@example.org"),
    ]),
    SimpleNamespace(title="Dialogmöten efter lunch", starts="13:00", ends="14:00", sessions=[
        SimpleNamespace(title="Välfärdsteknik", room="Sal C", capacity=25,
                        lead="Maria Sundberg", invite=None),
    ]),
]
PARTICIPANT_NAME, PARTICIPANT_EMAIL = "Anna Andersson", "anna.andersson@example.org"


# Two buttons (or two links) that do different things must not share a name (WCAG 2.4.4, 2.4.6):
# "Delete" three times on one page says nothing about what each deletes.
_SAME_NAME_DIFFERENT_TARGET = """() => {
  const groups = new Map();
  for (const el of document.querySelectorAll('a[href], button, input[type=submit]')) {
    const name = (el.matches('a') ? 'link ' : 'button ') + '"'
      + (el.getAttribute('aria-label') || (el.matches('input') ? el.value : el.textContent))
        .replace(/\\s+/g, ' ').trim() + '"';
    const form = el.form;
    const target = el.matches('a') ? el.href
      : [form && form.method, form && form.action, el.name, el.value].join(' ');
    if (!groups.has(name)) groups.set(name, new Set());
    groups.get(name).add(target);
  }
  return [...groups].filter(([, targets]) => targets.size > 1)
    .map(([name, targets]) => `${name} does ${targets.size} different things`);
}"""


def see(checker, step, **kwargs):
    """checker.see(), and no two controls that do different things share a name."""
    checker.see(step, **kwargs)
    problems = checker.page.evaluate(_SAME_NAME_DIFFERENT_TARGET)
    assert not problems, f"{step} ({checker.page.url}):\n  " + "\n  ".join(problems)


def heading(page):
    return page.get_by_role("heading", level=1)


def assert_current(page, name):
    """The page's own link in the navigation says so (aria-current), and only that one."""
    expect(page.locator("nav [aria-current=page]")).to_have_text(name)


def assert_event_text_language(locator, lang):
    """Organiser-written (Swedish) text says so on an English page, and only there."""
    if lang == "sv":
        expect(locator).not_to_have_attribute("lang", re.compile(".*"))
    else:
        expect(locator).to_have_attribute("lang", "sv")


# --- 1. The organiser -------------------------------------------------------------------


def log_in(checker, t, lang):
    page = checker.page
    checker.goto("/login")
    if t.in_english:
        page.get_by_role("link", name=t.in_english).click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(heading(page)).to_have_text(t.log_in)
    see(checker, "login")
    page.get_by_label(t.email, exact=True).fill("organisator@example.org")
    page.get_by_label(t.password, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t.log_in).click()
    expect(heading(page)).to_have_text(t.events)
    see(checker, "events")


def create_event(checker, t, day):
    page = checker.page
    page.get_by_role("link", name=t.new_event).click()
    expect(heading(page)).to_have_text(t.new_event)
    see(checker, "new-event")
    page.get_by_label(t.title, exact=True).fill(EVENT.title)
    page.get_by_label(t.content_language).select_option("sv")
    page.get_by_label(t.summary).fill(EVENT.summary)
    page.get_by_label(t.description, exact=True).fill(EVENT.description)
    page.get_by_label(t.venue, exact=True).fill(EVENT.venue)
    page.get_by_label(t.starts, exact=True).fill(f"{day}T09:00")
    page.get_by_label(t.ends, exact=True).fill(f"{day}T16:00")
    page.get_by_role("button", name=t.save, exact=True).click()
    expect(page.locator(".flash")).to_contain_text(t.created)
    expect(heading(page)).to_contain_text(EVENT.title)
    see(checker, "programme-empty", kind="programme")


def an_organiser_with_a_new_event(live, open_page, lang):
    """An organiser logs in on a desktop and creates EVENT, 60 days ahead: (checker, day)."""
    live.run(make_user)
    checker = open_page(DESKTOP, lang)
    checker.event_name = EVENT.title
    day = (utc_to_local(utcnow()) + timedelta(days=60)).date().isoformat()
    log_in(checker, STAFF[lang], lang)
    create_event(checker, STAFF[lang], day)
    return checker, day


def add_block(checker, t, day, block, prefilled_start=None):
    page = checker.page
    page.get_by_role("link", name=t.add_block).click()
    expect(heading(page)).to_have_text(t.new_block)
    if prefilled_start:  # a new block starts where the programme ends so far
        expect(page.get_by_label(t.starts, exact=True)).to_have_value(f"{day}T{prefilled_start}")
    see(checker, "new-block")
    page.get_by_label(t.title, exact=True).fill(block.title)
    page.get_by_label(t.starts, exact=True).fill(f"{day}T{block.starts}")
    page.get_by_label(t.ends, exact=True).fill(f"{day}T{block.ends}")
    page.get_by_role("button", name=t.save, exact=True).click()
    # Saving a new block goes straight on to its first session.
    expect(heading(page)).to_have_text(t.new_session)


def add_session(checker, t, session):
    """On the new-session form: title, room, capacity, and a lead by name (and email if new)."""
    page = checker.page
    see(checker, "new-session")
    page.get_by_label(t.title, exact=True).fill(session.title)
    page.get_by_label(t.room, exact=True).fill(session.room)
    page.get_by_label(t.capacity, exact=True).fill(str(session.capacity))
    page.get_by_label(t.lead_name, exact=True).fill(session.lead)
    if session.invite:
        page.get_by_label(t.lead_email, exact=True).fill(session.invite)
    page.get_by_role("button", name=t.save, exact=True).click()
    expect(heading(page)).to_have_text(session.title)
    expect(page.get_by_role("checkbox", name=re.compile(re.escape(session.lead)))).to_be_visible()
    see(checker, "session", kind=f"session {session.title}")
    page.get_by_role("link", name=t.programme, exact=True).click()
    expect(heading(page)).to_contain_text(EVENT.title)


def build_programme(checker, t, day):
    page = checker.page
    for block in BLOCKS:
        add_block(checker, t, day, block)
        for index, session in enumerate(block.sessions):
            if index:
                page.get_by_role("link", name=f"{t.add_session} – {block.title}").click()
                expect(heading(page)).to_have_text(t.new_session)
            add_session(checker, t, session)
    for block in BLOCKS:
        expect(page.get_by_role("heading", name=block.title)).to_be_visible()
        for session in block.sessions:
            link = page.get_by_role("link", name=session.title, exact=True)
            card = page.locator(".card", has=link)
            for text in (session.room, session.lead, f" {session.capacity} "):
                expect(card).to_contain_text(text)
    see(checker, "programme")


def sign_up_in_a_private_window(open_page, lang, public_path):
    """A participant, in a browser context of their own, signs up for the new event."""
    t = PARTICIPANT[lang]
    checker = open_page(PHONE, lang)
    checker.event_name = EVENT.title
    page = checker.page
    checker.goto(public_path)
    if t.switch_here:
        page.get_by_role("link", name=t.switch_here).click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(heading(page)).to_have_text(EVENT.title)
    assert_event_text_language(heading(page), lang)
    see(checker, "private-event", kind="event")

    page.get_by_role("link", name=t.sign_up, exact=True).click()
    expect(heading(page)).to_have_text(t.sign_up)
    see(checker, "private-signup", kind="signup")
    fill_in_about_you(Person(checker, keyboard=False), t, PARTICIPANT_NAME, PARTICIPANT_EMAIL)
    session_radio(page, BLOCKS[0].sessions[0].title).check()
    session_radio(page, BLOCKS[1].sessions[0].title).check()
    page.get_by_label(t.consent).check()
    page.get_by_role("button", name=t.sign_up).click()
    expect(heading(page)).to_have_text(t.thanks.format(name=PARTICIPANT_NAME))
    expect(page.locator(".choices")).to_contain_text(BLOCKS[0].sessions[0].title)
    see(checker, "private-thanks", kind="thanks")
    page.context.close()


def visit_the_other_pages(checker, t, day):
    """Reminders (with a preview), catering, activity log, settings and the copy form."""
    page = checker.page
    page.get_by_role("link", name=t.reminders, exact=True).click()
    expect(heading(page)).to_contain_text(t.reminders)
    see(checker, "reminders")
    page.get_by_role("link", name=t.new_reminder).click()
    expect(heading(page)).to_have_text(t.new_reminder)
    see(checker, "new-reminder")
    page.get_by_label(t.subject, exact=True).fill("Välkommen till {event}")
    page.get_by_label(t.message, exact=True).fill("Hej {name}!\n\nVi ses i {room}.")
    page.get_by_text(t.english_text).click()
    page.get_by_label(t.subject_en).fill("Welcome to {event}")
    page.get_by_label(t.message_en).fill("Hello {name}!\n\nSee you in {room}.")
    page.get_by_label(t.send_at, exact=True).fill(f"{day}T08:00")
    page.get_by_role("button", name=t.preview).click()
    preview = page.locator(".preview")
    expect(preview).to_contain_text(PARTICIPANT_NAME)
    expect(preview).to_contain_text(f"Välkommen till {EVENT.title}")
    expect(preview.locator('div[lang="en"]')).to_contain_text(f"Hello {PARTICIPANT_NAME}!")
    see(checker, "new-reminder-preview", kind="new-reminder")

    page.get_by_role("link", name=t.reminders, exact=True).click()
    page.get_by_role("link", name=t.catering, exact=True).click()
    expect(heading(page)).to_have_text(t.catering_heading)
    see(checker, "catering")
    page.get_by_role("link", name=EVENT.title, exact=True).click()

    page.get_by_role("link", name=t.activity, exact=True).click()
    expect(heading(page)).to_contain_text(t.activity)
    see(checker, "activity")

    page.get_by_role("link", name=t.settings, exact=True).click()
    expect(heading(page)).to_have_text(t.edit_heading.format(event=EVENT.title))
    expect(page.get_by_label(t.title, exact=True)).to_have_value(EVENT.title)
    assert_current(page, t.settings)
    see(checker, "settings")

    page.get_by_role("link", name=t.back, exact=True).click()
    expect(heading(page)).to_have_text(EVENT.title)
    page.get_by_role("link", name=t.copy).click()
    expect(heading(page)).to_have_text(t.copy_heading.format(event=EVENT.title))
    see(checker, "copy")


@SQLITE_SV_POSTGRESQL_EN
def test_organiser_builds_publishes_and_runs_an_event(live, inbox, open_page, lang):
    t = STAFF[lang]
    p = PARTICIPANT[lang]
    checker, day = an_organiser_with_a_new_event(live, open_page, lang)
    page = checker.page
    build_programme(checker, t, day)

    page.get_by_role("link", name=t.overview, exact=True).click()
    expect(heading(page)).to_have_text(EVENT.title)
    assert_event_text_language(heading(page), lang)
    assert_current(page, t.overview)
    see(checker, "overview-draft", kind="overview")
    page.get_by_role("link", name=t.review_and_publish).click()
    expect(heading(page)).to_contain_text(t.review_and_publish)
    page.get_by_role("button", name=t.publish, exact=True).click()
    expect(page.locator(".flash")).to_contain_text(t.published)
    expect(page.locator(".big-figures").first).to_contain_text(t.registered.format(n=0))
    see(checker, "overview-published", kind="overview")

    # Cancelling cannot be undone: the browser asks first, and "no" leaves the event as it is.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=t.cancel_event).click()
    expect(page.locator(".flash")).to_contain_text(t.published)
    assert questions == [t.cancel_question]

    public_path = page.get_by_role("link", name=t.public_page).get_attribute("href")
    sign_up_in_a_private_window(open_page, lang, public_path)

    page.reload()
    expect(page.locator(".badge.status-published")).to_be_visible()
    expect(page.locator(".big-figures").first).to_contain_text(t.registered.format(n=1))
    see(checker, "overview-one-registered", kind="overview")

    page.get_by_role("link", name=t.registrations, exact=True).click()
    expect(heading(page)).to_contain_text(t.registrations)
    expect(page.get_by_role("link", name=PARTICIPANT_NAME)).to_be_visible()
    see(checker, "registrations")
    page.get_by_label(t.search_label).fill("Andersson")
    page.get_by_role("button", name=t.search, exact=True).click()
    expect(page.get_by_label(t.search_label)).to_have_value("Andersson")
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    see(checker, "registrations-search", kind="registrations")

    page.get_by_role("link", name=PARTICIPANT_NAME).click()
    expect(heading(page)).to_have_text(PARTICIPANT_NAME)
    see(checker, "registration")
    new_session = BLOCKS[0].sessions[1].title
    session_radio(page, new_session).check()
    page.get_by_role("button", name=t.change_session).click()
    expect(page.locator(".flash")).to_have_text(t.moved)
    expect(page.locator(".choices")).to_contain_text(new_session)
    see(checker, "registration-moved", kind="registration")

    live.deliver_mail()
    changed = [m for m in inbox.to(PARTICIPANT_EMAIL)
               if m["Subject"] == p.changed_subject.format(event=EVENT.title)]
    assert len(changed) == 1, [m["Subject"] for m in inbox.to(PARTICIPANT_EMAIL)]
    plain, html, _attachments = parts(changed[0])
    assert new_session in plain and new_session in html
    for session in BLOCKS[0].sessions:  # the invited leads, once each
        assert len(inbox.to(session.invite)) == 1

    page.get_by_role("link", name=t.registrations, exact=True).click()
    visit_the_other_pages(checker, t, day)


# --- 2. The session lead ------------------------------------------------------------------

ARCHIVE = "E-arkivhantering"
DEMO_EVENT = "Uppstartsdag för Digitala Västerbotten"


def the_demo_and_a_sign_in_link_for_kaj():
    from eventapp.demo import load_demo
    from eventapp.services.accounts import issue_login_token

    load_demo()
    kaj = db.session.scalar(select(User).where(User.email == "kaj.beckman@example.org"))
    session = db.session.scalar(select(DialogueSession).where(DialogueSession.title == ARCHIVE))
    choices = db.session.scalars(select(SessionChoice).where(
        SessionChoice.session_id == session.id,
        SessionChoice.state.in_((SessionChoice.CONFIRMED, SessionChoice.WAITING)))).all()
    names = {state: sorted(c.registration.name for c in choices if c.state == state)
             for state in (SessionChoice.CONFIRMED, SessionChoice.WAITING)}
    return SimpleNamespace(token=issue_login_token(kaj.id, utcnow()),
                           confirmed=names[SessionChoice.CONFIRMED],
                           waiting=names[SessionChoice.WAITING])


def download(checker, person, link):
    with checker.page.expect_download() as info:
        person.activate(link)
    return info.value


@SQLITE_EN_POSTGRESQL_SV
def test_session_lead_works_through_their_session_on_a_phone_with_the_keyboard(
    live, open_page, lang
):
    t = STAFF[lang]
    demo = live.run(the_demo_and_a_sign_in_link_for_kaj)
    assert demo.confirmed and demo.waiting  # the demo fills this session past capacity
    checker = open_page(PHONE, lang)
    checker.event_name = DEMO_EVENT
    page = checker.page
    person = Person(checker, keyboard=True)

    checker.goto(f"/login/token/{demo.token}")
    expect(heading(page)).to_have_text(STAFF["sv"].my_sessions)
    if t.in_english:
        person.activate(page.get_by_role("link", name=t.in_english))
        expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(heading(page)).to_have_text(t.my_sessions)
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(ARCHIVE)
    see(checker, "my-sessions")

    person.activate(page.get_by_role("link", name=ARCHIVE))
    expect(heading(page)).to_have_text(f"{t.attendee_list}: {ARCHIVE}")
    assert_event_text_language(heading(page).locator("span"), lang)
    # On a phone: one card per person, the name on top (the table is for wider screens).
    on_the_list = page.locator("ul[aria-labelledby=confirmed-title] > li strong")
    assert sorted(on_the_list.all_inner_texts()) == demo.confirmed
    see(checker, "attendees")

    everyone = sorted(demo.confirmed + demo.waiting)
    csv_file = download(checker, person, page.get_by_role("link", name=t.export_csv))
    # Named after the session and its day (the real title: the browser reads filename*).
    assert csv_file.suggested_filename.startswith(f"{t.attendee_list} {ARCHIVE} 20")
    assert csv_file.suggested_filename.endswith(".csv")
    with open(csv_file.path(), encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f, delimiter=";"))
    names = [row[table[0].index(t.name)] for row in table[1:]]
    assert sorted(names) == everyone

    xlsx_file = download(checker, person, page.get_by_role("link", name=t.export_xlsx))
    assert xlsx_file.suggested_filename.endswith(".xlsx")
    with open(xlsx_file.path(), "rb") as f:  # no .xlsx suffix on the saved file: give bytes
        heading_rows, table = xlsx_sheet(f.read())
    assert heading_rows[0] == f"{t.attendee_list}: {ARCHIVE}"
    names = [row[table[0].index(t.name)] for row in table[1:]]
    assert sorted(names) == everyone

    person.activate(page.get_by_role("link", name=t.sheet))
    expect(heading(page)).to_have_text(f"{t.sheet}: {ARCHIVE}")
    expect(page.get_by_role("button", name=t.print)).to_be_visible()
    pdf_link = page.get_by_role("link", name=t.pdf)
    response = page.request.get(live(pdf_link.get_attribute("href")))
    assert response.ok and response.body().startswith(b"%PDF")
    expect(page.locator("table.sheet tbody tr")).to_have_count(len(demo.confirmed) + 3)
    see(checker, "sheet")

    person.activate(page.get_by_role("link", name=t.checkin))
    expect(heading(page)).to_have_text(f"{t.checkin}: {ARCHIVE}")
    assert_current(page, t.checkin)
    tally = page.locator("#tally")
    expect(tally).to_contain_text(t.tally.format(n=0))
    see(checker, "checkin")
    rows = page.locator(".checkin-row")
    first, second = (f"#{rows.nth(i).get_attribute('id')}" for i in (0, 1))
    for number, row in enumerate((first, second), start=1):
        person.activate(page.locator(row).get_by_role("button", name=t.arrived))
        expect(tally).to_contain_text(t.tally.format(n=number))
        expect(page.locator(row).get_by_role("button", name=t.undo)).to_be_visible()
    see(checker, "checkin-two-arrived", kind="checkin")
    person.activate(page.locator(first).get_by_role("button", name=t.undo))
    expect(tally).to_contain_text(t.tally.format(n=1))
    expect(page.locator(first).get_by_role("button", name=t.arrived)).to_be_visible()
    see(checker, "checkin-one-undone", kind="checkin")

    person.activate(page.get_by_role("link", name=t.topics))
    expect(heading(page)).to_have_text(f"{t.topics}: {ARCHIVE}")
    see(checker, "topics")

    person.activate(page.get_by_role("link", name=t.email_participants))
    expect(heading(page)).to_have_text(f"{t.email_participants}: {ARCHIVE}")
    see(checker, "message")
    person.type_into(page.get_by_label(t.subject, exact=True), "Inför dialogmötet")
    person.type_into(page.get_by_label(t.message, exact=True), "Välkomna! Ta gärna med era frågor.")
    person.activate(page.get_by_role("button", name=t.preview))
    preview = page.locator(".preview")
    expect(preview).to_contain_text("Inför dialogmötet")
    expect(preview).to_contain_text(str(len(demo.confirmed)))
    see(checker, "message-preview", kind="message")

    # The name in the header opens the account page; from it, log out everywhere.
    person.activate(page.get_by_role("link", name="Kaj Beckman"))
    expect(heading(page)).to_have_text(t.account)
    see(checker, "account")
    person.activate(page.get_by_role("link", name=t.everywhere))
    expect(heading(page)).to_have_text(t.everywhere_question)
    see(checker, "log-out-everywhere")
    person.activate(page.get_by_role("button", name=t.everywhere_yes))
    expect(heading(page)).to_have_text(t.log_in)
