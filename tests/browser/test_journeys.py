"""A participant's journeys in a real browser, in Swedish and English, on a phone and a
desktop. Every page on the way passes the accessibility checks in checks.py and is saved
as a screenshot under test-artifacts/screenshots/<test name>/.
"""
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from eventapp.extensions import db
from eventapp.models import Event
from tests.factories import make_event, sign_up
from tests.helpers import manage_link, parts

from .checks import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# What a person reads, per language.
TEXT = {
    "sv": SimpleNamespace(
        switch_here=None,
        sign_up="Anmäl dig",
        name="Namn", email="E-post", organisation="Organisation", job_title="Befattning",
        consent="Jag har läst hur mina personuppgifter hanteras och godkänner det.",
        thanks="Tack, {name} – du är anmäld",
        have_place="Du har en plats",
        confirmation_subject="Bekräftelse: {event}",
        changed_subject="Din anmälan har ändrats: {event}",
        cancelled_subject="Avbokning: {event}",
        your_registration="Din anmälan",
        save_changes="Spara ändringarna",
        enter_name="Skriv ditt namn.",
        details_saved="Vi har sparat dina uppgifter.",
        change_session="Byt dialogmöte",
        changed="Du har bytt dialogmöte.",
        cancel_my_registration="Avboka min anmälan",
        cancel_heading="Vill du avboka din anmälan?",
        yes_cancel="Ja, avboka min anmälan",
        cancelled="Din anmälan är avbokad.",
        registration_cancelled="Den här anmälan är avbokad.",
        get_new_link="beställ en ny länk i ett mejl",
        resend_heading="Beställ en ny länk till din anmälan",
        send_new_link="Skicka en ny länk till mig",
        link_on_its_way="länken till anmälan på väg",
        problem="Det finns ett problem",
        enter_email="Skriv din e-postadress.",
        enter_organisation="Skriv din organisation.",
        bad_email="Skriv en e-postadress i formen namn@exempel.se.",
        must_consent="Du måste godkänna hanteringen av personuppgifter",
        error_title="Fel: ",
        privacy="Integritet och personuppgifter",
        privacy_heading="Så hanterar vi dina personuppgifter",
        accessibility="Tillgänglighetsredogörelse",
        not_found="Vi hittar inte sidan",
        full_waiting_list="Fullt – väntelista",
        waiting_number="Väntelista, nummer {n}",
        waiting_in_mail="Du står som nummer {n} på väntelistan.",
    ),
    "en": SimpleNamespace(
        switch_here="In English",
        sign_up="Sign up",
        name="Name", email="Email", organisation="Organisation", job_title="Job title",
        consent="I have read how my personal data is handled and agree to it.",
        thanks="Thank you, {name} – you are signed up",
        have_place="You have a place",
        confirmation_subject="Confirmation: {event}",
        changed_subject="Your registration has changed: {event}",
        cancelled_subject="Cancelled: {event}",
        your_registration="Your registration",
        save_changes="Save changes",
        enter_name="Enter your name.",
        details_saved="Your details have been saved.",
        change_session="Change session",
        changed="Your session choice has been changed.",
        cancel_my_registration="Cancel my registration",
        cancel_heading="Cancel your registration?",
        yes_cancel="Yes, cancel my registration",
        cancelled="Your registration has been cancelled.",
        registration_cancelled="This registration has been cancelled.",
        get_new_link="get a new link by email",
        resend_heading="Get a new link to your registration",
        send_new_link="Send me a new link",
        link_on_its_way="the link to the registration is on its way",
        problem="There is a problem",
        enter_email="Enter your email address.",
        enter_organisation="Enter your organisation.",
        bad_email="Enter an email address in the form name@example.se.",
        must_consent="You must agree to the handling of personal data",
        error_title="Error: ",
        privacy="Privacy",
        privacy_heading="How we handle your personal data",
        accessibility="Accessibility statement",
        not_found="The page could not be found",
        full_waiting_list="Full – waiting list",
        waiting_number="Waiting list, number {n} in line",
        waiting_in_mail="You are on the waiting list, number {n} in line.",
    ),
}


def an_event(live, capacities=(10, 10), taken=0):
    """A published event open for sign-up; the first `taken` people fill its first session."""

    def create():
        event = make_event(capacities=capacities)
        for n in range(taken):
            sign_up(db.session.get(Event, event.id), n=100 + n, session_index=0)
        return SimpleNamespace(
            slug=event.slug, title=event.title,
            sessions=[s.title for s in event.blocks[0].sessions],
        )

    return live.run(create)


def heading(page):
    return page.get_by_role("heading", level=1)


class Person:
    """Moves through the pages either with the keyboard only or with the mouse."""

    def __init__(self, checker, keyboard):
        self.checker = checker
        self.page = checker.page
        self.keyboard = keyboard

    def activate(self, locator):
        """Follow a link or press a button: Tab to it and press Enter, or click it."""
        if self.keyboard:
            self.checker.tab_to(locator)
            self.page.keyboard.press("Enter")
        else:
            locator.click()

    def type_into(self, locator, text):
        """Replace what the field holds with `text` (empty text clears it)."""
        if self.keyboard:
            self.checker.tab_to(locator)
            self.page.keyboard.press("Control+A")
            if text:
                self.page.keyboard.type(text)
            else:
                self.page.keyboard.press("Delete")
        else:
            locator.fill(text)
        expect(locator).to_have_value(text)

    def tick(self, locator):
        """Check a checkbox or choose a radio button (Space on the keyboard)."""
        if self.keyboard:
            self.checker.tab_to(locator)
            self.page.keyboard.press("Space")
        else:
            locator.check()
        expect(locator).to_be_checked()

    def choose_in_group(self, group_first, locator):
        """Pick a radio: Tab into its group, then arrow keys, as a keyboard user does."""
        if not self.keyboard:
            return self.tick(locator)
        self.checker.tab_to(group_first)
        for _ in range(20):
            if self.checker.has_focus(locator):
                break
            self.page.keyboard.press("ArrowDown")
        self.page.keyboard.press("Space")
        expect(locator).to_be_checked()


def fill_in_about_you(person, t, name, email, organisation="Umeå kommun"):
    page = person.page
    person.type_into(page.get_by_label(t.name, exact=True), name)
    person.type_into(page.get_by_label(t.email, exact=True), email)
    if organisation:
        person.type_into(page.get_by_label(t.organisation, exact=True), organisation)
    person.type_into(page.get_by_label(t.job_title, exact=True), "IT-strateg")


def session_radio(page, title):
    return page.get_by_role("radio", name=re.compile(re.escape(title)))


def sign_up_and_manage(live, inbox, checker, lang, keyboard):
    """Journeys 1 and 2: sign up, read the mail, change session, cancel; then the other pages."""
    t = TEXT[lang]
    page = checker.page
    person = Person(checker, keyboard)
    event = an_event(live)
    checker.event_name = event.title

    checker.goto("/")
    if t.switch_here:
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        person.activate(page.get_by_role("link", name=t.switch_here))
        expect(page.locator("html")).to_have_attribute("lang", lang)
    checker.see("home")

    person.activate(page.get_by_role("link", name=event.title))
    expect(heading(page)).to_have_text(event.title)
    checker.see("event")

    person.activate(page.get_by_role("link", name=t.sign_up, exact=True))
    expect(heading(page)).to_have_text(t.sign_up)
    checker.see("signup-empty")

    fill_in_about_you(person, t, "Anna Andersson", "anna.andersson@example.org")
    person.choose_in_group(session_radio(page, event.sessions[0]), session_radio(page, event.sessions[1]))
    person.tick(page.get_by_label(t.consent))
    person.activate(page.get_by_role("button", name=t.sign_up))

    expect(heading(page)).to_have_text(t.thanks.format(name="Anna Andersson"))
    expect(page.locator(".choices")).to_contain_text(event.sessions[1])
    expect(page.locator(".choices")).to_contain_text(t.have_place)
    checker.see("thanks")

    assert live.deliver_mail()["sent"] == 1
    [confirmation] = inbox.to("anna.andersson@example.org")
    assert confirmation["Subject"] == t.confirmation_subject.format(event=event.title)
    link = manage_link(parts(confirmation)[0])
    assert link.startswith(live.url)

    checker.goto(link[len(live.url):])
    expect(heading(page)).to_have_text(t.your_registration)
    expect(page.locator(".choices")).to_contain_text(event.sessions[1])
    checker.see("manage")

    # A mistake in the details: the error summary takes focus and links to the field.
    name_field = page.get_by_label(t.name, exact=True)
    person.type_into(name_field, "")
    person.activate(page.get_by_role("button", name=t.save_changes))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(t.enter_name)
    assert page.title().startswith(t.error_title)
    checker.see("manage-errors")
    person.activate(summary.get_by_role("link", name=t.enter_name))
    expect(name_field).to_be_focused()
    person.type_into(name_field, "Anna Åberg")
    person.activate(page.get_by_role("button", name=t.save_changes))
    expect(page.locator(".flash")).to_have_text(t.details_saved)
    expect(name_field).to_have_value("Anna Åberg")
    checker.see("manage-saved", kind="manage")

    if keyboard:
        # The chosen session is the group's tab stop; the arrow key moves to the other one.
        checker.tab_to(session_radio(page, event.sessions[1]))
        page.keyboard.press("ArrowUp")
        expect(session_radio(page, event.sessions[0])).to_be_checked()
    else:
        session_radio(page, event.sessions[0]).check()
    person.activate(page.get_by_role("button", name=t.change_session))
    expect(page.locator(".flash")).to_contain_text(t.changed)
    expect(page.locator(".choices")).to_contain_text(event.sessions[0])
    checker.see("manage-changed", kind="manage")
    assert live.deliver_mail()["sent"] == 1
    assert inbox.to("anna.andersson@example.org")[-1]["Subject"] == t.changed_subject.format(
        event=event.title)

    person.activate(page.get_by_role("link", name=t.cancel_my_registration))
    expect(heading(page)).to_have_text(t.cancel_heading)
    checker.see("cancel")

    person.activate(page.get_by_role("button", name=t.yes_cancel))
    expect(page.locator(".flash")).to_contain_text(t.cancelled)
    expect(page.locator(".notice-warning")).to_have_text(t.registration_cancelled)
    checker.see("manage-cancelled", kind="manage")

    assert live.deliver_mail()["sent"] == 1
    assert inbox.to("anna.andersson@example.org")[-1]["Subject"] == t.cancelled_subject.format(
        event=event.title)

    visit_the_other_pages(live, checker, person, event, t)


def visit_the_other_pages(live, checker, person, event, t):
    """Lost link (with a mistake first), privacy, accessibility statement, a 404."""
    page = checker.page
    checker.goto(f"/events/{event.slug}")
    person.activate(page.get_by_role("link", name=t.get_new_link))
    expect(heading(page)).to_have_text(t.resend_heading)
    checker.see("resend-link")

    person.activate(page.get_by_role("button", name=t.send_new_link))
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_contain_text(t.enter_email)
    assert page.title().startswith(t.error_title)
    checker.see("resend-link-errors")

    person.type_into(page.get_by_label(t.email, exact=True), "anna.andersson@example.org")
    person.activate(page.get_by_role("button", name=t.send_new_link))
    expect(page.locator(".flash")).to_contain_text(t.link_on_its_way)
    checker.see("resend-link-sent", kind="resend-link")

    person.activate(page.get_by_role("link", name=t.privacy))
    expect(heading(page)).to_have_text(t.privacy_heading)
    checker.see("privacy")

    person.activate(page.get_by_role("link", name=t.accessibility))
    expect(heading(page)).to_have_text(t.accessibility)
    checker.see("accessibility")

    response = checker.goto("/no-such-page")
    assert response.status == 404
    expect(heading(page)).to_have_text(t.not_found)
    checker.see("not-found")


def test_participant_signs_up_changes_and_cancels_in_swedish_on_a_phone_with_the_keyboard_only(
    live, inbox, open_page
):
    checker = open_page(PHONE, "sv")
    sign_up_and_manage(live, inbox, checker, "sv", keyboard=True)


def test_participant_signs_up_changes_and_cancels_in_english_on_a_desktop(live, inbox, open_page):
    checker = open_page(DESKTOP, "en")
    sign_up_and_manage(live, inbox, checker, "en", keyboard=False)


def test_full_session_offers_the_waiting_list_and_shows_the_place_in_line(live, inbox, open_page):
    t = TEXT["sv"]
    event = an_event(live, capacities=(1, 10), taken=1)
    checker = open_page(DESKTOP, "sv")
    checker.event_name = event.title
    page = checker.page

    checker.goto(f"/events/{event.slug}")
    full = page.locator(".session", has_text=event.sessions[0])
    expect(full.locator(".badge")).to_have_text(t.full_waiting_list)
    checker.see("event-full-session")

    page.get_by_role("link", name=t.sign_up, exact=True).click()
    expect(session_radio(page, event.sessions[0])).to_be_enabled()
    expect(page.locator(f"label:has-text('{event.sessions[0]}')")).to_contain_text(t.full_waiting_list)
    checker.see("signup-full-session")

    person = Person(checker, keyboard=False)
    fill_in_about_you(person, t, "Bertil Berg", "bertil.berg@example.org")
    session_radio(page, event.sessions[0]).check()
    page.get_by_label(t.consent).check()
    page.get_by_role("button", name=t.sign_up).click()

    expect(heading(page)).to_have_text("Tack, Bertil Berg – du står på väntelistan")
    expect(page.locator(".choices")).to_contain_text(t.waiting_number.format(n=1))
    checker.see("thanks-waiting-list")

    live.deliver_mail()
    [confirmation] = inbox.to("bertil.berg@example.org")
    assert t.waiting_in_mail.format(n=1) in " ".join(parts(confirmation)[0].split())


@pytest.mark.parametrize("lang, viewport", [("sv", PHONE), ("en", DESKTOP)], ids=["sv", "en"])
def test_form_error_keeps_what_was_typed_and_moves_focus_to_the_error_summary(
    live, inbox, open_page, lang, viewport
):
    t = TEXT[lang]
    event = an_event(live)
    checker = open_page(viewport, lang)
    checker.event_name = event.title
    page = checker.page
    checker.goto(f"/events/{event.slug}/signup")
    if t.switch_here:
        page.get_by_role("link", name=t.switch_here).click()
        expect(page.locator("html")).to_have_attribute("lang", lang)

    person = Person(checker, keyboard=False)
    fill_in_about_you(person, t, "Cecilia Ek", "cecilia@", organisation="")
    page.get_by_label(t.job_title, exact=True).fill("Arkivarie")
    session_radio(page, event.sessions[1]).check()
    page.get_by_role("button", name=t.sign_up).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert page.evaluate("() => document.activeElement.matches('[data-error-summary]')")
    expect(summary).to_contain_text(t.problem)
    for message in (t.bad_email, t.enter_organisation, t.must_consent):
        expect(summary).to_contain_text(message)
    assert page.title().startswith(t.error_title)
    expect(page.get_by_label(t.name, exact=True)).to_have_value("Cecilia Ek")
    expect(page.get_by_label(t.email, exact=True)).to_have_value("cecilia@")
    expect(page.get_by_label(t.job_title, exact=True)).to_have_value("Arkivarie")
    expect(session_radio(page, event.sessions[1])).to_be_checked()
    # Each message sits by its field and is read out with it.
    email = page.get_by_label(t.email, exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(re.escape(t.bad_email)))
    # From the summary, Tab reaches the first problem's link; Enter takes focus to the field.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(email).to_be_focused()
    checker.see("signup-errors")

    page.get_by_label(t.email, exact=True).fill("cecilia.ek@example.org")
    page.get_by_label(t.organisation, exact=True).fill("Skellefteå kommun")
    page.get_by_label(t.consent).check()
    page.get_by_role("button", name=t.sign_up).click()
    expect(heading(page)).to_have_text(t.thanks.format(name="Cecilia Ek"))
    checker.see("thanks")


LINKS = {
    "sv": SimpleNamespace(stop="Stäng av mina gamla länkar", heading="Vill du stänga av dina gamla länkar?",
                          yes="Ja, stäng av mina gamla länkar", done="Dina gamla länkar fungerar inte längre",
                          gone="Länken fungerar inte längre", new_link="Beställ en ny länk",
                          your_registration="Din anmälan"),
    "en": SimpleNamespace(stop="Make my old links stop working", heading="Make your old links stop working?",
                          yes="Yes, make my old links stop working", done="Your old links no longer work",
                          gone="This link no longer works", new_link="Get a new link",
                          your_registration="Your registration"),
}


@pytest.mark.parametrize("lang, viewport", [("sv", PHONE), ("en", DESKTOP)], ids=["sv", "en"])
def test_the_holder_makes_old_links_stop_working_and_an_old_link_says_where_to_get_a_new_one(
    live, inbox, open_page, lang, viewport
):
    t = LINKS[lang]
    event = an_event(live)
    live.run(lambda: sign_up(db.session.scalar(db.select(Event)), 1, locale=lang))
    live.deliver_mail()
    old = urlsplit(manage_link(parts(inbox.to("deltagare1@example.org")[-1])[0])).path
    checker = open_page(viewport, lang)
    checker.event_name = event.title
    page = checker.page

    checker.goto(f"/lang/{lang}?next={old}")  # the language switch, as a person would use it
    page.get_by_role("link", name=t.stop).click()
    expect(heading(page)).to_have_text(t.heading)
    checker.see("renew-links")
    page.get_by_role("button", name=t.yes).click()
    expect(page.locator(".flash")).to_contain_text(t.done)
    checker.see("links-renewed", kind="event")

    assert checker.goto(old).status == 410
    expect(heading(page)).to_have_text(t.gone)
    checker.see("link-replaced")
    page.get_by_role("link", name=t.new_link).click()
    expect(page).to_have_url(re.compile(f"/events/{event.slug}/link$"))

    live.deliver_mail()
    checker.goto(urlsplit(manage_link(parts(inbox.to("deltagare1@example.org")[-1])[0])).path)
    expect(heading(page)).to_have_text(t.your_registration)
