"""Forms of the allocation page (issue 14): a block's mode and ranking settings, "allocate"
with the capacities to use, and publish."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ...domain.allocation import MIN_RANK_SUM, RANK_MAXIMAL
from ...domain.preferences import FIRST_COME, PREFERENCES
from ...web.forms import BaseForm
from .forms import _when

_WHOLE = _l("Enter a whole number.")


class AllocationSettingsForm(BaseForm):
    allocation_mode = SelectField(_l("How places are given"), choices=[
        SelectChoice(FIRST_COME, _l("First come, first served")),
        SelectChoice(PREFERENCES, _l("Wishes until a deadline, then a fair allocation"))])
    ranking_deadline = _when(_l("Last day for wishes"), required=False)
    allocation_objective = SelectField(_l("What counts most after seating everyone"), choices=[
        SelectChoice(RANK_MAXIMAL, _l("As many first choices as possible, then second "
                                      "choices, …")),
        SelectChoice(MIN_RANK_SUM, _l("The lowest total of choice numbers"))])
    mix_limit = IntegerField(
        _l("At most this many people from one organisation in a dialogue session (optional)"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l(
            "Enter a number from %(min)d up, or leave it empty."))])
    save = SubmitField(_l("Save settings"))


def allocate_form_for(block, **kwargs):
    """"Allocate" (the first time, or again with a new seed) and each session's capacity."""

    class AllocateForm(BaseForm):
        allocate = SubmitField(_l("Allocate places"))

    for session in block.sessions:
        setattr(AllocateForm, f"capacity_{session.id}", IntegerField(
            _l("Places in “%(title)s”", title=session.title), default=session.capacity,
            validators=[InputRequired(_WHOLE), NumberRange(min=0, max=100000, message=_WHOLE)]))
    return AllocateForm(**kwargs)


class PublishForm(BaseForm):
    run_id = HiddenField()
    publish = SubmitField(_l("Publish: give the places and email everyone"))
