"""A person's registration for an event and their choice in each parallel block."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..util.time import utcnow


# The email key of a registration whose personal data retention removed ("anonymised:<id>"):
# no address can start so (a colon is not allowed in one), and it keeps the key unique.
ANONYMISED_KEY = "anonymised:"


class Registration(db.Model):
    __tablename__ = "registration"
    ACTIVE, CANCELLED = "active", "cancelled"
    __table_args__ = (
        # One live registration per email per event; a cancelled one does not block a new one.
        Index(
            "uq_registration_active_email",
            "event_id",
            "email_key",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # Ids never come back on SQLite either (see web/tokens.py for why that matters).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable, unguessable identity for the calendar entry (iCalendar UID).
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    dietary_needs: Mapped[str] = mapped_column(Text, default="")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    discussion_topic: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(10), default="sv")
    consent_version: Mapped[int] = mapped_column(default=1)
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The privacy text exactly as the person saw it when they agreed.
    consent_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    # "web" (the person), "organiser" (registered by hand), "walk_in" (added at the door).
    source: Mapped[str] = mapped_column(String(20), default="web")
    # Bumped to revoke every manage link handed out so far.
    link_version: Mapped[int] = mapped_column(default=1)
    # iCalendar SEQUENCE: rises with every calendar update sent for this registration.
    ics_sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]

    event = relationship("Event")
    choices: Mapped[list["SessionChoice"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="SessionChoice.block_id"
    )

    @property
    def is_active(self):
        return self.status == self.ACTIVE

    @property
    def is_anonymised(self):
        """Retention removed the personal data: its links answer 410 and take no changes."""
        return self.email_key.startswith(ANONYMISED_KEY)

    def choice_for_block(self, block_id):
        return next((c for c in self.choices if c.block_id == block_id), None)


class SessionChoice(db.Model):
    """The session a registration picked in one parallel block: a seat or a waiting-list place."""

    __tablename__ = "session_choice"
    CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
    __table_args__ = (
        UniqueConstraint("registration_id", "block_id", name="uq_session_choice_one_per_block"),
        Index("ix_session_choice_session_state", "session_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    block_id: Mapped[int] = mapped_column(ForeignKey("parallel_block.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE")
    )
    state: Mapped[str] = mapped_column(String(20))
    # Waiting-list number within the session; lower goes first.
    queue_no: Mapped[int | None]
    # Attendance on the day, ticked by the session lead.
    checked_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="choices")
    session = relationship("DialogueSession")
    block = relationship("ParallelBlock")
