"""Reminder texts with placeholders, and who a reminder goes to."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..util.time import shift
from .errors import UnknownPlaceholder
from .placeholders import unknown_placeholders


def check_placeholders(texts):
    """Refuse texts ({field: text}) holding a placeholder we cannot fill in. The one check,
    for saving and for previews alike."""
    names = unknown_placeholders(*texts.values())
    if names:
        raise UnknownPlaceholder(names, {key: found for key, text in texts.items()
                                         if (found := unknown_placeholders(text))})


def versions(texts):
    """The languages a reminder is written in: Swedish always, English when it has both an
    English subject and an English text."""
    return ("sv", "en") if texts.get("subject_en") and texts.get("body_en") else ("sv",)


def version_for(texts, locale):
    """(language, subject, body) of the text a person who signed up in `locale` reads."""
    if locale == "en" and "en" in versions(texts):
        return "en", texts["subject_en"], texts["body_en"]
    return "sv", texts["subject"], texts["body"]


CONFIRMED, WAITING = "confirmed", "waiting"
# Ranked a block that takes preferences and not yet allocated (issue 14).
AWAITING = "awaiting"


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
            states=tuple(s for s in data.get("states", [CONFIRMED])
                         if s in (CONFIRMED, WAITING, AWAITING)),
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
    return shift(event_starts_at, -timedelta(days=days_before))
