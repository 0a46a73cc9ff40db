"""The organiser in a real browser: a draft previewed as the public will see it, reviewed,
published and taken back to draft; one session's list from the overview, its waiting list,
a person moved without an email, and a reminder previewed for a chosen person. Every page
on the way passes the checks in checks.py (axe, keyboard, reflow), in Swedish on one
database and English on the other, crossed as in test_staff_journeys.py so that a run
without PostgreSQL still sees both languages."""
import pytest
from playwright.sync_api import expect

from eventapp.extensions import db
from eventapp.models import Event
from tests.factories import make_event, make_user, sign_up

from .checks import DESKTOP
from .test_journeys import TEXT as PARTICIPANT, session_radio
from .test_staff_journeys import (
    SQLITE_EN_POSTGRESQL_SV,
    SQLITE_SV_POSTGRESQL_EN,
    STAFF,
    heading,
    log_in,
    see,
)

pytestmark = pytest.mark.browser

TEXT = {
    "sv": dict(
        preview="Förhandsgranska den publika sidan", banner="Förhandsgranskning – inte publicerad",
        preview_form="Förhandsgranska anmälningsformuläret", review="Granska och publicera",
        no_lead="Dialogmötet {title} har ingen mötesledare.", publish="Publicera",
        published="Evenemanget är publicerat", back_to_draft="Tillbaka till utkast",
        draft_again="Evenemanget är ett utkast igen",
        draft_question="Vill du göra evenemanget till ett utkast igen? Den publika sidan döljs "
                       "tills du publicerar igen.",
        registrations="Anmälningar", place="Har plats eller väntelista", waiting="På väntelistan",
        search="Sök", count="{n} anmälningar", number="väntelista, nummer {n}",
        tell="Mejla personen om flytten", change_session="Byt dialogmöte",
        moved_quietly="Flyttad. Personen fick inget mejl.", activity="Aktivitetslogg",
        logged="från {old} till {new}, inget mejl skickat",
        copy_of="Visa mejlet så som det ser ut för", their_copy="Visa personens mejl",
    ),
    "en": dict(
        preview="Preview the public page", banner="Preview – not published",
        preview_form="Preview the sign-up form", review="Review and publish",
        no_lead="The session {title} has no lead.", publish="Publish",
        published="The event is published", back_to_draft="Back to draft",
        draft_again="The event is a draft again",
        draft_question="Take the event back to draft? Its public page is hidden until you "
                       "publish it again.",
        registrations="Registrations", place="Seat or waiting list", waiting="On the waiting list",
        search="Search", count="{n} registrations", number="waiting list, number {n}",
        tell="Tell the person about the move by email", change_session="Change session",
        moved_quietly="Moved. No email was sent to the person.", activity="Activity log",
        logged="from {old} to {new}, no email sent",
        copy_of="Show the copy of", their_copy="Show their copy",
    ),
}


def a_draft_with_a_session_without_a_lead():
    event = make_event(status="draft", title="Vårträff")
    event.blocks[0].sessions[1].leads = []
    db.session.commit()
    return event.id, event.title, event.slug, event.blocks[0].sessions[1].title


def open_overview(checker, t, event_title):
    page = checker.page
    page.get_by_role("link", name=event_title, exact=True).click()
    expect(heading(page)).to_have_text(event_title)


@SQLITE_SV_POSTGRESQL_EN
def test_organiser_previews_publishes_and_takes_an_event_back_to_draft(live, open_page, lang):
    t, s, p = TEXT[lang], STAFF[lang], PARTICIPANT[lang]
    live.run(make_user)
    event_id, title, slug, leadless = live.run(a_draft_with_a_session_without_a_lead)
    checker = open_page(DESKTOP, lang)
    checker.event_name = title
    page = checker.page
    log_in(checker, s, lang)
    open_overview(checker, s, title)
    see(checker, "overview-draft", kind="overview")

    page.get_by_role("link", name=t["preview"]).click()
    expect(page.locator(".preview-banner")).to_contain_text(t["banner"])
    expect(heading(page)).to_have_text(title)
    see(checker, "preview-event")
    page.get_by_role("link", name=p.sign_up, exact=True).click()  # as the public would
    expect(page.locator(".preview-banner")).to_contain_text(t["banner"])
    expect(heading(page)).to_have_text(p.sign_up)
    expect(page.get_by_label(p.name, exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name=p.sign_up)).to_be_disabled()
    see(checker, "preview-signup")
    assert page.request.get(live(f"/events/{slug}")).status == 404  # still hidden

    page.get_by_role("link", name=t["review"]).click()
    expect(heading(page)).to_contain_text(t["review"])
    expect(page.locator(".notice-warning")).to_contain_text(t["no_lead"].format(title=leadless))
    see(checker, "publish")
    page.get_by_role("button", name=t["publish"], exact=True).click()
    expect(page.locator(".flash")).to_contain_text(t["published"])
    see(checker, "overview-published", kind="overview")
    assert page.request.get(live(f"/events/{slug}")).status == 200

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name=t["back_to_draft"]).click()
    expect(page.locator(".flash")).to_contain_text(t["draft_again"])
    assert questions == [t["draft_question"]]
    expect(page.get_by_role("link", name=t["review"])).to_be_visible()
    see(checker, "overview-draft-again", kind="overview")
    assert page.request.get(live(f"/events/{slug}")).status == 404
    assert live.run(lambda: db.session.get(Event, event_id).status) == "draft"


def one_full_session():
    """Session 1.1 has one seat: Deltagare 1 has it, 2 and 3 wait; 4 is in Session 1.2."""
    event = make_event(capacities=(1, 10), title="Höstträff")
    for n in (1, 2, 3):
        sign_up(event, n)
    sign_up(event, 4, session_index=1)
    sessions = event.blocks[0].sessions
    return event.title, sessions[0].title, sessions[1].title


@SQLITE_EN_POSTGRESQL_SV
def test_organiser_opens_one_sessions_waiting_list_and_moves_someone_quietly(
    live, inbox, open_page, lang
):
    t, s = TEXT[lang], STAFF[lang]
    live.run(make_user)
    title, full, other = live.run(one_full_session)
    live.deliver_mail()
    inbox.clear()
    checker = open_page(DESKTOP, lang)
    checker.event_name = title
    page = checker.page
    log_in(checker, s, lang)
    open_overview(checker, s, title)

    page.get_by_role("link", name=full, exact=True).click()  # the overview's session link
    expect(heading(page)).to_have_text(f"{t['registrations']}: {full}")
    expect(page.locator("p[role=status]")).to_contain_text(t["count"].format(n=3))
    see(checker, "session-list", kind="registrations")

    page.get_by_label(t["place"]).select_option("waiting")
    page.get_by_role("button", name=t["search"], exact=True).click()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(t["number"].format(n=1))
    expect(rows.nth(1)).to_contain_text(t["number"].format(n=2))
    expect(page.get_by_label(t["place"])).to_have_value("waiting")
    see(checker, "session-waiting-list", kind="registrations")

    rows.nth(0).get_by_role("link").click()
    expect(heading(page)).to_have_text("Deltagare 2")
    session_radio(page, other).check()
    tell = page.get_by_label(t["tell"])
    expect(tell).to_be_checked()
    tell.uncheck()
    page.get_by_role("button", name=t["change_session"]).click()
    expect(page.locator(".flash")).to_have_text(t["moved_quietly"])
    see(checker, "registration-moved-quietly", kind="registration")
    live.deliver_mail()
    assert inbox.to("deltagare2@example.org") == []

    page.get_by_role("link", name=t["registrations"], exact=True).click()  # the breadcrumb
    page.get_by_role("link", name=t["activity"], exact=True).click()
    # The move, among the looks at the lists that are logged too (newest first).
    expect(page.locator("table.data tbody tr").filter(
        has_text=t["logged"].format(old=full, new=other))).to_have_count(1)
    see(checker, "activity")

    # A reminder's preview, as one chosen person will read it, line breaks kept.
    page.get_by_role("link", name=s.reminders, exact=True).click()
    page.get_by_role("link", name=s.new_reminder).click()
    page.get_by_label(s.subject, exact=True).fill("Inför {event}")
    page.get_by_label(s.message, exact=True).fill("Hej {name}!\nVi ses i {room}.")
    page.get_by_role("button", name=s.preview, exact=True).click()
    page.get_by_label(t["copy_of"]).select_option(label="Deltagare 4 (deltagare4@example.org)")
    page.get_by_role("button", name=t["their_copy"]).click()
    shown = page.locator('.preview div[lang="sv"] p').first
    expect(shown).to_have_text("Hej Deltagare 4!Vi ses i Sal B.")
    assert shown.inner_html() == "Hej Deltagare 4!<br>Vi ses i Sal B."
    see(checker, "reminder-preview", kind="new-reminder")
