"""Ranked preferences for a parallel block and the allocation runs that place them (issue 14)."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..util.time import utcnow


class Preference(db.Model):
    """One rank of a registration's ranking in a block taking preferences: rank 1 is the
    first choice. The rows go once the allocation is published (the seat is what counts)."""

    __tablename__ = "preference"
    __table_args__ = (
        UniqueConstraint("registration_id", "block_id", "rank", name="uq_preference_rank"),
        UniqueConstraint("registration_id", "block_id", "session_id",
                         name="uq_preference_session"),
        Index("ix_preference_block", "block_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("parallel_block.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE"))
    rank: Mapped[int]
    # Ranked after the deadline (ranking closed) but before publishing: placed after everyone
    # on time.
    late: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration = relationship("Registration")
    session = relationship("DialogueSession")
    block = relationship("ParallelBlock")


class AllocationRun(db.Model):
    """One computed allocation of a block: queued (waiting for the mail worker), preview
    (shown to the organiser), published (seats given), or failed; stale when a newer run
    replaced it. Everything needed to audit it is kept: seed, solver and version, the
    digest of its input and the result."""

    __tablename__ = "allocation_run"
    QUEUED, PREVIEW, PUBLISHED, FAILED, STALE = "queued", "preview", "published", "failed", "stale"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(
        ForeignKey("parallel_block.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    # Capacities the organiser set for this run: {session id: seats}; {} for the sessions' own.
    capacities: Mapped[dict] = mapped_column(JSON, default=dict)
    solver: Mapped[str] = mapped_column(String(60), default="")
    input_digest: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    lottery: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    block = relationship("ParallelBlock")
