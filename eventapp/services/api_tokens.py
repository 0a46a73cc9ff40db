"""Personal access tokens for the JSON API: issue (the secret is shown once, only its hash is
kept), list, revoke, and check at every use against the owner's roles as they are now."""
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..domain import accounts as rules
from ..domain.errors import InvalidChoice, NotAuthenticated, NotFound
from ..extensions import db
from ..models import ApiToken, DialogueSession, Event, Lead, User, session_leads
from ..models.user import hash_token
from .unit_of_work import write_transaction

# "Last used" is written at most this often per token: reading an API seldom writes.
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass
class Principal:
    """Who is calling and what their token reaches right now."""

    token_id: int
    user: User
    kind: str
    can_write: bool
    event_ids: set = field(default_factory=set)
    session_ids: set = field(default_factory=set)


def sessions_led_by(user_id):
    """Ids of the sessions the user leads now."""
    return set(db.session.scalars(
        select(session_leads.c.session_id)
        .join(Lead, Lead.id == session_leads.c.lead_id).where(Lead.user_id == user_id)))


def token_choices(user):
    """What a token of this user may be issued for: (events, sessions)."""
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc())).all() if (
        user.is_organiser) else []
    led = sessions_led_by(user.id)
    sessions = db.session.scalars(
        select(DialogueSession).where(DialogueSession.id.in_(led))
        .options(selectinload(DialogueSession.block)).order_by(DialogueSession.id)).all()
    return events, sessions


@write_transaction()
def issue(user_id, name, kind, can_write, ids, now, days=None):
    """A new token for `ids` (event ids for an organiser's token, session ids for a lead's);
    returns (token, the secret), the secret never to be seen again."""
    user = db.session.get(User, user_id)
    if kind == ApiToken.ORGANISER and user.is_organiser:
        allowed = set(db.session.scalars(select(Event.id).where(Event.id.in_(ids))))
    elif kind == ApiToken.LEAD:
        allowed = sessions_led_by(user_id)
    else:
        raise InvalidChoice()
    chosen = set(ids)
    if not chosen or not chosen <= allowed:
        raise InvalidChoice()
    raw = rules.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user_id, name=name.strip()[:100], kind=kind, can_write=can_write,
                     token_hash=hash_token(raw), created_at=now,
                     expires_at=rules.api_token_expiry(now, days))
    if kind == ApiToken.ORGANISER:
        token.events = db.session.scalars(select(Event).where(Event.id.in_(chosen))).all()
    else:
        token.sessions = db.session.scalars(
            select(DialogueSession).where(DialogueSession.id.in_(chosen))).all()
    db.session.add(token)
    db.session.flush()
    return token, raw


def issue_demo_token(user_id, now):
    """Development only: a read-only organiser token for every event, valid one day."""
    events = db.session.scalars(select(Event.id)).all()
    return issue(user_id, "Demo (read only)", ApiToken.ORGANISER, False, events, now, days=1)[1]


@write_transaction()
def revoke(user_id, token_id, now):
    """Revoke one of the user's own tokens (another's is not found)."""
    done = db.session.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id,
                               ApiToken.revoked_at.is_(None)).values(revoked_at=now)).rowcount
    if not done:
        raise NotFound(token_id)


def tokens_of(user_id):
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id)
        .options(selectinload(ApiToken.events),
                 selectinload(ApiToken.sessions).selectinload(DialogueSession.block))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).all()


def authenticate(raw, now):
    """The caller behind a Bearer secret, checked against their roles now; NotAuthenticated
    for anything that is not a live token of an active account."""
    if not isinstance(raw, str) or not raw.startswith(rules.API_TOKEN_PREFIX) or len(raw) > 200:
        raise NotAuthenticated()
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(raw))
        .options(selectinload(ApiToken.events), selectinload(ApiToken.sessions),
                 selectinload(ApiToken.user)))
    if token is None or not rules.api_token_usable(token.expires_at, token.revoked_at,
                                                   token.user.active, now):
        raise NotAuthenticated()
    principal = Principal(token.id, token.user, token.kind, token.can_write)
    if token.kind == ApiToken.ORGANISER:
        principal.event_ids = rules.api_token_reach(
            token.kind, token.user.is_organiser, {e.id for e in token.events}, set())
    else:
        principal.session_ids = rules.api_token_reach(
            token.kind, token.user.is_organiser, {s.id for s in token.sessions},
            sessions_led_by(token.user_id) if token.user.is_lead else set())
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        _note_used(token.id, now)
    return principal


@write_transaction(keep_loaded=True)
def _note_used(token_id, now):
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))

