"""Every Swedish page a participant, an organiser and a lead reads, in one browser session:
no code meant for the program (`{event}`), no ISO timestamp, no doubled "(frivilligt)" and
no English word in the visible text. Only the reminder editor shows codes: that is where
they are written."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from eventapp.extensions import db
from eventapp.models import Event
from eventapp.services import attendance, events as event_service, reminders as reminder_service
from eventapp.domain.reminders import Audience
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from tests.factories import PASSWORD, make_event, make_lead_user, make_user, sign_up

from .checks import DESKTOP

pytestmark = pytest.mark.browser

# English words a Swedish reader must never meet (whole words, case ignored).
ENGLISH = ("waiting", "confirmed", "logged", "queued", "session", "sessions", "organiser",
           "lead", "leads", "csv", "xlsx", "walk-in", "seat", "cancelled", "scheduled",
           "reminder", "sent", "failed", "none", "optional", "required")
CODE = re.compile(r"\{[a-z_]+\}")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{4}-\d{2}-\d{2}\b")
DOUBLED = re.compile(r"\((frivilligt|obligatoriskt)\)\s*\((frivilligt|obligatoriskt)\)|\(\(|\)\)")


def problems_in(text):
    """What a Swedish reader should not see in `text`, as (kind, what) pairs."""
    found = [("code", m) for m in CODE.findall(text)]
    found += [("ISO date", m) for m in ISO.findall(text)]
    found += [("doubled marker", m.group(0)) for m in DOUBLED.finditer(text)]
    found += [("English", word) for word in ENGLISH
              if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)]
    return found


def test_the_check_finds_each_kind_of_problem():
    assert problems_in("Påminnelse: {event} den 2026-12-01T17:59:06Z (waiting)") == [
        ("code", "{event}"), ("ISO date", "2026-12-01T17:59"), ("English", "waiting")]
    assert problems_in("E-post (frivilligt) (frivilligt)") == [
        ("doubled marker", "(frivilligt) (frivilligt)")]
    assert problems_in("Kom utan anmälan, 1 december 2026 kl. 19:01, Excel") == []


def an_event_with_a_history():
    """A two-pass event with a seat, a waiting-list place, a walk-in, an export, a message
    from an organiser and the automatic reminder."""
    now = utcnow()
    organiser = make_user()
    event = make_event(capacities=(1, 5), blocks=2, title="Uppstartsdag",
                       description="Första stycket.\r\n\r\nAndra stycket.", capacity=100000)
    for b, block in enumerate(event.blocks):
        block.title = f"Pass {b + 1}"
        for i, session in enumerate(block.sessions):
            session.title = ("Data som råvara", "E-arkiv")[i] + f" {b + 1}"
            session.leads[0].name = f"Mötesledare {b + 1}.{i + 1}"
            session.description = "Ett samtal om det gemensamma arbetet."
    db.session.commit()
    lead = make_lead_user(event.blocks[0].sessions[0], "lena@example.org")
    seated = sign_up(db.session.get(Event, event.id), n=1)
    waiting = sign_up(db.session.get(Event, event.id), n=2)
    first = event.blocks[0].sessions[1]
    attendance.add_walk_in(first.id, "Vera Vind", "", "Umeå kommun", organiser, now)
    event_service.log_export(event.id, organiser, "csv", 3, now)
    attendance.send_session_message(event.blocks[0].sessions[0].id, "Välkomna",
                                    "Hej!\r\nVi ses.", False, organiser, now)
    texts = reminder_service.default_texts()
    reminder_service.save_reminder(
        event.id, None, {"subject": texts["sv"][0], "body": texts["sv"][1],
                         "subject_en": texts["en"][0], "body_en": texts["en"][1]},
        Audience(states=("confirmed", "waiting")), now + timedelta(days=3), organiser, now)
    return dict(event_id=event.id, slug=event.slug, session_id=event.blocks[0].sessions[0].id,
                seated=manage_token(seated), waiting=manage_token(waiting), lead=lead.email)


def visible_problems(page, path, live):
    page.goto(live(path))
    expect(page.locator("h1").first).to_be_visible()
    return [(path, kind, what) for kind, what in problems_in(page.locator("body").inner_text())]


def log_in(page, live, email):
    page.goto(live("/login"))
    page.get_by_label("E-post", exact=True).fill(email)
    page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_swedish_pages_have_no_codes_iso_dates_doubled_markers_or_english(live, open_page):
    e = live.run(an_event_with_a_history)
    live.deliver_mail()  # the my-data page lists the emails as sent
    page = open_page(DESKTOP, "sv").page
    found = []
    event, org = f"/events/{e['slug']}", f"/organiser/events/{e['event_id']}"
    for path in (event, f"{event}/signup", f"/manage/{e['seated']}", f"/manage/{e['waiting']}",
                 f"/manage/{e['waiting']}/cancel", f"/manage/{e['seated']}/data",
                 f"/manage/{e['waiting']}/data"):
        found += visible_problems(page, path, live)

    # The thanks page of someone who gets a place on a waiting list.
    page.goto(live(f"{event}/signup"))
    page.get_by_label("Namn", exact=True).fill("Bertil Berg")
    page.get_by_label("E-post", exact=True).fill("bertil@example.org")
    page.get_by_label("Organisation", exact=True).fill("Umeå kommun")
    for title in ("Data som råvara 1", "Data som råvara 2"):
        page.get_by_role("radio", name=re.compile(title)).check()
    page.get_by_label(re.compile("Jag har läst")).check()
    page.get_by_role("button", name="Anmäl dig").click()
    expect(page.locator("h1")).to_have_text("Tack, Bertil Berg – du står på väntelistan")
    found += [("thanks", kind, what)
              for kind, what in problems_in(page.locator("body").inner_text())]

    log_in(page, live, "organisator@example.org")
    for path in (org, f"{org}/registrations", f"{org}/reminders", f"{org}/activity",
                 f"{org}/edit", f"{org}/programme", f"{org}/catering"):
        found += visible_problems(page, path, live)
    page.get_by_role("button", name="Logga ut").click()

    log_in(page, live, e["lead"])
    for path in ("/lead/", f"/lead/sessions/{e['session_id']}",
                 f"/lead/sessions/{e['session_id']}/checkin"):
        found += visible_problems(page, path, live)
    assert found == [], "\n".join(map(str, found))
