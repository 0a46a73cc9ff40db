"""SQLAlchemy models, one module per aggregate."""
from .activity import ActivityEntry
from .allocation import AllocationRun, Preference
from .api import ApiToken, RegistrationChange, token_events, token_sessions
from .event import DialogueSession, Event, Lead, ParallelBlock, ProgrammeItem, session_leads
from .outbox import OutboxMessage
from .registration import Registration, SessionChoice
from .reminder import Reminder
from .user import AccountToken, LoginSession, User

__all__ = [
    "AccountToken",
    "ActivityEntry",
    "AllocationRun",
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
    "Preference",
    "ProgrammeItem",
    "Registration",
    "Reminder",
    "SessionChoice",
    "session_leads",
]
