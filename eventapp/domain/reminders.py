"""Reminder texts with placeholders, and who a reminder goes to."""
import re
from dataclasses import dataclass, field
from datetime import datetime

from .errors import DomainError

PLACEHOLDERS = ("name", "event", "date", "time", "venue", "session", "room", "manage_link")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class UnknownPlaceholder(DomainError):
    code = "unknown_placeholder"

    def __init__(self, names):
        super().__init__(names)
        self.names = names


def unknown_placeholders(*texts):
    """Placeholder names used in the texts that we cannot fill in."""
    found = []
    for text in texts:
        for name in _PLACEHOLDER.findall(text or ""):
            if name.strip() not in PLACEHOLDERS and name not in found:
                found.append(name)
    return found


def check_placeholders(*texts):
    names = unknown_placeholders(*texts)
    if names:
        raise UnknownPlaceholder(names)


def fill_placeholders(text, values):
    """Put the person's values in; the text was checked, so every placeholder is known."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1).strip(), m.group(0))), text or "")


class ReminderLocked(DomainError):
    """A reminder that has gone out (or was cancelled) is no longer edited."""

    code = "reminder_locked"


CONFIRMED, WAITING = "confirmed", "waiting"


@dataclass(frozen=True)
class Audience:
    """Who gets a reminder. Sessions empty means every session of the event."""

    states: tuple = (CONFIRMED,)
    session_ids: tuple = ()
    registered_after: datetime | None = None
    registered_before: datetime | None = None
    extra: dict = field(default_factory=dict)

    def as_json(self):
        return {
            "states": list(self.states),
            "session_ids": list(self.session_ids),
            "registered_after": self.registered_after.isoformat() if self.registered_after else None,
            "registered_before": self.registered_before.isoformat() if self.registered_before else None,
        }

    @classmethod
    def from_json(cls, data):
        data = data or {}

        def when(key):
            return datetime.fromisoformat(data[key]) if data.get(key) else None

        return cls(
            states=tuple(s for s in data.get("states", [CONFIRMED]) if s in (CONFIRMED, WAITING)),
            session_ids=tuple(int(i) for i in data.get("session_ids", [])),
            registered_after=when("registered_after"),
            registered_before=when("registered_before"),
        )

    def includes(self, choice_states_by_session, created_at):
        """Does a registration with these {session id: state} and this sign-up time qualify?"""
        if self.registered_after and created_at < self.registered_after:
            return False
        if self.registered_before and created_at >= self.registered_before:
            return False
        for session_id, state in choice_states_by_session.items():
            if state in self.states and (not self.session_ids or session_id in self.session_ids):
                return True
        return False


def automatic_send_at(event_starts_at, days_before):
    from datetime import timedelta

    return event_starts_at - timedelta(days=days_before)
