"""What a Swedish reader meets instead of codes and English: the my-data page in words and
Stockholm time, reminder subjects as received, the activity log's words, WTForms' messages
in ours, numbers grouped, the optional marker once."""
from datetime import timedelta

from eventapp.domain.reminders import Audience
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.services import attendance, events as event_service, reminders as reminder_service
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from tests.factories import make_event, make_user, sign_up
from tests.helpers import login, parts, post_form, text_of


def test_my_data_page_says_places_mails_and_language_in_words_and_times_in_stockholm(
        app, client, inbox):
    with app.app_context():
        event = make_event(capacities=(1, 5))
        sign_up(event, n=9)
        registration = sign_up(event, n=1)
        deliver_due()
        token = manage_token(registration)
        created = registration.created_at
    page = text_of(client.get(f"/manage/{token}/data"))
    data = client.get(f"/manage/{token}/data.json").get_json()
    assert "Svenska" in page and "(på väntelistan)" in page
    assert "Bekräftelse (skickat till din e-postserver)" in page
    for english in ("waiting", "confirmation", "sent", "Z"):
        assert f"({english})" not in page and f" {english} " not in page
    assert created.isoformat()[:10] not in page and " kl. " in page
    assert data["who_sees_it"].startswith("Arrangörerna av evenemanget")
    assert data["registration"]["registered_at"].endswith("Z")  # the file keeps ISO UTC


def organiser_with_history(app):
    with app.app_context():
        organiser = make_user()
        event = make_event(capacities=(5, 5))
        session = event.blocks[0].sessions[0]
        now = utcnow()
        attendance.add_walk_in(session.id, "Vera Vind", "", "Umeå kommun", organiser, now)
        event_service.log_export(event.id, organiser, "xlsx", 1, now)
        sign_up(event, n=1)
        attendance.send_session_message(session.id, "Välkomna", "Hej", False, organiser, now)
        texts = reminder_service.default_texts()
        reminder_service.save_reminder(event.id, None, {"subject": texts["sv"][0],
                                                        "body": texts["sv"][1]},
                                       Audience(), now + timedelta(days=2), organiser, now)
        return event.id, event.title


def test_the_activity_log_names_formats_walk_ins_and_who_sent_a_message_in_words(app, client):
    event_id, _title = organiser_with_history(app)
    login(client, "organisator@example.org")
    page = text_of(client.get(f"/organiser/events/{event_id}/activity"))
    assert "Kom utan anmälan och lades till vid incheckningen" in page
    assert "En arrangör mejlade deltagarna i dialogmötet" in page
    assert "Nedladdat Excel" in page and "xlsx" not in page
    assert "Anmäld av en arrangör" not in page and "Mötesledaren mejlade" not in page


def test_the_reminder_list_shows_the_subject_as_people_receive_it(app, client):
    event_id, title = organiser_with_history(app)
    login(client, "organisator@example.org")
    page = text_of(client.get(f"/organiser/events/{event_id}/reminders"))
    assert f"Påminnelse: {title} den " in page and "{event}" not in page


def test_the_automatic_reminder_line_counts_days_and_says_when_it_is_off(app, client):
    with app.app_context():
        make_user()
        one_day = make_event(reminder_days_before=1).id
        off_event = make_event()
        off_event.reminder_days_before = None
        db.session.commit()
        off = off_event.id
    login(client, "organisator@example.org")
    assert "skickas 1 dag före start" in text_of(client.get(f"/organiser/events/{one_day}/reminders"))
    page = text_of(client.get(f"/organiser/events/{off}/reminders"))
    assert "Den automatiska påminnelsen är avstängd" in page and "– dagar" not in page


def test_form_messages_are_ours_with_numbers_grouped_and_the_optional_marker_once(app, client):
    with app.app_context():
        make_user()
    login(client, "organisator@example.org")
    day = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%d")
    base = {"title": "Vårträff", "venue": "Folkets hus", "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T16:00", "retention_days": "90", "sensitive_retention_days": "7",
            "content_language": "sv", "ask_organisation": "required", "ask_job_title": "optional",
            "ask_dietary_needs": "optional", "ask_accessibility_needs": "optional",
            "ask_discussion_topic": "optional"}
    words = text_of(post_form(client, "/organiser/events/new", {**base, "capacity": "tio",
                                                                  "ask_job_title": "999"}))
    big = text_of(post_form(client, "/organiser/events/new", {**base, "capacity": "999999"}))
    assert "Skriv ett heltal, bara med siffror." in words and "Välj ett av alternativen." in words
    assert "Inte ett giltigt heltal" not in words and "giltigt val" not in words
    assert "Skriv ett tal från 1 till 100 000." in big  # text_of folds the no-break space
    form = text_of(client.get("/organiser/events/new"))
    assert "(frivilligt) (frivilligt)" not in form and "((" not in form
    assert "Lämna tomt om det inte finns någon gräns." in form
    assert "Fråga om organisation Fråga inte Frivillig Obligatorisk" in form


def test_the_calendar_file_is_named_in_the_mails_language(app, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, n=1, locale="sv")
        sign_up(event, n=2, locale="en")
        deliver_due()
    assert "kallelse.ics" in parts(inbox.to("deltagare1@example.org")[0])[2]
    assert "invitation.ics" in parts(inbox.to("deltagare2@example.org")[0])[2]


def test_a_description_typed_with_windows_line_breaks_keeps_its_paragraphs(app, client):
    with app.app_context():
        slug = make_event(description="Första stycket.\r\n\r\nAndra stycket.\r\nNy rad.").slug
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    assert ">Första stycket.</p>" in html and ">Andra stycket.<br>Ny rad.</p>" in html


def test_a_contact_with_only_an_email_reads_without_a_stray_comma(app, client, inbox):
    with app.app_context():
        event = make_event()
        event.contact_name = event.contact_phone = ""
        db.session.commit()
        sign_up(event, n=1)
        deliver_due()
        slug = event.slug
    page = text_of(client.get(f"/events/{slug}"))
    plain, html, _files = parts(inbox.to("deltagare1@example.org")[0])
    assert "Kontakt anna.lindqvist@example.org" in page
    assert "Frågor? Kontakta anna.lindqvist@example.org" in plain
    assert "Kontakta , " not in plain and "Kontakta , " not in text_of(html)
