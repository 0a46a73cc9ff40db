"""The pure rules, without HTTP or a database."""
from datetime import datetime, timedelta

import pytest

from eventapp.domain import capacity, delivery, signup
from eventapp.domain.errors import (
    ChangesClosed,
    InvalidChoice,
    SessionFull,
    SignupClosed,
    SignupNotOpenYet,
)

NOW = datetime(2027, 5, 1, 12, 0)


def window(**kw):
    values = dict(status="published", starts_at=NOW + timedelta(days=30))
    values.update(kw)
    return signup.EventWindow(**values)


def test_a_newcomer_gets_a_seat_while_one_is_left():
    assert capacity.place_for_newcomer(capacity.SeatState(10, 9)) == capacity.CONFIRMED


def test_a_full_session_puts_the_next_person_on_the_waiting_list():
    assert capacity.place_for_newcomer(capacity.SeatState(10, 10)) == capacity.WAITING


def test_a_full_session_without_waiting_list_refuses():
    with pytest.raises(SessionFull):
        capacity.place_for_newcomer(capacity.SeatState(10, 10, waitlist_enabled=False), 7)


def test_promotion_takes_the_first_in_line_for_each_free_seat():
    assert capacity.promotions(capacity.SeatState(10, 8), ["a", "b", "c"]) == ["a", "b"]
    assert capacity.promotions(capacity.SeatState(10, 10), ["a"]) == []


def test_one_choice_per_parallel_block_is_required():
    blocks = {1: [10, 11], 2: [20, 21]}
    assert capacity.validate_choices(blocks, {1: 11, 2: 20}) == {1: 11, 2: 20}
    with pytest.raises(InvalidChoice) as missing:
        capacity.validate_choices(blocks, {1: 11})
    assert missing.value.block_id == 2


def test_a_block_without_sessions_asks_for_nothing_and_refuses_a_choice_in_it():
    blocks = {1: [10, 11], 2: []}
    assert capacity.validate_choices(blocks, {1: 11}) == {1: 11}
    with pytest.raises(InvalidChoice) as named:
        capacity.validate_choices(blocks, {1: 11, 2: 10})
    assert named.value.block_id == 2
    with pytest.raises(InvalidChoice):
        capacity.validate_choices(blocks, {})


def test_a_session_of_another_block_or_event_is_refused():
    blocks = {1: [10, 11], 2: [20, 21]}
    with pytest.raises(InvalidChoice):
        capacity.validate_choices(blocks, {1: 20, 2: 21})
    with pytest.raises(InvalidChoice):
        capacity.validate_choices(blocks, {1: 10, 2: 20, 3: 30})


def test_signup_is_open_between_opening_and_closing():
    assert signup.signup_state(window(), NOW) == signup.OPEN
    assert signup.signup_state(window(signup_opens_at=NOW + timedelta(hours=1)), NOW) == signup.NOT_YET
    assert signup.signup_state(window(signup_closes_at=NOW), NOW) == signup.CLOSED


def test_signup_closes_when_the_event_starts_if_no_closing_time_is_set():
    assert signup.signup_state(window(starts_at=NOW), NOW) == signup.CLOSED


def test_drafts_and_cancelled_events_take_no_signups():
    for status in ("draft", "cancelled", "closed"):
        with pytest.raises(SignupClosed):
            signup.ensure_signup_open(window(status=status), NOW)
    with pytest.raises(SignupNotOpenYet):
        signup.ensure_signup_open(window(signup_opens_at=NOW + timedelta(days=1)), NOW)


def test_cancelling_is_allowed_after_signup_closed_but_not_after_the_start():
    closed = window(signup_closes_at=NOW - timedelta(days=1))
    signup.ensure_cancel_allowed(closed, NOW)
    with pytest.raises(ChangesClosed):
        signup.ensure_changes_allowed(closed, NOW)
    with pytest.raises(ChangesClosed):
        signup.ensure_cancel_allowed(window(starts_at=NOW), NOW)


def test_email_addresses_compare_without_case_or_spaces():
    assert signup.email_key("  Anna.Lindqvist@Example.ORG ") == "anna.lindqvist@example.org"


def test_smtp_5xx_is_permanent_and_4xx_or_no_answer_is_temporary():
    assert delivery.classify_smtp_failure(550) == delivery.PERMANENT
    assert delivery.classify_smtp_failure(451) == delivery.TEMPORARY
    assert delivery.classify_smtp_failure(None) == delivery.TEMPORARY


def test_retries_back_off_exponentially_and_give_up_at_the_limit():
    assert delivery.next_attempt(NOW, 1, 5) == NOW + timedelta(seconds=30)
    assert delivery.next_attempt(NOW, 3, 5) == NOW + timedelta(seconds=120)
    assert delivery.retry_delay(30) == timedelta(hours=1)
    assert delivery.next_attempt(NOW, 5, 5) is None


@pytest.mark.parametrize("code, answer, kept", [
    (550, "5.1.1 <anna.l@example.se>: Recipient address rejected",
     "550 5.1.1 <address>: Recipient address rejected"),
    (552, "Mailbox full (user anna.l@example.se),\r\n try later",
     "552 Mailbox full (user <address>), try later"),
    (None, "ConnectionRefusedError: [Errno 111] Connection refused",
     "ConnectionRefusedError: [Errno 111] Connection refused"),
])
def test_a_delivery_failure_keeps_the_code_and_answer_but_no_address(code, answer, kept):
    assert delivery.failure_text(code, answer) == kept


@pytest.mark.parametrize("header, said", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge, Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari, iPhone"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
     "Chrome, Android"),
    ("curl/8.5.0", ""),
    (None, ""),
])
def test_a_browser_is_named_by_its_product_and_system(header, said):
    from eventapp.util.useragent import summary

    assert summary(header) == said
