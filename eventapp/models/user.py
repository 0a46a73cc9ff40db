"""Accounts for organisers and session leads, their single-use email tokens, and their
signed-in sessions."""
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..util.time import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_organiser: Mapped[bool] = mapped_column(default=False)
    is_lead: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # No longer read: sessions are rows of login_session. Kept so that the release before
    # still runs against this schema during an upgrade; a later migration drops it.
    session_version: Mapped[int] = mapped_column(default=1)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    leads = relationship("Lead", back_populates="user")

    # The session this request is signed in with, and its random id (never stored; only its
    # hash is): what Flask-Login keeps in the cookie. Set by services.accounts.session_user.
    session_token = None
    login_session = None

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.active

    def set_password(self, password):
        # scrypt, werkzeug's default: a memory-hard KDF with a per-password salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def roles(self):
        return {r for r, held in (("organiser", self.is_organiser), ("lead", self.is_lead)) if held}


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class AccountToken(db.Model):
    """A single-use, expiring link (invitation, password reset, demo sign-in). Only its hash is kept."""

    __tablename__ = "account_token"
    INVITE, RESET, LOGIN = "invite", "reset", "login"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One signed-in browser of a staff member. The cookie holds a random id, the database its
    hash: logging out ends the row, and a copied cookie stops working with it."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # "Firefox, Windows": enough for the person to recognise the browser on the account page.
    user_agent: Mapped[str] = mapped_column(String(100), default="")
