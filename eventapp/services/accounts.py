"""Staff accounts: creating, inviting, signing in and out, password reset, single-use email
tokens, and the signed-in sessions kept on the server."""
import secrets

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain import accounts as rules
from ..domain.errors import EmailTaken, InvalidToken
from ..domain.signup import email_key, normalised_email
from ..extensions import db
from ..models import AccountToken, LoginSession, OutboxMessage, User
from ..models.user import hash_token
from .unit_of_work import lock_rows, write_transaction

# Compared against when the address is unknown, so that a wrong address costs as much time
# as a wrong password and timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def find_user(address):
    return db.session.scalar(select(User).where(User.email_key == email_key(address)))


@write_transaction(on_integrity_error=EmailTaken)
def create_user(email, name, password=None, organiser=False, lead=False, now=None, demo=False):
    if password is not None:
        rules.check_password_quality(password, current_app.config["PASSWORD_MIN_LENGTH"], email)
    if find_user(email) is not None:
        raise EmailTaken()
    user = User(email=normalised_email(email), email_key=email_key(email), name=name.strip(),
                is_organiser=organiser, is_lead=lead, is_demo=demo)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email, password, now):
    """The active user with this address and password, or None (same cost either way)."""
    user = find_user(email) if isinstance(email, str) else None
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


# --- sessions: the cookie holds a random id, the database only its hash ----------------


@write_transaction()
def start_session(user_id, browser, now):
    """A new signed-in session for the user: its random id, for the cookie (never reused)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user_id, token_hash=hash_token(raw), created_at=now,
                                last_seen_at=now, user_agent=browser[:100]))
    db.session.execute(update(User).where(User.id == user_id).values(last_login_at=now))
    return raw


def session_user(raw, now):
    """The active user signed in with this session id while the session lives, else None.
    The user carries the session (`session_token`, `login_session`) for this request."""
    if not isinstance(raw, str) or not 20 <= len(raw) <= 100:
        return None
    found = db.session.execute(
        select(LoginSession, User).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == hash_token(raw))).first()
    if found is None:
        return None
    login, user = found
    idle_hours = current_app.config["STAFF_SESSION_IDLE_HOURS"]
    if not user.active or not rules.session_live(login.ended_at, login.last_seen_at, now,
                                                 idle_hours):
        return None
    user.session_token, user.login_session = raw, login
    return user


def live_sessions(user_id, now):
    """The person's sessions that still live, newest first (for the account page)."""
    rows = db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())).all()
    idle_hours = current_app.config["STAFF_SESSION_IDLE_HOURS"]
    return [r for r in rows if rules.session_live(r.ended_at, r.last_seen_at, now, idle_hours)]


@write_transaction()
def note_session_seen(session_id, now):
    db.session.execute(update(LoginSession).where(
        LoginSession.id == session_id, LoginSession.ended_at.is_(None)).values(last_seen_at=now))


@write_transaction()
def end_session(raw, now):
    """Logging out: this session ends on the server, so a copy of its cookie stops working."""
    if isinstance(raw, str):
        db.session.execute(update(LoginSession).where(
            LoginSession.token_hash == hash_token(raw), LoginSession.ended_at.is_(None))
            .values(ended_at=now))


@write_transaction()
def end_every_session(user_id, now):
    """Sign out everywhere: every session of the person ends, this one too."""
    _end_sessions_of(user_id, now)


def _end_sessions_of(user_id, now):
    db.session.execute(update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)).values(ended_at=now))


def _enqueue_for_user(kind, user, now, **payload):
    message = OutboxMessage(kind=kind, user=user, to_address=user.email, locale="sv",
                            payload=payload, next_attempt_at=now, created_at=now)
    db.session.add(message)
    return message


@write_transaction(on_integrity_error=EmailTaken)
def invite(email, name, now, organiser=False, lead=False, invited_by=None, locale="sv"):
    """Create (or find) the account and mail it a link to choose a password."""
    return invite_in_transaction(email, name, now, organiser, lead, invited_by, locale)


def invite_in_transaction(email, name, now, organiser=False, lead=False, invited_by=None,
                          locale="sv", led=None):
    """invite(), as one step of a use case that has its write transaction open already.
    `led`: (event title, session title) of the dialogue session the person is invited to
    lead, named in the mail."""
    user = find_user(email)
    if user is None:
        user = User(email=normalised_email(email), email_key=email_key(email), name=name.strip())
        db.session.add(user)
    user.is_organiser = user.is_organiser or organiser
    user.is_lead = user.is_lead or lead
    db.session.flush()
    if not user.password_hash:
        # The mail is rendered from this payload alone: the titles as they are now.
        titles = dict(zip(("event", "session"), led)) if led else {}
        message = _enqueue_for_user("account_invite", user, now,
                                    invited_by=invited_by.name if invited_by else "", **titles)
        message.locale = locale
    return user


@write_transaction()
def request_password_reset(email, now, locale="sv"):
    """Mail a reset link if the address has an active account; say nothing either way."""
    user = find_user(email) if isinstance(email, str) else None
    if user is not None and user.active:
        message = _enqueue_for_user("password_reset", user, now)
        message.locale = locale


def issue_token(user, purpose, now, hours):
    """A fresh single-use token; older unused ones of the same purpose stop working.

    Only the hash is stored. The caller commits.
    """
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=hash_token(raw),
                                expires_at=rules.expiry(now, hours), created_at=now))
    return raw


# The link each staff message carries: its token's purpose, and the setting for its hours.
_STAFF_LINKS = {
    "account_invite": (AccountToken.INVITE, "INVITE_TOKEN_HOURS"),
    "password_reset": (AccountToken.RESET, "RESET_TOKEN_HOURS"),
}


@write_transaction(keep_loaded=True)
def issue_delivery_tokens(rows, now):
    """The links a delivery batch's staff messages carry, {outbox row id: StaffLink}, issued in
    one transaction before the batch is rendered, so that no live token ever sits in the
    outbox. A message that is no longer sent (rules.staff_message_refusal) gets none. The
    rows, loaded by the worker with their users, stay loaded for rendering."""
    cfg = current_app.config
    links = {}
    for row in rows:
        if row.kind not in _STAFF_LINKS or rules.staff_message_refusal(row.kind, row.user):
            continue
        purpose, setting = _STAFF_LINKS[row.kind]
        hours = cfg[setting]
        links[row.id] = rules.StaffLink(issue_token(row.user, purpose, now, hours), hours)
    return links


def peek_token(raw, purposes, now):
    """The token's account if it is still usable, without using it up (for showing a form)."""
    if not isinstance(raw, str) or not 20 <= len(raw) <= 100:
        return None
    token = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == hash_token(raw)))
    if token is None or token.purpose not in purposes:
        return None
    if not rules.token_usable(token.expires_at, token.used_at, now):
        return None
    return token


def _use_token(raw, purposes, now):
    token = peek_token(raw, purposes, now)
    if token is None:
        raise InvalidToken()
    # Lock and re-check, so a token clicked twice at once is used once.
    locked = lock_rows(AccountToken, [token.id])[token.id]
    if not rules.token_usable(locked.expires_at, locked.used_at, now):
        raise InvalidToken()
    locked.used_at = now
    return locked


@write_transaction()
def set_password_with_token(raw, password, now):
    token = _use_token(raw, (AccountToken.INVITE, AccountToken.RESET), now)
    user = token.user
    rules.check_password_quality(password, current_app.config["PASSWORD_MIN_LENGTH"], user.email)
    user.set_password(password)
    # Whoever knew the old password may be signed in somewhere: every session ends.
    _end_sessions_of(user.id, now)
    return user


@write_transaction()
def login_with_token(raw, now):
    """Demo sign-in links (development only)."""
    token = _use_token(raw, (AccountToken.LOGIN,), now)
    return token.user


@write_transaction()
def issue_login_token(user_id, now, hours=1):
    user = db.session.get(User, user_id)
    return issue_token(user, AccountToken.LOGIN, now, hours)
