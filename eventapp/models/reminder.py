"""Reminders an organiser writes (or the automatic one before the day), sent through the outbox."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..util.time import utcnow


class Reminder(db.Model):
    __tablename__ = "reminder"
    # scheduled -> sent (its messages are queued) | cancelled
    SCHEDULED, SENT, CANCELLED = "scheduled", "sent", "cancelled"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    automatic: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The English text, for participants who signed up in English (empty: Swedish for all).
    subject_en: Mapped[str] = mapped_column(String(200), default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    # Who gets it: {"states": [...], "session_ids": [...], "registered_after": iso, ...}
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=SCHEDULED)
    send_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    created_by = relationship("User")
