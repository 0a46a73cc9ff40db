"""An event, its programme (plenary items and parallel blocks) and dialogue sessions."""
from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..util.time import utcnow

NULL = text("NULL")

session_leads = Table(
    "session_lead",
    db.metadata,
    Column("session_id", ForeignKey("dialogue_session.id", ondelete="CASCADE"), primary_key=True),
    Column("lead_id", ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True),
)


class Event(db.Model):
    __tablename__ = "event"
    # Ids reach browsers and links: on SQLite they never repeat either (see migrations).
    __table_args__ = {"sqlite_autoincrement": True}

    DRAFT, PUBLISHED, CLOSED, CANCELLED = "draft", "published", "closed", "cancelled"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # All datetimes are naive UTC; templates show them in Europe/Stockholm.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # The language the organiser wrote the event's texts in (WCAG 3.1.2: marked in pages).
    content_language: Mapped[str] = mapped_column(String(10), default="sv")
    signup_opens_at: Mapped[datetime | None]
    signup_closes_at: Mapped[datetime | None]
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    privacy_text: Mapped[str] = mapped_column(Text, default="")
    privacy_version: Mapped[int] = mapped_column(default=1)
    # Which optional sign-up questions are asked: {field: "off" | "optional" | "required"}.
    field_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Overall limit on registrations for the day (None: only the sessions' capacities).
    capacity: Mapped[int | None]
    # Personal data is anonymised this many days after the event ends; dietary and
    # accessibility answers (health-related) sooner.
    retention_days: Mapped[int] = mapped_column(default=90)
    sensitive_retention_days: Mapped[int] = mapped_column(default=7)
    anonymised_at: Mapped[datetime | None]
    # The automatic reminder goes out this many days before the start (None: no reminder).
    reminder_days_before: Mapped[int | None] = mapped_column(default=2)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    programme_items: Mapped[list["ProgrammeItem"]] = relationship(
        back_populates="event", order_by="ProgrammeItem.starts_at", cascade="all, delete-orphan"
    )
    blocks: Mapped[list["ParallelBlock"]] = relationship(
        back_populates="event", order_by="ParallelBlock.starts_at", cascade="all, delete-orphan"
    )

    def programme(self):
        """Plenary items and parallel blocks in the order they happen."""
        entries = [("item", item) for item in self.programme_items]
        entries += [("block", block) for block in self.blocks]
        return sorted(entries, key=lambda entry: entry[1].starts_at)

    def __repr__(self):
        return f"<Event {self.slug}>"


class ProgrammeItem(db.Model):
    """A plenary part of the day that everyone attends."""

    __tablename__ = "programme_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    speakers: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    event: Mapped[Event] = relationship(back_populates="programme_items")


class ParallelBlock(db.Model):
    """A slot in which several dialogue sessions run at once; each participant picks one."""

    __tablename__ = "parallel_block"
    __table_args__ = {"sqlite_autoincrement": True}  # its id is a form's field name

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # How seats are given (issue 14): "first_come", or "preferences" (people rank the
    # sessions until `ranking_deadline`, then an allocation places them; see
    # services/allocation.py). After an allocation is published the block is first come.
    # Database defaults only (NULL too), so that an INSERT leaves these columns out unless
    # they are set: the migration tests build blocks through this model at older revisions.
    allocation_mode: Mapped[str] = mapped_column(String(20), server_default="first_come")
    ranking_deadline: Mapped[datetime | None] = mapped_column(server_default=NULL)
    # Set when ranking closed (the organiser pressed "allocate", or the deadline passed).
    ranking_closed_at: Mapped[datetime | None] = mapped_column(server_default=NULL)
    # "rank_maximal" or "min_rank_sum" (domain/allocation.py); the optional mix rule K.
    allocation_objective: Mapped[str] = mapped_column(String(20), server_default="rank_maximal")
    mix_limit: Mapped[int | None] = mapped_column(server_default=NULL)

    event: Mapped[Event] = relationship(back_populates="blocks")
    sessions: Mapped[list["DialogueSession"]] = relationship(
        back_populates="block",
        order_by="DialogueSession.position, DialogueSession.id",
        cascade="all, delete-orphan",
    )

    FIRST_COME, PREFERENCES = "first_come", "preferences"

    @property
    def takes_preferences(self):
        return self.allocation_mode == self.PREFERENCES

    @property
    def asks_for_a_session(self):
        """A first-come block with sessions: a form asks for one of them (a block without
        sessions asks for nothing, capacity.validate_choices)."""
        return not self.takes_preferences and bool(self.sessions)


class Lead(db.Model):
    """A person who runs one or more dialogue sessions (a sub-project lead)."""

    __tablename__ = "lead"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # The account the lead signs in with, once invited.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    sessions: Mapped[list["DialogueSession"]] = relationship(
        secondary=session_leads, back_populates="leads"
    )
    user = relationship("User", back_populates="leads")


class DialogueSession(db.Model):
    __tablename__ = "dialogue_session"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(
        ForeignKey("parallel_block.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    room: Mapped[str] = mapped_column(String(120), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    # Hands out waiting-list numbers; only ever bumped while the session row is locked.
    waiting_seq: Mapped[int] = mapped_column(default=0)

    block: Mapped[ParallelBlock] = relationship(back_populates="sessions")
    leads: Mapped[list[Lead]] = relationship(
        secondary=session_leads, back_populates="sessions", order_by="Lead.id"
    )

    @property
    def lead_names(self):
        return [lead.name for lead in self.leads]
