"""The ranking forms (issue 14): sign-up in a block that takes preferences, errors beside
the rank with nothing typed lost, and changing the ranking through the manage link."""
from datetime import timedelta

from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import ParallelBlock, Preference, Registration
from eventapp.services import allocation, preferences
from eventapp.util.time import utcnow
from tests.factories import make_event
from tests.helpers import csrf_token, signup_data, text_of


def preference_event(capacities=(2, 2, 2)):
    event = make_event(capacities=capacities)
    block = event.blocks[0]
    block.allocation_mode = ParallelBlock.PREFERENCES
    block.ranking_deadline = utcnow() + timedelta(days=3)
    db.session.commit()
    return event


def ranking_data(client, event, *indexes, n=1):
    block = event.blocks[0]
    data = signup_data(client, event, n=n)
    data.pop(f"block_{block.id}")
    for rank, index in enumerate(indexes, 1):
        data[f"block_{block.id}_rank_{rank}"] = "" if index is None else str(
            block.sessions[index].id)
    return data


def test_the_sign_up_form_asks_for_ranks_with_one_labelled_select_each(app, client):
    with app.app_context():
        event = preference_event()
        block_id = event.blocks[0].id
        html = client.get(f"/events/{event.slug}/signup").get_data(as_text=True)
    for rank in (1, 2, 3):
        assert f'<label class="label" for="block_{block_id}_rank_{rank}">Önskemål {rank}</label>' in html
    assert html.count('aria-required="true"') >= 4  # name, email, 1st and 2nd choice
    assert "önskemål 1 är det du helst vill gå på" in text_of(html)


def test_signing_up_with_a_ranking_stores_it_and_no_seat(app, client):
    with app.app_context():
        event = preference_event()
        response = client.post(f"/events/{event.slug}/signup",
                               data=ranking_data(client, event, 2, 0))
        assert response.status_code == 302
        registration = db.session.scalar(select(Registration))
        block = event.blocks[0]
        assert preferences.ranking_of(registration.id, block.id) == (
            block.sessions[2].id, block.sessions[0].id)
        assert registration.choices == []


def test_a_duplicate_or_a_gap_is_shown_beside_the_rank_and_nothing_typed_is_lost(app, client):
    with app.app_context():
        event = preference_event()
        block = event.blocks[0]
        duplicate = client.post(f"/events/{event.slug}/signup",
                                data=ranking_data(client, event, 1, 1))
        gap = client.post(f"/events/{event.slug}/signup",
                          data=ranking_data(client, event, 0, None, 2))
        assert db.session.scalar(select(func.count(Registration.id))) == 0
    assert duplicate.status_code == 400
    html = duplicate.get_data(as_text=True)
    assert "Önskemål 2: Önskemål nummer 2 är ett dialogmöte som du redan har valt" in text_of(html)
    assert f'id="block_{block.id}_rank_2-error"' in html
    assert 'value="Gallring av e-post"' in html or "Gallring av e-post" in html
    assert f'<option selected value="{block.sessions[1].id}">' in html
    assert "Önskemål nummer 2 är tomt" in text_of(gap)


def test_the_manage_link_changes_the_ranking_until_ranking_closes(app, client, inbox):
    from eventapp.mail.delivery import deliver_due
    from tests.helpers import manage_link

    with app.app_context():
        event = preference_event()
        block = event.blocks[0]
        client.post(f"/events/{event.slug}/signup", data=ranking_data(client, event, 0, 1))
        deliver_due()
        link = manage_link(inbox.messages[0].get_body(("plain",)).get_content())
        path = link.split("localhost", 1)[-1] if "localhost" in link else "/" + link.split("/", 3)[3]
        page = client.get(path)
        assert "Dina önskemål för" in text_of(page)
        prefix = f"ranking{block.id}-block_{block.id}_rank_"
        response = client.post(f"{path}/ranking/{block.id}", data={
            f"ranking{block.id}-csrf_token": csrf_token(client, path),
            f"{prefix}1": str(block.sessions[2].id), f"{prefix}2": str(block.sessions[0].id),
            f"{prefix}3": ""})
        assert response.status_code == 302, text_of(response)
        registration = db.session.scalar(select(Registration))
        assert preferences.ranking_of(registration.id, block.id) == (
            block.sessions[2].id, block.sessions[0].id)
        allocation.request_allocation(block.id, utcnow())
        closed = client.get(path)
        assert "Det går inte längre att ändra önskemålen" in text_of(closed)
        refused = client.post(f"{path}/ranking/{block.id}", data={
            f"ranking{block.id}-csrf_token": csrf_token(client, path),
            f"{prefix}1": str(block.sessions[1].id), f"{prefix}2": str(block.sessions[0].id)})
        assert refused.status_code == 409
        assert db.session.scalar(select(func.count(Preference.id))) == 2


def test_the_organiser_sets_preferences_allocates_previews_and_publishes(app, client, inbox):
    from eventapp.mail.delivery import deliver_due
    from eventapp.models import AllocationRun, SessionChoice
    from tests.factories import details, make_user
    from tests.helpers import login, post_form
    from eventapp.services import booking

    with app.app_context():
        event = make_event(capacities=(1, 1))
        block = event.blocks[0]
        make_user()
        event_id, block_id = event.id, block.id
        sessions = [s.id for s in block.sessions]
    login(client, "organisator@example.org")
    page = f"/organiser/events/{event_id}/blocks/{block_id}/allocation"
    assert client.get(page).status_code == 200
    response = post_form(client, f"{page}/settings", {
        "allocation_mode": "preferences", "ranking_deadline": "",
        "allocation_objective": "rank_maximal", "mix_limit": "1"}, page=page)
    assert response.status_code == 302
    with app.app_context():
        for n in (1, 2, 3):
            booking.register(event_id, details(n), {}, "sv", utcnow(),
                             rankings={block_id: sessions})
    response = post_form(client, f"{page}/run", {
        f"capacity_{sessions[0]}": "1", f"capacity_{sessions[1]}": "1"}, page=page)
    assert response.status_code == 302
    assert "Beräknar" in text_of(client.get(page))
    with app.app_context():
        allocation.allocate_due(utcnow())  # what the mail worker does
        run_id = db.session.scalar(select(AllocationRun.id))
    preview = text_of(client.get(page))
    assert "Förslag" in preview and "Vanlig lottning" in preview
    assert "Ingen plats 1 1" in preview
    # Each organisation's spread over the sessions, for this allocation and for the lottery.
    ours = preview.index("fördelad på dialogmötena: den här fördelningen")
    lottery = preview.index("fördelad på dialogmötena: vanlig lottning")
    assert "Umeå kommun 1 1" in preview[ours:lottery]
    assert "Umeå kommun 1 1" in preview[lottery:]
    response = post_form(client, f"{page}/publish", {"run_id": str(run_id)}, page=page)
    assert response.status_code == 302
    again = post_form(client, f"{page}/publish", {"run_id": str(run_id)}, page=page)
    assert "redan publicerad" in text_of(client.get(again.location))
    with app.app_context():
        states = sorted(db.session.scalars(select(SessionChoice.state)))
        assert states == ["confirmed", "confirmed", "waiting"]
        deliver_due()
    assert len([m for m in inbox.messages if "fått en plats" in m["Subject"]]) == 2
    assert len([m for m in inbox.messages if "väntelistan" in m["Subject"]]) == 1


def test_the_lead_sees_how_many_ranked_their_session_at_which_rank_until_published(app, client):
    from eventapp.services import booking
    from tests.factories import details, make_lead_user
    from tests.helpers import login

    with app.app_context():
        event = preference_event()
        block = event.blocks[0]
        ids = [s.id for s in block.sessions]
        for n, ranking in ((1, ids), (2, [ids[1], ids[0]]), (3, [ids[0], ids[2]])):
            booking.register(event.id, details(n), {}, "sv", utcnow(), rankings={block.id: ranking})
        make_lead_user(block.sessions[0], "ledare@example.org")
        session_id = ids[0]
    login(client, "ledare@example.org")
    page = text_of(client.get(f"/lead/sessions/{session_id}"))
    assert "Önskemål hittills" in page
    assert "Önskemål 1 2 Önskemål 2 1" in page
