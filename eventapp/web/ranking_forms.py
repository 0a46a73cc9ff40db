"""The ranking of a block that takes preferences (issue 14): one labelled select per rank,
no drag-and-drop, so it works by keyboard, with a screen reader and on a small phone. The
rules (first required, second too with two or more sessions, no duplicates, no gaps) are
the domain's; a refusal is shown beside the rank it concerns."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..domain.preferences import required_ranks


def rank_field_name(block, rank):
    return f"block_{block.id}_rank_{rank}"


def _to_optional_int(value):
    # "" is "no choice"; anything else that is not a number becomes a session not offered.
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def add_ranking_fields(form_class, block):
    """A select per rank: "Choice 1" ... "Choice n" for a block of n sessions."""
    options = [SelectChoice("", _l("(no choice)"))] + [SelectChoice(s.id, s.title)
                                                       for s in block.sessions]
    for rank in range(1, len(block.sessions) + 1):
        setattr(form_class, rank_field_name(block, rank), SelectField(
            _l("Choice %(n)d", n=rank), coerce=_to_optional_int, choices=options,
            validators=[Optional()], validate_choice=False))


def ranking_fields(form, block):
    """The block's rank fields in order, each with whether it must be filled in."""
    needed = required_ranks(len(block.sessions))
    return [(form[rank_field_name(block, rank)], rank <= needed)
            for rank in range(1, len(block.sessions) + 1)]


def rankings_from_form(form, blocks):
    """{block id: [session id or None per rank]} for the blocks that take preferences."""
    return {block.id: [field.data for field, _required in ranking_fields(form, block)]
            for block in blocks if block.takes_preferences}


def fill_ranking(form, block, ranking):
    """Show a stored ranking (a tuple of session ids) in the block's selects."""
    for rank, (field, _required) in enumerate(ranking_fields(form, block), 1):
        field.data = ranking[rank - 1] if rank <= len(ranking) else None


def mark_ranking_error(form, block, error, message):
    """Put the refusal beside the rank it concerns (the first one when it names none)."""
    rank = min(max(getattr(error, "rank", None) or 1, 1), len(block.sessions))
    field = form[rank_field_name(block, rank)]
    field.errors = list(field.errors) + [message]


def ranking_form_for(block, base, **kwargs):
    """The manage page's form for changing one block's ranking."""

    class RankingForm(base):
        save = SubmitField(_l("Save my wishes"))

    add_ranking_fields(RankingForm, block)
    return RankingForm(**kwargs)


def ranking_forms(registration, submitted=None):
    """The manage page's rankings: [(block, [sessions ranked], form or None)] for each block
    awaiting allocation; a form only while ranking is open (`submitted`: the one just sent
    back with its errors, as (block id, form))."""
    from ..domain.preferences import RankingWindow, ranking_open
    from ..services.preferences import rankings_of
    from ..util.time import utcnow
    from .forms import BaseForm

    ranked = {block.id: sessions for block, sessions in rankings_of(registration).items()}
    rows, now = [], utcnow()
    for block in registration.event.blocks:
        if not block.takes_preferences:
            continue
        sessions = ranked.get(block.id, [])
        form = None
        if registration.is_active and ranking_open(RankingWindow.of(block), now):
            if submitted is not None and submitted[0] == block.id:
                form = submitted[1]
            else:
                form = ranking_form_for(block, BaseForm, formdata=None,
                                        prefix=f"ranking{block.id}")
                fill_ranking(form, block, [s.id for s in sessions])
        rows.append((block, sessions, form))
    return rows
