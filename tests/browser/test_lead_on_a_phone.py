"""The session lead reads their attendee list on a phone (375 × 812 px): one card per person
with the name on top, the filters folded, nothing wider than the screen, and touch targets of
at least 44 × 44 px in the session's menu and on "Log out"; on a desktop the same page keeps
its table. The page passes the checks in checks.py (axe, keyboard, reflow). Swedish on one
database, English on the other, crossed as in test_staff_journeys.py.
"""
import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_event, make_lead_user, sign_up

from .checks import DESKTOP
from .test_staff_journeys import SQLITE_SV_POSTGRESQL_EN, STAFF, heading, see

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
LOG_OUT = {"sv": "Logga ut", "en": "Log out"}
MIN_TARGET = 44  # px, each way (WCAG 2.5.5)
# Before the phone styles the header was 143 px tall here (brand and links on four lines).
MAX_HEADER = 130

# Two have a seat, the third waits. Long words and an address with no place to break test
# that a card wraps its text instead of widening the page.
PEOPLE = [
    ("Örjan Öberg", "orjan.oberg@example.org", "Åsele kommun", "Gallring"),
    ("Anna-Karin Lindqvist-Johansson",
     "anna-karin.lindqvist-johansson@vasterbottens-kommunforbund.example.org",
     "Västerbottens kommunförbund", "Informationsförsörjningsstrategier för kommunkoncernen"),
    ("Bo Berg", "bo.berg@example.org", "Umeå kommun", "E-arkiv"),
]

_BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def a_session_led_by_kaj():
    event = make_event(capacities=(2, 5), title="Vårträff")
    session = event.blocks[0].sessions[0]
    make_lead_user(session, "kaj@example.org", "Kaj Beckman")
    for n, (name, email, organisation, topic) in enumerate(PEOPLE, start=1):
        sign_up(event, n, name=name, email=email, organisation=organisation,
                discussion_topic=topic)
    return session.title


def lead_logs_in(checker, t, lang):
    page = checker.page
    checker.goto("/login")
    if t.in_english:
        page.get_by_role("link", name=t.in_english).click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_label(t.email, exact=True).fill("kaj@example.org")
    page.get_by_label(t.password, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t.log_in).click()
    expect(heading(page)).to_have_text(t.my_sessions)


def inside(inner, outer):
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[2] <= outer[2] and inner[3] <= outer[3])


@SQLITE_SV_POSTGRESQL_EN
def test_the_lead_reads_the_attendee_list_on_a_phone_as_cards(live, open_page, lang):
    t = STAFF[lang]
    title = live.run(a_session_led_by_kaj)
    checker = open_page(PHONE, lang)
    page = checker.page
    lead_logs_in(checker, t, lang)
    page.get_by_role("link", name=title, exact=True).click()
    expect(heading(page)).to_have_text(f"{t.attendee_list}: {title}")

    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    for table in page.locator("table").all():  # only the short table of organisations shows
        if table.is_visible():
            assert table.evaluate(_BOX)[2] <= PHONE["width"]
    expect(page.locator("[aria-labelledby=confirmed-title].table-scroll")).to_be_hidden()

    # One card per person, the name on top and inside it, the card inside the screen.
    confirmed = page.locator("ul.person-list[aria-labelledby=confirmed-title] > li")
    waiting = page.locator("ol.person-list[aria-labelledby=waiting-title] > li")
    expect(confirmed).to_have_count(2)
    expect(waiting).to_have_count(1)
    shown = {}
    for card in confirmed.all() + waiting.all():
        name = card.locator("strong").first
        card_box, name_box = card.evaluate(_BOX), name.evaluate(_BOX)
        assert inside(name_box, card_box), (name.inner_text(), name_box, card_box)
        assert card_box[0] >= 0 and card_box[2] <= PHONE["width"], card_box
        assert card.inner_text().strip().startswith(name.inner_text())
        shown[name.inner_text()] = card.inner_text()
    for name, email, organisation, topic in PEOPLE:
        for value in (email, organisation, topic):
            assert value in shown[name]
    expect(waiting.locator("strong")).to_have_text([PEOPLE[2][0]])  # the last to sign up waits

    # Touch targets: the session's menu and "Log out".
    targets = page.locator(".subnav a").all() + [page.get_by_role("button", name=LOG_OUT[lang])]
    assert len(targets) == 6
    for target in targets:
        left, top, right, bottom = target.evaluate(_BOX)
        assert right - left >= MIN_TARGET and bottom - top >= MIN_TARGET, (
            target.inner_text(), right - left, bottom - top)
    header = page.locator(".site-header").evaluate(_BOX)
    assert header[3] - header[1] <= MAX_HEADER, header
    see(checker, "attendees")

    # The filters are folded; opened, they work, and the folded summary names the filter.
    filters = page.locator("details.filters")
    expect(filters).not_to_have_attribute("open", "")
    organisation = page.get_by_label("Organisation", exact=True)  # the same in both languages
    expect(organisation).to_be_hidden()
    filters.locator("summary").click()
    expect(organisation).to_be_visible()
    organisation.select_option(PEOPLE[1][2])
    filters.locator("button[type=submit]").click()
    expect(confirmed.locator("strong")).to_have_text([PEOPLE[1][0]])
    expect(waiting).to_have_count(0)
    expect(filters).not_to_have_attribute("open", "")
    expect(filters.locator("summary")).to_contain_text(PEOPLE[1][2])

    # A desktop keeps the table, and shows no cards.
    page.set_viewport_size(DESKTOP)
    table = page.locator("[aria-labelledby=confirmed-title].table-scroll")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_be_visible()
    expect(confirmed.first).to_be_hidden()
    see(checker, "attendees-desktop", kind="attendees")

