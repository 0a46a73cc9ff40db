"""Reminder placeholders, without HTTP or a database: a person's values, samples, the check."""
from datetime import datetime

import pytest

from eventapp.domain import placeholders
from eventapp.domain.errors import UnknownPlaceholder
from eventapp.domain.placeholders import PlaceholderContext, Recipient, Session
from eventapp.domain.reminders import check_placeholders, version_for

# {sessions} spans lines: it has a test of its own.
EVERY = " ".join("{%s}" % p.name for p in placeholders.PLACEHOLDERS if p.name != "sessions")


def context(locale="sv", recipient=None):
    return PlaceholderContext(
        locale=locale, event_title="Uppstart Lycksele", starts_at=datetime(2027, 6, 15, 7, 30),
        venue="Stadshuset", address="Torget 1", manage_link="https://x.test/manage/abc",
        recipient=recipient, sample_session=Session("E-arkiv", "Sal B"))


KARIN = Recipient("Karin Berg", (Session("Data som råvara", "Sal A"), Session("E-tjänster", "")))


def test_a_person_gets_their_own_values_with_date_and_time_in_stockholm():
    assert placeholders.fill(EVERY, context(recipient=KARIN)) == (
        "Karin Berg Uppstart Lycksele 15 juni 2027 09:30 Stadshuset, Torget 1 "
        "Data som råvara, E-tjänster Sal A https://x.test/manage/abc")


def test_sessions_come_one_per_line_with_their_times_rooms_and_waiting_list_place():
    afternoon = (datetime(2027, 6, 15, 11, 0), datetime(2027, 6, 15, 12, 30))
    late = (datetime(2027, 6, 15, 13, 0), datetime(2027, 6, 15, 14, 0))
    person = Recipient("Karin Berg", (Session("Data, arkitektur och system", "Sal A", *afternoon),
                                      Session("E-tjänster", "", *late, waiting_position=3)))
    swedish = PlaceholderContext(**{**context(recipient=person).__dict__, "room_word": "lokal",
                                    "waiting_note": "väntelista, nummer {pos}"})
    assert placeholders.fill("{sessions}", swedish) == (
        "13:00–14:30 Data, arkitektur och system, lokal Sal A\n"
        "15:00–16:00 E-tjänster (väntelista, nummer 3)")


def test_dates_follow_the_language_of_the_text():
    assert placeholders.fill("{date}", context("en", KARIN)) == "June 15, 2027"


def test_without_a_recipient_every_placeholder_gives_a_sample():
    samples = placeholders.values(context())
    assert samples["name"] == placeholders.SAMPLE_NAME
    assert (samples["session"], samples["room"]) == ("E-arkiv", "Sal B")
    assert samples["event"] == "Uppstart Lycksele"  # the event's own values are real
    assert all(samples.values())


def test_the_check_names_each_field_with_its_unknown_placeholders():
    with pytest.raises(UnknownPlaceholder) as refused:
        check_placeholders({"subject": "{event}", "body": "Hej {namn} i { rum }",
                            "body_en": "Hi {name} {namn}"})
    assert refused.value.names == ["namn", " rum "]
    assert refused.value.fields == {"body": ["namn", " rum "], "body_en": ["namn"]}


def test_english_sign_ups_read_the_english_text_only_when_it_is_complete():
    texts = {"subject": "Hej", "body": "Svensk", "subject_en": "Hi", "body_en": ""}
    assert version_for(texts, "en") == ("sv", "Hej", "Svensk")
    assert version_for({**texts, "body_en": "English"}, "en") == ("en", "Hi", "English")
    assert version_for({**texts, "body_en": "English"}, "sv") == ("sv", "Hej", "Svensk")
