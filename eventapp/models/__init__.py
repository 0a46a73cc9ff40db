"""SQLAlchemy models, one module per aggregate."""
from .activity import ActivityEntry
from .api import ApiToken, RegistrationChange, token_events, token_sessions
from .event import DialogueSession, Event, Lead, ParallelBlock, ProgrammeItem, session_leads
from .outbox import OutboxMessage
from .registration import Registration, SessionChoice
from .reminder import Reminder
from .user import AccountToken, LoginSession, User

__all__ = [
    "AccountToken",
    "ActivityEntry",
    "ApiToken",
    "RegistrationChange",
    "token_events",
    "token_sessions",
    "User",
    "DialogueSession",
    "Event",
    "Lead",
    "LoginSession",
    "OutboxMessage",
    "ParallelBlock",
    "ProgrammeItem",
    "Registration",
    "Reminder",
    "SessionChoice",
    "session_leads",
]
