"""An API world: two events, an organiser and two leads with tokens of every kind, and the
tokens that must not work (expired, revoked, a participant's manage link)."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from eventapp.extensions import db
from eventapp.models import ApiToken
from eventapp.services import api_tokens
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from eventapp.models import DialogueSession, Lead
from eventapp.services import accounts
from tests.factories import make_event, sign_up


def staff(email, name, organiser=False, session=None):
    """A staff account without a password (hashing one is slow, and tokens need none)."""
    user = accounts.create_user(email, name, organiser=organiser, lead=session is not None,
                                now=utcnow())
    if session is not None:
        lead = Lead(name=name, email=email, user_id=user.id)
        db.session.get(DialogueSession, session.id).leads.append(lead)
        db.session.commit()
    return user


def issue(user, kind, ids, write=False):
    return api_tokens.issue(user.id, f"{kind} token", kind, write, ids, utcnow())[1]


def issue_with_id(user, kind, ids, write=False):
    token, secret = api_tokens.issue(user.id, f"{kind} token", kind, write, ids, utcnow())
    return token.id, secret


def build_world():
    event = make_event(capacities=(2, 5))
    other = make_event(capacities=(3,))
    block = event.blocks[0]
    first, second = block.sessions
    people = [sign_up(event, n, session_index=0 if n < 4 else 1) for n in range(1, 5)]
    sign_up(other, 9)
    organiser = staff("organisator@example.org", "Olga Organisatör", organiser=True)
    lead = staff("lena.ledare@example.org", "Lena Ledare", session=first)
    other_lead = staff("olle.ledare@example.org", "Olle Ledare", session=second)
    other_organiser = staff("annan@example.org", "Anna Annan", organiser=True)
    expired_id, expired = issue_with_id(organiser, "organiser", [event.id], write=True)
    revoked_id, revoked = issue_with_id(organiser, "organiser", [event.id], write=True)
    db.session.execute(update(ApiToken).where(ApiToken.id == expired_id).values(
        expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    api_tokens.revoke(organiser.id, revoked_id, utcnow())
    tokens = {
        "organiser": issue(organiser, "organiser", [event.id], write=True),
        "read_only": issue(organiser, "organiser", [event.id]),
        "other_event": issue(other_organiser, "organiser", [other.id], write=True),
        "lead": issue(lead, "lead", [first.id]),
        "other_lead": issue(other_lead, "lead", [second.id]),
        "expired": expired,
        "revoked": revoked,
        "participant": manage_token(people[0]),
    }
    return SimpleNamespace(
        event_id=event.id, other_event_id=other.id, block_id=block.id,
        session_id=first.id, other_session_id=second.id,
        registration_id=people[0].id, waiting_id=people[2].id,
        other_registration_id=people[-1].id + 1, tokens=tokens, organiser_id=organiser.id,
        lead_id=lead.id)


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"} if secret else {}
