"""The programme builder's use cases on a real database: a session and its leads saved in one
go, double bookings asked about, known leads found by name, duplicating and reordering."""
import pytest
from sqlalchemy import func, select

from eventapp.domain.errors import AmbiguousLead, DoubleBooking, UnknownLead
from eventapp.extensions import db
from eventapp.models import DialogueSession, Event, Lead, OutboxMessage, ParallelBlock, User
from eventapp.services import programme
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user


def values(title="Nytt dialogmöte", room="", leads=(), remove=(), capacity=10, **extra):
    return {"title": title, "description": extra.get("description", ""), "room": room,
            "capacity": capacity, "waitlist_enabled": True, "remove_lead_ids": list(remove),
            "new_leads": [(n, name, email) for n, (name, email) in enumerate(leads, start=1)]}


def save(event, session=None, block_index=0, allow_clashes=False, **kwargs):
    block = event.blocks[block_index]
    return programme.save_session(event.id, block.id, session.id if session else None,
                                  values(**kwargs), make_organiser(), utcnow(),
                                  allow_clashes=allow_clashes)


def make_organiser():
    return db.session.scalar(select(User).where(User.is_organiser)) or make_user()


def titles(block_id):
    db.session.expire_all()
    return [s.title for s in db.session.get(ParallelBlock, block_id).sessions]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_session_goes_after_the_others_of_its_block(ctx):
    event = make_event(capacities=(5, 5))
    save(event, title="Tredje", room="Sal C")
    assert titles(event.blocks[0].id) == ["Session 1.1", "Session 1.2", "Tredje"]


def test_a_new_person_given_with_an_email_is_invited_once_and_leads_the_session(ctx):
    event = make_event(capacities=(5,))
    saved = save(event, title="AI i vården", leads=[("Nina Ny", "nina@example.org")])
    assert saved.invited == ["Nina Ny"]
    assert [lead.name for lead in saved.session.leads] == ["Nina Ny"]
    invites = db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.kind == "account_invite")).all()
    assert invites == ["account_invite"]


def test_a_known_lead_given_by_name_alone_is_added_without_a_new_invitation(ctx):
    event = make_event(capacities=(5,), blocks=2)
    known = event.blocks[0].sessions[0].leads[0]
    saved = save(event, title="Eftermiddag", block_index=1, leads=[(known.name.upper(), "")])
    assert [lead.id for lead in saved.session.leads] == [known.id]
    assert saved.invited == [] and count(OutboxMessage) == 0


def test_a_name_nobody_has_asks_for_the_address_and_saves_nothing(ctx):
    event = make_event(capacities=(5,))
    with pytest.raises(UnknownLead) as raised:
        save(event, title="Ny", leads=[("Nina Ny", "nina@example.org"), ("Okänd Person", "")])
    assert raised.value.row == 2
    assert count(User) == 1 and count(OutboxMessage) == 0  # the organiser only; no invitation
    assert titles(event.blocks[0].id) == ["Session 1.1"]


def test_a_name_two_known_leads_share_asks_which_one(ctx):
    event = make_event(capacities=(5,))
    db.session.add(Lead(name="Ledare 1.1", email="en.annan@example.org"))
    db.session.commit()
    with pytest.raises(AmbiguousLead):
        save(event, title="Ny", leads=[("Ledare 1.1", "")], block_index=0)


def test_a_lead_already_leading_in_the_same_block_is_asked_about_and_nothing_is_saved(ctx):
    event = make_event(capacities=(5, 5))
    busy = event.blocks[0].sessions[0].leads[0]
    with pytest.raises(DoubleBooking) as raised:
        save(event, title="Ny", room="Sal Q", leads=[(busy.name, ""), ("Nina Ny", "nina@example.org")])
    assert [(c.kind, c.what, c.other_title) for c in raised.value.clashes] == [
        ("lead", busy.name, "Session 1.1")]
    assert count(DialogueSession) == 2 and count(OutboxMessage) == 0 and count(User) == 1


def test_saving_anyway_keeps_the_double_booking(ctx):
    event = make_event(capacities=(5, 5))
    saved = save(event, title="Ny", room="Sal A", allow_clashes=True)
    assert saved.session.room == "Sal A"
    assert [c.kind for c in programme.clashes_of(event.id, saved.session)] == ["room"]


def test_a_double_booking_kept_before_is_not_asked_about_again(ctx):
    event = make_event(capacities=(5, 5))
    saved = save(event, title="Ny", room="Sal A", allow_clashes=True)
    again = save(event, session=saved.session, title="Ny", room="Sal A",
                 description="Nu med beskrivning")
    assert again.session.description == "Nu med beskrivning"


def test_a_room_in_a_block_at_another_time_is_no_double_booking(ctx):
    event = make_event(capacities=(5,), blocks=2)  # each block has its session in Sal A
    afternoon = event.blocks[1].sessions[0]
    saved = save(event, session=afternoon, block_index=1, title="Eftermiddag", room="Sal A")
    assert saved.session.title == "Eftermiddag"


def test_a_ticked_lead_is_removed_and_the_others_stay(ctx):
    event = make_event(capacities=(5,))
    session = event.blocks[0].sessions[0]
    first = session.leads[0]
    saved = save(event, session=session, title=session.title, room="Sal A",
                 leads=[("Nina Ny", "nina@example.org")], remove=[first.id])
    assert [lead.name for lead in saved.session.leads] == ["Nina Ny"]


def test_known_leads_leave_out_the_demo_leads_in_a_real_event(ctx):
    from eventapp.demo import load_demo

    demo, _created = load_demo()
    event = make_event(capacities=(5,))
    names = {lead.name for lead in programme.known_leads(event.id)}
    assert "Kaj Beckman" not in names and "Ledare 1.1" in names
    assert "Kaj Beckman" in {lead.name for lead in programme.known_leads(demo.id)}


def test_known_leads_leave_out_inactive_accounts(ctx):
    event = make_event(capacities=(5,))
    user = make_user(email="borta@example.org", name="Borta Ledare", organiser=False, lead=True)
    db.session.add(Lead(name="Borta Ledare", email="borta@example.org", user_id=user.id))
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert "Borta Ledare" not in {lead.name for lead in programme.known_leads(event.id)}


def test_a_duplicate_goes_right_after_its_original_with_its_settings_and_no_leads(ctx):
    event = make_event(capacities=(5, 7))
    first = event.blocks[0].sessions[0]
    copy = programme.duplicate_session(event.id, first.id, "Session 1.1 (kopia)", False,
                                       make_organiser(), utcnow())
    assert titles(event.blocks[0].id) == ["Session 1.1", "Session 1.1 (kopia)", "Session 1.2"]
    copy = db.session.get(DialogueSession, copy.id)
    assert (copy.room, copy.capacity, copy.description, copy.waitlist_enabled, copy.leads) == (
        "Sal A", 5, "Beskrivning av session 1.1", True, [])


def test_a_duplicate_may_keep_the_leads(ctx):
    event = make_event(capacities=(5,))
    first = event.blocks[0].sessions[0]
    lead_ids = [lead.id for lead in first.leads]
    copy = programme.duplicate_session(event.id, first.id, "Kopia", True, make_organiser(), utcnow())
    assert [lead.id for lead in db.session.get(DialogueSession, copy.id).leads] == lead_ids


def test_moving_a_session_changes_the_order_everyone_sees(ctx):
    event = make_event(capacities=(5, 5, 5))
    block_id, last = event.blocks[0].id, event.blocks[0].sessions[2].id
    programme.move_session(event.id, last, "up", make_organiser(), utcnow())
    assert titles(block_id) == ["Session 1.1", "Session 1.3", "Session 1.2"]
    programme.move_session(event.id, last, "up", make_organiser(), utcnow())
    programme.move_session(event.id, last, "up", make_organiser(), utcnow())  # first already
    assert titles(block_id) == ["Session 1.3", "Session 1.1", "Session 1.2"]


def test_next_slot_starts_where_the_programme_ends(ctx):
    event = db.session.get(Event, make_event(capacities=(5,), blocks=2).id)
    last = event.blocks[-1]
    slot = programme.next_slot(event)
    assert (slot.starts_at, slot.ends_at - slot.starts_at) == (last.ends_at, last.ends_at - last.starts_at)


@pytest.mark.parametrize("what", ["session", "pass"])
def test_a_sign_up_in_the_moment_its_session_is_deleted_is_refused_never_emptied(
        app, monkeypatch, what):
    """Red team, 2 December: the delete checked that nobody had a place, then deleted; a
    sign-up that got through in between lost its place to the delete (the choices' foreign
    key cascades) and kept a confirmation for a session that no longer exists. The delete
    now locks as a sign-up does before it checks, so the sign-up waits and is refused."""
    import threading

    from eventapp.domain import errors
    from eventapp.models import Registration
    from eventapp.services import booking
    from tests.factories import details

    with app.app_context():
        event = make_event(capacities=(10, 10), blocks=2)
        event_id = event.id
        make_organiser()
        block = event.blocks[0]
        block_id, doomed = block.id, block.sessions[0].id
        others = {b.id: b.sessions[0].id for b in event.blocks[1:]}
    outcome = []

    def sign_up():
        with app.app_context():
            try:
                booking.register(event_id, details(1), {block_id: doomed, **others}, "sv",
                                 utcnow())
                outcome.append("booked")
            except (errors.ProgrammeChanged, errors.InvalidChoice) as exc:
                outcome.append(type(exc).__name__)
            finally:
                db.session.remove()

    person = threading.Thread(target=sign_up)
    checked = programme._choices_in

    def nobody_yet_then_someone_signs_up(column, value):
        found = checked(column, value)
        person.start()
        person.join(1.5)  # long enough to commit, if nothing held it back
        return found

    with app.app_context():
        organiser = make_organiser()
        if what == "session":
            delete = lambda: programme.delete_session(event_id, doomed, organiser, utcnow())
        else:
            delete = lambda: programme.delete_block(event_id, block_id, organiser, utcnow())
        monkeypatch.setattr(programme, "_choices_in", nobody_yet_then_someone_signs_up)
        delete()
        person.join(30)
        assert outcome and outcome[0] in ("ProgrammeChanged", "InvalidChoice"), outcome
        assert db.session.get(DialogueSession, doomed) is None
        assert count(Registration) == 0
