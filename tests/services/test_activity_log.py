"""The activity log knows whom an entry is about by a column: erasure scrubs by it, and a
registration that goes leaves its entries behind with the column empty."""
from sqlalchemy import delete, select

from eventapp.extensions import db
from eventapp.models import ActivityEntry, Registration
from eventapp.services import attendance, booking, privacy
from eventapp.util.time import utcnow
from tests.factories import details, make_event, make_user


def _register_by_hand(event, n, organiser):
    choices = {event.blocks[0].id: event.blocks[0].sessions[0].id}
    return booking.register(event.id, details(n), choices, "sv", utcnow(), notify=False,
                            source="organiser", actor=organiser)


def _entries():
    db.session.expire_all()
    return db.session.scalars(select(ActivityEntry).order_by(ActivityEntry.id)).all()


def test_a_log_line_about_a_person_carries_them_in_its_column_not_in_its_details(ctx):
    organiser = make_user()
    event = make_event(capacities=(5,))
    person = _register_by_hand(event, 1, organiser)
    choice = person.choices[0]
    attendance.set_checked_in(choice.session_id, choice.id, True, organiser, utcnow())

    entries = _entries()
    assert [(e.action, e.registration_id) for e in entries] == [
        ("registration.created", person.id), ("checkin.arrived", person.id)]
    assert entries[1].details == {"session_id": choice.session_id}


def test_erasure_removes_the_persons_name_from_the_log_and_leaves_the_entries_unlinked(ctx):
    organiser = make_user()
    event = make_event(capacities=(5,))
    person = _register_by_hand(event, 1, organiser)
    other = _register_by_hand(event, 2, organiser)
    booking.update_details(person.id, details(1, name="Deltagare Ett"), utcnow(), actor=organiser)
    choice = db.session.get(Registration, person.id).choices[0]
    attendance.set_checked_in(choice.session_id, choice.id, True, organiser, utcnow())

    privacy.delete_registration(person.id, utcnow())

    entries = _entries()
    about_other = [e for e in entries if e.registration_id == other.id]
    scrubbed = [e for e in entries if e.registration_id is None]
    assert [(e.action, e.summary) for e in about_other] == [("registration.created", "Deltagare 2")]
    assert [(e.action, e.summary, e.details) for e in scrubbed] == [
        ("registration.created", "", {}), ("registration.edited", "", {}), ("checkin.arrived", "", {})]
    assert not [e for e in entries if "Deltagare 1" in e.summary or "Deltagare Ett" in e.summary]


def test_deleting_a_registration_row_empties_the_column_and_keeps_the_entry(ctx):
    organiser = make_user()
    event = make_event(capacities=(5,))
    person = _register_by_hand(event, 1, organiser)

    # Straight at the database, past the service: the foreign key itself must SET NULL.
    db.session.execute(delete(Registration).where(Registration.id == person.id))
    db.session.commit()

    assert [(e.action, e.registration_id) for e in _entries()] == [("registration.created", None)]
