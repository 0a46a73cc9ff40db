"""The rules of a ranking and of a block's mode (issue 14), pure."""
from datetime import datetime, timedelta

import pytest

from eventapp.domain import errors
from eventapp.domain.preferences import (
    RankingWindow,
    ensure_mode_change_allowed,
    is_late,
    ranking_open,
    required_ranks,
    validate_ranking,
)

NOW = datetime(2027, 5, 1, 10, 0)


@pytest.mark.parametrize("ranking, expected", [
    ([3, 1], (3, 1)), ([3, 1, None, None], (3, 1)), ([1, 2, 3], (1, 2, 3)),
])
def test_a_valid_ranking_is_kept_in_order_without_trailing_empty_ranks(ranking, expected):
    assert validate_ranking([1, 2, 3], ranking) == expected


@pytest.mark.parametrize("ranking, error, rank", [
    ([], errors.RankingIncomplete, 1), ([2], errors.RankingIncomplete, 2),
    ([None, 2], errors.RankingGap, 1), ([1, None, 3], errors.RankingGap, 2),
    ([1, 1], errors.RankingDuplicate, 2), ([1, 9], errors.RankingInvalid, 2),
    ([-1, 2], errors.RankingInvalid, 1),
])
def test_a_ranking_is_refused_at_the_rank_where_it_goes_wrong(ranking, error, rank):
    with pytest.raises(error) as refused:
        validate_ranking([1, 2, 3], ranking)
    assert refused.value.rank == rank


def test_one_session_needs_one_choice_and_more_need_two():
    assert [required_ranks(n) for n in (1, 2, 5)] == [1, 2, 2]
    assert validate_ranking([7], [7]) == (7,)


def test_ranking_is_open_until_the_deadline_or_until_allocation_closes_it():
    window = RankingWindow("preferences", NOW + timedelta(hours=1), None)
    assert ranking_open(window, NOW) and not is_late(window, NOW)
    assert not ranking_open(window, NOW + timedelta(hours=1))
    assert is_late(RankingWindow("preferences", None, NOW), NOW)
    assert not ranking_open(RankingWindow("first_come", None, None), NOW)


def test_the_mode_changes_only_while_nobody_holds_a_place():
    ensure_mode_change_allowed("first_come", "preferences", 0)
    ensure_mode_change_allowed("preferences", "preferences", 5)  # no change
    with pytest.raises(errors.AllocationModeLocked):
        ensure_mode_change_allowed("first_come", "preferences", 1)
