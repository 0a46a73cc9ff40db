"""Outgoing messages, written in the same transaction as the change that causes them."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..util.time import utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    # queued -> sending (leased by a worker) -> sent | failed | skipped (no longer relevant)
    #   | logged (no mail server configured: printed to the log and kept here)
    QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
    SKIPPED, LOGGED = "skipped", "logged"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    # Messages to staff (invitations, password resets) belong to an account instead.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # For reminder messages: which reminder (its sent log is these rows).
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10), default="sv")
    # Facts the message needs that may change later (calendar sequence, sessions involved).
    # Never a live link: links are made at delivery from the registration's link version.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Optional idempotency key: at most one message per key (reminders use it).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    registration = relationship("Registration")
    user = relationship("User")
    reminder = relationship("Reminder")
