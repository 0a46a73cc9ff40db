"""An event's life and what to check before it goes live, without HTTP or a database."""
from types import SimpleNamespace

import pytest

from eventapp.domain import lifecycle
from eventapp.domain.errors import InvalidTransition, PeopleSignedUp


def session(title, leads=("Kaj Beckman",)):
    return SimpleNamespace(title=title, leads=list(leads))


def block(title, *sessions):
    return SimpleNamespace(title=title, sessions=list(sessions))


def test_a_published_event_nobody_has_signed_up_for_goes_back_to_draft():
    assert lifecycle.next_status("published", "unpublish", signed_up=0) == "draft"
    assert lifecycle.next_status("closed", "unpublish", signed_up=0) == "draft"


def test_once_someone_has_signed_up_the_event_cannot_go_back_to_draft():
    with pytest.raises(PeopleSignedUp) as refused:
        lifecycle.next_status("published", "unpublish", signed_up=3)
    assert refused.value.count == 3
    assert not lifecycle.can_return_to_draft("published", 1)


def test_a_draft_or_a_cancelled_event_has_no_way_back_to_draft():
    for status in ("draft", "cancelled"):
        with pytest.raises(InvalidTransition):
            lifecycle.next_status(status, "unpublish")
        assert not lifecycle.can_return_to_draft(status, 0)


def test_a_draft_is_deleted_not_cancelled():
    with pytest.raises(InvalidTransition):
        lifecycle.next_status("draft", "cancel")
    assert lifecycle.next_status("published", "cancel") == "cancelled"


def test_a_complete_programme_goes_live_without_warnings():
    blocks = [block("Eftermiddag", session("E-arkiv"), session("E-tjänster"))]
    assert lifecycle.publish_warnings(blocks, "anna@example.org") == []


def test_sessions_without_a_lead_and_blocks_without_sessions_are_named():
    lone = session("E-arkiv", leads=())
    empty = block("Förmiddag")
    warnings = lifecycle.publish_warnings([empty, block("Eftermiddag", lone)], "anna@example.org")
    assert [(w.code, w.subject) for w in warnings] == [
        (lifecycle.BLOCK_WITHOUT_SESSIONS, "Förmiddag"),
        (lifecycle.SESSION_WITHOUT_LEAD, "E-arkiv"),
    ]
    assert warnings[0].about is empty and warnings[1].about is lone


def test_no_contact_address_is_a_warning():
    warnings = lifecycle.publish_warnings([block("Eftermiddag", session("E-arkiv"))], "  ")
    assert [w.code for w in warnings] == [lifecycle.NO_CONTACT]


def test_a_programme_without_parallel_blocks_is_a_warning():
    warnings = lifecycle.publish_warnings([], "anna@example.org")
    assert [w.code for w in warnings] == [lifecycle.NO_SESSIONS]
