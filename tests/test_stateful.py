"""The participant lifecycle as a stateful property test, through HTTP, on both databases.

Hypothesis drives sign-ups, new links, old and new links opened, session changes,
corrections, cancellations, erasure, retention runs, organiser edits and staff sign-in and
sign-out in generated orders, and checks the invariants in tests/stateful/machine.py after
every step. In `make test` it runs reproducibly (derandomized, a fixed budget); `make fuzz`
sets FUZZ_RANDOM=1 and STATEFUL_EXAMPLES high to explore.
"""
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from werkzeug.security import generate_password_hash

from tests.factories import PASSWORD
from tests.stateful.machine import lifecycle_machine

EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", "20"))
STEPS = int(os.environ.get("STATEFUL_STEPS", "30"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def machine_for(make_app, inbox):
    app = make_app(RATELIMIT_ENABLED=False)
    # The organiser signs in again and again: a cheap hash of the same password keeps each
    # sign-in real (the same check_password_hash) without scrypt's deliberate cost.
    return lifecycle_machine(app, inbox, generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"))


# Its budget is examples, not seconds (about 40 s per database on a quiet machine); the
# timeout only guards against a hang on a loaded one.
@pytest.mark.timeout(900)
def test_the_participant_lifecycle_keeps_its_promises(make_app, inbox):
    run_state_machine_as_test(machine_for(make_app, inbox), settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=not RANDOM,
        database=None, deadline=None, suppress_health_check=list(HealthCheck)))


def test_an_erased_persons_old_link_never_opens_the_next_sign_up(make_app, inbox):
    """Defect 1 of issue 13, as the state machine found it on SQLite before the fix.

    SQLite hands the highest id out again after a delete, and a manage link signed only
    (registration id, link version): the erased person's link opened the next person's
    registration. Hypothesis printed (invariants after every step, as it runs them):

        state = ParticipantLifecycle()
        state.erased_and_anonymised_data_is_nowhere()
        state.every_link_shows_only_its_own_person()
        state.every_thanks_page_shows_only_who_signed_up_in_that_browser()
        state.seats_never_exceed_capacity_and_waiting_lists_stay_in_order()
        people_0 = state.sign_up(browser=0, event='A', sessions=(1, 0))
        state.erased_and_anonymised_data_is_nowhere()
        state.every_link_shows_only_its_own_person()
        state.every_thanks_page_shows_only_who_signed_up_in_that_browser()
        state.seats_never_exceed_capacity_and_waiting_lists_stay_in_order()
        state.erase(browser=0, newest=False, person=people_0)
        state.erased_and_anonymised_data_is_nowhere()
        state.every_link_shows_only_its_own_person()
        state.every_thanks_page_shows_only_who_signed_up_in_that_browser()
        state.seats_never_exceed_capacity_and_waiting_lists_stay_in_order()
        people_1 = state.sign_up(browser=0, event='A', sessions=(0, 0))
        state.erased_and_anonymised_data_is_nowhere()
        state.every_link_shows_only_its_own_person()
        state.teardown()

    AssertionError: /manage/WzEsMV0.LW3fWRqqGxJscY6mhFQXKPgcI50/data.json of
    Person(6, A, erased, 'Namn Qn1x') shows another person's data: ['qa11x', 'qd10x',
    'qe8x', 'qj9x', 'qn7x', 'qt12x']
    """
    state = machine_for(make_app, inbox)()
    invariants_hold(state)
    people_0 = state.sign_up(browser=0, event='A', sessions=(1, 0))
    invariants_hold(state)
    state.erase(browser=0, newest=False, person=people_0)
    invariants_hold(state)
    state.sign_up(browser=0, event='A', sessions=(0, 0))
    invariants_hold(state)
    state.teardown()


def invariants_hold(state):
    """What Hypothesis runs after every step."""
    state.erased_and_anonymised_data_is_nowhere()
    state.every_link_shows_only_its_own_person()
    state.every_thanks_page_shows_only_who_signed_up_in_that_browser()
    state.seats_never_exceed_capacity_and_waiting_lists_stay_in_order()
