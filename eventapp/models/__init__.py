"""SQLAlchemy models, one module per aggregate."""
from .event import DialogueSession, Event, Lead, ParallelBlock, ProgrammeItem, session_leads
from .outbox import OutboxMessage
from .registration import Registration, SessionChoice

__all__ = [
    "DialogueSession",
    "Event",
    "Lead",
    "OutboxMessage",
    "ParallelBlock",
    "ProgrammeItem",
    "Registration",
    "SessionChoice",
    "session_leads",
]
