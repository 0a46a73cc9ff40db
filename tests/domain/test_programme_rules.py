"""The programme's pure rules: where a new entry starts, double bookings, known leads, order."""
from datetime import datetime, timedelta

import pytest

from eventapp.domain.errors import NotFound
from eventapp.domain.programme import (
    DOWN,
    LEAD,
    ROOM,
    UP,
    Booking,
    KnownLead,
    Person,
    Slot,
    clashes,
    lead_key,
    leads_named,
    matching_leads,
    moved,
    new_clashes,
    next_slot,
)

START = datetime(2027, 6, 15, 7, 0)  # 09:00 in Stockholm, stored as UTC
END = START + timedelta(hours=7)


def at(hour, minute=0):
    return START.replace(hour=hour, minute=minute)


# --- where a new entry goes --------------------------------------------------------------


def test_the_first_entry_starts_when_the_event_starts_and_lasts_an_hour():
    assert next_slot(START, END, []) == Slot(START, START + timedelta(hours=1))


def test_a_new_entry_starts_where_the_latest_one_ends_and_lasts_as_long():
    entries = [Slot(at(7), at(7, 30)), Slot(at(10), at(11, 30)), Slot(at(8), at(9))]
    assert next_slot(START, END, entries) == Slot(at(11, 30), at(13))


def test_a_new_entry_ends_with_the_event_when_it_would_run_over():
    assert next_slot(START, END, [Slot(at(12), at(13, 30))]) == Slot(at(13, 30), END)


def test_after_the_end_of_the_event_a_new_entry_still_gets_its_length():
    assert next_slot(START, END, [Slot(at(14), at(15))]) == Slot(at(15), at(16))


# --- double bookings -----------------------------------------------------------------------

MARIA = Person(lead_key("Maria.Sundberg@example.org"), "Maria Sundberg")
PER = Person(lead_key("per@example.org"), "Per Wikström")
MORNING = Slot(at(8), at(9))


def booking(session_id, title, room="", leads=(), block_id=1, slot=MORNING, block_title="Förmiddag"):
    return Booking(session_id, title, block_id, block_title, slot, room, tuple(leads))


def test_a_lead_already_leading_a_session_of_the_same_block_is_a_clash():
    found = clashes(booking(None, "Ny", leads=[MARIA]), [booking(1, "Öppna data", leads=[MARIA, PER])])
    assert [(c.kind, c.what, c.other_title, c.same_block) for c in found] == [
        (LEAD, "Maria Sundberg", "Öppna data", True)]


def test_the_same_person_is_recognised_by_address_whatever_its_case():
    same = Person(lead_key("maria.sundberg@EXAMPLE.org "), "Maria S.")
    assert clashes(booking(None, "Ny", leads=[same]), [booking(1, "Öppna data", leads=[MARIA])])


def test_a_room_used_in_the_same_block_is_a_clash_whatever_its_case_and_spacing():
    found = clashes(booking(None, "Ny", room="sal  a"), [booking(1, "Öppna data", room="Sal A")])
    assert [(c.kind, c.what) for c in found] == [(ROOM, "sal  a")]


def test_no_room_given_is_never_a_clash():
    assert clashes(booking(None, "Ny", room=""), [booking(1, "Öppna data", room="")]) == []


def test_another_block_at_an_overlapping_time_clashes_too():
    other = booking(1, "Välfärd", room="Sal A", leads=[PER], block_id=2,
                    slot=Slot(at(8, 30), at(9, 30)), block_title="Extra")
    found = clashes(booking(None, "Ny", room="Sal A", leads=[PER]), [other])
    assert {(c.kind, c.same_block, c.other_block_title) for c in found} == {
        (LEAD, False, "Extra"), (ROOM, False, "Extra")}


def test_a_block_that_starts_when_this_one_ends_does_not_clash():
    later = booking(1, "Eftermiddag", room="Sal A", leads=[MARIA], block_id=2, slot=Slot(at(9), at(10)))
    assert clashes(booking(None, "Ny", room="Sal A", leads=[MARIA]), [later]) == []


def test_a_session_does_not_clash_with_itself():
    assert clashes(booking(1, "Öppna data", room="Sal A", leads=[MARIA]),
                   [booking(1, "Öppna data", room="Sal A", leads=[MARIA])]) == []


def test_a_clash_the_session_already_had_is_not_asked_about_again():
    other = booking(2, "Öppna data", room="Sal A", leads=[MARIA])
    before = clashes(booking(1, "Säkerhet", room="Sal A"), [other])
    after = clashes(booking(1, "Säkerhet", room="Sal A", leads=[MARIA]), [other])
    assert [(c.kind, c.what) for c in new_clashes(after, before)] == [(LEAD, "Maria Sundberg")]


# --- known leads -----------------------------------------------------------------------------

KNOWN = [KnownLead(1, "Maria Sundberg", "maria@example.org"),
         KnownLead(2, "Åsa Marklund", "asa@example.org"),
         KnownLead(3, "Anna Maria Öberg", "anna@example.org"),
         KnownLead(4, "Per Wikström", "per.w@example.org")]


def test_a_lead_is_found_by_their_name_whatever_its_case_and_spacing():
    assert leads_named("  maria   SUNDBERG ", KNOWN) == [KNOWN[0]]
    assert leads_named("Maria", KNOWN) == []


def test_the_search_finds_names_and_addresses_with_names_that_start_with_it_first():
    assert [lead.lead_id for lead in matching_leads("mar", KNOWN)] == [1, 3, 2]
    assert [lead.lead_id for lead in matching_leads("PER.W", KNOWN)] == [4]


def test_the_search_sorts_the_swedish_way_and_needs_two_letters():
    assert [lead.name for lead in matching_leads("example", KNOWN)] == [
        "Anna Maria Öberg", "Maria Sundberg", "Per Wikström", "Åsa Marklund"]
    assert matching_leads("m", KNOWN) == []


# --- order within a pass -------------------------------------------------------------------------


def test_moving_a_session_up_swaps_it_with_the_one_before():
    assert moved([10, 11, 12], 12, UP) == [10, 12, 11]


def test_moving_a_session_down_swaps_it_with_the_one_after():
    assert moved([10, 11, 12], 10, DOWN) == [11, 10, 12]


def test_the_first_cannot_go_up_nor_the_last_down():
    assert moved([10, 11], 10, UP) == [10, 11]
    assert moved([10, 11], 11, DOWN) == [10, 11]


def test_moving_a_session_of_another_block_is_not_found():
    with pytest.raises(NotFound):
        moved([10, 11], 99, UP)
