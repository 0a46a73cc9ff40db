"""Personal access tokens for the JSON API, and the change feed that systems keeping copies follow."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..util.time import utcnow

# An organiser's token covers the events it was issued for; a lead's, the sessions chosen.
token_events = Table(
    "api_token_event",
    db.metadata,
    Column("token_id", ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
)
token_sessions = Table(
    "api_token_session",
    db.metadata,
    Column("token_id", ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True),
    Column("session_id", ForeignKey("dialogue_session.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(db.Model):
    """A staff member's personal access token. Only the secret's hash is stored; what it may
    reach is checked against the person's roles at every use (services/api_tokens.py)."""

    __tablename__ = "api_token"
    __table_args__ = {"sqlite_autoincrement": True}
    ORGANISER, LEAD = "organiser", "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    can_write: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")
    events = relationship("Event", secondary=token_events, order_by="Event.starts_at")
    sessions = relationship("DialogueSession", secondary=token_sessions,
                            order_by="DialogueSession.id")


class RegistrationChange(db.Model):
    """One entry of the change feed, written in the transaction of the change. Ids are handed
    out in commit order (see services/changes.py), so a reader never skips one. No foreign key
    to the registration: an erased one's entry must outlive it, carrying only the id."""

    __tablename__ = "registration_change"
    __table_args__ = (Index("ix_registration_change_event_id_id", "event_id", "id"),
                      {"sqlite_autoincrement": True})
    KINDS = ("created", "updated", "moved", "cancelled", "promoted", "erased", "anonymised")

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    registration_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
